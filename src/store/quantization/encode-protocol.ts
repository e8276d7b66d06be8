/**
 * Messages between {@link EncodePool} and its worker threads. Vectors, models and results travel as
 * `SharedArrayBuffer`s, which `postMessage` shares rather than copies.
 *
 * @internal
 * @module
 */
import type { KernelBackend } from '../../kernels/index.js';

/** A model as the workers see it; `version` changes whenever the contents do (k-means iterations). @internal */
export interface SharedModel {
  version: number;
  centroids: SharedArrayBuffer;
  k: number;
  dim: number;
  m: number;
  /** Absent for plain assignment. */
  codebooks: SharedArrayBuffer | null;
}

/** Encode points `[from, from + count)` of `points` into the result buffers at the same indices. @internal */
export interface EncodeRequest {
  id: number;
  model: SharedModel;
  points: SharedArrayBuffer;
  from: number;
  count: number;
  cells: SharedArrayBuffer;
  dists: SharedArrayBuffer;
  codes: SharedArrayBuffer | null;
}

/** A finished (or failed) request. @internal */
export interface EncodeReply {
  id: number;
  error?: string;
}

/** Sent once by a worker when its module has loaded and it takes requests. @internal */
export interface EncodeReady {
  ready: true;
}

/** What an encode worker is started with. @internal */
export interface EncodeWorkerSetup {
  backend: KernelBackend;
  /** Test-only fault (`workerFaults` in src/internal/crash-loop.ts): exit at once, before taking any request. */
  fault?: 'exit-at-start';
}
