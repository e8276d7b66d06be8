// Ollama-compatible endpoints: POST /api/embed and GET /api/tags, as the `ollama` client speaks them.
import { createHash } from 'node:crypto';
import { embeddingsToArrow, readPayload, wantsArrow } from '../bulk.js';
import { sendBytes, sendJson } from '../http.js';
import { ARROW_STREAM } from '../schemas/encode.js';
import { OllamaEmbedRequest } from '../schemas/ollama.js';
import { parseBody } from '../schemas/validate.js';
import type { Route } from './types.js';

const MODIFIED = new Date().toISOString();

/** Ollama routes. */
export const ollamaRoutes: Route[] = [
  {
    method: 'POST', path: '/api/embed', dialect: 'ollama', role: 'embed',
    async handler(ctx, env) {
      const started = process.hrtime.bigint();
      const body = parseBody(OllamaEmbedRequest, await readPayload(ctx.req, env.limits.maxBodyBytes, 'input'));
      const texts = typeof body.input === 'string' ? [body.input] : body.input;
      const dimensions = body.dimensions ?? undefined;
      const model = env.gateway.resolveModel(ctx, 'embedding', body.model);
      const { vectors, tokens } = await env.gateway.embed(ctx, ctx.otel, model, texts, dimensions !== undefined ? { dimensions } : {});
      if (wantsArrow(ctx.req)) return sendBytes(ctx.res, 200, embeddingsToArrow(texts, vectors, model.id), ARROW_STREAM);
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
