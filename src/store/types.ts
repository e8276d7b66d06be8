/**
 * The vector store's public contract: records, options, hits, and the {@link VectorStoreBackend} interface that the
 * embedded {@link VectorStore} implements and that external backends (pgvector, Qdrant) can implement as well, so
 * the LangChain and LlamaIndex adapters work over any of them.
 *
 * @module
 */
import type { CallOptions, Metadata } from '../core/contracts.js';
import type { Filter } from '../core/filter.js';
import type { AbiError } from '../core/errors.js';
import type { TextLanguage } from './text/analyzer.js';

/**
 * How vectors are compared. Scores are always "higher is better":
 * - `cosine`: cosine similarity in [-1, 1] (vectors are stored normalized, so this is their dot product);
 * - `dot`: the raw inner product;
 * - `l2`: `1 / (1 + d)` where `d` is the Euclidean distance, in (0, 1].
 */
export type DistanceMetric = 'cosine' | 'dot' | 'l2';

/** Exact (brute-force) search: recall 1, cost linear in the number of records. */
export interface FlatIndexOptions {
  /** Index kind. */
  type: 'flat';
}

/** Approximate search with a Hierarchical Navigable Small World graph (hnswlib's algorithm). */
export interface HnswIndexOptions {
  /** Index kind. */
  type: 'hnsw';
  /**
   * Links per node on upper levels (level 0 keeps `2 * M`). Larger: better recall, more memory, slower build.
   * @defaultValue 16
   */
  M?: number;
  /**
   * Beam width while inserting. Larger: better graph, slower build.
   * @defaultValue 200
   */
  efConstruction?: number;
  /**
   * Default beam width while searching (raised to `k` when smaller); overridable per search. 96 reaches
   * recall@10 ≥ 0.95 on both `bench:ann` datasets (100k × 384); 64 gives 0.944 on the harder one.
   * @defaultValue 96
   */
  efSearch?: number;
  /**
   * Seed of the level generator, so the same inserts always build the same graph.
   * @defaultValue 42
   */
  seed?: number;
  /**
   * Vector representation the graph is built and walked on. `int8`: per-dimension scalar quantization (ranges
   * learned from the data once the store holds 2,048 records, refreshed by every compaction), a quarter of the
   * memory and faster distances; the final `efSearch` candidates are re-ranked on the float vectors.
   * @defaultValue 'none'
   */
  quantization?: 'none' | 'int8';
}

/**
 * Inverted file with product quantization: vectors are grouped into `nlist` cells by k-means and stored as `m`-byte
 * PQ codes of their residuals; a search scans the `nprobe` nearest cells and re-ranks the best `rerank` candidates
 * on the float vectors. Trained automatically once the store holds `trainAt` records (exact search until then) and
 * retrained by compaction. With `vectors: 'disk'` it needs about `m + 12` bytes of memory per vector.
 */
export interface IvfPqIndexOptions {
  /** Index kind. */
  type: 'ivfpq';
  /**
   * Cells. Default: `4·√n` at training time, between 16 and 4,096.
   * @defaultValue 4·√n
   */
  nlist?: number;
  /**
   * PQ sub-spaces (bytes per vector); must divide the dimension.
   * @defaultValue dimension / 8 (or the largest divisor of the dimension up to that)
   */
  m?: number;
  /**
   * Cells scanned per search; overridable per search. Recall depends mostly on this.
   * @defaultValue an eighth of the cells, at least 8
   */
  nprobe?: number;
  /**
   * Candidates re-ranked on float vectors per search (raised to `k`); overridable per search.
   * @defaultValue 100
   */
  rerank?: number;
  /**
   * Records needed before the index is trained.
   * @defaultValue 10000
   */
  trainAt?: number;
}

/** Index selection. */
export type IndexOptions = FlatIndexOptions | HnswIndexOptions | IvfPqIndexOptions;

/** Options of the BM25 full-text index over records' `text` (see {@link VectorStoreOptions.text}). */
export interface TextIndexOptions {
  /**
   * Language of stemming and stop words.
   * @defaultValue 'english'
   */
  language?: TextLanguage;
  /**
   * Reduce words to stems.
   * @defaultValue true
   */
  stemming?: boolean;
  /**
   * Drop stop words: `true` for the language's list, or your own list.
   * @defaultValue true
   */
  stopWords?: boolean | string[];
  /**
   * BM25 term-frequency saturation.
   * @defaultValue 1.2
   */
  k1?: number;
  /**
   * BM25 length normalization.
   * @defaultValue 0.75
   */
  b?: number;
}

/**
 * When a write is acknowledged (its promise resolves):
 * - `fsync`: after its log record is written and `fdatasync`ed: survives process crashes and power loss;
 * - `write`: after its log record is handed to the OS (`write(2)`): survives a process crash (even SIGKILL), not a
 *   power loss or kernel crash; the log is fsynced by `flush()`, `close()`, every snapshot and every `syncIntervalMs`.
 */
export type DurabilityMode = 'fsync' | 'write';

/**
 * What {@link VectorStore.open} does when a file the store needs is missing: fail (the default) or open what is
 * left. See {@link VectorStoreOptions.recover}.
 */
export type RecoverMode = 'fail' | 'open-what-is-left';

