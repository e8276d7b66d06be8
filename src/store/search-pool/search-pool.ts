/**
 * The store's search workers: a fixed set of `worker_threads` that answer vector searches over the collection's
 * shared buffers (see protocol.ts), so concurrent `search()` calls and `searchMany` batches use every core while
 * the calling thread only dispatches and maps slots to records.
 *
 * Dispatch: requests queue in arrival order and go to the first idle worker (one request per worker at a time, so a
 * request never waits behind a long batch on a busy worker while another sits idle). A collection's layout is sent
 * to a worker once by message (and again when a buffer was replaced); later requests and their replies go through
 * the worker's shared request slot (protocol.ts, `SLOT`): queries and parameters in, slots and distances out.
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
import { growableShared, growShared } from '../shared-buffer.js';
import { SLOT, SLOT_REPLY, slotOffsets, type SearchReply, type SearchRequest, type SearchResult, type SearchWorkerSetup } from './protocol.js';

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
  /** The worker's request slot (a fresh one per spawned worker), the most it may grow to, and its control words. */
  slot: SharedArrayBuffer;
  slotMax: number;
  ctrl: Int32Array;
  /** The current request went through the slot (its reply comes back there). */
  bySlot: boolean;
}

/**
 * A request slot's size at spawn, and the most it grows to: a bigger request (a `searchMany` piece of ~40k 384-d
 * queries) goes by message. Mutable for tests only.
 *
 * @internal
 */
export const slotBytes = { initial: 64 << 10, max: 64 << 20 };

