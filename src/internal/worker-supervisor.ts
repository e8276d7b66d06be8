/**
 * A fixed set of worker threads kept alive through crashes: the supervision the store's search pool and IVF encode
 * pool share (the issue-21 contract). It spawns one worker per position, marks it up when it says it is ready,
 * resets a position's crash streak on each reply, and on a death types the failure, tells the pool (which retries or
 * fails the work that worker held) and respawns it: at once the first time, then after a doubling backoff
 * ({@link RespawnOptions}). When every worker has died `unhealthyAfter` times in a row the pool is unhealthy until a
 * respawned worker comes up. Idle workers and pending respawns do not keep the process alive; while the pool holds
 * work ({@link WorkerSupervisor.hold}) they do.
 *
 * The pool keeps its own per-position state (the job a worker runs) and its dispatch; this module knows nothing of
 * requests beyond "a message that is not `{ ready: true }` is a reply".
 *
 * @internal
 * @module
 */
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PoolUnhealthyError, WorkerCrashedError } from '../core/errors.js';
import { type PoolHealthState, resolveRespawn, type ResolvedRespawnOptions, type RespawnOptions, respawnDelay } from './crash-loop.js';

/**
 * A worker script next to the module at `moduleUrl`: the built bundle (`<bundle>.js` or `.cjs`, beside the chunk), or
 * in the source tree (tsx) the loader that registers tsx inside the worker.
 *
 * @param moduleUrl - `import.meta.url` of the module that starts the workers
 * @param loader - the source tree's loader file name (`…-loader.mjs`)
 * @param bundle - the bundle's base name
 * @returns the script path
 * @internal
 */
export function workerScript(moduleUrl: string, loader: string, bundle: string): string {
  const here = fileURLToPath(moduleUrl);
  const dir = dirname(here);
  if (here.endsWith('.ts')) return join(dir, loader);
  return join(dir, `${bundle}${here.endsWith('.cjs') ? '.cjs' : '.js'}`);
}

/**
 * Worker threads a pool uses when none are asked for: every core the process may use (the calling thread only waits
 * or dispatches), at most 16.
 *
 * @returns threads, at least 1
 * @internal
 */
export function defaultWorkerThreads(): number {
  return Math.max(1, Math.min(16, availableParallelism()));
}

/** One worker position; its worker is replaced when it dies. @internal */
export interface SupervisedWorker {
  readonly index: number;
  /** The current worker (a new one after each respawn). */
  worker: Worker;
  /** Spawned and not dead. */
  alive: boolean;
  /** Said it is ready, and not dead since: only such workers should take work. */
  up: boolean;
  /** Deaths in a row with no reply in between. */
  streak: number;
  /** The pending respawn, while it waits out its backoff. */
  respawn: NodeJS.Timeout | undefined;
}

/** What a pool tells its supervisor. @internal */
export interface SupervisorHooks<Reply> {
  /** The worker script ({@link workerScript}). */
  script: string;
  /** `workerData` for the position's next worker (read at each spawn, so test fault switches apply to respawns). */
  setup: (index: number) => unknown;
  /** Names a worker in errors: `${name} ${index} died`. */
  name: string;
  /** Names the pool in the unhealthy error: `${poolName} is unhealthy: …`. */
  poolName: string;
  /** A worker was spawned into the position (reset per-position state). */
  onSpawn?: (slot: SupervisedWorker) => void;
  /** A worker came up (hand it work). */
  onUp: (slot: SupervisedWorker) => void;
  /** A worker replied (its streak is already reset). */
  onReply: (slot: SupervisedWorker, reply: Reply) => void;
  /** A worker died while the pool is open: retry or fail the work it held. */
  onDeath: (slot: SupervisedWorker, crash: WorkerCrashedError) => void;
  /** The pool turned unhealthy: fail what waits for a worker. */
  onUnhealthy: (err: PoolUnhealthyError) => void;
}

/** Spawns, watches and respawns a pool's workers. @internal */
export class WorkerSupervisor<Reply extends object> {
  readonly slots: readonly SupervisedWorker[];
  readonly #hooks: SupervisorHooks<Reply>;
  readonly #respawn: ResolvedRespawnOptions;
  #unhealthy: PoolUnhealthyError | undefined;
  #restarts = 0;
  #held = 0;
  #closed = false;

  /**
   * Spawns `threads` workers.
   *
   * @param threads - workers (≥ 1)
   * @param respawn - crash-loop backoff
   * @param hooks - the pool's side
   * @throws {@link ValidationError} for bad respawn options
   */
  constructor(threads: number, respawn: RespawnOptions, hooks: SupervisorHooks<Reply>) {
    this.#hooks = hooks;
    this.#respawn = resolveRespawn(respawn);
    const slots: SupervisedWorker[] = [];
    for (let i = 0; i < Math.max(1, Math.floor(threads)); i++) {
      const slot = { index: i, alive: false, up: false, streak: 0, respawn: undefined } as unknown as SupervisedWorker;
      slots.push(slot);
      this.#spawn(slot);
    }
    this.slots = slots;
  }

