/**
 * Worker threads for phase A of batched HNSW construction ({@link BatchPlanner}): each worker attaches once to the
 * store's shared vectors (the shared WebAssembly memory) and graph (growable SharedArrayBuffers) and plans the
 * members of each batch it claims from a shared counter, writing the plans into a shared array. The calling thread
 * only waits (its event loop stays free), then links the batch itself (phase B).
 *
 * Faults: a worker that dies or throws fails only its own chunks. The chunks no worker finished are planned on the
 * calling thread, which gives the same plans (each plan depends only on the graph and the vectors), so the graph
 * comes out the same; the failure is reported through `onError` (the store's `error` event and `stats()`). After
 * {@link CRASHES_TO_DISABLE} failed batches in a row the pool stops using workers and plans on the calling thread.
 * Where memory cannot be shared (no SharedArrayBuffer) every batch is planned on the calling thread.
 *
 * @internal
 * @module
 */
import { Worker } from 'node:worker_threads';
import { WorkerCrashedError } from '../core/errors.js';
import type { KernelBackend } from '../kernels/index.js';
import type { HnswGraph } from './hnsw.js';
import { planNodes, type BatchPlan, type BatchPlanner } from './hnsw-batch.js';
import type { BuildWorkerSetup, PlanReady, PlanReply, PlanRequest } from './hnsw-build-protocol.js';
import { workerScript } from '../internal/worker-supervisor.js';
import { yieldToLoop } from '../internal/yield.js';
import { VectorStorage, type StorageScratch } from './vectors.js';

/** Batch members a worker claims at a time. */
const CHUNK = 16;
/** Failed batches in a row after which the pool plans on the calling thread only. @internal */
export const CRASHES_TO_DISABLE = 3;

/** Chunks of batch members planned so far by workers and by calling threads, all pools together (tests read it). @internal */
export const buildCounters = { workerChunks: 0, threadChunks: 0 };

/** Test hook: workers spawned while set exit when they take a request. @internal */
export const buildFaults: { exitOnPlan: boolean } = { exitOnPlan: false };

interface Slot {
  index: number;
  worker: Worker | undefined;
  ready: Promise<boolean> | undefined;
  /** The request it runs, and how to settle it. */
  pending: { id: number; settle: (error?: Error) => void } | undefined;
}

let storageIds = 0;
let graphIds = 0;
const storageKeys = new WeakMap<VectorStorage, { id: number; scratch: StorageScratch[] }>();
const graphKeys = new WeakMap<HnswGraph, number>();

/** Phase A on worker threads. Close it when done (idle workers do not hold the process open). @internal */
export class BuildPool implements BatchPlanner {
  readonly shared = true;
  readonly threads: number;
  readonly #backend: KernelBackend;
  readonly #onError: (err: WorkerCrashedError) => void;
  readonly #slots: Slot[] = [];
  #queue: Promise<void> = Promise.resolve();
  #seq = 0;
  #failedRuns = 0;
  #closed = false;

  /**
   * @param threads - worker threads (≥ 1)
   * @param onError - told of each worker failure (the batch still completes on the calling thread)
   * @param backend - kernel backend inside the workers
   */
  constructor(threads: number, onError: (err: WorkerCrashedError) => void = () => undefined, backend: KernelBackend = 'auto') {
    this.threads = Math.max(1, Math.floor(threads));
    this.#onError = onError;
    this.#backend = backend;
    for (let i = 0; i < this.threads; i++) this.#slots.push({ index: i, worker: undefined, ready: undefined, pending: undefined });
  }

  /** Whether batches still go to workers (false after repeated failures, or once closed). */
  get usingWorkers(): boolean {
    return !this.#closed && this.#failedRuns < CRASHES_TO_DISABLE;
  }

