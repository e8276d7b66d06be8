// OpenAI-compatible endpoints: POST /v1/embeddings and GET /v1/models, as the `openai` client speaks them.
import { ModelNotFoundError } from '../../core/errors.js';
import { embeddingsToArrow, readPayload, wantsArrow } from '../bulk.js';
import { sendBytes, sendJson } from '../http.js';
import { ARROW_STREAM } from '../schemas/encode.js';
import { OpenAIEmbeddingsRequest } from '../schemas/openai.js';
import { parseBody } from '../schemas/validate.js';
import type { Route } from './types.js';

const CREATED = Math.floor(Date.now() / 1000);

/** Float32 little-endian bytes in base64, as OpenAI's `encoding_format: "base64"`. */
function toBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

/** OpenAI routes. */
export const openaiRoutes: Route[] = [
  {
    method: 'POST', path: '/v1/embeddings', dialect: 'openai', role: 'embed',
    async handler(ctx, env) {
      const body = parseBody(OpenAIEmbeddingsRequest, await readPayload(ctx.req, env.limits.maxBodyBytes, 'input'));
      const texts = typeof body.input === 'string' ? [body.input] : body.input;
      const format = body.encoding_format ?? 'float';
      const dimensions = body.dimensions ?? undefined;
      const kind = body.input_type ?? undefined;
      const model = env.gateway.resolveModel(ctx, 'embedding', body.model);
      const { vectors, tokens } = await env.gateway.embed(ctx, ctx.otel, model, texts, {
        ...(dimensions !== undefined ? { dimensions } : {}), ...(kind ? { kind } : {}),
      });
      if (wantsArrow(ctx.req)) return sendBytes(ctx.res, 200, embeddingsToArrow(texts, vectors, model.id), ARROW_STREAM);
      sendJson(ctx.res, 200, {
        object: 'list',
        data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? toBase64(v) : Array.from(v) })),
        model: model.id,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    },
  },
  {
    method: 'GET', path: '/v1/models', dialect: 'openai', role: 'embed',
    async handler(ctx, env) {
      sendJson(ctx.res, 200, {
        object: 'list',
        data: env.gateway.visibleModels(ctx).map((m) => ({ id: m.id, object: 'model', created: CREATED, owned_by: 'abi-sdk' })),
      });
    },
  },
  {
    method: 'GET', path: '/v1/models/:id', dialect: 'openai', role: 'embed',
    async handler(ctx, env) {
      const m = env.gateway.visibleModels(ctx).find((x) => x.id === ctx.params.id);
      if (!m) throw new ModelNotFoundError(`The model "${ctx.params.id}" does not exist`, { provider: 'abi-sdk', status: 404 });
      sendJson(ctx.res, 200, { id: m.id, object: 'model', created: CREATED, owned_by: 'abi-sdk' });
    },
  },
];
