/**
 * The store's search workers: a fixed set of `worker_threads` that answer vector searches over the collection's
 * shared buffers (see protocol.ts), so concurrent `search()` calls and `searchMany` batches use every core while
 * the calling thread only dispatches and maps slots to records.
 *
 * Dispatch: requests queue in arrival order and go to the first idle worker (one request per worker at a time, so a
 * request never waits behind a long batch on a busy worker while another sits idle). A collection's layout is sent
 * to a worker once (and again when a buffer was replaced); requests then carry only queries and parameters.
 *
 * Faults (the issue-21 contract): a worker that dies is respawned (at once the first time, then after a doubling
 * backoff); the request it was running is queued again once, and fails with `WorkerCrashedError` if its second
 * worker dies too. When every worker keeps dying at start the pool is unhealthy: {@link SearchPool.search} then
 * rejects at once with `PoolUnhealthyError` (the store falls back to searching on the calling thread). Nothing
 * rejects without a caller to see it.
 *
 * @internal
 * @module
 */
import { popcount } from '../filter-bitset.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ClosedError, PoolUnhealthyError, WorkerCrashedError } from '../../core/errors.js';
import { toAbortError } from '../../internal/abort.js';
import {
  type PoolHealthState, resolveRespawn, type ResolvedRespawnOptions, type RespawnOptions, respawnDelay, workerFaults,
} from '../../internal/crash-loop.js';
import type { KernelBackend } from '../../kernels/index.js';
import type { Collection } from '../collection.js';
import type { SearchReady, SearchReply, SearchRequest, SearchResult, SearchWorkerSetup } from './protocol.js';

/** The worker script: the built bundle next to this chunk, or the tsx loader in the source tree. */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  if (here.endsWith('.ts')) return join(dir, 'search-worker-loader.mjs');
  return join(dir, here.endsWith('.cjs') ? 'search-worker.cjs' : 'search-worker.js');
}

/** Per-search parameters a worker needs. @internal */
export interface PoolSearchParams {
  k: number;
  efSearch: number;
  rerank: number;
  exact: boolean;
}

interface Job {
  id: number;
  collection: Collection;
  queries: Float32Array;
  nq: number;
  params: PoolSearchParams;
  allow: Uint32Array | null;
  resolve: (r: SearchResult) => void;
  reject: (err: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Worker deaths this job has seen. */
  crashes: number;
  done: boolean;
}

/** One worker position; its worker is replaced when it dies. */
interface Slot {
  index: number;
  worker: Worker;
  alive: boolean;
  up: boolean;
  job: Job | undefined;
  /** Collection key → layout version this worker has mapped. */
  mapped: Map<number, number>;
  streak: number;
  respawn: NodeJS.Timeout | undefined;
}

/** @internal */
export class SearchPool {
  readonly threads: number;
  readonly #backend: KernelBackend;
  readonly #respawn: ResolvedRespawnOptions;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  /** Collection key → searches in flight on it (workers keep these mapped, and unmap the rest). */
  readonly #keys = new Map<number, number>();
  #seq = 0;
  #inFlight = 0;
  #closed = false;
  #restarts = 0;
  #unhealthy: PoolUnhealthyError | undefined;
  /** Called with each worker death (the store reports it through its `error` event). */
  onCrash: ((err: WorkerCrashedError) => void) | undefined;

  /**
   * @param threads - workers (≥ 1)
   * @param backend - kernel backend inside the workers
   * @param respawn - crash-loop backoff
   */
  constructor(threads: number, backend: KernelBackend = 'auto', respawn: RespawnOptions = {}) {
    this.threads = Math.max(1, Math.floor(threads));
    this.#backend = backend;
    this.#respawn = resolveRespawn(respawn);
    for (let i = 0; i < this.threads; i++) {
      const slot = { index: i, alive: false, up: false, job: undefined, mapped: new Map(), streak: 0, respawn: undefined } as unknown as Slot;
      this.#slots.push(slot);
      this.#spawn(slot);
    }
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
      workersUp: this.#slots.filter((s) => s.up).length,
      workers: this.#slots.length,
      crashStreak: Math.max(0, ...this.#slots.map((s) => s.streak)),
      restarts: this.#restarts,
    };
  }

