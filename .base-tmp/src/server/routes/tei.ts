// Text-Embeddings-Inference-compatible endpoints: POST /embed (and POST /, where `@huggingface/inference` sends
// feature extraction for an endpoint URL) and POST /rerank. TEI serves one model per server; here the body may name
// one with `model` (an extension), else the first model of the right kind is used.
import { ValidationError } from '../../core/errors.js';
import { asObject, boolField, intField, readJson, sendJson, stringField, textsField } from '../http.js';
import type { Route, RouteEnv } from './types.js';
import type { RequestContext } from '../http.js';

function promptKind(o: Record<string, unknown>): 'query' | 'document' | undefined {
  const name = stringField(o, 'prompt_name');
  if (name === undefined) return undefined;
  if (name === 'query') return 'query';
  if (name === 'document' || name === 'passage') return 'document';
  throw new ValidationError(`Unknown prompt_name "${name}" (this server knows "query" and "document")`);
}

async function embed(ctx: RequestContext, env: RouteEnv): Promise<void> {
  const body = asObject(await readJson(ctx.req, env.limits.maxBodyBytes));
  const { texts } = textsField(body, 'inputs');
  boolField(body, 'normalize');
  boolField(body, 'truncate');
  const dimensions = intField(body, 'dimensions');
  const kind = promptKind(body);
  const model = env.gateway.resolveModel(ctx, 'embedding', stringField(body, 'model'));
  const { vectors } = await env.gateway.embed(ctx, ctx.otel, model, texts, {
    ...(dimensions !== undefined ? { dimensions } : {}), ...(kind ? { kind } : {}),
  });
  sendJson(ctx.res, 200, vectors.map((v) => Array.from(v)));
}

/** TEI routes. */
export const teiRoutes: Route[] = [
  { method: 'POST', path: '/embed', dialect: 'tei', role: 'embed', handler: embed },
  { method: 'POST', path: '/', dialect: 'tei', role: 'embed', handler: embed },
  {
    method: 'POST', path: '/rerank', dialect: 'tei', role: 'embed',
    async handler(ctx, env) {
      const body = asObject(await readJson(ctx.req, env.limits.maxBodyBytes));
      const query = stringField(body, 'query', true);
      const { texts, single } = textsField(body, 'texts');
      if (single) throw new ValidationError('"texts" must be an array of strings');
      const returnText = boolField(body, 'return_text') ?? false;
      boolField(body, 'raw_scores');
      boolField(body, 'truncate');
      const model = env.gateway.resolveModel(ctx, 'reranker', stringField(body, 'model'));
      const { results } = await env.gateway.rerank(ctx, ctx.otel, model, query, texts, undefined);
      sendJson(ctx.res, 200, results.map((r) => ({ index: r.index, score: r.score, ...(returnText ? { text: texts[r.index] } : {}) })));
    },
  },
];
