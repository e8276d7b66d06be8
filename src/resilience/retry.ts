/**
 * The one retry policy every connector uses: which failures are retried and how long to wait before the next
 * attempt. The loop itself lives in {@link ResilientCaller}, which combines it with timeouts, the circuit breaker,
 * the rate limiter and the load balancer.
 *
 * Why not `cockatiel`'s `RetryPolicy` (read in its 3.2.1 source): its backoff wait is a plain `setTimeout` that
 * ignores the cancellation signal, so aborting during a 30 s backoff still waits 30 s; it reads no `Retry-After`
 * unless we write the backoff ourselves; and its timers cannot be replaced by a test clock. What remains once those
 * are written is this file.
 *
 * @module
 */
import { AbiError, ValidationError } from '../core/errors.js';

/** How failed attempts are retried. Every field has a default; see {@link DEFAULT_RETRY_OPTIONS}. */
export interface RetryOptions {
  /**
   * Total attempts, the first included; `1` disables retries.
   * @defaultValue 3
   */
  maxAttempts?: number;
  /**
   * Wait before the first retry, in milliseconds; each further retry doubles it (see `factor`).
   * @defaultValue 500
   */
  initialDelayMs?: number;
  /**
   * Growth of the wait from one retry to the next.
   * @defaultValue 2
   */
  factor?: number;
  /**
   * Upper bound of a computed backoff wait, jitter included, in milliseconds.
   * @defaultValue 30000
   */
  maxDelayMs?: number;
  /**
   * Relative jitter: a computed wait `d` becomes a uniform value in `[d·(1−jitter), d·(1+jitter)]`.
   * @defaultValue 0.25
   */
  jitter?: number;
  /**
   * Longest provider-requested wait (`Retry-After`, `retry-after-ms`, Hugging Face's `estimated_time`) that is
   * honoured, in milliseconds. When the provider asks for more, the call fails at once with its error (which
   * carries `retryAfterMs`) instead of blocking for minutes.
   * @defaultValue 60000
   */
  maxRetryAfterMs?: number;
  /**
   * Source of randomness in `[0, 1)` for the jitter; inject a constant to make waits deterministic.
   * @defaultValue Math.random
   */
  random?: () => number;
}

/** The defaults of {@link RetryOptions}: 3 attempts, 500 ms ×2 up to 30 s, ±25% jitter, `Retry-After` up to 60 s. */
export const DEFAULT_RETRY_OPTIONS: Readonly<Required<RetryOptions>> = Object.freeze({
  maxAttempts: 3,
  initialDelayMs: 500,
  factor: 2,
  maxDelayMs: 30_000,
  jitter: 0.25,
  maxRetryAfterMs: 60_000,
  random: Math.random,
});

/**
 * Fills in the defaults and validates the values.
 *
 * @param options - partial options
 * @returns complete options
 * @throws {@link ValidationError} when a value is out of range
 */
export function resolveRetryOptions(options: RetryOptions | undefined): Required<RetryOptions> {
  const o = { ...DEFAULT_RETRY_OPTIONS, ...stripUndefined(options ?? {}) };
  if (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1) throw new ValidationError('maxAttempts must be an integer ≥ 1');
  if (!(o.initialDelayMs >= 0) || !(o.maxDelayMs >= 0) || !(o.factor >= 1)) {
    throw new ValidationError('initialDelayMs and maxDelayMs must be ≥ 0 and factor ≥ 1');
  }
  if (!(o.jitter >= 0 && o.jitter <= 1)) throw new ValidationError('jitter must be in [0, 1]');
  if (!(o.maxRetryAfterMs >= 0)) throw new ValidationError('maxRetryAfterMs must be ≥ 0');
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The computed (not provider-requested) wait before retry number `retry` (1 for the first retry):
 * `initialDelayMs · factor^(retry−1)` with jitter, capped at `maxDelayMs`.
 *
 * @param retry - 1 for the wait after the first failed attempt, 2 after the second, …
 * @param options - complete retry options
 * @returns milliseconds
 */
export function backoffDelay(retry: number, options: Required<RetryOptions>): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** Math.max(0, retry - 1));
  const jittered = base * (1 + options.jitter * (2 * options.random() - 1));
  return Math.max(0, Math.min(options.maxDelayMs, jittered));
}

/**
 * The wait the provider asked for, read from a failure: `retryAfterMs` (set from `Retry-After` / `retry-after-ms`)
 * or `estimatedMs` (a model still loading).
 *
 * @param err - any thrown value
 * @returns milliseconds, or `undefined` when the failure carries no request
 */
export function requestedDelay(err: unknown): number | undefined {
  if (!(err instanceof AbiError)) return undefined;
  const { retryAfterMs, estimatedMs } = err as AbiError & { retryAfterMs?: unknown; estimatedMs?: unknown };
  if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs)) return Math.max(0, retryAfterMs);
  if (typeof estimatedMs === 'number' && Number.isFinite(estimatedMs)) return Math.max(0, estimatedMs);
  return undefined;
}

/**
 * Whether a failure may succeed when repeated: an {@link AbiError} whose `retryable` is true — HTTP 408, 429 and
 * 5xx, connection failures, per-attempt timeouts, a model still loading. Aborts and other 4xx never are.
 *
 * @param err - any thrown value
 * @returns whether to retry
 */
export function isRetryable(err: unknown): boolean {
  return err instanceof AbiError && err.retryable && err.code !== 'ABORTED';
}

/**
 * How long to wait before retry number `retry`, or `undefined` when the failure must not be retried: not
 * retryable, or the provider asked for a wait longer than `maxRetryAfterMs`. A provider-requested wait is honoured
 * as given (no jitter, not capped by `maxDelayMs`); otherwise {@link backoffDelay}.
 *
 * @param err - the failure of the last attempt
 * @param retry - 1 for the first retry
 * @param options - complete retry options
 * @returns milliseconds to wait, or `undefined` to give up
 */
export function retryDelay(err: unknown, retry: number, options: Required<RetryOptions>): number | undefined {
  if (!isRetryable(err)) return undefined;
  const requested = requestedDelay(err);
  if (requested !== undefined) return requested <= options.maxRetryAfterMs ? requested : undefined;
  return backoffDelay(retry, options);
}

/**
 * Reads `retry-after-ms` (OpenAI's, milliseconds) or `Retry-After` (seconds, or an HTTP date) from response headers.
 *
 * @param headers - a `Headers` object or a plain record (keys in any case)
 * @param now - the current time, for HTTP dates
 * @returns milliseconds (≥ 0), or `undefined` when absent or unparsable
 */
export function parseRetryAfter(
  headers: Headers | Readonly<Record<string, string | string[] | undefined>> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | undefined => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
    for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
      if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
    }
    return undefined;
  };
  const ms = get('retry-after-ms');
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = get('retry-after')?.trim();
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra)) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
