/**
 * The k-nearest walk over a distance space, shared by the calling thread ({@link Collection.search}) and the search
 * workers, so both answer the same query with the same slots: an exact scan or an HNSW walk (falling back to the
 * exact scan when the walk under-fills or is cut short), then, over int8 codes, a re-rank of the best candidates on
 * the float vectors.
 *
 * @internal
 * @module
 */
import { exactSearch } from './flat.js';
import type { MaxHeap } from './heap.js';
import type { HnswGraph, SlotPredicate } from './hnsw.js';
import type { DistanceSpace } from './space.js';

/** Below this many live records every search is an exact scan (faster than a graph walk at that size). @internal */
export const EXACT_BELOW = 2048;

/** One ranked slot. @internal */
export interface SlotHit {
  slot: number;
  /** Internal distance (lower is nearer); for text hits, minus the score. */
  distance: number;
}

/** What one walk reads: the index as one reader sees it. @internal */
export interface WalkContext {
  /** Live records. */
  live: number;
  /** Dead slots (tombstones the walk must skip). */
  dead: number;
  /** 1 where a slot is dead. */
  deleted: Uint8Array;
  /** What the graph walks: float vectors, or int8 codes. */
  space: DistanceSpace;
  /** Whether `space` is approximate (int8 codes): results are then re-ranked on floats. */
  approximate: boolean;
  graph: HnswGraph | null;
  /** The k-best heap the walk fills. */
  top: MaxHeap;
  /** Exact distances from `q` to listed slots (the re-rank). */
  exactDistances(q: Float32Array, slots: Uint32Array, n: number, out: Float64Array): void;
}

/** Per-walk parameters. @internal */
export interface WalkParams {
  efSearch: number;
  rerank: number;
  /** Scan every eligible slot instead of walking the graph. */
  exact: boolean;
}

/**
 * The `kk` nearest live slots passing `accept` (all when null), nearest first.
 *
 * @param ctx - what to walk
 * @param q - the query (normalized for cosine)
 * @param kk - results wanted (at most the live count)
 * @param accept - slot filter, or null
 * @param p - ef, re-rank depth, exact
 * @returns hits, nearest first
 * @internal
 */
export function walkNearest(ctx: WalkContext, q: Float32Array, kk: number, accept: SlotPredicate | null, p: WalkParams): SlotHit[] {
  const { space, top, deleted } = ctx;
  const qo = space.setQuery(q);
  const want = ctx.approximate ? Math.max(kk, p.rerank, p.efSearch) : kk;
  if (p.exact || ctx.graph === null) {
    exactSearch(space, qo, want, top, deleted, accept);
    return ctx.approximate ? rerank(ctx, q, kk) : drain(top, kk);
  }
  const ef = Math.max(p.efSearch, kk);
  const walk = ctx.graph.search(qo, ef, top, ctx.dead > 0 ? deleted : null, accept, Math.max(4 * ef * 32, ctx.live / 4));
  if (!walk.complete || top.size < kk) {
    // The walk under-filled (few matches reachable) or was cut short: answer exactly over the matching slots.
    exactSearch(space, qo, want, top, deleted, accept);
  }
  return ctx.approximate ? rerank(ctx, q, kk) : drain(top, kk);
}

/** Re-ranks the approximate candidates in `top` on float vectors; returns the k nearest. */
function rerank(ctx: WalkContext, q: Float32Array, k: number): SlotHit[] {
  const top = ctx.top;
  const n = top.size;
  const slots = top.vals.slice(0, n);
  const dist = new Float64Array(n);
  ctx.exactDistances(q, slots, n, dist);
  top.clear();
  for (let i = 0; i < n; i++) {
    if (top.size < k) top.push(dist[i], slots[i]);
    else if (dist[i] < top.topKey()) top.replaceTop(dist[i], slots[i]);
  }
  return drain(top, k);
}

/**
 * Empties `top` into hits, nearest first, keeping the `k` nearest.
 *
 * @internal
 */
export function drain(top: MaxHeap, k: number): SlotHit[] {
  while (top.size > k) top.pop();
  const out: SlotHit[] = new Array<SlotHit>(top.size);
  for (let i = top.size - 1; i >= 0; i--) {
    out[i] = { slot: top.topVal(), distance: top.topKey() };
    top.pop();
  }
  return out;
}
