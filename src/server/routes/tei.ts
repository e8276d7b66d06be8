// Text-Embeddings-Inference-compatible endpoints: POST /embed (and POST /, where `@huggingface/inference` sends
// feature extraction for an endpoint URL) and POST /rerank. TEI serves one model per server; here the body may name
// one with `model` (an extension), else the first model of the right kind is used.
import { embeddingsToArrow, readPayload, wantsArrow } from '../bulk.js';
import { readJson, sendBytes, sendJson } from '../http.js';
import { ARROW_STREAM } from '../schemas/encode.js';
import { TeiEmbedRequest, TeiRerankRequest } from '../schemas/tei.js';
import { parseBody } from '../schemas/validate.js';
import type { Route, RouteEnv } from './types.js';
import type { RequestContext } from '../http.js';

function promptKind(name: 'query' | 'document' | 'passage' | null | undefined): 'query' | 'document' | undefined {
  if (name === undefined || name === null) return undefined;
  return name === 'query' ? 'query' : 'document';
}

async function embed(ctx: RequestContext, env: RouteEnv): Promise<void> {
  const body = parseBody(TeiEmbedRequest, await readPayload(ctx.req, env.limits.maxBodyBytes, 'inputs'));
  const texts = typeof body.inputs === 'string' ? [body.inputs] : body.inputs;
  const dimensions = body.dimensions ?? undefined;
  const kind = promptKind(body.prompt_name);
  const model = env.gateway.resolveModel(ctx, 'embedding', body.model ?? undefined);
  const { vectors } = await env.gateway.embed(ctx, ctx.otel, model, texts, {
    ...(dimensions !== undefined ? { dimensions } : {}), ...(kind ? { kind } : {}),
  });
  if (wantsArrow(ctx.req)) return sendBytes(ctx.res, 200, embeddingsToArrow(texts, vectors, model.id), ARROW_STREAM);
  sendJson(ctx.res, 200, vectors.map((v) => Array.from(v)));
}

/** TEI routes. */
export const teiRoutes: Route[] = [
  { method: 'POST', path: '/embed', dialect: 'tei', role: 'embed', handler: embed },
  { method: 'POST', path: '/', dialect: 'tei', role: 'embed', handler: embed },
  {
    method: 'POST', path: '/rerank', dialect: 'tei', role: 'embed',
    async handler(ctx, env) {
      const body = parseBody(TeiRerankRequest, await readJson(ctx.req, env.limits.maxBodyBytes));
      const { query, texts } = body;
      const returnText = body.return_text ?? false;
      const model = env.gateway.resolveModel(ctx, 'reranker', body.model ?? undefined);
      const { results } = await env.gateway.rerank(ctx, ctx.otel, model, query, texts, undefined);
      sendJson(ctx.res, 200, results.map((r) => ({ index: r.index, score: r.score, ...(returnText ? { text: texts[r.index] } : {}) })));
    },
  },
];
