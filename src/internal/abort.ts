/**
 * Abort plumbing every waiting module shares: turning a fired signal into the SDK's error, abortable sleeps, linked
 * timeout signals, and racing a promise that cannot itself be cancelled against a signal.
 *
 * @module
 * @internal
 */
import { AbortError, TimeoutError } from '../core/errors.js';

/**
 * Throws an {@link AbortError} when the signal has fired.
 *
 * @internal
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw toAbortError(signal);
}

/**
 * The error to reject with when `signal` fired: a {@link TimeoutError} for timeout signals, else an {@link AbortError}.
 *
 * @internal
 */
export function toAbortError(signal: AbortSignal): AbortError | TimeoutError {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortError || reason instanceof TimeoutError) return reason;
  if (reason instanceof DOMException && reason.name === 'TimeoutError') return new TimeoutError(NaN, 'operation', { cause: reason });
  return new AbortError(undefined, { cause: reason });
}

/**
 * Resolves after `ms`, or rejects with {@link AbortError} as soon as the signal fires.
 *
 * @internal
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(toAbortError(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(toAbortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A signal that fires when the caller's signal fires or `timeoutMs` elapses (reason: a {@link TimeoutError}).
 * Call `dispose()` when done so the timer does not keep the process alive.
 *
 * @internal
 */
export function linkedSignal(
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
  what = 'operation',
): { signal: AbortSignal | undefined; dispose: () => void } {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return { signal, dispose: () => {} };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(timeoutMs, what)), timeoutMs);
  timer.unref?.();
  const onAbort = (): void => controller.abort(signal!.reason);
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Options of {@link raceAbort}. */
export interface RaceAbortOptions<T> {
  /** The error to reject with when the signal fires (default {@link toAbortError}). */
  error?: (signal: AbortSignal) => Error;
  /** Called with the value when `promise` fulfils after the race was lost to the signal (release a late resource). */
  onAbandon?: (value: T) => void;
}

/**
 * Settles with `promise`, or rejects as soon as `signal` fires — for waits on work that takes no signal itself (a
 * vendor call, a shared model load, a pool checkout). The listener is removed when either side settles.
 *
 * @internal
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, options: RaceAbortOptions<T> = {}): Promise<T> {
  if (!signal) return promise;
  const fail = (): Error => (options.error ?? toAbortError)(signal);
  const abandon = (): void => {
    const onAbandon = options.onAbandon;
    if (onAbandon) void promise.then(onAbandon, () => undefined);
    else void promise.catch(() => undefined);
  };
  if (signal.aborted) {
    abandon();
    return Promise.reject(fail());
  }
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      abandon();
      reject(fail());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const done = (): void => signal.removeEventListener('abort', onAbort);
  promise.then(done, done);
  return Promise.race([promise, aborted]);
}
