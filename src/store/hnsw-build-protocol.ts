/**
 * Messages between {@link BuildPool} and its worker threads (phase A of batched HNSW construction). Graph, vectors,
 * plans and the work counter travel as SharedArrayBuffers (or the shared WebAssembly memory), which `postMessage`
 * shares rather than copies.
 *
 * @internal
 * @module
 */
import type { KernelBackend } from '../kernels/index.js';
import type { HnswShared } from './hnsw.js';
import type { SharedStorage, StorageScratch } from './vectors.js';

/** What a build worker starts with. @internal */
export interface BuildWorkerSetup {
  backend: KernelBackend;
  /** Test hook: the worker exits when it takes its first request. */
  fault?: 'exit-on-plan';
}

/**
 * Plan batch members `[0, to - from)`: the workers claim chunks of `chunk` members from `counter[0]` and set
 * `done[chunk index]` for each chunk they finish.
 *
 * @internal
 */
export interface PlanRequest {
  id: number;
  /** Identifies the vector storage (a worker re-attaches when it changes). */
  storageId: number;
  storage: SharedStorage;
  /** This worker's scratch rows in that storage. */
  scratch: StorageScratch;
  /** The graph's buffer layout version (a worker re-attaches when it changes). */
  graphId: string;
  graph: HnswShared;
  from: number;
  to: number;
  offsets: SharedArrayBuffer;
  words: SharedArrayBuffer;
  counter: SharedArrayBuffer;
  done: SharedArrayBuffer;
  chunk: number;
}

/** A finished (or failed) request. @internal */
export interface PlanReply {
  id: number;
  error?: string;
}

/** Sent once by a worker when it takes requests. @internal */
export interface PlanReady {
  ready: true;
}
