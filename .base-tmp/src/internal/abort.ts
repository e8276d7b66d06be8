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
