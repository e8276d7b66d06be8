/**
 * The in-memory state of a store: slot directory, float vectors (in memory or on disk), payloads, the vector index
 * (exact, HNSW over floats or int8 codes, IVF-PQ, IVF with RaBitQ or binary codes), the optional BM25 text index, and search planning (exact scan vs
 * index, filter selectivity, re-ranking, the under-fill fallback). Persistence and locking live in the facade; this
 * class is what the log replays into, what snapshots serialize and what compaction rebuilds (and trains).
 *
 * @internal
 * @module
 */
import type { Metadata } from '../core/contracts.js';
import { StoreIntegrityError } from '../core/errors.js';
import { seededRandom } from '../internal/random.js';
import { yieldToLoop } from '../internal/yield.js';
import { dot, l2sq, normalizeInPlace } from './distance.js';
import { DiskVectors } from './disk-vectors.js';
import { filterBitset, type AllowSet } from './filter-bitset.js';
import { MaxHeap } from './heap.js';
import { HnswGraph, type SlotPredicate } from './hnsw.js';
import { batchTimes, beginBatch, linkNode, nextBatchSize, type BatchPlanner, SEQUENTIAL_PREFIX } from './hnsw-batch.js';
import { SlotDirectory } from './ids.js';
import { MetadataIndex } from './metadata-index.js';
import { PayloadArena } from './payloads.js';
import type { MetadataPredicate } from './filter-compiler.js';
import { EncodePool, sharedFloats } from './quantization/encode-pool.js';
import { defaultWorkerThreads } from '../internal/worker-supervisor.js';
import { IvfPqIndex } from './quantization/ivf.js';
import { IvfBitsIndex } from './quantization/ivf-bits.js';
import type { IvfIndex } from './quantization/ivf-index.js';
import { ScalarQuantizer } from './quantization/scalar.js';
import type { DistanceSpace } from './space.js';
import { Sq8Space } from './sq8-space.js';
import { Bm25Index } from './text/bm25.js';
import type { FilterPlanCounts, IndexOptions, TextIndexOptions } from './types.js';
import type { DistanceMetric } from '../retrieval/backend.js';
import { VectorStorage } from './vectors.js';
import { drain, EXACT_BELOW, walkNearest, type SlotHit, type WalkContext } from './vector-search.js';
import { HEADER, type CollectionLayout } from './search-pool/protocol.js';
import { RwLock } from './search-pool/rw-lock.js';

export { EXACT_BELOW, type SlotHit };

/** Resolved index parameters (persisted in the snapshot's META). @internal */
export interface ResolvedIndex {
  type: 'flat' | 'hnsw' | 'ivfpq' | 'ivf';
  M: number;
  efConstruction: number;
  efSearch: number;
  seed: number;
  /** HNSW: none or int8; `ivf`: its codes. */
  quantization: 'none' | 'int8' | 'rabitq' | 'binary';
  /** `ivf` RaBitQ bits per dimension (absent in stores written before it existed). */
  bits?: 1 | 2 | 4;
  /** `ivf` RaBitQ bound confidence ε0. */
  epsilon?: number;
  /** IVF cells; 0 = choose at training. */
  nlist: number;
  /** PQ sub-spaces; 0 = choose at training. */
  m: number;
  /** IVF cells scanned; 0 = an eighth of the cells (at least 8). */
  nprobe: number;
  rerank: number;
  trainAt: number;
}

/** Everything fixed at a store's creation. @internal */
export interface CollectionConfig {
  dimension: number;
  metric: DistanceMetric;
  index: ResolvedIndex;
  vectors: 'memory' | 'disk';
  text: TextIndexOptions | null;
}

/**
 * Planner calibration (measured with bench:ann's selectivity sweep, 20k-100k x 384, M 16; see docs/store.md):
 * a filtered walk at beam width ef and selectivity σ computes about `WALK_VISITS_PER_EF · ef / σ` distances
 * before it fills (capped at the live count), and each costs about `WALK_COST` times a distance in a gather scan
 * over the matching slots (random rows, heap and visited-set work). The planner scans the matches exactly when
 * that is cheaper.
 */
const WALK_VISITS_PER_EF = 12;
const WALK_COST = 2;
/** IVF: filters matching less than this fraction of the live records scan every cell (the matches are few). */
const SELECTIVE_FRACTION = 0.08;

/** A planned walk: results wanted, the allow set (null: all live slots), and whether to scan instead of walk. */
export interface WalkPlan {
  kk: number;
  allow: AllowSet | null;
  exact: boolean;
}
/** Vectors sampled to train quantizers. */
const TRAIN_SAMPLE = 65_536;
/** IVF rebuilds of at least this many records assign and encode on worker threads. */
const POOL_RECORDS = 20_000;
/** Records per batched IVF assignment + encoding pass during a rebuild. */
const IVF_BATCH = 16_384;

