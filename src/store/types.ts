/**
 * The embedded {@link VectorStore}'s own types: its options (index kinds, text index, durability, recovery) and its
 * stats. The contract it shares with the other backends ({@link VectorStoreBackend}, records, hits) lives in
 * `retrieval/backend.ts`.
 *
 * @module
 */
import type { CallOptions, Metadata } from '../core/contracts.js';
import type { Filter } from '../core/filter.js';
import type { AbiError } from '../core/errors.js';
import type { DistanceMetric } from '../retrieval/backend.js';
import type { TextLanguage } from './text/analyzer.js';

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

/**
 * Inverted file with bit codes: k-means cells as in `ivfpq`, each vector stored as
 * - `quantization: 'rabitq'`: a RaBitQ code (Gao & Long, 2024; multi-bit: Gao et al., 2024) of its residual to the
 *   cell centroid after a seeded random rotation, `bits` per dimension plus 12 bytes of correction factors. Its
 *   distance estimate is unbiased with a known error bound, so a search re-ranks on the float vectors exactly the
 *   candidates whose lower bound could still beat the k-th result: no `rerank` depth to tune.
 * - `quantization: 'binary'`: the sign bits of the vector itself (1 bit per dimension), ranked by Hamming distance,
 *   the best `rerank` candidates re-ranked on float vectors. Meant for embedding models trained for binary
 *   retrieval; on other data RaBitQ at 1 bit is far more accurate for the same bytes.
 * Trained once the store holds `trainAt` records (exact search until then), retrained by compaction. With
 * `vectors: 'disk'` it needs about `dimension·bits/8 + 16` bytes of memory per vector (RaBitQ).
 */
export interface IvfIndexOptions {
  /** Index kind. */
  type: 'ivf';
  /** Codes kept per vector. */
  quantization: 'rabitq' | 'binary';
  /**
   * RaBitQ bits per dimension: 1 (32x smaller than float32), 2 or 4 (tighter estimates, fewer re-ranks).
   * @defaultValue 1
   */
  bits?: 1 | 2 | 4;
  /**
   * Cells. Default: `4·√n` at training time, between 16 and 4,096.
   * @defaultValue 4·√n
   */
  nlist?: number;
  /**
   * Cells scanned per search; overridable per search.
   * @defaultValue an eighth of the cells, at least 8
   */
  nprobe?: number;
  /**
   * `binary` only: candidates from the Hamming scan re-ranked on float vectors; overridable per search. RaBitQ
   * ignores it (its error bound decides).
   * @defaultValue 100
   */
  rerank?: number;
  /**
   * RaBitQ only: the confidence multiplier ε0 of the error bound (the paper's 1.9). Larger re-ranks more
   * candidates and misses fewer neighbours.
   * @defaultValue 1.9
   */
  epsilon?: number;
  /**
   * Records needed before the index is trained.
   * @defaultValue 10000
   */
  trainAt?: number;
}

/** Index selection. */
export type IndexOptions = FlatIndexOptions | HnswIndexOptions | IvfPqIndexOptions | IvfIndexOptions;

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
   * final candidates (only vectors written since the last snapshot stay in memory); needs `path` and an `ivfpq`,
   * `ivf` or `int8` HNSW index. Fixed at creation.
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
  /**
   * Worker threads that answer vector searches (`search()` and `searchMany`, filtered or not) beside the calling
   * thread, reading the index in shared memory. Dispatch is inline-first: a search with no other in flight runs on
   * the calling thread (no round trip); while others are in flight it goes to an idle worker, or, with none idle,
   * runs on the calling thread after a turn of the event loop. `0` keeps every search on the calling thread. Workers
   * start with the first search that can use them; until one is up, and for stores under 2,048 records, searches run
   * on the calling thread. Text and hybrid searches, IVF indexes and vectors on disk always search on the calling
   * thread. See "Concurrent search" in docs/store.md.
   * @defaultValue `os.availableParallelism() - 1` (at most 15; the calling thread is the other core)
   */
  searchThreads?: number;
  /**
   * Worker threads that build the HNSW graph of large upserts (at least 256 records into a graph that has or
   * reaches 4,096 nodes), log replay and compaction rebuilds, in batches (docs/store.md, "Building on several
   * cores"). `0` inserts one node at a time on the calling thread, as before. The graph a given insert order builds
   * is the same for every positive value; it differs from the `0` graph (same recall, measured). Float vectors in
   * memory only; int8 and disk-vector stores build on the calling thread.
   * An integer from 0 to 64 (a {@link abi-sdk!ValidationError} otherwise).
   * @defaultValue `os.availableParallelism()` (at most 16)
   */
  buildThreads?: number;
}

/** The search workers' state, in {@link VectorStoreStats}. */
export interface SearchPoolStats {
  /** Worker threads configured (`searchThreads`). */
  threads: number;
  /** Workers running now (0 until the first search that can use them starts them). */
  workersUp: number;
  /** `unhealthy` while every worker keeps dying at start (searches then run on the calling thread). */
  status: 'ok' | 'unhealthy';
  /** Workers replaced after dying, since open. */
  restarts: number;
  /** Searches answered by workers since open. */
  searches: number;
}

/** Counters describing a store, from {@link VectorStore.stats}. */
export interface VectorStoreStats {
  /** Live records. */
  size: number;
  /** Dead slots (deleted or overwritten records) awaiting compaction. */
  deadSlots: number;
  /** Index kind. */
  index: 'flat' | 'hnsw' | 'ivfpq' | 'ivf';
  /** Whether the quantized index is trained (always true for `flat` and float HNSW). */
  trained: boolean;
  /** Bytes held by vectors and graph arrays (not metadata and text). */
  indexBytes: number;
  /**
   * Bytes held by ids, the id map, text and metadata (kept encoded in byte arenas) and the per-field caches that
   * filtered searches build.
   */
  recordBytes: number;
  /**
   * Bytes held by the columnar metadata indexes that filtered searches use (postings per field value, sorted numeric
   * columns; built by the first filtered search after open or compaction, and counted in `recordBytes` too).
   */
  filterIndexBytes: number;
  /**
   * Filtered searches since open by how the planner answered them: `empty` (no live record matches), `exact` (a scan
   * of the matching records) or `walk` (the HNSW walk testing the filter's bitset).
   */
  filterPlans: FilterPlanCounts;
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
  /** The search workers (absent with `searchThreads: 0`). */
  searchPool?: SearchPoolStats;
}

/** Filtered searches by plan, as {@link VectorStoreStats} reports them. */
export interface FilterPlanCounts {
  /** Answered with no rows: the filter's exact count of live matches was 0. */
  empty: number;
  /** Answered by an exact scan over the matching records (few matches, or an exact search). */
  exact: number;
  /** Answered by the HNSW walk over the filter's allow-bitset. */
  walk: number;
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
export type StoreJob = 'write' | 'flush' | 'sync' | 'snapshot' | 'compaction' | 'build' | 'close' | 'search';

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
