// Ollama-compatible endpoints: POST /api/embed and GET /api/tags, as the `ollama` client speaks them.
import { createHash } from 'node:crypto';
import { asObject, intField, readJson, sendJson, stringField, textsField } from '../http.js';
import type { Route } from './types.js';

const MODIFIED = new Date().toISOString();

/** Ollama routes. */
export const ollamaRoutes: Route[] = [
  {
    method: 'POST', path: '/api/embed', dialect: 'ollama', role: 'embed',
    async handler(ctx, env) {
      const started = process.hrtime.bigint();
      const body = asObject(await readJson(ctx.req, env.limits.maxBodyBytes));
      const { texts } = textsField(body, 'input');
      const dimensions = intField(body, 'dimensions');
      const model = env.gateway.resolveModel(ctx, 'embedding', stringField(body, 'model', true));
      const { vectors, tokens } = await env.gateway.embed(ctx, ctx.otel, model, texts, dimensions !== undefined ? { dimensions } : {});
      sendJson(ctx.res, 200, {
        model: model.id,
        embeddings: vectors.map((v) => Array.from(v)),
        total_duration: Number(process.hrtime.bigint() - started),
        load_duration: 0,
        prompt_eval_count: tokens,
      });
    },
  },
  {
    method: 'GET', path: '/api/tags', dialect: 'ollama', role: 'embed',
    async handler(ctx, env) {
      sendJson(ctx.res, 200, {
        models: env.gateway.visibleModels(ctx).map((m) => ({
          name: m.id, model: m.id, modified_at: MODIFIED, size: 0,
          digest: createHash('sha256').update(m.id).digest('hex'),
          details: { parent_model: '', format: 'onnx', family: m.kind === 'embedding' ? 'bert' : 'cross-encoder', families: null, parameter_size: '', quantization_level: '' },
        })),
      });
    },
  },
];
