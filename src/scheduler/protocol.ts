// Messages between LocalScheduler (main thread) and its workers. Vectors travel as one flat Float32Array whose
// buffer is transferred, not copied; errors travel as plain { code, message } and are rebuilt as AbiErrors.
import type { RerankResult } from '../retrieval/reranker.js';

/** What a worker is given when it starts. */
export interface WorkerSetup {
  /** onnxruntime device for every model of this worker (`cpu`, `cuda:N`, `auto`). */
  device: string;
  /** Intra-op threads per model session. */
  threads: number;
  /** Test-only fault (`workerFaults` in src/internal/crash-loop.ts): exit at once, before taking any job. */
  fault?: 'exit-at-start';
}

/** A batch of texts for one embedding model, already coalesced from one or more jobs. */
export interface EmbedRequest {
  type: 'embed';
  batch: number;
  dir: string;
  texts: string[];
  inputType: 'query' | 'document';
  dimensions: number | undefined;
}

/** One rerank job. */
export interface RerankRequest {
  type: 'rerank';
  batch: number;
  dir: string;
  query: string;
  documents: string[];
}

/** Test hook: the worker exits at once, as a crash would. */
export interface CrashRequest {
  type: 'crash';
}

/** Anything the main thread sends. */
export type WorkerRequest = EmbedRequest | RerankRequest | CrashRequest;

/** Sent once by a worker when its module has loaded (imports resolved) and it takes jobs. */
export interface WorkerReady {
  ready: true;
}

/** A finished batch. */
export type WorkerReply =
  | { batch: number; ok: true; kind: 'embed'; flat: Float32Array; dimension: number; loaded: string[] }
  | { batch: number; ok: true; kind: 'rerank'; results: RerankResult[]; loaded: string[] }
  | { batch: number; ok: false; error: { code: string; message: string }; loaded: string[] };