/** Fills index defaults. @internal */
export function resolveIndex(options: IndexOptions | undefined): ResolvedIndex {
  const base: ResolvedIndex = {
    type: 'hnsw', M: 16, efConstruction: 200, efSearch: 96, seed: 42, quantization: 'none',
    nlist: 0, m: 0, nprobe: 0, rerank: 100, trainAt: 10_000,
  };
  if (options?.type === 'flat') return { ...base, type: 'flat' };
  if (options?.type === 'ivf') {
    return {
      ...base, type: 'ivf', quantization: options.quantization, bits: options.bits ?? 1, epsilon: options.epsilon ?? 1.9,
      nlist: options.nlist ?? 0, nprobe: options.nprobe ?? 0, rerank: options.rerank ?? 100, trainAt: options.trainAt ?? 10_000,
    };
  }
  if (options?.type === 'ivfpq') {
    return {
      ...base, type: 'ivfpq', nlist: options.nlist ?? 0, m: options.m ?? 0, nprobe: options.nprobe ?? 0,
      rerank: options.rerank ?? 100, trainAt: options.trainAt ?? 10_000,
    };
  }
  return {
    ...base,
    M: options?.M ?? 16,
    efConstruction: options?.efConstruction ?? 200,
    efSearch: options?.efSearch ?? 96,
    seed: options?.seed ?? 42,
    quantization: options?.quantization ?? 'none',
    trainAt: EXACT_BELOW,
  };
}

/** The public options that recreate a resolved index (what a copy of the store is opened with). @internal */
export function indexOptionsOf(r: ResolvedIndex): IndexOptions {
  if (r.type === 'flat') return { type: 'flat' };
  if (r.type === 'ivfpq') return { type: 'ivfpq', nlist: r.nlist || undefined, m: r.m || undefined, nprobe: r.nprobe || undefined, rerank: r.rerank, trainAt: r.trainAt };
  if (r.type === 'ivf') {
    return {
      type: 'ivf', quantization: r.quantization === 'binary' ? 'binary' : 'rabitq', bits: r.bits ?? 1, epsilon: r.epsilon,
      nlist: r.nlist || undefined, nprobe: r.nprobe || undefined, rerank: r.rerank, trainAt: r.trainAt,
    };
  }
  return { type: 'hnsw', M: r.M, efConstruction: r.efConstruction, efSearch: r.efSearch, seed: r.seed, quantization: r.quantization === 'int8' ? 'int8' : 'none' };
}

/** Default PQ sub-spaces: dimension / 8, or the largest divisor of the dimension below it. */
function defaultM(dim: number): number {
  for (let m = Math.max(1, Math.floor(dim / 8)); m > 1; m--) if (dim % m === 0) return m;
  return 1;
}

/** Per-search parameters. @internal */
export interface SearchParams {
  efSearch: number;
  nprobe: number;
  rerank: number;
  exact: boolean;
}

/** A record as the log holds it (what {@link Collection.upsertMany} takes). @internal */
export interface StagedRecord {
  id: string;
  vector: Float32Array;
  text: string | undefined;
  metadataJson: string;
}

/** Upserts of at least this many records build the graph in batches when a planner is given. */
export const BATCH_UPSERT_MIN = 256;

/** In-memory store state. @internal */
export class Collection {
  readonly config: CollectionConfig;
  readonly dimension: number;
  readonly metric: DistanceMetric;
  readonly index: ResolvedIndex;
  readonly isL2: boolean;
  readonly normalize: boolean;
  readonly dir = new SlotDirectory();
  readonly floats: VectorStorage | DiskVectors;
  /** What the graph walks: the float storage, or int8 codes once trained. */
  space: DistanceSpace | null;
  graph: HnswGraph | null;
  ivf: IvfIndex | null = null;
  text: Bm25Index | null;
  /** Text and metadata bytes per slot (decoded on read). */
  readonly payloads: PayloadArena;
  readonly #top = new MaxHeap(256);
  readonly #row: Float32Array;
  /** Candidate rows read from disk for a re-rank (grown to the largest re-rank seen). */
  #rows = new Float32Array(0);
  /** While set, `#adopt` leaves IVF insertion to the caller (a rebuild encodes in batches). */
  #deferIvf = false;
  /** Columnar metadata indexes (derived; caught up before each filtered search). */
  readonly #meta = new MetadataIndex();
  /**
   * The last few filters' allow sets, by filter, valid while no slot is written or deleted: a repeated filter (a
   * tenant, a language) costs a map lookup instead of a bitset build per query (~0.1 ms at 100k for a dense one).
   */
  readonly #allowCache = new Map<string, { slots: number; dead: number; set: AllowSet }>();
  /** Filtered searches answered by each plan (since open: a rebuild carries them over). */
  readonly plans: FilterPlanCounts = { empty: 0, exact: 0, walk: 0 };
  /** Readers–writer lock between the writer (this thread) and search workers reading the shared index. */
  readonly lock = new RwLock();
  /** Live, dead and slot counts for search workers (see {@link Collection.publish}). */
  readonly #header = new Int32Array(new SharedArrayBuffer(HEADER.words * 4));
  /** Identifies this collection to search workers. */
  readonly key = ++collectionKeys;
  /** Worker layouts by worker index, and the buffers they were made from. */
  readonly #layouts = new Map<number, { layout: CollectionLayout; deleted: ArrayBufferLike; graph: number; space: DistanceSpace | null }>();
  #layoutVersion = 0;

