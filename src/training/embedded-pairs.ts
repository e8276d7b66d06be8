/**
 * Training pairs and their frozen base embeddings. The base model never changes during training, so every distinct
 * text is embedded once (queries with `inputType: 'query'`, passages with `'document'`) and training runs on these
 * cached vectors; epochs then cost only the adapter's arithmetic. Wrap the embedder in a `CachedEmbedder` to keep
 * the base vectors across processes (e.g. federated rounds after a restart).
 *
 * @module
 */
import type { CallOptions, Embedder } from '../core/contracts.js';
import { DimensionMismatchError, ValidationError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';

/**
 * One training example: a query, a passage that answers it and, optionally, a passage that looks relevant but is not.
 *
 * @example
 * ```ts
 * const pair: TrainingPair = { query: 'who wrote Hamlet?', positive: 'Hamlet is a tragedy by Shakespeare.' };
 * ```
 */
export interface TrainingPair {
  /** The query text. */
  query: string;
  /** A passage relevant to the query. */
  positive: string;
  /** A hard negative: a passage that should rank below the positive. */
  negative?: string;
}

/**
 * Pairs with their base vectors, deduplicated by text. Row `i` of a pair set refers to `queryVectors` row
 * `query[i]`, `documentVectors` row `positive[i]` and, when `negative[i] >= 0`, row `negative[i]`.
 */
export interface EmbeddedPairs {
  /** Base embedding dimension. */
  dimension: number;
  /** Number of pairs. */
  count: number;
  /** Distinct query vectors, row by row. */
  queryVectors: Float32Array;
  /** Distinct passage vectors (positives and negatives), row by row. */
  documentVectors: Float32Array;
  /** Query row per pair. */
  query: Uint32Array;
  /** Positive passage row per pair. */
  positive: Uint32Array;
  /** Hard-negative passage row per pair, or -1. */
  negative: Int32Array;
}

/** Options for {@link embedTrainingPairs}. */
export interface EmbedPairsOptions extends CallOptions {
  /**
   * Texts per `embed` call.
   * @defaultValue 64
   */
  batchSize?: number;
  /** Called after each `embed` call with the texts embedded so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Embeds each distinct text of `pairs` once with the frozen base embedder.
 *
 * @param embedder - the base embedder (local engine, remote connector, hashing…)
 * @param pairs - the training pairs (validated: non-empty strings)
 * @param options - batch size, signal, timeout per call
 * @returns the pairs with their cached base vectors
 * @throws {@link ValidationError} when a pair is malformed or there are no pairs
 * @throws {@link DimensionMismatchError} when the embedder returns vectors of differing lengths
 * @throws {@link AbortError} when the signal fires; the embedder's own errors otherwise
 * @example
 * ```ts
 * const data = await embedTrainingPairs(new HashingEmbedder({ dimension: 256 }), [{ query: 'q', positive: 'p' }]);
 * ```
 */
export async function embedTrainingPairs(embedder: Embedder, pairs: readonly TrainingPair[], options: EmbedPairsOptions = {}): Promise<EmbeddedPairs> {
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Array.isArray(pairs) || pairs.length === 0) throw new ValidationError('embedTrainingPairs needs at least one pair');
  const queries = new Map<string, number>();
  const docs = new Map<string, number>();
  const rowOf = (map: Map<string, number>, text: string): number => {
    let r = map.get(text);
    if (r === undefined) map.set(text, (r = map.size));
    return r;
  };
  const n = pairs.length;
  const query = new Uint32Array(n);
  const positive = new Uint32Array(n);
  const negative = new Int32Array(n).fill(-1);
  pairs.forEach((p, i) => {
    assertPair(p, i);
    query[i] = rowOf(queries, p.query);
    positive[i] = rowOf(docs, p.positive);
    if (p.negative !== undefined) negative[i] = rowOf(docs, p.negative);
  });
  const total = queries.size + docs.size;
  let done = 0;
  const embedAll = async (texts: string[], inputType: 'query' | 'document'): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      throwIfAborted(options.signal);
      const chunk = texts.slice(i, i + batchSize);
      const vs = await embedder.embed(chunk, { inputType, signal: options.signal, timeout: options.timeout });
      if (vs.length !== chunk.length) throw new ValidationError(`embedder returned ${vs.length} vectors for ${chunk.length} texts`);
      out.push(...vs);
      options.onProgress?.((done += chunk.length), total);
    }
    return out;
  };
  const qv = await embedAll([...queries.keys()], 'query');
  const dv = await embedAll([...docs.keys()], 'document');
  const dimension = qv[0].length;
  return { dimension, count: n, queryVectors: pack(qv, dimension), documentVectors: pack(dv, dimension), query, positive, negative };
}

/**
 * Checks that an {@link EmbeddedPairs} is internally consistent (row indices in range, finite vectors).
 *
 * @param data - the pairs
 * @param dimension - the dimension they must have, when known
 * @throws {@link ValidationError} or {@link DimensionMismatchError} on the first inconsistency
 * @internal
 */
export function assertEmbeddedPairs(data: EmbeddedPairs, dimension?: number): void {
  const d = data.dimension;
  if (dimension !== undefined && d !== dimension) throw new DimensionMismatchError(dimension, d, 'training pairs');
  if (!Number.isInteger(data.count) || data.count < 1) throw new ValidationError('training data has no pairs');
  const nq = data.queryVectors.length / d;
  const nd = data.documentVectors.length / d;
  if (!Number.isInteger(nq) || !Number.isInteger(nd)) throw new ValidationError(`training vectors are not a whole number of ${d}-d rows`);
  if (data.query.length !== data.count || data.positive.length !== data.count || data.negative.length !== data.count) {
    throw new ValidationError('training pair index arrays do not match the pair count');
  }
  for (let i = 0; i < data.count; i++) {
    if (data.query[i] >= nq || data.positive[i] >= nd || data.negative[i] >= nd || data.negative[i] < -1) {
      throw new ValidationError(`training pair ${i} refers to a vector row that does not exist`);
    }
  }
  for (const v of [data.queryVectors, data.documentVectors]) {
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new ValidationError('training vectors contain NaN or Infinity');
  }
}

function assertPair(p: TrainingPair, i: number): void {
  if (p === null || typeof p !== 'object') throw new ValidationError(`pair ${i} is not an object`);
  for (const key of ['query', 'positive'] as const) {
    if (typeof p[key] !== 'string' || p[key].trim() === '') throw new ValidationError(`pair ${i}: "${key}" must be a non-empty string`);
  }
  if (p.negative !== undefined && (typeof p.negative !== 'string' || p.negative.trim() === '')) {
    throw new ValidationError(`pair ${i}: "negative" must be a non-empty string when present`);
  }
}

function pack(vectors: Float32Array[], d: number): Float32Array {
  const out = new Float32Array(vectors.length * d);
  vectors.forEach((v, i) => {
    if (!(v instanceof Float32Array) && !Array.isArray(v)) throw new ValidationError(`embedder returned a non-vector at row ${i}`);
    if (v.length !== d) throw new DimensionMismatchError(d, v.length, `base vector ${i}`);
    out.set(v, i * d);
  });
  return out;
}