  /** Whether every worker keeps dying (see {@link WorkerSupervisor.unhealthyError}). */
  get unhealthy(): boolean {
    return this.#unhealthy !== undefined;
  }

  /** Whether {@link WorkerSupervisor.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A fresh error for a caller refused while unhealthy (same message and cause as the pool's).
   *
   * @returns the error
   */
  unhealthyError(): PoolUnhealthyError {
    const u = this.#unhealthy ?? new PoolUnhealthyError(`${this.#hooks.poolName} is unhealthy`);
    return new PoolUnhealthyError(u.message, { cause: u.cause });
  }

  /**
   * The pool's health.
   *
   * @returns status, workers up, crash streak, restarts
   */
  health(): PoolHealthState {
    return {
      status: this.#unhealthy ? 'unhealthy' : 'ok',
      ...(this.#unhealthy ? { reason: this.#unhealthy.message } : {}),
      workersUp: this.slots.filter((s) => s.up).length,
      workers: this.slots.length,
      crashStreak: Math.max(0, ...this.slots.map((s) => s.streak)),
      restarts: this.#restarts,
    };
  }

  /** Work is waiting on the pool: workers and pending respawns keep the process alive until {@link release}. */
  hold(): void {
    if (this.#held++ === 0) this.#refAll(true);
  }

  /** The work {@link hold} was for is settled. */
  release(): void {
    if (--this.#held === 0) this.#refAll(false);
  }

  /**
   * Test hook: terminates worker `index` as a crash would (it is respawned like any dead worker).
   *
   * @param index - the position
   */
  async kill(index: number): Promise<void> {
    const slot = this.slots[index];
    if (slot?.alive) await slot.worker.terminate();
  }

  /**
   * The worker at `slot` answered a request (by message this is noted already; a pool with another reply channel
   * calls it): it works, so whatever killed its predecessors is gone and its crash streak restarts.
   *
   * @param slot - the position
   */
  replied(slot: SupervisedWorker): void {
    slot.streak = 0;
  }

  /** Stops the workers and any pending respawn (the pool fails its own work). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.slots) clearTimeout(s.respawn);
    await Promise.all(this.slots.filter((s) => s.alive).map((s) => s.worker.terminate()));
  }

  #spawn(slot: SupervisedWorker): void {
    const worker = new Worker(this.#hooks.script, { workerData: this.#hooks.setup(slot.index) });
    if (this.#held === 0) worker.unref();
    Object.assign(slot, { worker, alive: true, up: false });
    this.#hooks.onSpawn?.(slot);
    let lastError: unknown;
    worker.on('message', (msg: Reply | { ready: true }) => {
      if (slot.worker !== worker) return;
      if ('ready' in msg) {
        slot.up = true;
        this.#unhealthy = undefined;
        this.#hooks.onUp(slot);
        return;
      }
      this.replied(slot);
      this.#hooks.onReply(slot, msg);
    });
    worker.on('error', (err) => {
      lastError = err;
    });
    worker.on('exit', (code) => this.#onExit(slot, worker, lastError ?? new Error(`exit code ${code}`)));
  }

  /** A worker died: tell the pool, then respawn it (after a backoff when it keeps dying). */
  #onExit(slot: SupervisedWorker, worker: Worker, cause: unknown): void {
    if (slot.worker !== worker || !slot.alive) return;
    slot.alive = false;
    slot.up = false;
    if (this.#closed) return;
    const crash = new WorkerCrashedError(`${this.#hooks.name} ${slot.index} died`, { cause });
    slot.streak++;
    this.#restarts++;
    const limit = this.#respawn.unhealthyAfter;
    const turnsUnhealthy = !this.#unhealthy && this.slots.every((s) => !s.up && s.streak >= limit);
    if (turnsUnhealthy) {
      this.#unhealthy = new PoolUnhealthyError(`${this.#hooks.poolName} is unhealthy: every worker died ${limit} times in a row (last: ${crash.message})`, { cause: crash });
    }
    const delay = this.#unhealthy ? this.#respawn.maxDelayMs : respawnDelay(slot.streak, this.#respawn);
    slot.respawn = setTimeout(() => {
      slot.respawn = undefined;
      if (!this.#closed) this.#spawn(slot);
    }, delay);
    if (this.#held === 0) slot.respawn.unref();
    this.#hooks.onDeath(slot, crash);
    if (turnsUnhealthy) this.#hooks.onUnhealthy(this.unhealthyError());
  }

  #refAll(on: boolean): void {
    for (const s of this.slots) {
      if (s.alive) {
        if (on) s.worker.ref();
        else s.worker.unref();
      }
      if (on) s.respawn?.ref();
      else s.respawn?.unref();
    }
  }
}