/** Options of {@link VectorStore.open}. */
export interface VectorStoreOptions extends CallOptions {
  /** Directory holding the store (created if missing). Omit for an in-memory store. */
  path?: string;
  /** Vector length. Must match the stored dimension when reopening. */
  dimension: number;
  /**
   * Similarity measure. Must match the stored metric when reopening.
   * @defaultValue 'cosine'
   */
  metric?: DistanceMetric;
  /**
   * Index kind and parameters. Fixed at creation; a reopened store keeps its stored index.
   * @defaultValue `{ type: 'hnsw', M: 16, efConstruction: 200, efSearch: 96 }`
   */
  index?: IndexOptions;
  /**
   * Where float vectors live. `disk`: in the store's snapshot file, read on demand to re-rank a quantized index's
   * final candidates (only vectors written since the last snapshot stay in memory); needs `path` and an `ivfpq` or
   * `int8` HNSW index. Fixed at creation.
   * @defaultValue 'memory'
   */
  vectors?: 'memory' | 'disk';
  /**
   * Keep a BM25 full-text index over records' `text`, for text and hybrid search. `true` uses the defaults. Fixed
   * at creation.
   * @defaultValue false
   */
  text?: boolean | TextIndexOptions;
  /**
   * When writes are acknowledged; see {@link DurabilityMode}.
   * @defaultValue 'fsync'
   */
  durability?: DurabilityMode;
  /**
   * With `durability: 'write'`, how often the log is fsynced in the background, in milliseconds.
   * A finite number of milliseconds, at least 1 (a {@link abi-sdk!ValidationError} otherwise).
   * @defaultValue 1000
   */
  syncIntervalMs?: number;
  /**
   * What opening does when a file the store needs is missing or does not belong with the others (the log deleted
   * while the snapshot says records follow in it, the snapshot deleted while the log starts after it, a file
   * swapped for an older copy): `'fail'` throws a {@link abi-sdk!CorruptDataError} naming the file; `'open-what-is-left'`
   * loads what the remaining files hold (records that only the missing file had are lost), then writes a fresh
   * snapshot so the directory is consistent again. Damaged (checksum-failing) files always fail.
   * @defaultValue 'fail'
   */
  recover?: RecoverMode;
  /**
   * Fraction of dead slots (deleted or overwritten records) past which the index is rebuilt in the background.
   * @defaultValue 0.3
   */
  compactionThreshold?: number;
  /**
   * Log size in bytes past which a snapshot is written and the log restarted (raised to a quarter of the last
   * snapshot's size, so large stores do not rewrite themselves too often).
   * A positive integer (a {@link abi-sdk!ValidationError} otherwise: NaN would disable snapshots for good).
   * @defaultValue 16 MiB
   */
  snapshotLogBytes?: number;
}

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

/** Counters describing a store, from {@link VectorStore.stats}. */
export interface VectorStoreStats {
  /** Live records. */
  size: number;
  /** Dead slots (deleted or overwritten records) awaiting compaction. */
  deadSlots: number;
  /** Index kind. */
  index: 'flat' | 'hnsw' | 'ivfpq';
  /** Whether the quantized index is trained (always true for `flat` and float HNSW). */
  trained: boolean;
  /** Bytes held by vectors and graph arrays (not metadata and text). */
  indexBytes: number;
  /**
   * Bytes held by ids, the id map, text and metadata (kept encoded in byte arenas) and the per-field caches that
   * filtered searches build.
   */
  recordBytes: number;
  /** Bytes in the current log file (0 in memory). */
  logBytes: number;
  /** Compactions completed since open. */
  compactions: number;
  /** Whether a background compaction is running. */
  compacting: boolean;
  /**
   * `'failed'` once an fsync of the store's files failed: writes, `flush()` and `close()` reject with a
   * {@link abi-sdk!DurabilityError} until the store is reopened (reads keep working). `'ok'` otherwise.
   */
  health: 'ok' | 'failed';
  /** Why the store failed (code and message of the {@link abi-sdk!DurabilityError}); absent while healthy. */
  failure?: StoreFailureInfo;
  /** Failures of background work (periodic sync, snapshot, compaction) since open, each also sent to `error` listeners. */
  backgroundErrors: number;
  /** The newest of those failures, absent when there was none. */
  lastBackgroundError?: StoreFailureInfo;
}

/** A failure as {@link VectorStoreStats} reports it. */
export interface StoreFailureInfo {
  /** The error's stable code (`DURABILITY_LOST`, `NO_SPACE`, `IO_ERROR`…). */
  code: string;
  /** The error's message. */
  message: string;
  /** Which work failed. */
  job: StoreJob;
  /** When (ms since the epoch). */
  at: number;
}

/** The store's work that can fail on its own, outside a caller's request. */
export type StoreJob = 'write' | 'flush' | 'sync' | 'snapshot' | 'compaction' | 'close';

/**
 * What a store's `error` listeners receive: the typed error and which work failed. Sent for background failures
 * (periodic sync, snapshots started by writes, compactions) and once when the store loses durability.
 */
export interface StoreErrorEvent {
  /** The typed error (`DurabilityError`, `NoSpaceError`, `IOError`…). */
  error: AbiError;
  /** Which work failed. */
  job: StoreJob;
}
