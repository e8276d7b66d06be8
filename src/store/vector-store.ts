/**
 * The embedded vector store's facade: validates calls, answers searches and reads from the current collection, and
 * hands every change to its durability module (`persistence/durability.ts`: write-ahead log, atomic snapshots, compaction).
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import type { CallOptions } from '../core/contracts.js';
import { ClosedError, PoolUnhealthyError, ValidationError } from '../core/errors.js';
import { parseFilter } from '../core/filter.js';
import { throwIfAborted } from '../internal/abort.js';
import { reciprocalRankFusion, weightedScoreFusion, type FusedItem } from '../retrieval/fusion.js';
import { type Collection, resolveIndex, type CollectionConfig, type SlotHit } from './collection.js';
import { StoreDurability } from './persistence/durability.js';
import { compileFilterNode } from './filter-compiler.js';
import { encodeDelete, encodeUpsert, metricCode } from './persistence/collection-codec.js';
import type { SearchPoolStats, VectorStoreOptions, VectorStoreStats } from './types.js';
import type {
  DistanceMetric, HybridSearchBackend, ScannableBackend, ScanOptions, SearchHit, SearchOptions, SearchQuery,
  StoredRecord, VectorRecord, VectorStoreBackend, WriteOptions,
} from '../retrieval/backend.js';
import type { StoreErrorEvent } from './types.js';
import { toVector, validateIds, validateRecords } from './validate.js';
import { storeSettings, type VectorStoreSettings } from './settings.js';
import { WalKind } from './persistence/wal.js';
import { SearchPool } from './search-pool/search-pool.js';
import { yieldToLoop } from '../internal/yield.js';
import { EXACT_BELOW } from './vector-search.js';
import type { MetadataPredicate } from './filter-compiler.js';
import type { WalkPlan } from './collection.js';

/** Default `searchThreads`: every core the process may use but one (the calling thread answers searches too), at most 15. */
function defaultSearchThreads(): number {
  return Math.max(0, Math.min(15, availableParallelism() - 1));
}

/** Calling-thread searches of a `searchMany` between yields to the event loop. */
const LOCAL_SLICE_MS = 10;

/** Validated per-search parameters. */
interface SearchParams {
  k: number;
  efSearch: number;
  nprobe: number;
  rerank: number;
  exact: boolean;
}


