/**
 * Nearest-centroid assignment and PQ encoding spread over worker threads. Points, models and results live in
 * `SharedArrayBuffer`s, so a request carries only offsets: each worker copies one block of points at a time into
 * its own kernel arena ({@link BatchEncoder}) and writes its results straight into the shared arrays. The range is
 * cut into more pieces than there are workers and handed out as workers free up, so a busy core does not hold the
 * others back. The calling thread only waits (the event loop stays free).
 *
 * {@link Encoder} is the one entry point: with a pool it dispatches to the workers, without one it runs the same
 * {@link BatchEncoder} on the calling thread in slices that yield to the event loop. Both give bit-identical
 * results (each point's result depends only on the point and the model).
 *
 * @internal
 * @module
 */
import { ClosedError, WorkerCrashedError } from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import { type PoolHealthState, type RespawnOptions, workerFaults } from '../../internal/crash-loop.js';
import { type SupervisedWorker, WorkerSupervisor, workerScript } from '../../internal/worker-supervisor.js';
import { yieldToLoop } from '../../internal/yield.js';
import type { KernelBackend } from '../../kernels/index.js';
import { BatchEncoder, ENCODE_BLOCK, type EncodeModel, type EncodeOutput } from './batch-encoder.js';
import type { EncodeReply, EncodeRequest, EncodeWorkerSetup, SharedModel } from './encode-protocol.js';

/** Points per in-thread slice between yields to the event loop. */
const SLICE_POINTS = 2048;

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * A fixed set of encode workers. Close it when done (workers are unref'd, so a forgotten pool does not hold the
 * process). A worker that dies fails the piece it was running (and so that run) with `WorkerCrashedError`, and is
 * replaced: at once the first time, then after a doubling backoff ({@link RespawnOptions}); when every worker has
 * died `unhealthyAfter` times in a row the pool is unhealthy and runs fail at once with `PoolUnhealthyError` until a
 * respawned worker comes up.
 *
 * @internal
 */
export class EncodePool {
  readonly threads: number;
  readonly #workers: WorkerSupervisor<EncodeReply>;
  /** The piece each worker position runs (its request id), if any. */
  readonly #jobs: (number | undefined)[] = [];
  readonly #pending = new Map<number, Pending>();
  /** Runs waiting for a worker to come up (every worker is dead and waiting out its backoff). */
  readonly #waiting: (() => void)[] = [];
  #seq = 0;
  /** Runs in progress (workers are ref'd while any is). */
  #running = 0;
  #closed = false;

  /**
   * @param threads - worker threads (≥ 1)
   * @param backend - kernel backend inside the workers
   * @param respawn - crash-loop backoff
   * @throws {@link ValidationError} for bad respawn options
   */
  constructor(threads: number, backend: KernelBackend = 'auto', respawn: RespawnOptions = {}) {
    this.threads = Math.max(1, Math.floor(threads));
    this.#workers = new WorkerSupervisor<EncodeReply>(this.threads, respawn, {
      script: workerScript(import.meta.url, 'encode-worker-loader.mjs', 'ivf-worker'),
      setup: (): EncodeWorkerSetup => ({ backend, ...(workerFaults.exitAtStart ? { fault: 'exit-at-start' as const } : {}) }),
      name: 'IVF encode worker',
      poolName: 'the IVF encode pool',
      onSpawn: (slot) => {
        this.#jobs[slot.index] = undefined;
      },
      onUp: () => this.#wake(),
      onReply: (slot, msg) => {
        this.#jobs[slot.index] = undefined;
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        if (p !== undefined) {
          if (msg.error === undefined) p.resolve();
          else p.reject(new WorkerCrashedError(`IVF encode worker ${slot.index} failed: ${msg.error}`));
        }
        this.#wake(); // a worker is free: another run waiting for one may go on
      },
      onDeath: (slot, crash) => {
        // Fail the piece it ran (and so its run).
        const job = this.#jobs[slot.index];
        this.#jobs[slot.index] = undefined;
        if (job === undefined) return;
        const p = this.#pending.get(job);
        this.#pending.delete(job);
        p?.reject(crash);
      },
      onUnhealthy: () => this.#wake(),
    });
  }

  /**
   * The pool's health: `unhealthy` while every worker keeps dying at start.
   *
   * @returns status, workers up, crash streak, restarts
   */
  health(): PoolHealthState {
    return this.#workers.health();
  }

  /**
   * Encodes points `[0, count)` of a shared array into shared result arrays.
   *
   * @param model - the shared model
   * @param points - `count × dim` floats in a SharedArrayBuffer
   * @param count - points
   * @param out - shared result buffers (`codes` null for plain assignment)
   * @param signal - stops handing out pieces (pieces in flight finish first)
   * @throws {@link WorkerCrashedError} when a worker fails or dies running a piece
   * @throws {@link PoolUnhealthyError} when the workers keep dying at start
   * @throws {@link AbortError} when the signal fires
   */
  async run(
    model: SharedModel, points: SharedArrayBuffer, count: number,
    out: { cells: SharedArrayBuffer; dists: SharedArrayBuffer; codes: SharedArrayBuffer | null }, signal?: AbortSignal,
  ): Promise<void> {
    if (this.#closed) throw new ClosedError('the encode pool is closed');
    if (this.#workers.unhealthy) throw this.#workers.unhealthyError();
    const piece = Math.max(ENCODE_BLOCK, Math.ceil(count / (this.threads * 8)));
    let next = 0;
    let error: Error | undefined;
    // Idle workers do not keep the process alive; busy ones must, or an awaited run could end with the process.
    if (this.#running++ === 0) this.#workers.hold();
    try {
      await new Promise<void>((resolveAll) => {
        let inFlight = 0;
        const pump = (): void => {
          while (error === undefined && next < count && !signal?.aborted && !this.#closed) {
            const slot = this.#idleWorker();
            if (slot === undefined) break;
            const from = next;
            const n = Math.min(piece, count - from);
            next += n;
            const id = ++this.#seq;
            this.#jobs[slot.index] = id;
            inFlight++;
            this.#pending.set(id, {
              resolve: () => { inFlight--; pump(); },
              reject: (err) => { inFlight--; error ??= err; pump(); },
            });
            const req: EncodeRequest = { id, model, points, from, count: n, cells: out.cells, dists: out.dists, codes: out.codes };
            slot.worker.postMessage(req);
          }
          if (inFlight > 0) return;
          if (error !== undefined || next >= count || signal?.aborted) return resolveAll();
          if (this.#closed) {
            error = new ClosedError('the encode pool is closed');
            return resolveAll();
          }
          if (this.#workers.unhealthy) {
            error = this.#workers.unhealthyError();
            return resolveAll();
          }
          // No worker is free (starting, waiting out a backoff, or busy with another run): go on when one is, or when
          // the pool gives up or closes.
          this.#waiting.push(pump);
        };
        pump();
      });
    } finally {
      if (--this.#running === 0) this.#workers.release();
    }
    if (error !== undefined) throw error;
    throwIfAborted(signal);
  }

  /** Stops the workers (and any pending respawn); runs waiting for a worker fail with `ClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake();
    await this.#workers.close();
  }

  /** A worker that is up and runs no piece. */
  #idleWorker(): SupervisedWorker | undefined {
    return this.#workers.slots.find((s) => s.up && this.#jobs[s.index] === undefined);
  }

  #wake(): void {
    for (const w of this.#waiting.splice(0)) w();
  }
}

