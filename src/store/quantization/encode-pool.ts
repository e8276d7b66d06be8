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
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ClosedError, WorkerCrashedError } from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import { yieldToLoop } from '../../internal/yield.js';
import type { KernelBackend } from '../../kernels/index.js';
import { BatchEncoder, ENCODE_BLOCK, type EncodeModel, type EncodeOutput } from './batch-encoder.js';
import type { EncodeReply, EncodeRequest, SharedModel } from './encode-protocol.js';

/** Points per in-thread slice between yields to the event loop. */
const SLICE_POINTS = 2048;

/** The worker script: the built bundle next to this chunk, or the tsx loader in the source tree. */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  if (here.endsWith('.ts')) return join(dir, 'encode-worker-loader.mjs');
  return join(dir, here.endsWith('.cjs') ? 'ivf-worker.cjs' : 'ivf-worker.js');
}

/**
 * Worker threads to use when none are asked for: every core the process may use (the calling thread only waits),
 * at most 16.
 *
 * @internal
 */
export function defaultEncodeThreads(): number {
  return Math.max(1, Math.min(16, availableParallelism()));
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

/** A fixed set of encode workers. Close it when done (workers are unref'd, so a forgotten pool does not hold the process). @internal */
export class EncodePool {
  readonly threads: number;
  readonly #slots: Slot[] = [];
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  /** Runs in progress (workers are ref'd while any is). */
  #running = 0;
  #closed = false;
  #failure: Error | undefined;

  /**
   * @param threads - worker threads (≥ 1)
   * @param backend - kernel backend inside the workers
   */
  constructor(threads: number, backend: KernelBackend = 'auto') {
    this.threads = Math.max(1, Math.floor(threads));
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(workerEntry(), { workerData: { backend } });
      worker.unref();
      const slot: Slot = { worker, busy: false };
      worker.on('message', (reply: EncodeReply) => {
        slot.busy = false;
        const p = this.#pending.get(reply.id);
        this.#pending.delete(reply.id);
        if (p === undefined) return;
        if (reply.error === undefined) p.resolve();
        else p.reject(new WorkerCrashedError(`IVF encode worker ${i} failed: ${reply.error}`));
      });
      const fail = (err: unknown): void => {
        if (this.#closed) return;
        this.#failure = new WorkerCrashedError(`IVF encode worker ${i} died`, { cause: err });
        for (const p of this.#pending.values()) p.reject(this.#failure);
        this.#pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
      this.#slots.push(slot);
    }
  }

  /**
   * Encodes points `[0, count)` of a shared array into shared result arrays.
   *
   * @param model - the shared model
   * @param points - `count × dim` floats in a SharedArrayBuffer
   * @param count - points
   * @param out - shared result buffers (`codes` null for plain assignment)
   * @param signal - stops handing out pieces (pieces in flight finish first)
   * @throws {@link WorkerCrashedError} when a worker fails
   * @throws {@link AbortError} when the signal fires
   */
  async run(
    model: SharedModel, points: SharedArrayBuffer, count: number,
    out: { cells: SharedArrayBuffer; dists: SharedArrayBuffer; codes: SharedArrayBuffer | null }, signal?: AbortSignal,
  ): Promise<void> {
    if (this.#closed) throw new ClosedError('the encode pool is closed');
    if (this.#failure) throw this.#failure;
    const piece = Math.max(ENCODE_BLOCK, Math.ceil(count / (this.threads * 8)));
    let next = 0;
    let error: Error | undefined;
    // Idle workers do not keep the process alive; busy ones must, or an awaited run could end with the process.
    if (this.#running++ === 0) for (const s of this.#slots) s.worker.ref();
    await new Promise<void>((resolveAll) => {
      let inFlight = 0;
      const pump = (): void => {
        while (error === undefined && next < count && !signal?.aborted) {
          const slot = this.#slots.find((s) => !s.busy);
          if (slot === undefined) break;
          const from = next;
          const n = Math.min(piece, count - from);
          next += n;
          const id = ++this.#seq;
          slot.busy = true;
          inFlight++;
          this.#pending.set(id, {
            resolve: () => { inFlight--; pump(); },
            reject: (err) => { inFlight--; error ??= err; pump(); },
          });
          const req: EncodeRequest = { id, model, points, from, count: n, cells: out.cells, dists: out.dists, codes: out.codes };
          slot.worker.postMessage(req);
        }
        if (inFlight === 0) resolveAll();
      };
      pump();
    });
    if (--this.#running === 0) for (const s of this.#slots) s.worker.unref();
    if (error !== undefined) throw error;
    throwIfAborted(signal);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
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
