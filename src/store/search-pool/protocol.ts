/**
 * Messages between the store's {@link SearchPool} and its search workers. The index itself never travels: a
 * {@link CollectionLayout} names the shared buffers (wasm memories, graph arrays, tombstones, lock) once per worker
 * and collection, and each request carries only its queries and parameters; a reply carries slots and distances.
 * Most requests go through the worker's shared request slot ({@link SLOT}) rather than as messages.
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
  /** Set bits in `allow` (its exact match count; 0 when `allow` is null). */
  allowCount: number;
  /**
   * Collections with searches in flight (this one included): the worker unmaps every other, so a collection a
   * compaction replaced is released by the workers as soon as its last search is answered.
   */
  keep: number[];
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

/**
 * The reply is in the worker's request slot ({@link SLOT}): this message only wakes the pool's event loop (it may
 * have taken the reply already). @internal
 */
export interface SearchInSlot {
  id: number;
  inSlot: true;
}

/** Any reply to a {@link SearchRequest}. @internal */
export type SearchReply = SearchResult | SearchFailure | SearchNeedsLayout | SearchInSlot;

/** Sent once by a worker when it takes requests. @internal */
export interface SearchReady {
  ready: true;
}

/** What a search worker is started with. @internal */
export interface SearchWorkerSetup {
  backend: KernelBackend;
  /** The worker's request slot ({@link SLOT}), fresh for each worker spawned into a position. */
  slot: SharedArrayBuffer;
  /** Test-only fault (`workerFaults` in src/internal/crash-loop.ts): exit at once, before taking any request. */
  fault?: 'exit-at-start';
  /** Test-only fault (`workerFaults.pauseAfterReadyMs`): stall this long after saying it is ready. */
  pauseAfterReadyMs?: number;
}

/**
 * The request slot: a growable SharedArrayBuffer per worker through which the pool hands it a search and takes the
 * reply without structured cloning. The worker blocks in `Atomics.wait` on the doorbell (no event loop to wake), and
 * after writing a reply posts a small {@link SearchInSlot} message to wake the pool's event loop; the pool also
 * reads the reply word directly when it is about to decide that no worker is idle. A hand-off then costs ~17–24 µs
 * instead of 42–140 µs (bench/worker-roundtrip.mjs). A reply signalled by `Atomics.waitAsync` costs the same but is
 * delivered after the next `setImmediate` a third of the time, which starves a worker behind the calling thread's
 * next search. Requests that carry a layout (shared buffers to map) or a test fault go by message; the doorbell
 * wakes the worker to read them with `receiveMessageOnPort`.
 *
 * Int32 words at the start of the buffer; the request's keep list, queries and allow-bitset, then the reply, follow
 * at the offsets {@link slotOffsets} gives.
 *
 * @internal
 */
export const SLOT = {
  /** Bumped by the pool after each request (slot or message); the worker waits on it. */
  bell: 0,
  /** 1 while a request sits in the slot; the worker takes it (sets 0). */
  request: 1,
  /** The reply's state, one of {@link SLOT_REPLY}. */
  reply: 2,
  id: 3,
  key: 4,
  nq: 5,
  k: 6,
  efSearch: 7,
  rerank: 8,
  exact: 9,
  /** Words of the allow-bitset, or -1 for none. */
  allowWords: 10,
  allowCount: 11,
  keepCount: 12,
  /** The reply's lock version. */
  version: 13,
  /** The reply's hits, all queries together. */
  hits: 14,
  /** Bytes of the header (16 words). */
  headerBytes: 64,
} as const;

/** Values of the slot's reply word. @internal */
export const SLOT_REPLY = {
  /** Not answered yet. */
  pending: 0,
  /** The reply is in the slot. */
  done: 1,
  /** The worker answered by message (an error, or it lacks the collection's layout). */
  byMessage: 2,
} as const;

/** Byte offsets of a slot request's parts (`end`: the bytes it needs). @internal */
export interface SlotOffsets {
  keep: number;
  queries: number;
  allow: number;
  counts: number;
  slots: number;
  dists: number;
  end: number;
}

/**
 * Where a request's parts lie in the slot: the keep list, the `nq × dim` queries, the allow-bitset, then the reply
 * (`nq` counts, `nq × k` slots, `nq × k` distances, 8-byte aligned).
 *
 * @returns byte offsets
 * @internal
 */
export function slotOffsets(keepCount: number, nq: number, dim: number, allowWords: number, k: number): SlotOffsets {
  const keep = SLOT.headerBytes;
  const queries = keep + 4 * keepCount;
  const allow = queries + 4 * nq * dim;
  const counts = allow + 4 * Math.max(0, allowWords);
  const slots = counts + 4 * nq;
  const dists = (slots + 4 * nq * k + 7) & ~7;
  return { keep, queries, allow, counts, slots, dists, end: dists + 8 * nq * k };
}
