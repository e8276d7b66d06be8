/**
 * Per-attempt timeouts linked to the caller's signal, and the idle timeout of a streamed answer.
 *
 * @module
 */
import { TimeoutError } from '../core/errors.js';
import { linkedSignal, raceAbort, toAbortError } from '../internal/abort.js';

/**
 * Runs `fn` with a signal that fires when the caller's signal fires or `timeoutMs` elapses. The promise settles
 * as soon as either happens, even if `fn` ignores its signal: with a {@link TimeoutError} on timeout, an
 * `AbortError` on abort.
 *
 * @param fn - the work; it should pass the signal to whatever it waits on
 * @param options - the caller's `signal`, `timeout` in milliseconds (none when undefined), `what` for the message
 * @returns what `fn` returns
 * @throws {@link TimeoutError} when the time runs out
 * @throws {@link AbortError} when the caller's signal fires
 * @example
 * ```ts
 * const res = await withTimeout((signal) => fetch(url, { signal }), { timeout: 5_000, signal: userSignal });
 * ```
 */
export async function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  options: { signal?: AbortSignal; timeout?: number; what?: string } = {},
): Promise<T> {
  const linked = linkedSignal(options.signal, options.timeout, options.what);
  const signal = linked.signal ?? new AbortController().signal;
  if (signal.aborted) {
    linked.dispose();
    throw toAbortError(signal);
  }
  try {
    return await raceAbort(fn(signal), signal);
  } finally {
    linked.dispose();
  }
}

/**
 * Reads `iterator` until it ends, failing with a {@link TimeoutError} when no item arrives within `idleMs` of the
 * previous one. On timeout it aborts `controller` (whose signal the producer's request should observe) with the
 * `TimeoutError` as reason, so the underlying request is torn down too.
 *
 * @param iterator - the source
 * @param idleMs - longest silence in milliseconds; `undefined` or non-finite disables the check
 * @param controller - aborted on timeout
 * @returns the same items
 * @throws {@link TimeoutError} when the source stays silent too long
 * @internal
 */
export async function* idleTimeout<T>(
  iterator: AsyncIterator<T>,
  idleMs: number | undefined,
  controller: AbortController,
): AsyncGenerator<T, void, undefined> {
  const limit = idleMs !== undefined && Number.isFinite(idleMs) && idleMs > 0 ? idleMs : undefined;
  for (;;) {
    // The consumer may have aborted while it held the previous item.
    if (controller.signal.aborted) throw toAbortError(controller.signal);
    let timer: NodeJS.Timeout | undefined;
    let expired: Promise<never> | undefined;
    if (limit !== undefined) {
      expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new TimeoutError(limit, 'stream (no data)');
          controller.abort(err);
          reject(err);
        }, limit);
      });
    }
    let step: IteratorResult<T>;
    try {
      step = expired ? await Promise.race([iterator.next(), expired]) : await iterator.next();
    } finally {
      clearTimeout(timer);
    }
    if (step.done) return;
    yield step.value;
  }
}