  /** Plans every member of `plan` (one batch at a time per pool). */
  plan(g: HnswGraph, plan: BatchPlan): Promise<void> {
    const run = this.#queue.then(() => this.#plan(g, plan));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #plan(g: HnswGraph, plan: BatchPlan): Promise<void> {
    const n = plan.to - plan.from;
    const vs = g.vectors;
    const chunks = Math.ceil(n / CHUNK);
    const done = new Int32Array(new SharedArrayBuffer(chunks * 4));
    const shared = vs instanceof VectorStorage ? vs.shared : undefined;
    if (this.usingWorkers && shared !== undefined && plan.words.buffer instanceof SharedArrayBuffer) {
      const failure = await this.#onWorkers(g, vs as VectorStorage, plan, done);
      if (failure === undefined) this.#failedRuns = 0;
      else {
        this.#failedRuns++;
        this.#onError(failure);
      }
    }
    // What no worker finished (all of it without workers) is planned here, in slices.
    for (let c = 0; c < chunks; c++) {
      if (Atomics.load(done, c) === 1) {
        buildCounters.workerChunks++;
        continue;
      }
      buildCounters.threadChunks++;
      planNodes(g, plan, c * CHUNK, Math.min(n, (c + 1) * CHUNK));
      await yieldToLoop();
    }
  }

  /** Runs the batch on the workers; returns the first worker failure, if any. */
  async #onWorkers(g: HnswGraph, vs: VectorStorage, plan: BatchPlan, done: Int32Array): Promise<WorkerCrashedError | undefined> {
    g.publish();
    vs.publish();
    let key = storageKeys.get(vs);
    if (key === undefined) {
      key = { id: ++storageIds, scratch: [] };
      storageKeys.set(vs, key);
    }
    let gid = graphKeys.get(g);
    if (gid === undefined) {
      gid = ++graphIds;
      graphKeys.set(g, gid);
    }
    const counter = new SharedArrayBuffer(4);
    let failure: WorkerCrashedError | undefined;
    await Promise.all(this.#slots.map(async (slot) => {
      const up = await this.#start(slot);
      if (!up) {
        failure ??= new WorkerCrashedError(`HNSW build worker ${slot.index} did not start`);
        return;
      }
      if (this.#closed) return;
      key.scratch[slot.index] ??= vs.allocScratch();
      const req: PlanRequest = {
        id: ++this.#seq, storageId: key.id, storage: vs.shared!, scratch: key.scratch[slot.index]!,
        graphId: `${gid}:${g.layoutVersion}`, graph: g.shared, from: plan.from, to: plan.to,
        offsets: plan.offsets.buffer as SharedArrayBuffer, words: plan.words.buffer as SharedArrayBuffer,
        counter, done: done.buffer as SharedArrayBuffer, chunk: CHUNK,
      };
      const err = await new Promise<Error | undefined>((settle) => {
        slot.pending = { id: req.id, settle };
        slot.worker!.ref();
        slot.worker!.postMessage(req);
      });
      slot.worker?.unref();
      if (err !== undefined) failure ??= err instanceof WorkerCrashedError ? err : new WorkerCrashedError(`HNSW build worker ${slot.index} failed`, { cause: err });
    }));
    return failure;
  }

  /** Spawns the slot's worker if it has none; resolves whether it came up. */
  #start(slot: Slot): Promise<boolean> {
    if (slot.worker !== undefined && slot.ready !== undefined) return slot.ready;
    const setup: BuildWorkerSetup = { backend: this.#backend, ...(buildFaults.exitOnPlan ? { fault: 'exit-on-plan' as const } : {}) };
    const worker = new Worker(workerScript(import.meta.url, 'hnsw-build-worker-loader.mjs', 'hnsw-build-worker'), { workerData: setup });
    worker.unref();
    slot.worker = worker;
    let lastError: unknown;
    slot.ready = new Promise<boolean>((resolveReady) => {
      worker.on('message', (msg: PlanReply | PlanReady) => {
        if ('ready' in msg) return resolveReady(true);
        const p = slot.pending;
        if (p === undefined || p.id !== msg.id) return;
        slot.pending = undefined;
        p.settle(msg.error === undefined ? undefined : new WorkerCrashedError(`HNSW build worker ${slot.index} failed: ${msg.error}`));
      });
      worker.on('error', (err) => { lastError = err; });
      worker.on('exit', (code) => {
        if (slot.worker !== worker) return;
        slot.worker = undefined;
        slot.ready = undefined;
        resolveReady(false);
        const p = slot.pending;
        slot.pending = undefined;
        p?.settle(new WorkerCrashedError(`HNSW build worker ${slot.index} died (exit code ${code})`, { cause: lastError }));
      });
    });
    return slot.ready;
  }

  /** Stops the workers; later batches are planned on the calling thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#slots.map(async (s) => {
      const w = s.worker;
      s.worker = undefined;
      s.pending?.settle(undefined);
      s.pending = undefined;
      if (w !== undefined) await w.terminate();
    }));
  }
}
