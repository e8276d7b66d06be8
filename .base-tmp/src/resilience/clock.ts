import { sleep as abortableSleep } from '../internal/abort.js';

/**
 * Time as the resilience machinery sees it: the current time and an abortable wait. Injecting one makes backoff,
 * cool-downs and rate limits testable without real waits (record the requested delay, sleep a scaled-down one).
 *
 * @example
 * ```ts
 * // Waits 1/1000 of what was asked, so a 30 s backoff takes 30 ms in a test.
 * const fastClock: Clock = { now: () => Date.now(), sleep: (ms, signal) => systemClock.sleep(ms / 1000, signal) };
 * ```
 */
export interface Clock {
  /**
   * The current time in milliseconds (any fixed origin; only differences are used).
   *
   * @returns milliseconds
   */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; rejects with an `AbortError` (or `TimeoutError`, by the signal's reason)
   * as soon as the signal fires.
   *
   * @param ms - milliseconds to wait (0 or less resolves on the next turn)
   * @param signal - aborts the wait
   * @returns when the wait is over
   * @throws {@link AbortError} when the signal fires
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `setTimeout`. The default everywhere a {@link Clock} is accepted. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => abortableSleep(Math.max(0, ms), signal),
};