  /**
   * Workers up with nothing to do (requests already queued count against them): the store's dispatcher sends a
   * search here only when this is positive, and answers it on the calling thread otherwise.
   *
   * @returns idle workers, at least 0
   */
  idleWorkers(): number {
    if (this.#closed || this.#unhealthy) return 0;
    let idle = 0;
    for (const s of this.#slots) if (s.up && s.job === undefined) idle++;
    return Math.max(0, idle - this.#queue.length);
  }

  /**
   * Searches `nq` queries of `collection` on one worker.
   *
   * @param collection - the collection (its {@link Collection.workerLayout} must not be null)
   * @param queries - `nq × dim` floats, prepared (normalized for cosine)
   * @param nq - queries
   * @param params - k, ef, re-rank depth, exact
   * @param allow - allowed slots as a bitset, or null
   * @param signal - rejects the search when it fires (a walk already running finishes unseen)
   * @returns slots and distances per query
   * @throws {@link ClosedError} once the pool is closed
   * @throws {@link PoolUnhealthyError} while every worker keeps dying at start
   * @throws {@link WorkerCrashedError} when two workers died running it, or a worker failed it
   * @throws {@link AbortError} when the signal fires
   */
  search(
    collection: Collection, queries: Float32Array, nq: number, params: PoolSearchParams, allow: Uint32Array | null, signal?: AbortSignal,
  ): Promise<SearchResult> {
    if (this.#closed) return Promise.reject(new ClosedError('VectorStore'));
    if (this.#unhealthy) return Promise.reject(this.#unhealthyError());
    if (signal?.aborted) return Promise.reject(toAbortError(signal));
    return new Promise<SearchResult>((resolve, reject) => {
      const job: Job = {
        id: ++this.#seq, collection, queries, nq, params, allow, signal, onAbort: undefined, crashes: 0, done: false,
        resolve: (r) => {
          if (this.#finish(job)) resolve(r);
        },
        reject: (err) => {
          if (this.#finish(job)) reject(err);
        },
      };
      if (signal !== undefined) {
        job.onAbort = (): void => {
          const i = this.#queue.indexOf(job);
          if (i >= 0) this.#queue.splice(i, 1);
          job.reject(toAbortError(signal));
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      if (this.#inFlight++ === 0) this.#refAll(true);
      this.#keys.set(collection.key, (this.#keys.get(collection.key) ?? 0) + 1);
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Marks a job settled (once); returns whether this call settled it. */
  #finish(job: Job): boolean {
    if (job.done) return false;
    job.done = true;
    if (job.onAbort !== undefined) job.signal!.removeEventListener('abort', job.onAbort);
    if (--this.#inFlight === 0) this.#refAll(false);
    const key = job.collection.key, left = (this.#keys.get(key) ?? 1) - 1;
    if (left === 0) this.#keys.delete(key);
    else this.#keys.set(key, left);
    return true;
  }

  /** Hands queued jobs to idle workers. */
  #pump(): void {
    while (this.#queue.length > 0) {
      const slot = this.#slots.find((s) => s.up && s.job === undefined);
      if (slot === undefined) return;
      const job = this.#queue.shift()!;
      if (job.done) continue;
      this.#send(slot, job, false);
    }
  }

  #send(slot: Slot, job: Job, forceLayout: boolean): void {
    const layout = job.collection.workerLayout(slot.index);
    if (layout === null) {
      job.reject(new WorkerCrashedError('this collection cannot be searched on workers'));
      return;
    }
    for (const key of slot.mapped.keys()) if (!this.#keys.has(key)) slot.mapped.delete(key); // the worker unmaps them too
    const send = forceLayout || slot.mapped.get(layout.key) !== layout.version;
    const req: SearchRequest = {
      id: job.id, key: layout.key, queries: job.queries, nq: job.nq, allow: job.allow, allowCount: job.allow === null ? 0 : popcount(job.allow), keep: [...this.#keys.keys()], ...job.params,
      ...(send ? { layout } : {}),
    };
    if (workerFaults.exitOnRequest > 0) {
      workerFaults.exitOnRequest--;
      req.fault = 'exit';
    }
    slot.job = job;
    if (send) slot.mapped.set(layout.key, layout.version);
    slot.worker.postMessage(req);
  }

  /** Stops the workers; queued and running searches fail with `ClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#slots) clearTimeout(s.respawn);
    const closed = (): ClosedError => new ClosedError('VectorStore');
    for (const job of this.#queue.splice(0)) job.reject(closed());
    for (const s of this.#slots) s.job?.reject(closed());
    await Promise.all(this.#slots.filter((s) => s.alive).map((s) => s.worker.terminate()));
  }

  /** Test hook: terminates worker `index` as a crash would (it is respawned like any dead worker). @internal */
  async killWorker(index: number): Promise<void> {
    const slot = this.#slots[index];
    if (slot?.alive) await slot.worker.terminate();
  }

  #spawn(slot: Slot): void {
    const setup: SearchWorkerSetup = { backend: this.#backend, ...(workerFaults.exitAtStart ? { fault: 'exit-at-start' as const } : {}) };
    const worker = new Worker(workerEntry(), { workerData: setup });
    if (this.#inFlight === 0) worker.unref();
    Object.assign(slot, { worker, alive: true, up: false, job: undefined, mapped: new Map() });
    let lastError: unknown;
    worker.on('message', (msg: SearchReply | SearchReady) => {
      if (slot.worker !== worker) return;
      if ('ready' in msg) {
        slot.up = true;
        this.#unhealthy = undefined;
        this.#pump();
        return;
      }
      const job = slot.job;
      slot.job = undefined;
      slot.streak = 0;
      if (job !== undefined && job.id === msg.id) {
        if ('needLayout' in msg) {
          // The worker dropped this collection (it keeps a few): map it again and go on.
          this.#send(slot, job, true);
          return;
        }
        if ('error' in msg) job.reject(new WorkerCrashedError(`search worker ${slot.index} failed: ${msg.error}`));
        else job.resolve(msg);
      }
      this.#pump();
    });
    worker.on('error', (err) => {
      lastError = err;
    });
    worker.on('exit', (code) => this.#onExit(slot, worker, lastError ?? new Error(`exit code ${code}`)));
  }

  /** A worker died: retry its job once elsewhere (or fail it), and respawn it (after a backoff when it keeps dying). */
  #onExit(slot: Slot, worker: Worker, cause: unknown): void {
    if (slot.worker !== worker || !slot.alive) return;
    const job = slot.job;
    Object.assign(slot, { alive: false, up: false, job: undefined });
    if (this.#closed) return;
    const crash = new WorkerCrashedError(`search worker ${slot.index} died`, { cause });
    this.onCrash?.(crash);
    if (job !== undefined && !job.done) {
      if (++job.crashes >= 2) job.reject(crash);
      else this.#queue.unshift(job);
    }
    slot.streak++;
    this.#restarts++;
    const limit = this.#respawn.unhealthyAfter;
    if (!this.#unhealthy && this.#slots.every((s) => !s.up && s.streak >= limit)) {
      this.#unhealthy = new PoolUnhealthyError(`the search pool is unhealthy: every worker died ${limit} times in a row (last: ${crash.message})`, { cause: crash });
      for (const j of this.#queue.splice(0)) j.reject(this.#unhealthyError());
    }
    const delay = this.#unhealthy ? this.#respawn.maxDelayMs : respawnDelay(slot.streak, this.#respawn);
    slot.respawn = setTimeout(() => {
      slot.respawn = undefined;
      if (!this.#closed) this.#spawn(slot);
    }, delay);
    if (this.#inFlight === 0) slot.respawn.unref();
    this.#pump();
  }

  #refAll(on: boolean): void {
    for (const s of this.#slots) {
      if (s.alive) {
        if (on) s.worker.ref();
        else s.worker.unref();
      }
      if (on) s.respawn?.ref();
      else s.respawn?.unref();
    }
  }

  #unhealthyError(): PoolUnhealthyError {
    return new PoolUnhealthyError(this.#unhealthy!.message, { cause: this.#unhealthy!.cause });
  }
}