function checkOptions(o: VectorStoreOptions): void {
  if (typeof o !== 'object' || o === null) throw new ValidationError('options must be an object');
  if (!Number.isInteger(o.dimension) || o.dimension < 1 || o.dimension > 65536) {
    throw new ValidationError(`dimension must be an integer in [1, 65536], got ${String(o.dimension)}`);
  }
  if (o.metric !== undefined && metricCode(o.metric) < 0) throw new ValidationError(`unknown metric ${JSON.stringify(o.metric)}`);
  const positive = (v: number | undefined, what: string): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ValidationError(`${what} must be a positive integer`);
  };
  if (o.index !== undefined) {
    const type = o.index.type;
    if (type !== 'flat' && type !== 'hnsw' && type !== 'ivfpq' && type !== 'ivf') throw new ValidationError('index.type must be "flat", "hnsw", "ivfpq" or "ivf"');
    if (o.index.type === 'hnsw') {
      const { M, efConstruction, efSearch, quantization } = o.index;
      if (M !== undefined && (!Number.isInteger(M) || M < 2 || M > 128)) throw new ValidationError('index.M must be an integer in [2, 128]');
      positive(efConstruction, 'index.efConstruction');
      positive(efSearch, 'index.efSearch');
      if (quantization !== undefined && quantization !== 'none' && quantization !== 'int8') throw new ValidationError('index.quantization must be "none" or "int8"');
    }
    if (o.index.type === 'ivfpq') {
      const { nlist, m, nprobe, rerank, trainAt } = o.index;
      positive(nlist, 'index.nlist');
      positive(nprobe, 'index.nprobe');
      positive(rerank, 'index.rerank');
      positive(trainAt, 'index.trainAt');
      positive(m, 'index.m');
      if (m !== undefined && o.dimension % m !== 0) throw new ValidationError(`index.m (${m}) must divide the dimension (${o.dimension})`);
    }
    if (o.index.type === 'ivf') {
      const { quantization, bits, nlist, nprobe, rerank, trainAt, epsilon } = o.index;
      if (quantization !== 'rabitq' && quantization !== 'binary') throw new ValidationError('index.quantization must be "rabitq" or "binary" for an ivf index');
      if (bits !== undefined && bits !== 1 && bits !== 2 && bits !== 4) throw new ValidationError('index.bits must be 1, 2 or 4');
      if (bits !== undefined && bits !== 1 && quantization === 'binary') throw new ValidationError('binary codes have 1 bit per dimension');
      if (epsilon !== undefined && !(typeof epsilon === 'number' && epsilon > 0 && Number.isFinite(epsilon))) throw new ValidationError('index.epsilon must be a positive number');
      positive(nlist, 'index.nlist');
      positive(nprobe, 'index.nprobe');
      positive(rerank, 'index.rerank');
      positive(trainAt, 'index.trainAt');
    }
  }
  if (o.vectors !== undefined && o.vectors !== 'memory' && o.vectors !== 'disk') throw new ValidationError('vectors must be "memory" or "disk"');
  if (o.recover !== undefined && o.recover !== 'fail' && o.recover !== 'open-what-is-left') throw new ValidationError('recover must be "fail" or "open-what-is-left"');
  if (o.vectors === 'disk') {
    if (o.path === undefined) throw new ValidationError('vectors: "disk" needs a path');
    const quantized = o.index?.type === 'ivfpq' || o.index?.type === 'ivf' || (o.index?.type === 'hnsw' && o.index.quantization === 'int8');
    if (!quantized) throw new ValidationError('vectors: "disk" needs an index that keeps a compressed copy in memory: { type: "ivfpq" }, { type: "ivf" } or { type: "hnsw", quantization: "int8" }');
  }
  if (o.text !== undefined && typeof o.text !== 'boolean' && (typeof o.text !== 'object' || o.text === null)) throw new ValidationError('text must be a boolean or text index options');
  if (o.durability !== undefined && o.durability !== 'fsync' && o.durability !== 'write') throw new ValidationError('durability must be "fsync" or "write"');
  const interval = o.syncIntervalMs;
  if (interval !== undefined && !(typeof interval === 'number' && Number.isFinite(interval) && interval >= 1 && interval <= 2 ** 31 - 1)) {
    throw new ValidationError(`syncIntervalMs must be a finite number of milliseconds in [1, 2^31 - 1], got ${String(interval)}`);
  }
  const logBytes = o.snapshotLogBytes;
  if (logBytes !== undefined && !(Number.isSafeInteger(logBytes) && logBytes >= 1)) {
    throw new ValidationError(`snapshotLogBytes must be a positive integer, got ${String(logBytes)}`);
  }
  const st = o.searchThreads;
  if (st !== undefined && !(Number.isInteger(st) && st >= 0 && st <= 256)) throw new ValidationError(`searchThreads must be an integer in [0, 256], got ${String(st)}`);
  const t = o.compactionThreshold;
  if (t !== undefined && !(t > 0 && t <= 1)) throw new ValidationError('compactionThreshold must be in (0, 1]');
  const b = o.buildThreads;
  if (b !== undefined && !(Number.isInteger(b) && b >= 0 && b <= 64)) throw new ValidationError('buildThreads must be an integer from 0 to 64');
  if (o.path !== undefined && (typeof o.path !== 'string' || o.path.length === 0)) throw new ValidationError('path must be a non-empty string');
}

/** The settings a new store is created with. */
function configOf(o: VectorStoreOptions, metric: DistanceMetric): CollectionConfig {
  const text = o.text === true ? {} : o.text || null;
  return { dimension: o.dimension, metric, index: resolveIndex(o.index), vectors: o.vectors ?? 'memory', text };
}

function isVectorLike(v: unknown): v is Float32Array | readonly number[] {
  return Array.isArray(v) || v instanceof Float32Array;
}

/**
 * An embedded, persistent vector store. Exact (`flat`) or HNSW index, cosine / dot / L2, metadata filters that never
 * under-fill, a crash-safe write-ahead log with atomic snapshots, a cross-process write lock, and background
 * compaction of deleted records. Without `path` it lives in memory only.
 *
 * Durability: a write's promise resolves once its log record is written and (by default) fsynced; see
 * {@link DurabilityMode} and `docs/store.md`.
 *
 * @example
 * ```ts
 * const store = await VectorStore.open({ path: './data/docs', dimension: 384, metric: 'cosine',
 *   index: { type: 'hnsw', M: 16, efConstruction: 200, efSearch: 96 } });
 * await store.upsert([{ id: 'a', vector, text: 'hello', metadata: { lang: 'en', year: 2024 } }]);
 * const hits = await store.search(query, { k: 10, filter: { year: { $gte: 2020 }, lang: { $in: ['en', 'de'] } } });
 * await store.close();
 * ```
 */
