/**
 * Turning whatever a vendor client or `fetch` threw into the SDK's typed errors. Each connector maps its vendor's
 * HTTP errors with {@link httpError}; {@link toConnectorError} handles what every connector shares (aborts, our own
 * timeouts, connection failures, malformed JSON) and falls back to the connector's mapper.
 *
 * @module
 */
import {
  AbiError, ConnectionError, connectorErrorFromStatus, type ConnectorError, InvalidResponseError, ModelLoadingError,
  ModelNotFoundError, ProviderError,
} from '../../core/errors.js';
import { inspect } from 'node:util';
import { toAbortError } from '../../internal/abort.js';
import { isNetworkError } from '../../internal/network.js';
import { parseRetryAfter } from '../../resilience/retry.js';
import { type Secret, scrubText, scrubValue } from './secret.js';

/** What the mappers need to know about the failed attempt. */
export interface FailureContext {
  /** Provider name for the error. */
  provider: string;
  /** The attempt's signal: when it fired, the failure is an abort or our timeout, whatever the vendor said. */
  signal: AbortSignal | undefined;
  /** Credentials to scrub from messages and bodies. */
  secrets: readonly (Secret | undefined)[];
}

/**
 * The provider's own message from an error body: OpenAI's `{ error: { message } }`, Ollama's and Hugging Face's
 * `{ error: "…" }`, TEI's `{ error, error_type }`, FastAPI's `{ detail }`, or a plain text body.
 *
 * @internal
 */
export function providerMessage(body: unknown, fallback: string): string {
  if (typeof body === 'string' && body.trim() !== '') return body.trim().slice(0, 2000);
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const e = b.error;
    if (typeof e === 'string') return e;
    if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
    if (typeof b.message === 'string') return b.message;
    if (typeof b.detail === 'string') return b.detail;
  }
  return fallback;
}

/**
 * The vendor error to keep as `cause`, unless something in it (a provider echoing the key back in a message or
 * body) contains a secret: then a plain `Error` copy with the secret scrubbed from its name, message and stack.
 *
 * @internal
 */
export function safeCause(err: unknown, secrets: readonly (Secret | undefined)[]): unknown {
  if (!secrets.some((s) => s)) return err;
  const text = inspect(err, { depth: 8, showHidden: true });
  if (scrubText(text, secrets) === text) return err;
  const e = err as { name?: unknown; message?: unknown; stack?: unknown };
  const copy = new Error(scrubText(String(e?.message ?? err), secrets));
  copy.name = typeof e?.name === 'string' ? e.name : 'Error';
  copy.stack = typeof e?.stack === 'string' ? scrubText(e.stack, secrets) : copy.stack;
  return copy;
}

/** Details of an HTTP error answer, for {@link httpError}. */
export interface HttpErrorDetails {
  /** Response headers, for `Retry-After` and request ids. */
  headers?: Headers | Record<string, string | string[] | undefined>;
  /** The parsed (or text) error body. */
  body?: unknown;
  /** The vendor error, kept as `cause`. */
  cause?: unknown;
  /** Map 404 to `MODEL_NOT_FOUND` (Ollama; OpenAI's `model_not_found`). */
  notFoundIsModel?: boolean;
  /** Map 503 with a loading body to `MODEL_LOADING` (Hugging Face). */
  detectLoading?: boolean;
}

/**
 * Builds the typed error for an HTTP error status: `RATE_LIMITED` (with `retryAfterMs`), `MODEL_NOT_FOUND`,
 * `MODEL_LOADING` (with `estimatedMs`), `UNAUTHORIZED`, `FORBIDDEN`, or `PROVIDER_ERROR` with the status and the
 * provider's message. Secrets are scrubbed from the message and body.
 *
 * @internal
 */
export function httpError(status: number, ctx: FailureContext, details: HttpErrorDetails = {}): ConnectorError {
  const body = scrubValue(details.body, ctx.secrets);
  const message = scrubText(providerMessage(body, `HTTP ${status}`), ctx.secrets);
  const headers = details.headers;
  const requestId = header(headers, 'x-request-id');
  const base = {
    provider: ctx.provider, status, body, ...(requestId ? { requestId } : {}),
    ...(details.cause === undefined ? {} : { cause: safeCause(details.cause, ctx.secrets) }),
  };
  const retryAfterMs = parseRetryAfter(headers);
  if (details.detectLoading && status === 503) {
    const est = body && typeof body === 'object' ? (body as { estimated_time?: unknown }).estimated_time : undefined;
    if (typeof est === 'number' || /loading/i.test(message)) {
      return new ModelLoadingError(message, {
        ...base, ...(typeof est === 'number' && Number.isFinite(est) ? { estimatedMs: Math.round(est * 1000) } : {}),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
  }
  if (status === 404 && (details.notFoundIsModel || /model[^]*not found|model_not_found|does not exist/i.test(message))) {
    return new ModelNotFoundError(message, base);
  }
  return connectorErrorFromStatus(status, message, { ...base, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}

function header(headers: HttpErrorDetails['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  return undefined;
}

/**
 * Maps anything an attempt threw to an {@link AbiError}:
 * an `AbiError` passes through; when the attempt's signal fired, an `AbortError` or our `TimeoutError`;
 * then the connector's `vendor` mapper (HTTP statuses); then transport failures → `CONNECTION_ERROR`;
 * JSON that does not parse → `INVALID_RESPONSE`; anything else → `PROVIDER_ERROR` without a status.
 *
 * @internal
 */
export function toConnectorError(
  err: unknown,
  ctx: FailureContext,
  vendor?: (err: unknown) => AbiError | undefined,
): AbiError {
  if (err instanceof AbiError) return err;
  if (ctx.signal?.aborted) return toAbortError(ctx.signal);
  const mapped = vendor?.(err);
  if (mapped) return mapped;
  const message = scrubText(err instanceof Error ? err.message : String(err), ctx.secrets);
  const cause = safeCause(err, ctx.secrets);
  if (isNetworkError(err)) return new ConnectionError(`Connection to ${ctx.provider} failed: ${message}`, { provider: ctx.provider, cause });
  if (err instanceof SyntaxError) {
    return new InvalidResponseError(`${ctx.provider} sent a malformed response: ${message}`, { provider: ctx.provider, cause });
  }
  return new ProviderError(message, { provider: ctx.provider, cause });
}

/**
 * A fetch for one attempt: the attempt's signal is merged into every request (vendor clients that take no
 * per-call signal, like `ollama`, are cancelled this way), and the last response's status and headers are kept
 * for the error mapper (clients that drop headers, like `@huggingface/inference`, lose `Retry-After`).
 *
 * @internal
 */
export function attemptFetch(base: typeof fetch, signal: AbortSignal): { fetch: typeof fetch; last: { response?: Response } } {
  const last: { response?: Response } = {};
  const wrapped = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const own = init?.signal ?? undefined;
    const merged = own ? AbortSignal.any([own, signal]) : signal;
    const response = await base(input, { ...init, signal: merged });
    last.response = response;
    return response;
  }) as typeof fetch;
  return { fetch: wrapped, last };
}
