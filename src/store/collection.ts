/**
 * The in-memory state of a store: slot directory, contiguous vectors, payloads and the index, plus search planning
 * (exact scan vs HNSW, filter selectivity, under-fill fallback). Persistence and locking live in the facade; this
 * class is what the log replays into, what snapshots serialize and what compaction rebuilds.
 *
 * @internal
 * @module
 */
import type { Metadata } from '../core/contracts.js';
import { normalizeInPlace } from './distance.js';
import { exactSearch } from './flat.js';
import { MaxHeap } from './heap.js';
import { HnswGraph, type SlotPredicate } from './hnsw.js';
import { SlotDirectory } from './ids.js';
import type { MetadataPredicate } from './filter-compiler.js';
import type { DistanceMetric, IndexOptions } from './types.js';
import { VectorStorage } from './vectors.js';

/** Resolved index parameters. @internal */
export interface ResolvedIndex {
  type: 'flat' | 'hnsw';
  M: number;
  efConstruction: number;
  efSearch: number;
  seed: number;
}

/** Fills index defaults. @internal */
export function resolveIndex(options: IndexOptions | undefined): ResolvedIndex {
  if (options?.type === 'flat') return { type: 'flat', M: 16, efConstruction: 200, efSearch: 96, seed: 42 };
  return {
    type: 'hnsw',
    M: options?.M ?? 16,
    efConstruction: options?.efConstruction ?? 200,
    efSearch: options?.efSearch ?? 96,
    seed: options?.seed ?? 42,
  };
}

/** One ranked slot. @internal */
export interface SlotHit {
  slot: number;
  /** Internal distance (lower is nearer). */
  distance: number;
}

/** Below this many live records every search is an exact scan (faster than a graph walk at that size). */
const EXACT_BELOW = 2048;
/** Filters estimated to match less than this fraction of records are answered by an exact scan of the matches. */
const SELECTIVE_FRACTION = 0.08;
const SAMPLE = 512;

/** In-memory store state. @internal */
export class Collection {
  readonly dimension: number;
  readonly metric: DistanceMetric;
  readonly index: ResolvedIndex;
  readonly isL2: boolean;
  readonly normalize: boolean;
  readonly dir = new SlotDirectory();
  readonly vectors: VectorStorage;
  graph: HnswGraph | null;
  texts: (string | undefined)[] = [];
  metas: Metadata[] = [];
  readonly #top = new MaxHeap(256);

  constructor(dimension: number, metric: DistanceMetric, index: ResolvedIndex, capacity = 64) {
    this.dimension = dimension;
    this.metric = metric;
    this.index = index;
    this.isL2 = metric === 'l2';
    this.normalize = metric === 'cosine';
    this.vectors = new VectorStorage(dimension, this.isL2, capacity);
    this.graph = index.type === 'hnsw'
      ? new HnswGraph(this.vectors, this.isL2, { M: index.M, efConstruction: index.efConstruction, seed: index.seed }, capacity)
      : null;
  }

  /** Live records. */
  get size(): number {
    return this.dir.live;
  }

  /** Inserts or replaces one record (vector copied; normalized for cosine). */
  upsert(id: string, vector: Float32Array, text: string | undefined, metadata: Metadata, alreadyNormalized = false): void {
    const slot = this.dir.assign(id);
    this.vectors.append(vector, this.normalize && !alreadyNormalized);
    this.texts[slot] = text;
    this.metas[slot] = metadata;
    this.graph?.insert(slot);
  }

  /** Deletes a record; returns whether it existed. */
  delete(id: string): boolean {
    const slot = this.dir.slotOf(id);
    if (slot < 0) return false;
    this.dir.remove(id);
    this.texts[slot] = undefined;
    this.metas[slot] = EMPTY;
    return true;
  }

  /** Fraction of slots that are dead. */
  get deadFraction(): number {
    return this.dir.slots === 0 ? 0 : this.dir.dead / this.dir.slots;
  }

  /** Converts an internal distance into the public "higher is better" score. */
  score(distance: number): number {
    if (this.isL2) return 1 / (1 + Math.sqrt(Math.max(0, distance)));
    return 1 - distance;
  }

  /** Prepares a query vector in place (normalized for cosine); the caller passes its own copy. */
  prepareQuery(vector: Float32Array): Float32Array {
    if (this.normalize) normalizeInPlace(vector, 0, vector.length);
    return vector;
  }

  /**
   * The k nearest live slots matching `filter` (all live slots when null), nearest first. Never under-fills: when at
   * least k live records match, k come back.
   */
  search(q: Float32Array, k: number, filter: MetadataPredicate | null, efSearch: number, exact: boolean): SlotHit[] {
    const live = this.dir.live;
    if (live === 0 || k <= 0) return [];
    const kk = Math.min(k, live);
    const deleted = this.dir.deleted;
    const metas = this.metas;
    const accept: SlotPredicate | null = filter ? (s) => filter(metas[s]) : null;
    const top = this.#top;
    const qo = this.vectors.setQuery(q);
    const graph = this.graph;
    if (exact || graph === null || live < EXACT_BELOW || (accept !== null && this.#estimate(accept) < SELECTIVE_FRACTION)) {
      exactSearch(this.vectors, qo, kk, top, deleted, accept);
      return this.#drain(top, kk);
    }
    const ef = Math.max(efSearch, kk);
    const walk = graph.search(qo, ef, top, this.dir.dead > 0 ? deleted : null, accept, Math.max(4 * ef * 32, live / 4));
    if (walk.complete && top.size >= kk) return this.#drain(top, kk);
    // The walk under-filled (few matches reachable) or was cut short: answer exactly over the matching slots.
    exactSearch(this.vectors, qo, kk, top, deleted, accept);
    return this.#drain(top, kk);
  }

  /** Estimated fraction of live records accepted, from an evenly spaced sample of slots. */
  #estimate(accept: SlotPredicate): number {
    const slots = this.dir.slots;
    const deleted = this.dir.deleted;
    const step = Math.max(1, Math.floor(slots / SAMPLE));
    let seen = 0, hit = 0;
    for (let s = 0; s < slots; s += step) {
      if (deleted[s] !== 0) continue;
      seen++;
      if (accept(s)) hit++;
    }
    return seen === 0 ? 0 : hit / seen;
  }

  #drain(top: MaxHeap, k: number): SlotHit[] {
    while (top.size > k) top.pop();
    const out: SlotHit[] = new Array<SlotHit>(top.size);
    for (let i = top.size - 1; i >= 0; i--) {
      out[i] = { slot: top.topVal(), distance: top.topKey() };
      top.pop();
    }
    return out;
  }

  /** Bytes held by vectors and graph. */
  get indexBytes(): number {
    return this.vectors.bytes + (this.graph?.bytes ?? 0) + this.dir.deleted.byteLength;
  }
}

const EMPTY: Metadata = Object.freeze({}) as Metadata;
