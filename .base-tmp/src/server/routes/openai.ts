// OpenAI-compatible endpoints: POST /v1/embeddings and GET /v1/models, as the `openai` client speaks them.
import { ModelNotFoundError, ValidationError } from '../../core/errors.js';
import { asObject, intField, readJson, sendJson, stringField, textsField } from '../http.js';
import type { Route } from './types.js';

const CREATED = Math.floor(Date.now() / 1000);

/** Float32 little-endian bytes in base64, as OpenAI's `encoding_format: "base64"`. */
function toBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function inputType(o: Record<string, unknown>): 'query' | 'document' | undefined {
  const t = stringField(o, 'input_type');
  if (t === undefined) return undefined;
  if (t !== 'query' && t !== 'document') throw new ValidationError('"input_type" must be "query" or "document"');
  return t;
}

/** OpenAI routes. */
export const openaiRoutes: Route[] = [
  {
    method: 'POST', path: '/v1/embeddings', dialect: 'openai', role: 'embed',
    async handler(ctx, env) {
      const body = asObject(await readJson(ctx.req, env.limits.maxBodyBytes));
      const { texts } = textsField(body, 'input');
      const modelId = stringField(body, 'model', true);
      const format = stringField(body, 'encoding_format') ?? 'float';
      if (format !== 'float' && format !== 'base64') throw new ValidationError('"encoding_format" must be "float" or "base64"');
      const dimensions = intField(body, 'dimensions');
      const kind = inputType(body);
      const model = env.gateway.resolveModel(ctx, 'embedding', modelId);
      const { vectors, tokens } = await env.gateway.embed(ctx, ctx.otel, model, texts, {
        ...(dimensions !== undefined ? { dimensions } : {}), ...(kind ? { kind } : {}),
      });
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
