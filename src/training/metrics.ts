/**
 * Retrieval metrics for evaluating an adapter: recall@k, nDCG@k and MRR when each query has one relevant document,
 * computed by exact inner-product search (vectors are L2-normalized, so inner product is cosine).
 *
 * @module
 */
import { ValidationError } from '../core/errors.js';

/** Retrieval quality over a query set. */
export interface RetrievalMetrics {
  /** Fraction of queries whose relevant document is in the top k. */
  recall: number;
  /** Mean nDCG@k with one relevant document per query (gain 1 at rank r: 1 / log2(r + 1)). */
  ndcg: number;
  /** Mean reciprocal rank of the relevant document (over the whole ranking). */
  mrr: number;
  /** The k used. */
  k: number;
  /** Number of queries. */
  queries: number;
}

/**
 * Ranks every document for every query and scores where the relevant one lands. Ties count against the query
 * (a document scoring equal to the relevant one ranks ahead of it), so a degenerate embedding cannot look good.
 *
 * @param queries - `nq × d` query vectors, row by row
 * @param documents - `nd × d` document vectors
 * @param relevant - for each query, the row of its relevant document
 * @param dimension - d
 * @param k - cut-off for recall and nDCG
 * @returns the metrics
 * @throws {@link ValidationError} when the sizes do not agree or a relevant index is out of range
 * @example
 * ```ts
 * const m = retrievalMetrics(q, docs, Uint32Array.of(0, 1), 384, 10);
 * console.log(m.ndcg);
 * ```
 */
export function retrievalMetrics(queries: Float32Array, documents: Float32Array, relevant: ArrayLike<number>, dimension: number, k = 10): RetrievalMetrics {
  const d = dimension;
  const nq = queries.length / d;
  const nd = documents.length / d;
  if (!Number.isInteger(nq) || !Number.isInteger(nd) || relevant.length !== nq) {
    throw new ValidationError(`retrievalMetrics: ${queries.length} query floats, ${documents.length} document floats and ${relevant.length} labels do not fit dimension ${d}`);
  }
  let recall = 0;
  let ndcg = 0;
  let mrr = 0;
  for (let i = 0; i < nq; i++) {
    const rel = relevant[i];
    if (!Number.isInteger(rel) || rel < 0 || rel >= nd) throw new ValidationError(`relevant[${i}] = ${rel} is not a document row`);
    const score = (j: number): number => {
      let s = 0;
      for (let x = 0; x < d; x++) s += queries[i * d + x] * documents[j * d + x];
      return s;
    };
    const target = score(rel);
    let rank = 1;
    for (let j = 0; j < nd; j++) if (j !== rel && score(j) >= target) rank++;
    if (rank <= k) {
      recall += 1;
      ndcg += 1 / Math.log2(rank + 1);
    }
    mrr += 1 / rank;
  }
  const n = Math.max(1, nq);
  return { recall: recall / n, ndcg: ndcg / n, mrr: mrr / n, k, queries: nq };
}