export class VectorStore implements ScannableBackend, HybridSearchBackend {
  /** Vector length. */
  readonly dimension: number;
  /** Similarity measure. */
  readonly metric: DistanceMetric;
  /** The store directory, or `undefined` for an in-memory store. */
  readonly path: string | undefined;
  /** Log, checkpoints, compaction; owns the current collection. */
  readonly #d: StoreDurability;
  #efSearch: number;
  #closed = false;
  /** Search workers configured (0: every search on the calling thread). */
  readonly #threads: number;
  /** Started by the first search that can use it. */
  #pool: SearchPool | undefined;
  #poolSearches = 0;
  /** Searches in flight through the dispatcher (waiting for a turn here, or on a worker). */
  #active = 0;

  private constructor(d: StoreDurability, searchThreads: number) {
    const c = d.collection;
    this.dimension = c.dimension;
    this.metric = c.metric;
    this.path = d.path;
    this.#d = d;
    this.#efSearch = c.index.efSearch;
    this.#threads = searchThreads;
  }

  /** The current collection (a compaction swaps it). */
  get #c(): Collection {
    return this.#d.collection;
  }

  /**
   * Opens (or creates) a store. With `path`, takes the directory's write lock, loads the snapshot, replays the log
   * (dropping a torn tail) and leaves the store ready; without it, creates an empty in-memory store.
   *
   * @param options - path, dimension, metric, index, durability
   * @returns the open store
   * @throws {@link ValidationError} for bad options or a metric that differs from the stored one
   * @throws {@link DimensionMismatchError} when `dimension` differs from the stored dimension
   * @throws {@link LockedError} when another process or another open handle holds the store
   * @throws {@link CorruptDataError} when the snapshot or the middle of the log is damaged (nothing is loaded), or
   *   when a file the store needs is missing or belongs to another generation (unless `recover: 'open-what-is-left'`)
   * @throws {@link UnsupportedError} for files written by a newer format version
   * @throws {@link IOError} when the file system fails
   */
  static async open(options: VectorStoreOptions): Promise<VectorStore> {
    checkOptions(options);
    throwIfAborted(options.signal);
    const metric = options.metric ?? 'cosine';
    const config = configOf(options, metric);
    const d = options.path === undefined ? await StoreDurability.inMemory(options, config) : await StoreDurability.open(options, metric, config);
    return new VectorStore(d, options.searchThreads ?? defaultSearchThreads());
  }

  /** Live records. */
  get size(): number {
    return this.#c.size;
  }

  /** Whether the store keeps a BM25 text index (opened with `text`), so text and hybrid searches work. */
  get hasTextIndex(): boolean {
    return this.#c.text !== null;
  }

  /** The index kind in use. */
  get indexType(): 'flat' | 'hnsw' | 'ivfpq' | 'ivf' {
    return this.#c.index.type;
  }

  /**
   * The settings fixed when the store was created (dimension, metric, index parameters, quantization, where the
   * vectors live, text index), as {@link VectorStore.open} options: open a copy with them to get the same behaviour.
   */
  get settings(): VectorStoreSettings {
    return storeSettings(this.#c.config);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('VectorStore');
  }

  /**
   * Inserts or replaces records. The batch is validated whole first: on any error nothing is written. Once the
   * promise resolves the batch is durable (see {@link DurabilityMode}) and visible to searches.
   *
   * @param records - the records
   * @param options - signal (checked before the write starts; an acknowledged write is never half-applied)
   * @throws {@link ValidationError} for empty or duplicate ids, non-finite values, non-JSON metadata
   * @throws {@link DimensionMismatchError} for a vector of the wrong length
   * @throws {@link ClosedError} after `close()`
   * @throws {@link NoSpaceError} when the disk or quota is full (nothing is applied; retry once space is freed)
   * @throws {@link IOError} when the log cannot be written (nothing is applied)
   * @throws {@link DurabilityError} when an fsync failed, now or before (the store refuses writes until reopened)
   */
  async upsert(records: readonly VectorRecord[], options: WriteOptions = {}): Promise<void> {
    this.#checkOpen();
    const valid = validateRecords(records, this.dimension);
    if (valid.length === 0) return;
    await this.#d.exclusive(async () => {
      throwIfAborted(options.signal); // a write accepted before close() still completes
      await this.#d.write(WalKind.Upsert, encodeUpsert(valid, this.dimension), { kind: 'upsert', records: valid });
    });
  }

  /**
   * Deletes records by id; ids that do not exist are ignored.
   *
   * @param ids - the ids
   * @param options - signal
   * @returns how many records were deleted
   * @throws {@link ValidationError} for an empty or non-string id
   * @throws {@link ClosedError} after `close()`
   * @throws {@link NoSpaceError} / {@link IOError} when the log cannot be written (nothing is applied)
   * @throws {@link DurabilityError} when an fsync failed, now or before
   */
  async delete(ids: readonly string[], options: WriteOptions = {}): Promise<number> {
    this.#checkOpen();
    const unique = validateIds(ids);
    return this.#d.exclusive(async () => {
      throwIfAborted(options.signal);
      this.#d.assertWritable(); // a failed store refuses writes, even one that would change nothing
      const present = unique.filter((id) => this.#c.dir.slotOf(id) >= 0);
      if (present.length === 0) return 0;
      await this.#d.write(WalKind.Delete, encodeDelete(present), { kind: 'delete', ids: present });
      return present.length;
    });
  }

  /**
   * Lists the ids of the live records, as they are at this moment.
   *
   * @param options - signal
   * @returns the ids (in no particular order)
   * @throws {@link ClosedError} after `close()`
   */
  async ids(options: CallOptions = {}): Promise<string[]> {
    this.#checkOpen();
    throwIfAborted(options.signal);
    const c = this.#c;
    return Array.from(c.dir.liveSlots(), (slot) => c.idOf(slot));
  }

  /**
   * Reads one record.
   *
   * @param id - the id
   * @param options - signal
   * @returns a copy of the record, or `undefined`
   * @throws {@link ClosedError} after `close()`
   */
  async get(id: string, options: CallOptions = {}): Promise<StoredRecord | undefined> {
    this.#checkOpen();
    throwIfAborted(options.signal);
    const c = this.#c;
    const slot = typeof id === 'string' ? c.dir.slotOf(id) : -1;
    if (slot < 0) return undefined;
    return { id, vector: c.floats.copyOf(slot), text: c.textOf(slot), metadata: c.metadataOf(slot) };
  }

  /**
   * Reads every live record in ascending id order (UTF-16 code units), in batches: the source side of
   * {@link migrateStore}. The ids are taken when the scan starts; records deleted meanwhile are skipped.
   *
   * @param options - `after` (resume point), `batchSize`, signal
   * @returns batches of record copies
   * @throws {@link ValidationError} for a bad batch size
   * @throws {@link ClosedError} after `close()`
   */
  async *scan(options: ScanOptions = {}): AsyncGenerator<StoredRecord[]> {
    this.#checkOpen();
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError('batchSize must be a positive integer');
    const c = this.#c;
    const after = options.after;
    const ids = Array.from(c.dir.liveSlots(), (s) => c.idOf(s)).filter((id) => after === undefined || id > after);
    ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < ids.length; i += batchSize) {
      throwIfAborted(options.signal);
      this.#checkOpen();
      const batch: StoredRecord[] = [];
      for (const id of ids.slice(i, i + batchSize)) {
        const slot = this.#c.dir.slotOf(id);
        if (slot >= 0) batch.push({ id, vector: this.#c.floats.copyOf(slot), text: this.#c.textOf(slot), metadata: this.#c.metadataOf(slot) });
      }
      if (batch.length > 0) yield batch;
    }
  }

  /**
   * Finds the `k` records most similar to `vector` among those matching `filter`. HNSW and IVF-PQ answer
   * approximately (quantized indexes re-rank their best candidates on float vectors); selective filters, small
   * stores and `exact: true` are answered by an exact scan. Whenever at least `k` records match, `k` hits come back.
   * With search workers (`searchThreads`, the default) a search of an HNSW or flat index in memory, filtered or not,
   * runs on the calling thread when no other is in flight (no round trip) and on an idle worker when others are, so
   * concurrent calls use every core; IVF indexes and vectors on disk search on the calling thread.
   *
   * @param vector - the query
   * @param options - k, filter, efSearch, nprobe, rerank, exact, includeVectors, signal
   * @returns hits, best first
   * @throws {@link WorkerCrashedError} when the search's worker died twice (once is retried on another)
   * @throws {@link AbortError} when the signal fires
   * @throws {@link DimensionMismatchError} for a query of the wrong length
   * @throws {@link ValidationError} for non-finite values or a bad `k`
   * @throws {@link InvalidFilterError} for a malformed filter
   * @throws {@link ClosedError} after `close()`
   */
  search(vector: Float32Array | readonly number[], options?: SearchOptions): Promise<SearchHit[]>;
  /**
   * Searches by vector, by text (BM25 over records' `text`; the store needs `text` enabled), or both fused (hybrid).
   * Filters apply to both sides before fusion. Scores: vector-only as {@link DistanceMetric} says, text-only the
   * BM25 score, hybrid the fused score.
   *
   * @param query - vector and/or text, fusion, k, filter and the vector search options
   * @returns hits, best first
   * @throws {@link ValidationError} when neither `vector` nor `text` is given, or `text` without a text index
   *
   * @example
   * ```ts
   * const hits = await store.search({ vector: queryVector, text: 'error E4096', k: 10, fusion: { method: 'rrf' } });
   * ```
   */
  search(query: SearchQuery): Promise<SearchHit[]>;
  async search(arg: Float32Array | readonly number[] | SearchQuery, maybeOptions: SearchOptions = {}): Promise<SearchHit[]> {
    this.#checkOpen();
    const query: SearchQuery = isVectorLike(arg) ? { ...maybeOptions, vector: arg } : (arg ?? {});
    throwIfAborted(query.signal);
    const c = this.#c;
    const params = this.#params(query, c);
    const k = params.k;
    const filter = query.filter === undefined ? null : compileFilterNode(parseFilter(query.filter));
    const hasText = query.text !== undefined;
    if (hasText && typeof query.text !== 'string') throw new ValidationError('text must be a string');
    if (hasText && c.text === null) throw new ValidationError('text search needs a store opened with the text option ({ text: true })');
    if (query.vector === undefined && !hasText) throw new ValidationError('search needs a vector, a text, or both');
    const q = query.vector === undefined ? undefined : c.prepareQuery(toVector(query.vector, this.dimension, 'query'));
    const toHit = (slot: number, score: number): SearchHit => {
      const hit: SearchHit = { id: c.idOf(slot), score, text: c.textOf(slot), metadata: c.metadataOf(slot) };
      if (query.includeVectors) hit.vector = c.floats.copyOf(slot);
      return hit;
    };
    if (!hasText) {
      const hits = this.#usesWorkers(c) ? await this.#dispatch(c, q!, filter, params, query.signal) : c.search(q!, k, filter, params);
      return hits.map((h) => toHit(h.slot, c.score(h.distance)));
    }
    if (q === undefined) return c.searchText(query.text!, k, filter).map((h) => toHit(h.slot, -h.distance));
    const candidates = query.candidates ?? Math.max(4 * k, 50);
    if (!Number.isInteger(candidates) || candidates < 1) throw new ValidationError('candidates must be a positive integer');
    const asRanked = (hits: SlotHit[], score: (d: number) => number) => hits.map((h) => ({ id: String(h.slot), score: score(h.distance) }));
    const lists = [
      asRanked(c.search(q, candidates, filter, params), (d) => c.score(d)),
      asRanked(c.searchText(query.text!, candidates, filter), (d) => -d),
    ];
    const fusion = query.fusion ?? { method: 'rrf' };
    let fused: FusedItem[];
    if (fusion.method === 'rrf') {
      fused = reciprocalRankFusion(lists, { k: fusion.k ?? 60, limit: k });
    } else if (fusion.method === 'weighted') {
      const alpha = fusion.alpha ?? 0.5;
      if (!(alpha >= 0 && alpha <= 1)) throw new ValidationError(`fusion.alpha must be in [0, 1], got ${alpha}`);
      fused = weightedScoreFusion(lists, { weights: [alpha, 1 - alpha], limit: k });
    } else {
      throw new ValidationError(`unknown fusion method ${JSON.stringify((fusion as { method: unknown }).method)}`);
    }
    return fused.map((f) => toHit(Number(f.id), f.score));
  }

  /**
   * Finds the `k` nearest records for each of many query vectors in one call, with the options of
   * {@link VectorStore.search} (filter, k, efSearch…) applied to every query. With search workers (`searchThreads`,
   * an HNSW or flat index in memory) the queries are cut into pieces shared between the calling thread and the idle
   * workers (the calling thread yields to the event loop between its pieces); otherwise they run on the calling
   * thread, yielding every 10 ms. Every result set comes from one consistent version of the store (writes land
   * between, never inside, a worker's piece).
   *
   * @param queries - the query vectors
   * @param options - k, filter, efSearch, nprobe, rerank, exact, includeVectors, signal
   * @returns one hit list per query, in the order of `queries`, each best first
   * @throws {@link DimensionMismatchError} for a query of the wrong length
   * @throws {@link ValidationError} for non-finite values, a bad `k`, or `queries` not an array
   * @throws {@link InvalidFilterError} for a malformed filter
   * @throws {@link AbortError} when the signal fires
   * @throws {@link WorkerCrashedError} when a search's worker died twice (once is retried on another)
   * @throws {@link ClosedError} after `close()` (also for searches still running when it was called)
   *
   * @example
   * ```ts
   * const results = await store.searchMany([q1, q2, q3], { k: 5 });
   * for (const hits of results) console.log(hits.map((h) => h.id));
   * ```
   */
  async searchMany(queries: readonly (Float32Array | readonly number[])[], options: SearchOptions = {}): Promise<SearchHit[][]> {
    this.#checkOpen();
    if (!Array.isArray(queries)) throw new ValidationError('queries must be an array of vectors');
    throwIfAborted(options.signal);
    const c = this.#c;
    const params = this.#params(options, c);
    const filter = options.filter === undefined ? null : compileFilterNode(parseFilter(options.filter));
    const dim = this.dimension;
    const rows = new Float32Array(queries.length * dim);
    queries.forEach((v, i) => rows.set(c.prepareQuery(toVector(v, dim, `queries[${i}]`)), i * dim));
    const toHits = (hits: SlotHit[]): SearchHit[] => hits.map((h) => {
      const hit: SearchHit = { id: c.idOf(h.slot), score: c.score(h.distance), text: c.textOf(h.slot), metadata: c.metadataOf(h.slot) };
      if (options.includeVectors) hit.vector = c.floats.copyOf(h.slot);
      return hit;
    });
    if (queries.length === 0) return [];
    if (this.#usesWorkers(c)) return (await this.#spread(c, rows, queries.length, filter, params, options.signal)).map(toHits);
    const out: SearchHit[][] = [];
    let slice = performance.now();
    for (let i = 0; i < queries.length; i++) {
      out.push(toHits(c.search(rows.subarray(i * dim, (i + 1) * dim), params.k, filter, params)));
      if (performance.now() - slice > LOCAL_SLICE_MS) {
        await yieldToLoop();
        throwIfAborted(options.signal);
        this.#checkOpen();
        slice = performance.now();
      }
    }
    return out;
  }

  /** Validates and fills a search's parameters. */
  #params(query: SearchOptions, c: Collection): SearchParams {
    const k = query.k ?? 10;
    if (!Number.isInteger(k) || k < 1) throw new ValidationError(`k must be a positive integer, got ${String(k)}`);
    const params = {
      k,
      efSearch: query.efSearch ?? this.#efSearch,
      nprobe: query.nprobe ?? c.index.nprobe,
      rerank: query.rerank ?? c.index.rerank,
      exact: query.exact === true,
    };
    if (!Number.isInteger(params.efSearch) || params.efSearch < 1) throw new ValidationError('efSearch must be a positive integer');
    if (!Number.isInteger(params.nprobe) || params.nprobe < 0) throw new ValidationError('nprobe must be a positive integer');
    if (!Number.isInteger(params.rerank) || params.rerank < 1) throw new ValidationError('rerank must be a positive integer');
    return params;
  }

  /**
   * Whether vector searches of `c` may go to the workers: workers configured, an index the workers walk (HNSW,
   * flat) over vectors in memory, and at least {@link EXACT_BELOW} records (below, a search on this thread costs less
   * than the round trip). Starts the pool and answers false until a worker is up.
   */
  #usesWorkers(c: Collection): boolean {
    if (this.#threads === 0 || c.size < EXACT_BELOW || c.workerLayout(0) === null) return false;
    if (this.#pool === undefined) {
      this.#pool = new SearchPool(this.#threads);
      this.#pool.onCrash = (err) => this.#d.report(err, 'search');
    }
    return this.#pool.serving();
  }

  /**
   * Inline-first dispatch of one search. With no other search in flight it is answered here after a microtask (so
   * calls made in the same tick see each other): a lone caller pays no round trip. With others in flight it goes to
   * an idle worker (planned here: allow set, count, exact or walk); with none idle it is answered here after a turn
   * of the event loop (so worker replies are never starved by a chain of searches on this thread), or by a worker
   * whose reply came in meanwhile.
   */
  async #dispatch(c: Collection, q: Float32Array, filter: MetadataPredicate | null, p: SearchParams, signal: AbortSignal | undefined): Promise<SlotHit[]> {
    const busy = this.#active > 0;
    this.#active++;
    try {
      const pool = this.#pool!;
      if (!busy) {
        await Promise.resolve();
      } else {
        if (pool.idleWorkers() === 0) {
          await yieldToLoop();
          this.#checkOpen();
          pool.takeReplies(); // replies in whose message the loop has not delivered yet: their workers are free
        }
        if (this.#active > 1 && pool.idleWorkers() > 0) {
          const plan = c.planWalk(p.k, filter, p, 1);
          if (plan === 'empty') return [];
          if (plan !== null) return (await this.#workerSearch(c, q, 1, plan, filter, p, signal))[0];
        }
      }
      this.#checkOpen();
      throwIfAborted(signal);
      return c.search(q, p.k, filter, p);
    } finally {
      this.#active--;
    }
  }

  /**
   * A `searchMany` over the calling thread and the idle workers: pieces of the batch go to whichever is free (each
   * worker piece planned here when sent), the calling thread yielding to the event loop between its pieces.
   */
  async #spread(c: Collection, rows: Float32Array, nq: number, filter: MetadataPredicate | null, p: SearchParams, signal: AbortSignal | undefined): Promise<SlotHit[][]> {
    const dim = this.dimension;
    const out: SlotHit[][] = new Array<SlotHit[]>(nq);
    const workers = this.#pool!.idleWorkers();
    // Pieces small enough that every runner gets several (a slow one does not hold the batch back).
    const piece = Math.max(1, Math.ceil(nq / ((workers + 1) * 4)));
    let next = 0;
    const take = (): number => (next < nq ? (next += piece) - piece : -1);
    const onWorker = async (): Promise<void> => {
      for (let i = take(); i >= 0; i = take()) {
        const n = Math.min(piece, nq - i);
        const plan = c.planWalk(p.k, filter, p, n);
        const rs = plan === 'empty' ? Array.from({ length: n }, (): SlotHit[] => [])
          : plan === null ? Array.from({ length: n }, (_, j) => c.search(rows.subarray((i + j) * dim, (i + j + 1) * dim), p.k, filter, p))
          : await this.#workerSearch(c, rows.subarray(i * dim, (i + n) * dim), n, plan, filter, p, signal);
        for (let j = 0; j < n; j++) out[i + j] = rs[j];
      }
    };
    const here = async (): Promise<void> => {
      for (let i = take(), first = true; i >= 0; i = take(), first = false) {
        if (!first) {
          await yieldToLoop();
          this.#checkOpen();
          throwIfAborted(signal);
        }
        const n = Math.min(piece, nq - i);
        for (let j = 0; j < n; j++) out[i + j] = c.search(rows.subarray((i + j) * dim, (i + j + 1) * dim), p.k, filter, p);
      }
    };
    this.#active++;
    try {
      const runners = Array.from({ length: workers }, onWorker);
      runners.push(here());
      // Settle every runner before failing, so no rejection goes unobserved.
      const settled = await Promise.allSettled(runners);
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      return out;
    } finally {
      this.#active--;
    }
  }

  /** Searches `nq` prepared query rows on a worker (on this thread when the pool turned unhealthy meanwhile). */
  async #workerSearch(
    c: Collection, rows: Float32Array, nq: number, plan: WalkPlan, filter: MetadataPredicate | null, p: SearchParams, signal: AbortSignal | undefined,
  ): Promise<SlotHit[][]> {
    const dim = this.dimension;
    try {
      const r = await this.#pool!.search(c, rows, nq, { k: plan.kk, efSearch: p.efSearch, rerank: p.rerank, exact: plan.exact }, plan.allow?.bits ?? null, signal);
      this.#poolSearches += nq;
      const out: SlotHit[][] = [];
      let at = 0;
      for (let i = 0; i < nq; i++) {
        const hits: SlotHit[] = [];
        for (let j = 0; j < r.counts[i]; j++, at++) hits.push({ slot: r.slots[at], distance: r.dists[at] });
        out.push(hits);
      }
      return out;
    } catch (err) {
      if (!(err instanceof PoolUnhealthyError)) throw err;
      // Workers cannot start: answer here (the failure went to `error` listeners and stats as each worker died).
      return Array.from({ length: nq }, (_, i) => c.search(rows.subarray(i * dim, (i + 1) * dim), p.k, filter, p));
    }
  }

  /**
   * Counts live records.
   *
   * @param options - signal
   * @returns the number of records
   */
  async count(options: CallOptions = {}): Promise<number> {
    this.#checkOpen();
    throwIfAborted(options.signal);
    return this.#c.size;
  }

  /**
   * Waits for earlier writes and fsyncs the log, so every acknowledged write survives power loss too (a no-op for
   * durability `fsync`, where each write already is).
   *
   * @param options - signal (checked before waiting)
   * @throws {@link DurabilityError} when the fsync fails, or an earlier one did (also a failed background fsync
   *   of durability `write`): what was acknowledged since the last good fsync may not be on disk; reopen to recover
   */
  async flush(options: CallOptions = {}): Promise<void> {
    this.#checkOpen();
    throwIfAborted(options.signal);
    await this.#d.flush();
  }

  /**
   * Writes a snapshot now (atomically) and restarts the log, so the next open loads without replaying.
   *
   * @param options - signal
   * @throws {@link IOError} when the snapshot cannot be written (the previous snapshot and the log stay valid)
   */
  async checkpoint(options: CallOptions = {}): Promise<void> {
    this.#checkOpen();
    throwIfAborted(options.signal);
    await this.#d.checkpoint();
  }

  /**
   * Rebuilds the index from live records now (also runs automatically past `compactionThreshold`). Searches are
   * served throughout; writes made meanwhile are carried over.
   *
   * @param options - signal (checked before starting)
   */
  async compact(options: CallOptions = {}): Promise<void> {
    this.#checkOpen();
    throwIfAborted(options.signal);
    await this.#d.compact();
  }

  /**
   * Listens for failures of the store's own work: background jobs (the periodic fsync of durability `write`,
   * snapshots started by writes, compactions) and the moment the store loses durability (a failed fsync; from then
   * on writes reject with {@link DurabilityError}). A listener that throws is ignored: it never reaches the store
   * or the process. Without listeners failures are still counted in {@link VectorStore.stats}.
   *
   * @param event - `'error'`
   * @param listener - receives the typed error and the job that failed
   * @returns this store
   *
   * @example
   * ```ts
   * store.on('error', ({ error, job }) => log.warn(`store ${job} failed: ${error.code}`));
   * ```
   */
  on(event: 'error', listener: (event: StoreErrorEvent) => void): this {
    if (event !== 'error') throw new ValidationError(`unknown event ${JSON.stringify(event)}`);
    this.#d.onError(listener);
    return this;
  }

  /**
   * Removes a listener added with {@link VectorStore.on}.
   *
   * @param event - `'error'`
   * @param listener - the listener
   * @returns this store
   */
  off(event: 'error', listener: (event: StoreErrorEvent) => void): this {
    if (event !== 'error') throw new ValidationError(`unknown event ${JSON.stringify(event)}`);
    this.#d.offError(listener);
    return this;
  }

  /**
   * Counters about the store, and its health: `health` is `'failed'` (with `failure`) once an fsync failed;
   * `backgroundErrors` counts failed background work.
   *
   * @returns sizes, dead slots, bytes, compaction state, health
   */
  stats(): VectorStoreStats {
    const c = this.#c;
    return {
      size: c.size, deadSlots: c.dir.dead, index: c.index.type, trained: !c.needsTraining, indexBytes: c.indexBytes, recordBytes: c.recordBytes,
      filterIndexBytes: c.filterIndexBytes, filterPlans: { ...c.plans }, ...this.#d.stats(),
      ...(this.#threads > 0 ? { searchPool: this.#poolStats() } : {}),
    };
  }

  #poolStats(): SearchPoolStats {
    const h = this.#pool?.health();
    return { threads: this.#threads, workersUp: h?.workersUp ?? 0, status: h?.status ?? 'ok', restarts: h?.restarts ?? 0, searches: this.#poolSearches };
  }

  /**
   * Waits for pending writes, stops a running compaction, writes a final snapshot when the log has records,
   * and releases the lock. Idempotent. Everything is released even when it throws.
   *
   * @throws {@link IOError} when the final snapshot cannot be written (the log still holds every write)
   * @throws {@link DurabilityError} when the store failed (an fsync failed): reopen it to recover from the log
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#pool?.close();
    } finally {
      await this.#d.close();
    }
  }
}
