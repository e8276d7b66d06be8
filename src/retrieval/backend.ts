/**
 * The contract every vector store backend implements — the embedded {@link VectorStore} and the external engines
 * (pgvector, Qdrant) — and that retrieval searches: records, search options and hits, hybrid (vector + BM25) search,
 * and id-ordered scans. The {@link Retriever}, the LangChain and LlamaIndex adapters, the CLI and `migrateStore` work
 * over any of them.
 *
 * @module
 */
import type { CallOptions, Metadata } from '../core/contracts.js';
import type { Filter } from '../core/filter.js';

/**
 * How vectors are compared. Scores are always "higher is better":
 * - `cosine`: cosine similarity in [-1, 1] (vectors are stored normalized, so this is their dot product);
 * - `dot`: the raw inner product;
 * - `l2`: `1 / (1 + d)` where `d` is the Euclidean distance, in (0, 1].
 */
export type DistanceMetric = 'cosine' | 'dot' | 'l2';

/** A record to write. */
export interface VectorRecord {
  /** Unique, non-empty id. Writing an existing id replaces that record. */
  id: string;
  /** The vector: `dimension` finite numbers. */
  vector: Float32Array | readonly number[];
  /** Optional text kept with the vector (returned by searches). */
  text?: string;
  /** Optional JSON metadata; filters match against it. Stored and returned unchanged (as a copy). */
  metadata?: Metadata;
}

/** A record as stored. */
export interface StoredRecord {
  /** The id. */
  id: string;
  /** A copy of the stored vector (for `cosine`, the unit-length vector that is stored: the vector as given when it already had unit length). */
  vector: Float32Array;
  /** The text, when one was stored. */
  text: string | undefined;
  /** A copy of the metadata (`{}` when none was given). */
  metadata: Metadata;
}

/** Options of {@link VectorStoreBackend.search}. */
export interface SearchOptions extends CallOptions {
  /**
   * Number of hits wanted. Fewer come back only when fewer records (matching the filter) exist.
   * @defaultValue 10
   */
  k?: number;
  /** Metadata filter, applied before the top-k is taken. */
  filter?: Filter;
  /** HNSW beam width for this search (raised to `k` when smaller). Ignored by exact search. */
  efSearch?: number;
  /** IVF-PQ cells scanned for this search. */
  nprobe?: number;
  /** Candidates re-ranked on float vectors for this search (`ivfpq`; `int8` HNSW re-ranks `efSearch`). */
  rerank?: number;
  /**
   * Force an exact scan even when an HNSW index exists.
   * @defaultValue false
   */
  exact?: boolean;
  /**
   * Include each hit's vector.
   * @defaultValue false
   */
  includeVectors?: boolean;
}

/**
 * How a hybrid search merges its vector and text rankings:
 * - `rrf`: reciprocal rank fusion, `Σ 1 / (k + rank)` (rank-based, needs no score calibration);
 * - `weighted`: `alpha · vectorScore + (1 − alpha) · textScore` after min-max normalizing each side.
 */
export type FusionOptions = RrfFusion | WeightedFusion;

/** Reciprocal rank fusion. */
export interface RrfFusion {
  /** Method. */
  method: 'rrf';
  /**
   * The RRF constant.
   * @defaultValue 60
   */
  k?: number;
}

/** Weighted score fusion. */
export interface WeightedFusion {
  /** Method. */
  method: 'weighted';
  /**
   * Weight of the vector side (the text side gets `1 − alpha`).
   * @defaultValue 0.5
   */
  alpha?: number;
}

/**
 * A search by vector, by text (BM25; needs the store's `text` index), or both (hybrid). Filters apply to both sides
 * before fusion.
 *
 * @example
 * ```ts
 * await store.search({ vector: await embedder.embedQuery(q), text: q, k: 10, fusion: { method: 'rrf' } });
 * ```
 */
export interface SearchQuery extends SearchOptions {
  /** The query vector. */
  vector?: Float32Array | readonly number[];
  /** The query text, matched against records' `text` with BM25. */
  text?: string;
  /**
   * How the two rankings merge when both `vector` and `text` are given.
   * @defaultValue `{ method: 'rrf', k: 60 }`
   */
  fusion?: FusionOptions;
  /**
   * Hits taken from each side before fusion.
   * @defaultValue max(4·k, 50)
   */
  candidates?: number;
}

