/**
 * Rank fusion: combine several ranked lists (vector search, BM25, several queries) into one.
 *
 * @module
 */
import { ValidationError } from '../core/errors.js';

/** One entry of a ranked list given to a fusion function. Lists are best first. */
export interface RankedItem {
  /** Identifies the same item across lists. */
  id: string;
  /** The list's own score (higher is better). Needed by {@link weightedScoreFusion}, ignored by RRF. */
  score?: number;
}

/** One fused result. */
export interface FusedItem {
  /** The item's id. */
  id: string;
  /** The fused score; higher is better. */
  score: number;
  /** The item's 1-based rank in each input list, `undefined` where it was absent. */
  ranks: (number | undefined)[];
}

/** Options of {@link reciprocalRankFusion}. */
export interface RrfOptions {
  /**
   * The RRF constant: each list contributes `weight / (k + rank)`. Larger values flatten the head of each list.
   * @defaultValue 60
   */
  k?: number;
  /** A weight per list. @defaultValue 1 for every list */
  weights?: readonly number[];
  /** Keep only the best `limit` results. @defaultValue all */
  limit?: number;
}

/** How {@link weightedScoreFusion} puts each list's scores on a common scale before weighting. */
export type ScoreNormalization = 'minmax' | 'zscore' | 'none';

/** Options of {@link weightedScoreFusion}. */
export interface WeightedFusionOptions {
  /** A weight per list. @defaultValue 1 for every list */
  weights?: readonly number[];
  /**
   * Per-list normalization: `minmax` maps to [0, 1] (a list whose scores are all equal maps to 1), `zscore` to
   * mean 0 / standard deviation 1, `none` keeps raw scores.
   * @defaultValue 'minmax'
   */
  normalization?: ScoreNormalization;
  /** Keep only the best `limit` results. @defaultValue all */
  limit?: number;
}

function checkWeights(lists: readonly unknown[], weights: readonly number[] | undefined): number[] {
  if (weights === undefined) return lists.map(() => 1);
  if (weights.length !== lists.length) {
    throw new ValidationError(`weights has ${weights.length} entries for ${lists.length} lists`);
  }
  if (!weights.every((w) => Number.isFinite(w) && w >= 0)) throw new ValidationError('weights must be finite and >= 0');
  return [...weights];
}

function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return Infinity;
  if (!Number.isInteger(limit) || limit < 0) throw new ValidationError(`limit must be a non-negative integer, got ${limit}`);
  return limit;
}

/** Accumulates per-id scores in first-seen order, so ties keep a deterministic order. */
function accumulate(
  lists: readonly (readonly RankedItem[])[],
  contribution: (list: number, rank: number, item: RankedItem) => number,
): FusedItem[] {
  const byId = new Map<string, FusedItem>();
  const order: FusedItem[] = [];
  lists.forEach((list, li) => {
    list.forEach((item, r) => {
      let fused = byId.get(item.id);
      if (fused === undefined) {
        fused = { id: item.id, score: 0, ranks: new Array<number | undefined>(lists.length).fill(undefined) };
        byId.set(item.id, fused);
        order.push(fused);
      }
      if (fused.ranks[li] !== undefined) return; // a duplicate inside one list counts once, at its best rank
      fused.ranks[li] = r + 1;
      fused.score += contribution(li, r + 1, item);
    });
  });
  return order;
}

function sortAndCut(items: FusedItem[], limit: number): FusedItem[] {
  // Array.prototype.sort is stable: equal scores keep first-seen order.
  items.sort((a, b) => b.score - a.score);
  return items.length > limit ? items.slice(0, limit) : items;
}

/**
 * Reciprocal rank fusion (Cormack et al., 2009): `score(d) = Σ weight_i / (k + rank_i(d))` over the lists that
 * contain `d`. Uses ranks only, so lists with incomparable scores (BM25 and cosine) fuse without calibration.
 *
 * @param lists - ranked lists, best first; an id repeated inside one list counts once, at its best rank
 * @param options - `k`, per-list weights, limit
 * @returns fused results, best first; ties keep the order in which ids were first seen
 * @throws {@link ValidationError} for a negative `k`, mismatched weights or a bad limit
 *
 * @example
 * ```ts
 * const fused = reciprocalRankFusion([vectorHits, bm25Hits], { k: 60, limit: 10 });
 * ```
 */
export function reciprocalRankFusion(lists: readonly (readonly RankedItem[])[], options: RrfOptions = {}): FusedItem[] {
  const k = options.k ?? 60;
  if (!Number.isFinite(k) || k < 0) throw new ValidationError(`k must be a finite number >= 0, got ${k}`);
  const weights = checkWeights(lists, options.weights);
  const limit = checkLimit(options.limit);
  return sortAndCut(accumulate(lists, (li, rank) => weights[li] / (k + rank)), limit);
}

function normalizer(list: readonly RankedItem[], mode: ScoreNormalization): (s: number) => number {
  const scores = list.map((it, i) => {
    if (it.score === undefined || !Number.isFinite(it.score)) {
      throw new ValidationError(`weighted fusion needs a finite score on every item (item ${i}, id ${JSON.stringify(it.id)})`);
    }
    return it.score;
  });
  if (mode === 'none' || scores.length === 0) return (s) => s;
  if (mode === 'minmax') {
    const lo = Math.min(...scores);
    const span = Math.max(...scores) - lo;
    return span > 0 ? (s) => (s - lo) / span : () => 1;
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
  return sd > 0 ? (s) => (s - mean) / sd : () => 0;
}

/**
 * Weighted score fusion: each list's scores are normalized (min-max by default), multiplied by the list's weight
 * and summed; an item absent from a list gets nothing from it. The classic "alpha" hybrid is
 * `weights: [alpha, 1 - alpha]` over `[vector, text]`.
 *
 * @param lists - ranked lists with scores, best first
 * @param options - weights, normalization, limit
 * @returns fused results, best first; ties keep the order in which ids were first seen
 * @throws {@link ValidationError} when an item lacks a finite score, or weights/limit are invalid
 *
 * @example
 * ```ts
 * const fused = weightedScoreFusion([vectorHits, bm25Hits], { weights: [0.7, 0.3] });
 * ```
 */
export function weightedScoreFusion(
  lists: readonly (readonly RankedItem[])[],
  options: WeightedFusionOptions = {},
): FusedItem[] {
  const weights = checkWeights(lists, options.weights);
  const limit = checkLimit(options.limit);
  const mode = options.normalization ?? 'minmax';
  const norms = lists.map((l) => normalizer(l, mode));
  return sortAndCut(accumulate(lists, (li, _rank, item) => weights[li] * norms[li](item.score!)), limit);
}