function newPosition(): Position {
  const slot = growableShared(slotBytes.initial, slotBytes.max);
  return { job: undefined, mapped: new Map(), slot, slotMax: Math.max(slotBytes.initial, slotBytes.max), ctrl: new Int32Array(slot, 0, SLOT.headerBytes / 4), bySlot: false };
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
    this.#workers = new WorkerSupervisor<SearchReply>(this.threads, respawn, {
      script: workerScript(import.meta.url, 'search-worker-loader.mjs', 'search-worker'),
      // Each worker spawned gets a fresh position (its own request slot: nothing a dead worker left there is read).
      setup: (index): SearchWorkerSetup => {
        this.#positions[index] = newPosition();
        return {
          backend, slot: this.#positions[index].slot,
          ...(workerFaults.exitAtStart ? { fault: 'exit-at-start' as const } : {}),
          ...(workerFaults.pauseAfterReadyMs > 0 ? { pauseAfterReadyMs: workerFaults.pauseAfterReadyMs } : {}),
        };
      },
      name: 'search worker',
      poolName: 'the search pool',
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
   * Whether the pool takes searches: open, healthy and at least one worker up (cheaper than {@link health}, for
   * each search's dispatch).
   *
   * @returns true when a search may be sent
   */
  serving(): boolean {
    return !this.#closed && !this.#workers.unhealthy && this.#workers.slots.some((s) => s.up);
  }

  /**
   * Takes the replies that are in a worker's slot but whose message the event loop has not delivered yet (it may
   * run a `setImmediate` first): the dispatcher calls this before deciding that no worker is idle.
   *
   */
  takeReplies(): void {
    for (const s of this.#workers.slots) this.#takeSlotReply(s);
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
    const withLayout = forceLayout || position.mapped.get(layout.key) !== layout.version;
    const keep = [...this.#keys.keys()];
    const allowCount = job.allow === null ? 0 : popcount(job.allow);
    position.job = job;
    if (withLayout) position.mapped.set(layout.key, layout.version);
    const bySlot = !withLayout && workerFaults.exitOnRequest === 0 && this.#toSlot(position, layout.key, job, keep, allowCount);
    if (!bySlot) {
      const req: SearchRequest = {
        id: job.id, key: layout.key, queries: job.queries, nq: job.nq, allow: job.allow, allowCount, keep, ...job.params, ...(withLayout ? { layout } : {}),
      };
      if (workerFaults.exitOnRequest > 0) {
        workerFaults.exitOnRequest--;
        req.fault = 'exit';
      }
      slot.worker.postMessage(req);
    }
    position.bySlot = bySlot;
    // Ring: the worker sleeps on the doorbell, and reads the message (if any) and the slot when it wakes.
    Atomics.add(position.ctrl, SLOT.bell, 1);
    Atomics.notify(position.ctrl, SLOT.bell);
  }

  /**
   * Writes a request into the worker's slot (its reply word set to pending); false when it does not fit even grown
   * to its maximum (it goes by message then).
   */
  #toSlot(position: Position, key: number, job: Job, keep: number[], allowCount: number): boolean {
    const dim = job.queries.length / job.nq, allowWords = job.allow === null ? -1 : job.allow.length;
    const { k } = job.params;
    const at = slotOffsets(keep.length, job.nq, dim, allowWords, k);
    if (at.end > position.slotMax) return false;
    growShared(position.slot, at.end); // in place, within the slot's maximum
    const { slot, ctrl } = position;
    ctrl[SLOT.id] = job.id;
    ctrl[SLOT.key] = key;
    ctrl[SLOT.nq] = job.nq;
    ctrl[SLOT.k] = k;
    ctrl[SLOT.efSearch] = job.params.efSearch;
    ctrl[SLOT.rerank] = job.params.rerank;
    ctrl[SLOT.exact] = job.params.exact ? 1 : 0;
    ctrl[SLOT.allowWords] = allowWords;
    ctrl[SLOT.allowCount] = allowCount;
    ctrl[SLOT.keepCount] = keep.length;
    new Int32Array(slot, at.keep, keep.length).set(keep);
    new Float32Array(slot, at.queries, job.queries.length).set(job.queries);
    if (job.allow !== null) new Uint32Array(slot, at.allow, allowWords).set(job.allow);
    Atomics.store(ctrl, SLOT.reply, SLOT_REPLY.pending);
    Atomics.store(ctrl, SLOT.request, 1);
    return true;
  }

  /**
   * Takes the reply of the request in `slot`'s worker when it came back through the slot and is in (nothing when
   * none runs, it went by message, or it is not answered yet).
   */
  #takeSlotReply(slot: SupervisedWorker): void {
    const position = this.#positions[slot.index];
    if (position?.job === undefined || !position.bySlot || Atomics.load(position.ctrl, SLOT.reply) !== SLOT_REPLY.done) return;
    const job = position.job;
    position.job = undefined;
    this.#workers.replied(slot);
    const { ctrl } = position;
    const nq = ctrl[SLOT.nq], hits = ctrl[SLOT.hits];
    const at = slotOffsets(ctrl[SLOT.keepCount], nq, job.queries.length / job.nq, ctrl[SLOT.allowWords], ctrl[SLOT.k]);
    job.resolve({
      id: job.id,
      counts: new Uint32Array(position.slot, at.counts, nq).slice(),
      slots: new Uint32Array(position.slot, at.slots, hits).slice(),
      dists: new Float64Array(position.slot, at.dists, hits).slice(),
      version: ctrl[SLOT.version],
    });
    this.#pump();
  }

  /** Stops the workers; queued and running searches fail with `ClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = (): ClosedError => new ClosedError('VectorStore');
    for (const job of this.#queue.splice(0)) job.reject(closed());
    for (const p of this.#positions) {
      p.job?.reject(closed());
      p.job = undefined;
    }
    await this.#workers.close();
  }

  /** Test hook: terminates worker `index` as a crash would (it is respawned like any dead worker). @internal */
  async killWorker(index: number): Promise<void> {
    await this.#workers.kill(index);
  }

  #onReply(slot: SupervisedWorker, msg: SearchReply): void {
    const position = this.#positions[slot.index];
    const job = position.job;
    // A reply to a request no longer running here: its slot reply was taken already (takeReplies), or the job moved.
    if (job === undefined || job.id !== msg.id) return;
    if ('inSlot' in msg) {
      this.#takeSlotReply(slot);
      return;
    }
    position.job = undefined;
    if ('needLayout' in msg) {
      // The worker dropped this collection (it keeps a few): map it again and go on.
      this.#send(slot, job, true);
      return;
    }
    if ('error' in msg) job.reject(new WorkerCrashedError(`search worker ${slot.index} failed: ${msg.error}`));
    else job.resolve(msg);
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
