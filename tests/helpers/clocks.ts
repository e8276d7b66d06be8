import { AbortError, type Clock } from '../../src/index.js';
import { systemClock } from '../../src/resilience/clock.js';

/** A clock whose time only moves when told to (cool-downs); `sleep` is real but scaled down 1000x. */
export function manualClock(start = 1_000_000): Clock & { advance(ms: number): void; sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return systemClock.sleep(ms / 1000, signal);
    },
    advance: (ms) => {
      now += ms;
    },
    sleeps,
  };
}

/**
 * Virtual time that jumps forward by exactly what `sleep` asks (waits are instant but time-accurate), so rate limits
 * and backoff schedules can be asserted to the millisecond.
 */
export function virtualClock(start = 0): Clock & { sleeps: number[]; readonly time: number } {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      await systemClock.sleep(0, signal);
      now += Math.max(0, ms);
      if (signal?.aborted) throw new AbortError();
    },
    sleeps,
    get time() {
      return now;
    },
  };
}

/** Real time, every wait scaled by `factor` (0.001: a 30 s backoff takes 30 ms); records the requested waits. */
export function scaledClock(factor = 0.001): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    now: () => Date.now(),
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return systemClock.sleep(ms * factor, signal);
    },
    sleeps,
  };
}
