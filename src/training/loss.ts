/**
 * The multiple-negatives ranking loss (MNRL; sentence-transformers' `MultipleNegativesRankingLoss`, InfoNCE): each
 * query's positive is scored against every other positive in the batch (in-batch negatives) and any hard negatives,
 * `s_ij = cos(q_i, c_j) / temperature`, and the loss is the mean cross-entropy of picking the right candidate.
 * Candidates that are the same document as a query's positive (two queries sharing a passage) are masked out of that
 * query's row, so they never count as negatives. Gradients are returned with respect to the normalized vectors.
 *
 * @internal
 * @module
 */

/** Loss value and gradients w.r.t. the query and candidate vectors. @internal */
export interface RankingLossResult {
  loss: number;
  dq: Float32Array;
  dc: Float32Array;
}

/**
 * MNRL over `b` queries `q[b×d]` and `c` candidates `cand[c×d]` (all L2-normalized); the positive of query `i` is
 * candidate `i`. `keys[j]` identifies candidate j's document (equal keys are the same text).
 *
 * @internal
 */
export function rankingLoss(q: Float32Array, cand: Float32Array, keys: ArrayLike<number>, b: number, c: number, d: number, temperature: number): RankingLossResult {
  const dq = new Float32Array(b * d);
  const dc = new Float32Array(c * d);
  const scores = new Float64Array(c);
  const probs = new Float64Array(c);
  let total = 0;
  for (let i = 0; i < b; i++) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) {
      if (j !== i && keys[j] === keys[i]) { scores[j] = -Infinity; continue; }
      let s = 0;
      for (let k = 0; k < d; k++) s += q[i * d + k] * cand[j * d + k];
      s /= temperature;
      scores[j] = s;
      if (s > max) max = s;
    }
    let z = 0;
    for (let j = 0; j < c; j++) z += (probs[j] = scores[j] === -Infinity ? 0 : Math.exp(scores[j] - max));
    total += -(scores[i] - max - Math.log(z));
    // d(loss_i)/d(s_ij) = p_ij − [j = i]; averaged over the batch and through s = cos / temperature.
    for (let j = 0; j < c; j++) {
      const g = (probs[j] / z - (j === i ? 1 : 0)) / (b * temperature);
      if (g === 0) continue;
      for (let k = 0; k < d; k++) {
        dq[i * d + k] += g * cand[j * d + k];
        dc[j * d + k] += g * q[i * d + k];
      }
    }
  }
  return { loss: total / b, dq, dc };
}
