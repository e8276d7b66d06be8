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
import { ClosedError, WorkerCrashedError } from '../../core/errors.js';
import { toAbortError } from '../../internal/abort.js';
import { type PoolHealthState, type RespawnOptions, workerFaults } from '../../internal/crash-loop.js';
import { type SupervisedWorker, WorkerSupervisor, workerScript } from '../../internal/worker-supervisor.js';
import type { KernelBackend } from '../../kernels/index.js';
import type { Collection } from '../collection.js';
import { popcount } from '../filter-bitset.js';
import type { SearchReply, SearchRequest, SearchResult, SearchWorkerSetup } from './protocol.js';

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

/** What the pool keeps per worker position (reset when its worker is replaced). */
interface Position {
  /** The request its worker runs. */
  job: Job | undefined;
  /** Collection key → layout version this worker has mapped. */
  mapped: Map<number, number>;
}

/** @internal */
export class SearchPool {
  readonly threads: number;
  readonly #workers: WorkerSupervisor<SearchReply>;
  readonly #positions: Position[] = [];
  readonly #queue: Job[] = [];
  /** Collection key → searches in flight on it (workers keep these mapped, and unmap the rest). */
  readonly #keys = new Map<number, number>();
  #seq = 0;
  #inFlight = 0;
  #closed = false;
  /** Called with each worker death (the store reports it through its `error` event). */
  onCrash: ((err: WorkerCrashedError) => void) | undefined;

  /**
   * @param threads - workers (≥ 1)
   * @param backend - kernel backend inside the workers
   * @param respawn - crash-loop backoff
   */
  constructor(threads: number, backend: KernelBackend = 'auto', respawn: RespawnOptions = {}) {
    this.threads = Math.max(1, Math.floor(threads));
    for (let i = 0; i < this.threads; i++) this.#positions.push({ job: undefined, mapped: new Map() });
    this.#workers = new WorkerSupervisor<SearchReply>(this.threads, respawn, {
      script: workerScript(import.meta.url, 'search-worker-loader.mjs', 'search-worker'),
      setup: (): SearchWorkerSetup => ({ backend, ...(workerFaults.exitAtStart ? { fault: 'exit-at-start' as const } : {}) }),
      name: 'search worker',
      poolName: 'the search pool',
      onSpawn: (slot) => Object.assign(this.#positions[slot.index], { job: undefined, mapped: new Map() }),
      onUp: () => this.#pump(),
      onReply: (slot, reply) => this.#onReply(slot, reply),
      onDeath: (slot, crash) => this.#onDeath(slot, crash),
      onUnhealthy: () => {
        for (const j of this.#queue.splice(0)) j.reject(this.#workers.unhealthyError());
      },
    });
  }

  /**
   * The pool's health.
   *
   * @returns status, workers up, crash streak, restarts
   */
  health(): PoolHealthState {
    return this.#workers.health();
  }

  /**
   * Workers up with nothing to do (requests already queued count against them): the store's dispatcher sends a
   * search here only when this is positive, and answers it on the calling thread otherwise.
   *
   * @returns idle workers, at least 0
   */
  idleWorkers(): number {
    if (this.#closed || this.#workers.unhealthy) return 0;
    let idle = 0;
    for (const s of this.#workers.slots) if (s.up && this.#positions[s.index].job === undefined) idle++;
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
    if (this.#workers.unhealthy) return Promise.reject(this.#workers.unhealthyError());
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
      if (this.#inFlight++ === 0) this.#workers.hold();
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
    if (--this.#inFlight === 0) this.#workers.release();
    const key = job.collection.key, left = (this.#keys.get(key) ?? 1) - 1;
    if (left === 0) this.#keys.delete(key);
    else this.#keys.set(key, left);
    return true;
  }

  /** Hands queued jobs to idle workers. */
  #pump(): void {
    while (this.#queue.length > 0) {
      const slot = this.#workers.slots.find((s) => s.up && this.#positions[s.index].job === undefined);
      if (slot === undefined) return;
      const job = this.#queue.shift()!;
      if (job.done) continue;
      this.#send(slot, job, false);
    }
  }

  #send(slot: SupervisedWorker, job: Job, forceLayout: boolean): void {
    const position = this.#positions[slot.index];
    const layout = job.collection.workerLayout(slot.index);
    if (layout === null) {
      job.reject(new WorkerCrashedError('this collection cannot be searched on workers'));
      return;
    }
    for (const key of position.mapped.keys()) if (!this.#keys.has(key)) position.mapped.delete(key); // the worker unmaps them too
    const send = forceLayout || position.mapped.get(layout.key) !== layout.version;
    const req: SearchRequest = {
      id: job.id, key: layout.key, queries: job.queries, nq: job.nq, allow: job.allow, allowCount: job.allow === null ? 0 : popcount(job.allow), keep: [...this.#keys.keys()], ...job.params,
      ...(send ? { layout } : {}),
    };
    if (workerFaults.exitOnRequest > 0) {
      workerFaults.exitOnRequest--;
      req.fault = 'exit';
    }
    position.job = job;
    if (send) position.mapped.set(layout.key, layout.version);
    slot.worker.postMessage(req);
  }

  /** Stops the workers; queued and running searches fail with `ClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = (): ClosedError => new ClosedError('VectorStore');
    for (const job of this.#queue.splice(0)) job.reject(closed());
    for (const p of this.#positions) p.job?.reject(closed());
    await this.#workers.close();
  }

  /** Test hook: terminates worker `index` as a crash would (it is respawned like any dead worker). @internal */
  async killWorker(index: number): Promise<void> {
    await this.#workers.kill(index);
  }

  #onReply(slot: SupervisedWorker, msg: SearchReply): void {
    const position = this.#positions[slot.index];
    const job = position.job;
    position.job = undefined;
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
  }

  /** A worker died (it is being respawned): retry its job once elsewhere, or fail it. */
  #onDeath(slot: SupervisedWorker, crash: WorkerCrashedError): void {
    const position = this.#positions[slot.index];
    const job = position.job;
    position.job = undefined;
    this.onCrash?.(crash);
    if (job !== undefined && !job.done) {
      if (++job.crashes >= 2) job.reject(crash);
      else this.#queue.unshift(job);
    }
    this.#pump();
  }
}
