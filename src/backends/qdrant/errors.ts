/**
 * Qdrant failures as abi-sdk errors. The official client throws `ApiError` (`status`, `data` = Qdrant's
 * `{ status: { error }, time }` body, `headers`) for error statuses, `QdrantClientResourceExhaustedError` for a 429
 * with `Retry-After`, `QdrantClientTimeoutError` for its own timeout, and undici's `TypeError: fetch failed` when
 * the server cannot be reached.
 *
 * @internal
 * @module
 */
import {
  AbiError, ConflictError, connectorErrorFromStatus, InvalidResponseError, NotFoundError, RateLimitError, TimeoutError,
  ValidationError, ConnectionError,
} from '../../core/errors.js';
import { toAbortError } from '../../internal/abort.js';
import { isNetworkError } from '../../internal/network.js';

const PROVIDER = 'qdrant';

/** Qdrant's message from an error body: `{ status: { error } }`, or a plain text body. */
function qdrantMessage(body: unknown, fallback: string): string {
  if (typeof body === 'string' && body.trim() !== '') return body.trim().slice(0, 2000);
  const status = body && typeof body === 'object' ? (body as { status?: unknown }).status : undefined;
  const error = status && typeof status === 'object' ? (status as { error?: unknown }).error : undefined;
  return typeof error === 'string' ? error : fallback;
}

/**
 * Maps whatever a Qdrant call threw onto the SDK's errors: the caller's abort or timeout first; then 404 →
 * `NotFoundError`, 400/422 → `ValidationError`, 409 → `ConflictError`, 401/403/429/5xx → the connector family
 * (`AuthenticationError`, `PermissionDeniedError`, `RateLimitError`, `ProviderError` with `status` and `body`),
 * unreachable server → `ConnectionError`.
 *
 * @internal
 */
export function toQdrantError(err: unknown, signal: AbortSignal | undefined, what: string): AbiError {
  if (signal?.aborted) return toAbortError(signal);
  if (err instanceof AbiError) return err;
  const e = err as { name?: unknown; status?: unknown; data?: unknown; headers?: unknown; message?: unknown };
  const name = typeof e?.name === 'string' ? e.name : '';
  if (name === 'QdrantClientTimeoutError') return new TimeoutError(NaN, `Qdrant ${what}`, { cause: err });
  if (name === 'QdrantClientResourceExhaustedError') {
    const seconds = Number((err as { retry_after?: unknown }).retry_after);
    return new RateLimitError(`Qdrant ${what}: ${String(e.message)}`, {
      provider: PROVIDER, status: 429, cause: err,
      ...(Number.isFinite(seconds) ? { retryAfterMs: Math.round(seconds * 1000) } : {}),
    });
  }
  if (typeof e?.status === 'number' && e.status >= 400) {
    const status = e.status;
    const message = `Qdrant ${what}: ${qdrantMessage(e.data, `HTTP ${status}`)}`;
    if (status === 404) return new NotFoundError(message, { cause: err });
    if (status === 400 || status === 422) return new ValidationError(message, { cause: err });
    if (status === 409) return new ConflictError(message, { cause: err });
    return connectorErrorFromStatus(status, message, { provider: PROVIDER, status, body: e.data, cause: err });
  }
  if (name === 'QdrantClientUnexpectedResponseError') {
    return new InvalidResponseError(`Qdrant ${what}: ${String(e.message)}`, { provider: PROVIDER, cause: err });
  }
  if (isNetworkError(err)) return new ConnectionError(`Qdrant ${what}: cannot reach the server`, { provider: PROVIDER, cause: err });
  return new InvalidResponseError(`Qdrant ${what}: ${String(e?.message ?? err)}`, { provider: PROVIDER, cause: err });
}
