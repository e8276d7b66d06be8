/**
 * Messages between the store's {@link SearchPool} and its search workers. The index itself never travels: a
 * {@link CollectionLayout} names the shared buffers (wasm memories, graph arrays, tombstones, lock) once per worker
 * and collection, and each request carries only its queries and parameters; a reply carries slots and distances.
 *
 * @internal
 * @module
 */
import type { KernelBackend } from '../../kernels/index.js';
import type { HnswShared } from '../hnsw.js';
import type { Sq8Scratch, SharedSq8 } from '../sq8-space.js';
import type { SharedStorage, StorageScratch } from '../vectors.js';

/** Int32 words of a collection's shared header (published by the writer at the end of each write). @internal */
export const HEADER = { live: 0, dead: 1, slots: 2, words: 4 } as const;

/** Everything a worker maps to search one collection (with scratch of its own inside the shared memories). @internal */
export interface CollectionLayout {
  /** The collection (a compaction makes a new one). */
  key: number;
  /** Changes when a buffer was replaced (it outgrew its reserved maximum): the worker re-maps. */
  version: number;
  lock: SharedArrayBuffer;
  header: SharedArrayBuffer;
  deleted: SharedArrayBuffer;
  /** Float vectors (exact distances, re-rank). */
  floats: SharedStorage;
  floatScratch: StorageScratch;
  /** Int8 codes the graph walks, or null when it walks the floats. */
  sq8: { shared: SharedSq8; scratch: Sq8Scratch } | null;
  /** The HNSW graph, or null (flat index, or not built yet). */
  graph: HnswShared | null;
}

/** Search `nq` queries (rows of `queries`) of one collection. @internal */
export interface SearchRequest {
  id: number;
  key: number;
  /** Sent when the worker may not have this collection (or this version of its layout) mapped. */
  layout?: CollectionLayout;
  /** `nq × dim` floats, normalized for cosine. */
  queries: Float32Array;
  nq: number;
  k: number;
  efSearch: number;
  rerank: number;
  exact: boolean;
  /**
   * Allowed slots, one bit per slot (bit `s & 31` of word `s >>> 5`), or null for all. A slot past the bitset's
   * end is not allowed.
   */
  allow: Uint32Array | null;
  /** Test-only fault (`workerFaults.exitOnRequest`): the worker exits on receiving this request. */
  fault?: 'exit';
}

/** A search's results: `counts[i]` hits for query i, concatenated in `slots` / `dists` (nearest first). @internal */
export interface SearchResult {
  id: number;
  counts: Uint32Array;
  slots: Uint32Array;
  dists: Float64Array;
  /** The lock's version the search ran at (writes applied before it). */
  version: number;
}

/** A request that failed inside the worker (a bug or a fault; the worker stays up). @internal */
export interface SearchFailure {
  id: number;
  error: string;
}

/** The worker lacks the request's collection layout: send it again with `layout`. @internal */
export interface SearchNeedsLayout {
  id: number;
  needLayout: true;
}

/** Any reply to a {@link SearchRequest}. @internal */
export type SearchReply = SearchResult | SearchFailure | SearchNeedsLayout;

/** Sent once by a worker when it takes requests. @internal */
export interface SearchReady {
  ready: true;
}

/** What a search worker is started with. @internal */
export interface SearchWorkerSetup {
  backend: KernelBackend;
  /** Test-only fault (`workerFaults` in src/internal/crash-loop.ts): exit at once, before taking any request. */
  fault?: 'exit-at-start';
}
