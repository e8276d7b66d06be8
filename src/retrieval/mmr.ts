/**
 * Maximal marginal relevance: pick results that are relevant to the query and different from each other.
 *
 * @module
 */
import { DimensionMismatchError, ValidationError } from '../core/errors.js';

/** Options of {@link maximalMarginalRelevance}. */
export interface MmrOptions {
  /** How many candidates to select. @defaultValue 4 */
  k?: number;
  /**
   * Trade-off between relevance (1) and diversity (0).
   * @defaultValue 0.5
   */
  lambda?: number;
  /**
   * Similarity between vectors: `cosine` (vectors need not be normalized) or `dot`.
   * @defaultValue 'cosine'
   */
  similarity?: 'cosine' | 'dot';
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function normalized(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  if (n === 0) return v;
  const inv = 1 / Math.sqrt(n);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * inv;
  return out;
}

/**
 * Maximal marginal relevance (Carbonell & Goldstein, 1998). Greedily selects the candidate maximizing
 * `lambda * sim(query, c) - (1 - lambda) * max_{s selected} sim(c, s)`.
 *
 * @param query - the query vector
 * @param candidates - candidate vectors (e.g. the `fetchK` nearest neighbours)
 * @param options - `k`, `lambda`, similarity
 * @returns indices into `candidates`, in selection order (at most `k`); ties go to the lower index
 * @throws {@link ValidationError} for `lambda` outside [0, 1] or a negative `k`
 * @throws {@link DimensionMismatchError} when a candidate's length differs from the query's
 *
 * @example
 * ```ts
 * const picked = maximalMarginalRelevance(queryVector, hits.map((h) => h.vector!), { k: 5, lambda: 0.5 });
 * ```
 */
export function maximalMarginalRelevance(
  query: Float32Array,
  candidates: readonly Float32Array[],
  options: MmrOptions = {},
): number[] {
  const k = options.k ?? 4;
  const lambda = options.lambda ?? 0.5;
  if (!Number.isInteger(k) || k < 0) throw new ValidationError(`k must be a non-negative integer, got ${k}`);
  if (!(lambda >= 0 && lambda <= 1)) throw new ValidationError(`lambda must be in [0, 1], got ${lambda}`);
  candidates.forEach((c, i) => {
    if (c.length !== query.length) throw new DimensionMismatchError(query.length, c.length, `candidate ${i}`);
  });
  const cosine = (options.similarity ?? 'cosine') === 'cosine';
  const q = cosine ? normalized(query) : query;
  const vs = cosine ? candidates.map(normalized) : candidates;
  const n = vs.length;
  const relevance = new Float64Array(n);
  for (let i = 0; i < n; i++) relevance[i] = dot(q, vs[i]);
  // maxSim[i]: the highest similarity of candidate i to anything selected so far.
  const maxSim = new Float64Array(n).fill(-Infinity);
  const taken = new Uint8Array(n);
  const picked: number[] = [];
  while (picked.length < Math.min(k, n)) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const redundancy = picked.length === 0 ? 0 : maxSim[i];
      const score = lambda * relevance[i] - (1 - lambda) * redundancy;
      if (best === -1 || score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    taken[best] = 1;
    picked.push(best);
    for (let i = 0; i < n; i++) {
      if (!taken[i]) maxSim[i] = Math.max(maxSim[i], dot(vs[i], vs[best]));
    }
  }
  return picked;
}
