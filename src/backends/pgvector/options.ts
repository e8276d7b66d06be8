/**
 * Options of {@link PgVectorStore}: connection, table, index and write settings.
 *
 * @module
 */
import type { Pool, PoolConfig } from 'pg';
import type { CallOptions } from '../../core/contracts.js';
import type { DistanceMetric } from '../../retrieval/backend.js';
import type { PgVectorType } from './codec.js';
import type { PgColumnMapping } from './schema.js';

/** HNSW index options (pgvector's `hnsw` access method). */
export interface PgHnswIndex {
  /** Index kind. */
  type: 'hnsw';
  /**
   * Links per node.
   * @defaultValue 16
   */
  m?: number;
  /**
   * Candidate list size while building.
   * @defaultValue 64
   */
  efConstruction?: number;
  /**
   * `hnsw.ef_search` of searches (raised to `k`); overridable per search with `efSearch`.
   * @defaultValue 64
   */
  efSearch?: number;
}

/** IVFFlat index options (pgvector's `ivfflat` access method). Build it after loading data: see {@link PgVectorStore.buildIndex}. */
export interface PgIvfFlatIndex {
  /** Index kind. */
  type: 'ivfflat';
  /**
   * Inverted lists (pgvector suggests rows / 1000 up to 1M rows).
   * @defaultValue 100
   */
  lists?: number;
  /**
   * `ivfflat.probes` of searches; overridable per search with `nprobe`.
   * @defaultValue 10
   */
  probes?: number;
}

/** Index selection: HNSW, IVFFlat, or none (every search is an exact scan). */
export type PgIndexOptions = PgHnswIndex | PgIvfFlatIndex | PgNoIndex;

/** No approximate index: every search is an exact scan. */
export interface PgNoIndex {
  /** Index kind. */
  type: 'none';
}

/** Options of {@link PgVectorStore.open}. */
export interface PgVectorStoreOptions extends CallOptions {
  /** A pool you own (not ended by `close()`). Give this, `connectionString` or `poolConfig`. */
  pool?: Pool;
  /** Connection string for a pool the store creates and ends on `close()`. */
  connectionString?: string;
  /** Configuration of a pool the store creates (e.g. `max`). */
  poolConfig?: PoolConfig;
  /** Table name. */
  table: string;
  /**
   * Schema of the table.
   * @defaultValue 'public'
   */
  schema?: string;
  /** Vector length. */
  dimension: number;
  /**
   * Similarity measure; scores are reported exactly as the embedded store reports them.
   * @defaultValue 'cosine'
   */
  metric?: DistanceMetric;
  /**
   * Column type: `vector` (float32) or `halfvec` (float16, half the space; vectors come back rounded).
   * @defaultValue 'vector'
   */
  vectorType?: PgVectorType;
  /**
   * Approximate index. HNSW is created at open (it grows with inserts); IVFFlat needs data, so it is created by
   * {@link PgVectorStore.buildIndex}.
   * @defaultValue `{ type: 'hnsw', m: 16, efConstruction: 64, efSearch: 64 }`
   */
  index?: PgIndexOptions;
  /**
   * `true`: the SDK creates and versions the table (`id text`, vector, `text`, `jsonb` metadata). `false`: bring
   * your own table, described by `columns`; the SDK creates nothing.
   * @defaultValue true
   */
  manageSchema?: boolean;
  /** Column names of your table (with `manageSchema: false`, or to rename the managed columns). */
  columns?: PgColumnMapping;
  /**
   * Filtered searches whose filter matches fewer rows than this run as an exact scan (recall 1, `k` rows whenever
   * `k` match); broader filters use the index with pgvector's iterative scan, falling back to an exact scan if the
   * index still returns fewer than `k` rows.
   * @defaultValue 10000
   */
  exactFilterThreshold?: number;
  /**
   * Batches larger than this are written with binary `COPY` into a staging table, then merged.
   * @defaultValue 256
   */
  copyThreshold?: number;
  /**
   * How large batches and {@link PgVectorStore.bulkLoad} write: binary `COPY` (through `pg-copy-streams`), or
   * multi-row `INSERT`s with binary vector parameters, for servers that do not speak the COPY sub-protocol (PGlite's
   * socket server).
   * @defaultValue 'copy'
   */
  bulkWrite?: 'copy' | 'insert';
  /**
   * `maintenance_work_mem` for index builds (by `open` and {@link PgVectorStore.buildIndex}); HNSW builds slow down
   * several times once the graph no longer fits (e.g. `'1GB'` for a few hundred thousand 384-d vectors).
   * @defaultValue the server's setting
   */
  maintenanceWorkMem?: string;
}

/** Progress of {@link PgVectorStore.bulkLoad}. */
export interface BulkLoadProgress {
  /** Records written so far. */
  loaded: number;
  /** Id of the last record of the last committed batch. */
  lastId: string;
}

/** Options of {@link PgVectorStore.bulkLoad}. */
export interface BulkLoadOptions extends CallOptions {
  /**
   * Records per `COPY` batch (one transaction each).
   * @defaultValue 5000
   */
  batchSize?: number;
  /** Called after each committed batch. */
  onProgress?: (progress: BulkLoadProgress) => void;
}