/** One search result. */
export interface SearchHit {
  /** The record's id. */
  id: string;
  /** Similarity, higher is better; see {@link DistanceMetric} for the scale. */
  score: number;
  /** The record's text, when one was stored. */
  text: string | undefined;
  /** A copy of the record's metadata. */
  metadata: Metadata;
  /** The stored vector, when `includeVectors` was set. */
  vector?: Float32Array;
}

/** Options of write calls. */
export type WriteOptions = CallOptions;

/**
 * The contract every vector store backend implements: the embedded {@link VectorStore} and external engines.
 * Filters follow {@link Filter}'s semantics exactly; errors are {@link AbiError}s with the same codes everywhere.
 */
export interface VectorStoreBackend {
  /** Vector length. */
  readonly dimension: number;
  /** Similarity measure. */
  readonly metric: DistanceMetric;
  /**
   * Inserts or replaces records, atomically per call: either every record is written or none.
   *
   * @param records - the records
   * @param options - signal and timeout
   * @throws {@link ValidationError} for empty or duplicate ids, non-finite numbers, bad metadata, or strings the
   *   engine cannot store (Postgres: NUL characters and lone surrogates)
   * @throws {@link DimensionMismatchError} for a vector of the wrong length
   */
  upsert(records: readonly VectorRecord[], options?: WriteOptions): Promise<void>;
  /**
   * Reads one record.
   *
   * @param id - the id
   * @param options - signal and timeout
   * @returns the record, or `undefined` when absent
   */
  get(id: string, options?: CallOptions): Promise<StoredRecord | undefined>;
  /**
   * Deletes records; missing ids are ignored.
   *
   * @param ids - the ids
   * @param options - signal and timeout
   * @returns how many records existed and were deleted
   */
  delete(ids: readonly string[], options?: WriteOptions): Promise<number>;
  /**
   * Finds the records most similar to a vector.
   *
   * @param vector - the query vector
   * @param options - k, filter, search parameters
   * @returns hits sorted by score, best first
   * @throws {@link DimensionMismatchError} for a query of the wrong length
   * @throws {@link InvalidFilterError} for a malformed filter
   */
  search(vector: Float32Array | readonly number[], options?: SearchOptions): Promise<SearchHit[]>;
  /**
   * Counts the records.
   *
   * @param options - signal and timeout
   * @returns the number of live records
   */
  count(options?: CallOptions): Promise<number>;
  /**
   * Makes every acknowledged write durable.
   *
   * @param options - signal and timeout
   */
  flush(options?: CallOptions): Promise<void>;
  /** Flushes and releases resources; later calls reject with `ClosedError`. */
  close(): Promise<void>;
}

/**
 * A backend that also searches text: BM25 alone or fused with vector similarity (hybrid search), when
 * `hasTextIndex` is true. The embedded {@link VectorStore} opened with `text` is one. {@link Retriever} and the
 * integrations check `hasTextIndex` rather than the class, so another backend with a text index fits as well.
 */
export interface HybridSearchBackend extends VectorStoreBackend {
  /** Whether text and hybrid searches work (the embedded store: opened with `text`). */
  readonly hasTextIndex: boolean;
  /**
   * Finds the records most similar to a vector.
   *
   * @param vector - the query vector
   * @param options - k, filter, search parameters
   * @returns hits sorted by score, best first
   */
  search(vector: Float32Array | readonly number[], options?: SearchOptions): Promise<SearchHit[]>;
  /**
   * Searches by vector, by text, or both (fused as `query.fusion` says).
   *
   * @param query - vector and/or text, k, filter, fusion, candidates
   * @returns hits sorted by score, best first
   * @throws {@link UnsupportedError} for a text query when `hasTextIndex` is false
   */
  search(query: SearchQuery): Promise<SearchHit[]>;
}

/** Options of {@link ScannableBackend.scan}. */
export interface ScanOptions extends CallOptions {
  /** Resume after this id: only records whose id sorts after it (UTF-16 code-unit order) come back. */
  after?: string;
  /**
   * Records per yielded batch.
   * @defaultValue 1000
   */
  batchSize?: number;
}

/**
 * A backend whose records can be read in id order, in batches: the source side of {@link migrateStore}.
 * Records written or deleted while a scan runs may or may not be seen; every record present for the whole scan is.
 */
export interface ScannableBackend extends VectorStoreBackend {
  /**
   * Reads every record in ascending id order (UTF-16 code units, as JavaScript's `<` compares strings).
   *
   * @param options - resume point, batch size, signal
   * @returns batches of records
   */
  scan(options?: ScanOptions): AsyncIterable<StoredRecord[]>;
}
