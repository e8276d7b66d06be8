/**
 * Crash-loop backoff for worker pools (the local scheduler's, the store's encode pool): how long to wait before
 * respawning a worker that died, and when a pool whose workers keep dying counts as unhealthy. A worker that dies
 * once is replaced at once; each further death in a row (with no finished job in between) doubles the wait, up to a
 * cap; past `unhealthyAfter` deaths in a row the pool refuses work and keeps probing at the capped delay.
 *
 * Also the test-only fault switch that makes new workers die at start (read by both pools when they spawn).
 *
 * @internal
 * @module
 */
import { ValidationError } from '../core/errors.js';

/** How a worker pool backs off from a crash loop. */
export interface RespawnOptions {
  /**
   * Wait before the second respawn in a row, in milliseconds (the first is immediate); doubled for each further one.
   * @defaultValue 100
   */
  initialDelayMs?: number;
  /**
   * Longest wait between respawns, in milliseconds; an unhealthy pool probes at this interval.
   * @defaultValue 10_000
   */
  maxDelayMs?: number;
  /**
   * Deaths in a row of every worker (none finishing a job or coming up in between) after which the pool reports
   * unhealthy and refuses work with `POOL_UNHEALTHY`.
   * @defaultValue 5
   */
  unhealthyAfter?: number;
}

/** Respawn options with defaults applied. @internal */
export type ResolvedRespawnOptions = Required<RespawnOptions>;

/**
 * Applies defaults and checks the values.
 *
 * @param o - given options
 * @returns every option set
 * @throws {@link ValidationError} for a negative or non-finite delay, or a limit that is not a positive integer
 * @internal
 */
export function resolveRespawn(o: RespawnOptions = {}): ResolvedRespawnOptions {
  const r = { initialDelayMs: o.initialDelayMs ?? 100, maxDelayMs: o.maxDelayMs ?? 10_000, unhealthyAfter: o.unhealthyAfter ?? 5 };
  if (!(Number.isFinite(r.initialDelayMs) && r.initialDelayMs >= 0)) throw new ValidationError('respawn.initialDelayMs must be a finite number ≥ 0');
  if (!(Number.isFinite(r.maxDelayMs) && r.maxDelayMs >= r.initialDelayMs)) throw new ValidationError('respawn.maxDelayMs must be finite and ≥ initialDelayMs');
  if (!(Number.isInteger(r.unhealthyAfter) && r.unhealthyAfter >= 1)) throw new ValidationError('respawn.unhealthyAfter must be a positive integer');
  return r;
}

/**
 * The wait before respawning a worker that has died `streak` times in a row: 0 for the first death, then
 * `initialDelayMs · 2^(streak−2)`, capped at `maxDelayMs`.
 *
 * @param streak - deaths in a row, counting this one (≥ 1)
 * @param o - resolved options
 * @returns milliseconds
 * @internal
 */
export function respawnDelay(streak: number, o: ResolvedRespawnOptions): number {
  if (streak <= 1) return 0;
  return Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** Math.min(streak - 2, 30));
}

/** What a worker pool says about itself (the scheduler's `health()`, the encode pool's). */
export interface PoolHealthState {
  /** `ok`, or `unhealthy` while the pool refuses work. */
  status: 'ok' | 'unhealthy';
  /** Why, when unhealthy: the last worker failure. */
  reason?: string;
  /** Workers running now (spawned and not dead). */
  workersUp: number;
  /** Workers the pool keeps. */
  workers: number;
  /** The longest run of deaths in a row of any worker (0 when every worker finished a job since its last death). */
  crashStreak: number;
  /** Workers replaced after dying, since start. */
  restarts: number;
}

/**
 * Test-only fault switches for worker pools. Set `exitAtStart` and every worker spawned from then on exits at once
 * with code 70 (before taking any job), as a worker whose native module crashes on load would. `exitOnRequest`
 * (the store's search pool): the next that many requests make the worker that receives them exit with code 70, as a
 * worker crashing mid-search would. `pauseAfterReadyMs` (the search pool): each worker spawned from then on stalls
 * that long between saying it is ready and taking requests, as a worker descheduled there would. Not exported from
 * any package entry.
 *
 * @internal
 */
export const workerFaults: { exitAtStart: boolean; exitOnRequest: number; pauseAfterReadyMs: number } = { exitAtStart: false, exitOnRequest: 0, pauseAfterReadyMs: 0 };

/** A timer that does not keep the process alive. @internal */
export function unrefTimer(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}