let versions = 0;

const toShared = (a: Float32Array): SharedArrayBuffer => {
  const sab = new SharedArrayBuffer(a.byteLength);
  new Float32Array(sab).set(a);
  return sab;
};

/**
 * Allocates a Float32Array on a SharedArrayBuffer (so an {@link EncodePool} can read it without a copy).
 *
 * @param length - floats
 * @returns the array
 * @internal
 */
export function sharedFloats(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

/**
 * Assigns points to their nearest centroid (and PQ-encodes the residuals when the model has codebooks), on a pool
 * of workers when given one, else on the calling thread in slices that yield.
 *
 * @internal
 */
export class Encoder {
  readonly model: EncodeModel;
  readonly #pool: EncodePool | undefined;
  readonly #backend: KernelBackend;
  #local: BatchEncoder | undefined;
  #shared: SharedModel | undefined;

  /**
   * @param model - centroids (and codebooks); read now and again by {@link Encoder.setCentroids}
   * @param pool - worker pool, or undefined to run here
   * @param backend - kernel backend for the calling-thread path
   */
  constructor(model: EncodeModel, pool?: EncodePool, backend: KernelBackend = 'auto') {
    this.model = model;
    this.#pool = pool;
    this.#backend = backend;
  }

  /**
   * Replaces the centroids (same shape).
   *
   * @param centroids - `k × dim` floats
   */
  setCentroids(centroids: Float32Array): void {
    this.model.centroids = centroids;
    this.#local?.setCentroids(centroids);
    this.#shared = undefined;
  }

  /**
   * Encodes points `[0, count)`.
   *
   * @param points - `count × dim` floats (on a SharedArrayBuffer to spare a copy when a pool runs it)
   * @param count - points
   * @param out - results
   * @param signal - cancels between slices
   * @throws {@link AbortError} when the signal fires
   * @throws {@link WorkerCrashedError} when a worker fails
   */
  async run(points: Float32Array, count: number, out: EncodeOutput, signal?: AbortSignal): Promise<void> {
    const { dim } = this.model;
    const m = this.model.codebooks !== undefined ? this.model.m ?? 0 : 0;
    if (this.#pool === undefined) {
      this.#local ??= new BatchEncoder(this.model, this.#backend);
      for (let s = 0; s < count; s += SLICE_POINTS) {
        throwIfAborted(signal);
        this.#local.encode(points, s, Math.min(SLICE_POINTS, count - s), out, s);
        if (s + SLICE_POINTS < count) await yieldToLoop();
      }
      return;
    }
    this.#shared ??= {
      version: ++versions, centroids: toShared(this.model.centroids), k: this.model.k, dim, m,
      codebooks: m > 0 ? toShared(this.model.codebooks!) : null,
    };
    let pts: SharedArrayBuffer;
    if (points.buffer instanceof SharedArrayBuffer && points.byteOffset === 0) {
      pts = points.buffer;
    } else {
      pts = new SharedArrayBuffer(count * dim * 4);
      new Float32Array(pts).set(points.subarray(0, count * dim));
    }
    const cells = new SharedArrayBuffer(count * 4);
    const dists = new SharedArrayBuffer(count * 4);
    const codes = m > 0 && out.codes !== undefined ? new SharedArrayBuffer(count * m) : null;
    await this.#pool.run(this.#shared, pts, count, { cells, dists, codes }, signal);
    out.cells.set(new Int32Array(cells));
    out.dists.set(new Float32Array(dists));
    if (codes !== null) out.codes!.set(new Uint8Array(codes));
  }
}