  private constructor(config: CollectionConfig, text: Bm25Index | null, capacity: number) {
    this.config = config;
    this.dimension = config.dimension;
    this.metric = config.metric;
    this.index = config.index;
    this.isL2 = config.metric === 'l2';
    this.normalize = config.metric === 'cosine';
    this.text = text;
    this.#row = new Float32Array(config.dimension);
    this.payloads = new PayloadArena(capacity);
    if (config.vectors === 'disk') {
      this.floats = new DiskVectors(config.dimension);
      this.space = null;
    } else {
      const storage = new VectorStorage(config.dimension, this.isL2, capacity);
      this.floats = storage;
      this.space = config.index.quantization === 'int8' ? null : storage;
    }
    this.graph = config.index.type === 'hnsw' && this.space !== null ? this.#newGraph(this.space, capacity) : null;
  }

  /** Creates an empty collection (loads the text analyzer when a text index is configured). */
  static async create(config: CollectionConfig, capacity = 64): Promise<Collection> {
    const text = config.text ? await Bm25Index.create(config.text) : null;
    return new Collection(config, text, capacity);
  }

  #newGraph(space: DistanceSpace, capacity: number): HnswGraph {
    const { M, efConstruction, seed } = this.index;
    return new HnswGraph(space, this.isL2, { M, efConstruction, seed }, capacity);
  }

  /** Live records. */
  get size(): number {
    return this.dir.live;
  }

  /**
   * Whether the IVF cells no longer fit the data: vectors added since training sit, on average, over 1.5x farther
   * from their cell centroid than the training sample did (judged once 1,000 have been added). Compaction retrains.
   */
  get drifted(): boolean {
    return this.ivf !== null && this.ivf.addedSinceTraining >= 1000 && this.ivf.drift() > 1.5;
  }

  /** Whether the index still needs training before it can answer approximately. */
  get needsTraining(): boolean {
    if (this.index.type === 'ivfpq' || this.index.type === 'ivf') return this.ivf === null;
    return this.index.type === 'hnsw' && this.graph === null;
  }

  /** The vector the index sees for a stored slot (normalized for cosine), in a scratch row valid until the next call. */
  #vectorOf(slot: number): Float32Array {
    this.floats.read(slot, this.#row, 0);
    return this.#row;
  }

  /**
   * Inserts or replaces one record (vector copied; normalized for cosine). `metadata` may be given as its JSON
   * (what validation and the log already hold) to skip re-encoding.
   */
  upsert(id: string, vector: Float32Array, text: string | undefined, metadata: Metadata | string, alreadyNormalized = false): void {
    const previous = this.dir.slotOf(id);
    if (previous >= 0) this.#forget(previous);
    const slot = this.dir.assign(id);
    this.floats.append(vector, this.normalize && !alreadyNormalized);
    this.#adopt(slot, text, typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
    this.publish();
  }

  /** Writer side: makes the live, dead and slot counts visible to search workers. */
  publish(): void {
    const h = this.#header;
    Atomics.store(h, HEADER.slots, this.dir.slots);
    Atomics.store(h, HEADER.dead, this.dir.dead);
    Atomics.store(h, HEADER.live, this.dir.live);
  }

  /**
   * What search worker `worker` maps to search this collection (with its own scratch in the shared memories), or
   * null when the workers cannot search it (vectors on disk, an IVF index, memories not shared): such searches
   * stay on the calling thread.
   */
  workerLayout(worker: number): CollectionLayout | null {
    // A collection loaded from a snapshot was filled without upserts: publish its counts (this thread is the writer
    // and no write chunk runs while it dispatches).
    this.publish();
    if (!(this.floats instanceof VectorStorage) || this.ivf !== null || this.index.type === 'ivf' || this.index.type === 'ivfpq') return null;
    const floats = this.floats.shared;
    if (floats === undefined) return null;
    const sq8 = this.space instanceof Sq8Space ? this.space : null;
    if (this.index.quantization === 'int8' && this.space !== null && sq8 === null) return null;
    const graphVersion = this.graph?.layoutVersion ?? -1;
    const deleted = this.dir.deleted.buffer;
    const cached = this.#layouts.get(worker);
    if (cached && cached.deleted === deleted && cached.graph === graphVersion && cached.space === this.space &&
      (sq8 === null || cached.layout.sq8?.shared.norms === sq8.shared?.norms)) return cached.layout;
    const sq8Shared = sq8?.shared;
    if (sq8 !== null && sq8Shared === undefined) return null;
    const layout: CollectionLayout = {
      key: this.key, version: ++this.#layoutVersion, lock: this.lock.buffer, header: this.#header.buffer as SharedArrayBuffer,
      deleted: deleted as SharedArrayBuffer, floats, floatScratch: cached?.layout.floatScratch ?? this.floats.allocScratch(),
      sq8: sq8 === null ? null : { shared: sq8Shared!, scratch: cached?.layout.sq8?.scratch ?? sq8.allocScratch() },
      graph: this.graph?.shared ?? null,
    };
    this.#layouts.set(worker, { layout, deleted, graph: graphVersion, space: this.space });
    return layout;
  }

  /** Whether {@link Collection.upsertMany} would build `records` new nodes in batches (float HNSW, in memory, enough of them). */
  batchesGraph(records: number): boolean {
    return this.graph !== null && this.space === this.floats && this.floats instanceof VectorStorage &&
      records >= BATCH_UPSERT_MIN && this.graph.nodeCount + records > SEQUENTIAL_PREFIX;
  }

  /**
   * Inserts or replaces records in order, building the graph in batches ({@link BatchPlanner}: phase A on worker
   * threads) where {@link Collection.batchesGraph} says so, else one by one. Yields to the event loop between time
   * slices. While a batch is planned nothing visible changes (its rows are staged past the storage's count); each
   * record then becomes visible, graph node and directory entry together, in order: a search between two slices
   * sees the same state as after that many single upserts.
   *
   * @param planner - runs phase A (worker threads or the calling thread)
   * @param alreadyNormalized - the vectors are already unit length (a rebuild's copies)
   * @param chunkMs - longest stretch of writes under the write lock before it is released and the loop yields
   */
  async upsertMany(records: readonly StagedRecord[], planner: BatchPlanner, alreadyNormalized = false, chunkMs = SLICE_MS): Promise<void> {
    const lock = this.lock;
    const g = this.graph!;
    const batched = this.batchesGraph(records.length);
    const dim = this.dimension;
    // Writes happen under the write lock in chunks of at most chunkMs; search workers read between chunks, and
    // while a batch is planned (the graph and the visible counts do not change then).
    const publish = (): void => {
      g.publish();
      if (this.floats instanceof VectorStorage) this.floats.publish();
      this.publish();
    };
    await lock.acquireWrite();
    let slice = performance.now();
    const pause = async (): Promise<void> => {
      if (performance.now() - slice <= chunkMs) return;
      publish();
      lock.releaseWrite();
      await yieldToLoop();
      await lock.acquireWrite();
      slice = performance.now();
    };
    try {
      for (let r = 0; r < records.length;) {
        const size = batched ? nextBatchSize(g.nodeCount, records.length - r) : 1;
        if (size === 1) {
          const rec = records[r++];
          this.upsert(rec.id, rec.vector, rec.text, rec.metadataJson, alreadyNormalized);
          await pause();
          continue;
        }
        // Stage the rows past the count: readers (exact scans, the graph, the workers) do not see them yet.
        const floats = this.floats as VectorStorage;
        const from = floats.count;
        if (from !== g.nodeCount || from !== this.dir.slots) throw new StoreIntegrityError(`slot counts disagree: vectors ${from}, graph ${g.nodeCount}, ids ${this.dir.slots}`);
        floats.reserve(from + size);
        const data = floats.data;
        for (let k = 0; k < size; k++) {
          data.set(records[r + k].vector, (from + k) * dim);
          if (this.normalize && !alreadyNormalized) normalizeInPlace(data, (from + k) * dim, dim);
        }
        const plan = beginBatch(g, from, from + size, planner.shared);
        publish();
        lock.releaseWrite();
        const planStart = performance.now();
        try {
          await planner.plan(g, plan);
        } finally {
          await lock.acquireWrite();
          slice = performance.now();
        }
        batchTimes.planMs += slice - planStart;
        batchTimes.batches++;
        for (let k = 0; k < size; k++) {
          const rec = records[r + k];
          const t = performance.now();
          linkNode(g, plan, k);
          batchTimes.linkMs += performance.now() - t;
          const previous = this.dir.slotOf(rec.id);
          if (previous >= 0) this.#forget(previous);
          this.dir.assign(rec.id);
          floats.count = from + k + 1;
          this.payloads.append(from + k, rec.text, rec.metadataJson);
          this.text?.add(from + k, rec.text ?? '');
          await pause();
        }
        r += size;
      }
    } finally {
      publish();
      lock.releaseWrite();
    }
  }

  /** The id of a slot. */
  idOf(slot: number): string {
    return this.dir.idOf(slot);
  }

  /** The text of a slot, or undefined. */
  textOf(slot: number): string | undefined {
    return this.payloads.textOf(slot);
  }

  /** A freshly decoded copy of a slot's metadata. */
  metadataOf(slot: number): Metadata {
    return this.payloads.metadataOf(slot);
  }

  /** Indexes a slot whose float vector is already stored. */
  #adopt(slot: number, text: string | undefined, metadataJson: string): void {
    this.payloads.append(slot, text, metadataJson);
    this.text?.add(slot, text ?? '');
    if (this.space instanceof Sq8Space) this.space.append(this.#vectorOf(slot));
    this.graph?.insert(slot);
    if (!this.#deferIvf) this.ivf?.add(slot, this.#vectorOf(slot));
  }

  /** Deletes a record; returns whether it existed. */
  delete(id: string): boolean {
    const slot = this.dir.slotOf(id);
    if (slot < 0) return false;
    this.dir.remove(id);
    this.#forget(slot);
    this.publish();
    return true;
  }

  /** Drops a slot's entries in the text and IVF indexes (the graph keeps it as a waypoint; its payload bytes stay until compaction). */
  #forget(slot: number): void {
    this.text?.remove(slot);
    this.ivf?.remove(slot);
  }

  /** Fraction of slots that are dead. */
  get deadFraction(): number {
    return this.dir.slots === 0 ? 0 : this.dir.dead / this.dir.slots;
  }

  /** Converts an internal distance into the public "higher is better" score. */
  score(distance: number): number {
    if (this.isL2) return 1 / (1 + Math.sqrt(Math.max(0, distance)));
    return 1 - distance;
  }

  /** Prepares a query vector in place (normalized for cosine); the caller passes its own copy. */
  prepareQuery(vector: Float32Array): Float32Array {
    if (this.normalize) normalizeInPlace(vector, 0, vector.length);
    return vector;
  }

  /**
   * Trains the quantized index (int8 ranges, or IVF centroids and PQ codebooks) on a sample of `source`'s live
   * vectors. Called on an empty collection by compaction, before the records are re-inserted.
   */
  async train(source: Collection, slots: Uint32Array, signal?: AbortSignal, pool?: EncodePool): Promise<void> {
    if (!this.needsTraining || slots.length < this.index.trainAt) return;
    const dim = this.dimension;
    const step = Math.max(1, slots.length / TRAIN_SAMPLE);
    const n = Math.min(slots.length, TRAIN_SAMPLE);
    const sample = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) source.floats.read(slots[Math.floor(i * step)], sample, i * dim);
    if (this.index.type === 'hnsw') {
      const space = new Sq8Space(ScalarQuantizer.train(sample, dim), this.isL2, slots.length);
      this.space = space;
      this.graph = this.#newGraph(space, slots.length);
      return;
    }
    const nlist = this.index.nlist || Math.min(4096, Math.max(16, Math.round(4 * Math.sqrt(slots.length))));
    if (this.index.type === 'ivf') {
      this.ivf = await IvfBitsIndex.train(sample, dim, {
        nlist: Math.min(nlist, n), metric: this.isL2 ? 'l2' : 'dot', kind: this.index.quantization === 'binary' ? 'binary' : 'rabitq',
        bits: this.index.bits, epsilon: this.index.epsilon, iterations: 10, signal, pool, threads: pool === undefined ? 1 : undefined,
      });
      return;
    }
    this.ivf = await IvfPqIndex.train(sample, dim, {
      nlist: Math.min(nlist, n), m: this.index.m || defaultM(dim), metric: this.isL2 ? 'l2' : 'dot', iterations: 10, signal,
      pool, threads: pool === undefined ? 1 : undefined,
    });
  }

  /**
   * The k nearest live slots matching `filter` (all live slots when null), nearest first. Never under-fills: when at
   * least k live records match, k come back.
   */
  search(q: Float32Array, k: number, filter: MetadataPredicate | null, p: SearchParams): SlotHit[] {
    const plan = this.planWalk(k, filter, p, 1);
    if (plan === 'empty') return [];
    if (plan !== null) return walkNearest(this.#walkContext(this.space!), q, plan.kk, plan.allow, { efSearch: p.efSearch, rerank: p.rerank, exact: plan.exact });
    return this.#searchHere(q, k, filter, p);
  }

  /**
   * Plans `n` searches with the same k, filter and parameters (the calling thread's part of a search that a worker
   * may run): the allow set, its exact count and the exact-vs-walk choice, counted in {@link Collection.plans}.
   * Returns 'empty' when nothing can match, and null when the search is not a walk of the shared layout (IVF,
   * vectors on disk): then {@link Collection.search} answers it here.
   */
  planWalk(k: number, filter: MetadataPredicate | null, p: SearchParams, n: number): WalkPlan | 'empty' | null {
    const live = this.dir.live;
    if (live === 0 || k <= 0) return 'empty';
    if ((this.ivf !== null && !p.exact) || this.space === null) return null;
    const allow = filter === null ? null : this.allowSet(filter);
    if (allow !== null && allow.count === 0) {
      this.plans.empty += n;
      return 'empty';
    }
    const matches = allow === null ? live : allow.count;
    const kk = Math.min(k, matches);
    const ef = Math.max(p.efSearch, kk);
    const selective = allow !== null && matches <= WALK_COST * Math.min(live, (WALK_VISITS_PER_EF * ef * live) / matches);
    const exact = p.exact || this.index.type === 'flat' || live < EXACT_BELOW || this.needsTraining || selective;
    if (allow !== null) {
      if (exact || this.graph === null) this.plans.exact += n;
      else this.plans.walk += n;
    }
    return { kk, allow, exact };
  }

  /** The IVF and disk-vector searches (and anything {@link Collection.planWalk} does not plan as a walk). */
  #searchHere(q: Float32Array, k: number, filter: MetadataPredicate | null, p: SearchParams): SlotHit[] {
    const live = this.dir.live;
    if (live === 0 || k <= 0) return [];
    const deleted = this.dir.deleted;
    const allow = filter === null ? null : this.allowSet(filter);
    if (allow !== null && allow.count === 0) {
      this.plans.empty++;
      return [];
    }
    const matches = allow === null ? live : allow.count;
    const kk = Math.min(k, matches);
    const accept = allow === null ? null : bitTest(allow.bits);
    const ef = Math.max(p.efSearch, kk);
    // Exact count of matches: scan them when that costs less than the walk that would find k of them.
    const selective = allow !== null && matches <= WALK_COST * Math.min(live, (WALK_VISITS_PER_EF * ef * live) / matches);
    const exact = p.exact || this.index.type === 'flat' || live < EXACT_BELOW || this.needsTraining
      || (this.ivf !== null ? allow !== null && matches < SELECTIVE_FRACTION * live : selective);
    if (this.ivf !== null && !p.exact) {
      // IVF scans with the filter applied inside the cells; a filtered scan that comes back short retries over all.
      // No predicate at all when nothing is deleted or filtered (the scan then skips a call per entry).
      const live_ = accept !== null ? accept : this.dir.dead === 0 ? undefined : (s: number): boolean => deleted[s] === 0;
      const scan = (nprobe: number): SlotHit[] => this.#ivfSearch(q, kk, nprobe, Math.max(p.rerank, kk), live_);
      const hits = scan(exact ? this.ivf.nlist : p.nprobe || Math.max(8, Math.ceil(this.ivf.nlist / 8)));
      return hits.length < kk ? scan(this.ivf.nlist) : hits;
    }
    const space = this.space;
    if (space === null) return this.#exactFromFloats(q, kk, deleted, accept); // disk vectors, not yet trained
    if (allow !== null) {
      if (exact || this.graph === null) this.plans.exact++;
      else this.plans.walk++;
    }
    const ctx = this.#walkContext(space);
    return walkNearest(ctx, q, kk, allow, { efSearch: p.efSearch, rerank: p.rerank, exact });
  }

  #ctx: WalkContext | undefined;

  /** The walk's view of this collection on the calling thread. */
  #walkContext(space: DistanceSpace): WalkContext {
    const ctx = this.#ctx ??= {
      live: 0, dead: 0, deleted: this.dir.deleted, space, approximate: false, graph: null, top: this.#top,
      exactDistances: (q, slots, n, out) => this.#exactDistances(q, slots, n, out),
    };
    ctx.live = this.dir.live;
    ctx.dead = this.dir.dead;
    ctx.deleted = this.dir.deleted;
    ctx.space = space;
    ctx.approximate = space !== this.floats;
    ctx.graph = this.graph;
    return ctx;
  }

  /**
   * The allow-bitset of a compiled filter over this collection's slots (live and matching) with its exact count,
   * built from the columnar metadata indexes once per query.
   */
  allowSet(filter: MetadataPredicate): AllowSet {
    const node = filter.node;
    if (node === undefined) {
      // A predicate without its tree (not from compileFilterNode): evaluate it over every live slot, once.
      const read = this.payloads.projection(filter.fields ?? null);
      const bits = new Uint32Array((this.dir.slots + 31) >>> 5);
      let count = 0;
      for (let s = 0; s < this.dir.slots; s++) {
        if (this.dir.deleted[s] === 0 && filter(read(s))) {
          bits[s >>> 5] |= 1 << (s & 31);
          count++;
        }
      }
      return { bits, count };
    }
    const key = JSON.stringify(node);
    const { slots, dead } = this.dir;
    const hit = this.#allowCache.get(key);
    if (hit !== undefined && hit.slots === slots && hit.dead === dead) {
      this.#allowCache.delete(key); // most recently used last
      this.#allowCache.set(key, hit);
      return hit.set;
    }
    this.#meta.catchUp(this.payloads, this.dir.deleted);
    const set = filterBitset(node, { index: this.#meta, payloads: this.payloads, slots, deleted: this.dir.deleted, dead });
    this.#allowCache.delete(key);
    this.#allowCache.set(key, { slots, dead, set });
    if (this.#allowCache.size > ALLOW_CACHE_SIZE) this.#allowCache.delete(this.#allowCache.keys().next().value!);
    return set;
  }

  /** Bytes held by the columnar metadata indexes (built by the first filtered search) and the cached allow sets. */
  get filterIndexBytes(): number {
    let cached = 0;
    for (const { set } of this.#allowCache.values()) cached += set.bits.byteLength;
    return this.#meta.bytes + cached;
  }

  /** BM25 top-k over live slots matching `filter`, best first; distance = −score. */
  searchText(query: string, k: number, filter: MetadataPredicate | null): SlotHit[] {
    if (this.text === null) return [];
    const { slots, scores } = this.text.search(query, k, filter === null ? undefined : bitTest(this.allowSet(filter).bits));
    return Array.from(slots, (slot, i) => ({ slot, distance: -scores[i] }));
  }

  #ivfSearch(q: Float32Array, k: number, nprobe: number, rerank: number, accept: SlotPredicate | undefined): SlotHit[] {
    let dist = new Float64Array(rerank);
    const { slots, scores } = this.ivf!.search(q, {
      k, nprobe, rerank, accept,
      // True metric scores (−squared L2, or the dot product), which RaBitQ compares with its bounds.
      exactScores: (cand) => {
        if (dist.length < cand.length) dist = new Float64Array(cand.length);
        this.#exactDistances(q, cand, cand.length, dist);
        return Float32Array.from(cand, (_, i) => (this.isL2 ? -dist[i] : 1 - dist[i]));
      },
    });
    return Array.from(slots, (slot, i) => ({ slot, distance: this.isL2 ? -scores[i] : 1 - scores[i] }));
  }

  /** Exact distances from `q` to listed slots, from the float vectors wherever they live. */
  #exactDistances(q: Float32Array, slots: Uint32Array, n: number, out: Float64Array): void {
    const floats = this.floats;
    if (floats instanceof VectorStorage) {
      floats.gather(floats.setQuery(q), slots, n, out);
      return;
    }
    const dim = this.dimension;
    if (this.#rows.length < n * dim) this.#rows = new Float32Array(n * dim);
    const rows = this.#rows;
    floats.readMany(slots, n, rows);
    for (let i = 0; i < n; i++) out[i] = this.isL2 ? l2sq(q, 0, rows, i * dim, dim) : 1 - dot(q, 0, rows, i * dim, dim);
  }

  /** Exact scan reading float rows one by one (disk vectors before the index is trained: small stores). */
  #exactFromFloats(q: Float32Array, k: number, deleted: Uint8Array, accept: SlotPredicate | null): SlotHit[] {
    const top = this.#top;
    top.clear();
    const one = new Uint32Array(1), d = new Float64Array(1);
    for (let s = 0; s < this.dir.slots; s++) {
      if (deleted[s] !== 0 || (accept !== null && !accept(s))) continue;
      one[0] = s;
      this.#exactDistances(q, one, 1, d);
      if (top.size < k) top.push(d[0], s);
      else if (d[0] < top.topKey()) top.replaceTop(d[0], s);
    }
    return drain(top, k);
  }

  /** Bytes held by ids, the id map, text and metadata (encoded), cached filter projections and the metadata indexes. */
  get recordBytes(): number {
    return this.dir.bytes + this.payloads.bytes + this.payloads.projectionBytes + this.#meta.bytes;
  }

  /** Bytes held in memory by vectors, codes, graph and index structures (not ids, metadata and text). */
  get indexBytes(): number {
    const codes = this.space instanceof Sq8Space ? this.space.bytes : 0;
    return this.floats.bytes + codes + (this.graph?.bytes ?? 0) + (this.ivf?.memoryBytes ?? 0) + this.dir.deleted.byteLength;
  }

  /**
   * Builds a compacted (and, when due, retrained) copy of `old` from its live records, in time slices that yield
   * to the event loop. Returns null when `cancelled()` turns true. With disk vectors the copy reads its rows through
   * `old` until its first checkpoint.
   */
  static async rebuild(old: Collection, cancelled: () => boolean, planner?: BatchPlanner): Promise<Collection | null> {
    const slots = old.dir.liveSlots();
    const next = await Collection.create(old.config, slots.length);
    Object.assign(next.plans, old.plans); // counted since open, across compactions
    if (planner !== undefined && next.batchesGraph(slots.length)) {
      // Float HNSW in memory: the graph is built in batches, phase A on the planner's threads.
      for (let c = 0; c < slots.length; c += REBUILD_CHUNK) {
        const chunk: StagedRecord[] = [];
        for (let i = c; i < Math.min(slots.length, c + REBUILD_CHUNK); i++) {
          const s = slots[i];
          chunk.push({ id: old.dir.idOf(s), vector: old.floats.copyOf(s), text: old.textOf(s), metadataJson: old.payloads.metadataJsonOf(s) });
        }
        await next.upsertMany(chunk, planner, true);
        if (cancelled()) return null;
      }
      return next;
    }
    const ivf = old.index.type === 'ivfpq' || old.index.type === 'ivf';
    const pool = ivf && slots.length >= POOL_RECORDS && defaultWorkerThreads() > 1 ? new EncodePool(defaultWorkerThreads()) : undefined;
    try {
      await next.train(old, slots, undefined, pool);
      if (cancelled()) return null;
      const disk = next.floats instanceof DiskVectors;
      if (disk) (next.floats as DiskVectors).attachRemap(old.floats as DiskVectors, slots);
      // IVF cells and codes are computed in batched kernel passes (on the pool when there is one), not per record.
      next.#deferIvf = next.ivf !== null;
      const batch = next.#deferIvf ? sharedFloats(Math.min(IVF_BATCH, slots.length) * next.dimension) : null;
      // A store that has been filtered gets its metadata indexes rebuilt here, in the same time slices, rather than
      // by the first filtered search after the swap (a pause of a few µs per record).
      const indexMetadata = old.#meta.covered > 0;
      let sliceStart = performance.now();
      for (let c = 0; c < slots.length; c += IVF_BATCH) {
        const end = Math.min(slots.length, c + IVF_BATCH);
        for (let i = c; i < end; i++) {
          const s = slots[i];
          if (disk) {
            next.dir.assign(old.dir.idOf(s));
            next.#adopt(i, old.textOf(s), old.payloads.metadataJsonOf(s));
          } else {
            next.upsert(old.dir.idOf(s), old.#vectorOf(s), old.textOf(s), old.payloads.metadataJsonOf(s), true);
          }
          if (indexMetadata) next.#meta.catchUp(next.payloads, next.dir.deleted);
          if (performance.now() - sliceStart > SLICE_MS) {
            await yieldToLoop();
            if (cancelled()) return null;
            sliceStart = performance.now();
          }
        }
        if (batch !== null) {
          const ids = new Uint32Array(end - c);
          for (let i = c; i < end; i++) {
            ids[i - c] = i;
            next.floats.read(i, batch, (i - c) * next.dimension);
          }
          await next.ivf!.addBatch(ids, batch, { pool });
          if (cancelled()) return null;
          sliceStart = performance.now();
        }
      }
      next.#deferIvf = false;
      // The lists grew while the batches went in: cut them to size (a quarter of slack per list otherwise).
      next.ivf?.trim();
      return next;
    } finally {
      await pool?.close();
    }
  }

  /** Releases files held by disk vectors. */
  close(): void {
    if (this.floats instanceof DiskVectors) this.floats.close();
  }
}

const SLICE_MS = 10;

/** A slot test reading an allow-bitset. */
function bitTest(bits: Uint32Array): SlotPredicate {
  return (s) => ((bits[s >>> 5] >>> (s & 31)) & 1) !== 0;
}

/** Allow sets kept per collection (the most recently used filters). */
const ALLOW_CACHE_SIZE = 16;
/** Records copied per batched-rebuild pass (bounds the copies held at once). */
const REBUILD_CHUNK = 16_384;
let collectionKeys = 0;
