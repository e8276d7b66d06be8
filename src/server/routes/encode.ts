// Fletcher-compatible bulk routes: POST /encode takes a CBOR array of strings, POST /encode/arrow an Arrow IPC stream
// with a `text` column; both answer an Arrow IPC stream of `text` and `embedding` columns (the record Fletcher sends
// on to its vector store, handed back to the caller here). The model comes from `?model=`, else the first served one.
import { ValidationError } from '../../core/errors.js';
import { decodeCbor, embeddingsToArrow, isCbor, textsFromArrow } from '../bulk.js';
import { HttpError } from '../error-status.js';
import type { RequestContext } from '../http.js';
import { readBody, sendBytes } from '../http.js';
import { ARROW_STREAM, CBOR, EncodeQuery, EncodeRequest } from '../schemas/encode.js';
import { parseBody } from '../schemas/validate.js';
import type { Route, RouteEnv } from './types.js';

function queryOf(ctx: RequestContext): { model?: string } {
  const params = new URL(ctx.req.url ?? '/', 'http://x').searchParams;
  return parseBody(EncodeQuery, Object.fromEntries(params));
}

async function answer(ctx: RequestContext, env: RouteEnv, texts: string[], modelId: string | undefined): Promise<void> {
  if (texts.length === 0) throw new ValidationError('send at least one text');
  const model = env.gateway.resolveModel(ctx, 'embedding', modelId);
  const { vectors } = await env.gateway.embed(ctx, ctx.otel, model, texts, {});
  sendBytes(ctx.res, 200, embeddingsToArrow(texts, vectors, model.id), ARROW_STREAM);
}

function requireType(ctx: RequestContext, expected: string): void {
  const type = ctx.req.headers['content-type'];
  if (type === undefined || type.split(';')[0].trim().toLowerCase() !== expected) {
    throw new HttpError(415, 'INVALID_INPUT', `Unsupported content type "${type ?? ''}": send ${expected}`);
  }
}

/** Fletcher-compatible routes. */
export const encodeRoutes: Route[] = [
  {
    method: 'POST', path: '/encode', dialect: 'tei', role: 'embed',
    async handler(ctx, env) {
      const { model } = queryOf(ctx);
      if (!isCbor(ctx.req)) requireType(ctx, CBOR);
      const texts = parseBody(EncodeRequest, decodeCbor(await readBody(ctx.req, env.limits.maxBodyBytes)));
      await answer(ctx, env, texts, model);
    },
  },
  {
    method: 'POST', path: '/encode/arrow', dialect: 'tei', role: 'embed',
    async handler(ctx, env) {
      const { model } = queryOf(ctx);
      requireType(ctx, ARROW_STREAM);
      await answer(ctx, env, textsFromArrow(await readBody(ctx.req, env.limits.maxBodyBytes)), model);
    },
  },
];
