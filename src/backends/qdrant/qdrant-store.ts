/**
 * {@link QdrantStore}: the store contract ({@link VectorStoreBackend}) over a Qdrant collection, through the official
 * `@qdrant/js-client-rest` client.
 *
 * @module
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import type { CallOptions, Metadata } from '../../core/contracts.js';
import {
  ClosedError, DimensionMismatchError, InvalidResponseError, ValidationError, type AbiError,
} from '../../core/errors.js';
import { evaluateFilter, parseFilter, type FilterNode } from '../../core/filter.js';
import { linkedSignal, raceAbort, throwIfAborted } from '../../internal/abort.js';
import { readEnv } from '../../internal/env.js';
import { loadPeer } from '../../internal/peer.js';
import { normalizeInPlace } from '../../store/distance.js';
import type {
  DistanceMetric, SearchHit, SearchOptions, StoredRecord, VectorRecord, VectorStoreBackend, WriteOptions,
} from '../../retrieval/backend.js';
import { toVector, validateIds, validateRecords } from '../../store/validate.js';
import { toQdrantError } from './errors.js';
import { buildFilterView, encodePath, translateFilter, VIEW_KEY, type TranslatedFilter } from './filter.js';
import { qdrantPointId } from './point-id.js';

/** Qdrant payload index types usable for abi-sdk filter fields. */
export type QdrantPayloadIndexType = 'keyword' | 'integer' | 'float' | 'bool';

/** HNSW parameters of a new Qdrant collection (`hnsw_config`). */
export interface QdrantHnswOptions {
  /** Links per node (`m`). @defaultValue Qdrant's (16) */
  m?: number;
  /** Beam width while building (`ef_construct`). @defaultValue Qdrant's (100) */
  efConstruct?: number;
}

/** Options of {@link QdrantStore.open}. */
export interface QdrantStoreOptions extends CallOptions {
  /**
   * Qdrant's REST address. Ignored when `client` is given.
   * @defaultValue `ABI_QDRANT_URL` > `QDRANT_URL` > `http://127.0.0.1:6333`
   */
  url?: string;
  /**
   * API key (sent as the `api-key` header). Ignored when `client` is given.
   * @defaultValue `ABI_QDRANT_API_KEY` > `QDRANT_API_KEY` > none
   */
  apiKey?: string;
  /**
   * A client you built yourself (TLS, headers, prefix). Build it with `timeout: Infinity`: the client's own
   * timeout replaces the request's abort signal, so with a finite one `signal` rejects the call at once but the
   * HTTP request runs on. Not closed by {@link QdrantStore.close}.
   */
  client?: QdrantClient;
  /** Collection name. */
  collection: string;
  /** Vector length; must match the collection's when it exists. */
  dimension: number;
  /**
   * Similarity measure (`cosine` → Qdrant `Cosine`, `dot` → `Dot`, `l2` → `Euclid`); must match the collection's.
   * @defaultValue 'cosine'
   */
  metric?: DistanceMetric;
  /**
   * Create the collection when it does not exist; with `false`, a missing collection is a `NotFoundError`.
   * @defaultValue true
   */
  create?: boolean;
  /** Shards of a new collection (Qdrant's `shard_number`). @defaultValue Qdrant's default */
  shardNumber?: number;
  /** Copies of each shard in a cluster (`replication_factor`). @defaultValue Qdrant's default */
  replicationFactor?: number;
  /** Replicas that must acknowledge a write (`write_consistency_factor`). @defaultValue Qdrant's default */
  writeConsistencyFactor?: number;
  /** Keep payloads on disk (`on_disk_payload`). @defaultValue Qdrant's default */
  onDiskPayload?: boolean;
  /** HNSW parameters of a new collection. @defaultValue Qdrant's */
  hnsw?: QdrantHnswOptions;
  /**
   * Metadata fields you filter on, with the payload index type to create for each (`{ year: 'integer',
   * 'author.name': 'keyword' }`). Indexes are created idempotently at open, along with keyword indexes on the
   * filter view's presence lists. Filters work without indexes, only slower on large collections.
   * @defaultValue none
   */
  payloadIndexes?: Record<string, QdrantPayloadIndexType>;
  /**
   * Top-level metadata keys filters may use. Every point carries a filter view of its metadata (each string about
   * three times over in the payload); listing the keys you filter on keeps large unfiltered values (serialized
   * nodes, long text) out of it. A filter on another key then fails with `UnsupportedError`. Keep the list the same
   * for the life of a collection: points written under a shorter list cannot match filters on the added keys.
   * @defaultValue every key
   */
  filterFields?: readonly string[];
}

const DISTANCE: Record<DistanceMetric, 'Cosine' | 'Dot' | 'Euclid'> = { cosine: 'Cosine', dot: 'Dot', l2: 'Euclid' };
const INDEX_TYPES: ReadonlySet<string> = new Set(['keyword', 'integer', 'float', 'bool']);

type Api = ReturnType<QdrantClient['api']>;
type Init = { signal?: AbortSignal };
interface QdrantPoint {
  id: string | number;
  score?: number;
  payload?: Record<string, unknown> | null;
  vector?: unknown;
}

function positiveInt(v: number | undefined, what: string): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ValidationError(`${what} must be a positive integer`);
}

function checkOptions(o: QdrantStoreOptions): void {
  if (typeof o !== 'object' || o === null) throw new ValidationError('options must be an object');
  if (typeof o.collection !== 'string' || o.collection.length === 0 || o.collection.length > 255 || /[/\\\0]/.test(o.collection)) {
    throw new ValidationError(`collection must be a non-empty name without slashes, got ${JSON.stringify(o.collection)}`);
  }
  if (!Number.isInteger(o.dimension) || o.dimension < 1 || o.dimension > 65536) {
    throw new ValidationError(`dimension must be an integer in [1, 65536], got ${String(o.dimension)}`);
  }
  if (o.metric !== undefined && !(o.metric in DISTANCE)) throw new ValidationError(`unknown metric ${JSON.stringify(o.metric)}`);
  positiveInt(o.shardNumber, 'shardNumber');
  positiveInt(o.replicationFactor, 'replicationFactor');
  positiveInt(o.writeConsistencyFactor, 'writeConsistencyFactor');
  positiveInt(o.hnsw?.m, 'hnsw.m');
  positiveInt(o.hnsw?.efConstruct, 'hnsw.efConstruct');
  if (o.filterFields !== undefined && (!Array.isArray(o.filterFields) || o.filterFields.some((f) => typeof f !== 'string' || f === ''))) {
    throw new ValidationError('filterFields must be an array of non-empty metadata keys');
  }
  for (const [field, type] of Object.entries(o.payloadIndexes ?? {})) {
    if (o.filterFields && !o.filterFields.includes(field.split('.')[0])) throw new ValidationError(`payload index field ${JSON.stringify(field)} is not in filterFields`);
    if (field === '' || field.split('.').some((s) => s === '')) throw new ValidationError(`invalid payload index field ${JSON.stringify(field)}`);
    if (!INDEX_TYPES.has(type)) throw new ValidationError(`payload index type of ${JSON.stringify(field)} must be keyword, integer, float or bool`);
  }
}

function toFloat32(v: unknown, what: string): Float32Array {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new InvalidResponseError(`Qdrant returned no plain vector for ${what}`, { provider: 'qdrant' });
  }
  return Float32Array.from(v as number[]);
}

/**
 * A vector store backed by a Qdrant collection: the same contract, filter language and score scale as the embedded
 * {@link abi-sdk!VectorStore}, so code (and the LangChain / LlamaIndex adapters) moves between them unchanged. Sharding,
 * replication and failover are Qdrant's.
 *
 * Points: id = {@link qdrantPointId}(id) (a UUID; the id itself is kept in the payload), payload
 * `{ id, text, metadata, _abi }` where `_abi` is a filter view of the metadata. Writes wait for Qdrant's
 * acknowledgement (`wait=true`). Scores: `cosine` and `dot` as Qdrant reports them, `l2` as `1 / (1 + distance)`.
 *
 * @example
 * ```ts
 * import { QdrantStore } from 'abi-sdk/qdrant';
 * const store = await QdrantStore.open({ url: 'http://localhost:6333', collection: 'docs', dimension: 384,
 *   payloadIndexes: { lang: 'keyword', year: 'integer' } });
 * await store.upsert([{ id: 'a', vector, text: 'hello', metadata: { lang: 'en', year: 2024 } }]);
 * const hits = await store.search(queryVector, { k: 5, filter: { lang: 'en', year: { $gte: 2020 } } });
 * ```
 */
export class QdrantStore implements VectorStoreBackend {
  /** Vector length. */
  readonly dimension: number;
  /** Similarity measure. */
  readonly metric: DistanceMetric;
  /** The Qdrant collection. */
  readonly collection: string;
  readonly #api: Api;
  readonly #fields: ReadonlySet<string> | undefined;
  #closed = false;

  private constructor(api: Api, options: QdrantStoreOptions) {
    this.#api = api;
    this.collection = options.collection;
    this.dimension = options.dimension;
    this.metric = options.metric ?? 'cosine';
    this.#fields = options.filterFields ? new Set(options.filterFields) : undefined;
  }

  /**
   * Connects to Qdrant, creates the collection when missing (idempotently: a concurrent creator is fine), checks
   * its vector size and distance, and creates the requested payload indexes.
   *
   * @param options - address, collection, dimension, metric, cluster settings, payload indexes
   * @returns the open store
   * @throws {@link abi-sdk!ValidationError} for bad options, or a collection whose distance differs from `metric`
   * @throws {@link abi-sdk!DimensionMismatchError} when the collection's vector size differs from `dimension`
   * @throws {@link abi-sdk!NotFoundError} when the collection is missing and `create` is false
   * @throws {@link abi-sdk!UnsupportedError} when `@qdrant/js-client-rest` is not installed
   * @throws {@link abi-sdk!ConnectionError} when Qdrant cannot be reached
   */
  static async open(options: QdrantStoreOptions): Promise<QdrantStore> {
    checkOptions(options);
    throwIfAborted(options.signal);
    let client = options.client;
    if (!client) {
      const { QdrantClient: Client } = await loadPeer('@qdrant/js-client-rest', 'QdrantStore', () => import('@qdrant/js-client-rest'));
      const apiKey = options.apiKey ?? readEnv('ABI_QDRANT_API_KEY', 'QDRANT_API_KEY');
      const url = options.url ?? readEnv('ABI_QDRANT_URL', 'QDRANT_URL') ?? 'http://127.0.0.1:6333';
      try {
        client = new Client({
          url, ...(apiKey ? { apiKey } : {}),
          timeout: Number.POSITIVE_INFINITY, // our signal (with `options.timeout`) bounds each call instead
          checkCompatibility: false,
        });
      } catch (err) {
        throw new ValidationError(`invalid Qdrant url ${JSON.stringify(url)}: ${(err as Error).message}`, { cause: err });
      }
    }
    const store = new QdrantStore(client.api(), options);
    await store.#prepare(options);
    return store;
  }

  async #prepare(o: QdrantStoreOptions): Promise<void> {
    const collection_name = this.collection;
    const { exists } = await this.#request<{ exists: boolean }>('collection exists', o, (init) =>
      this.#api.collectionExists({ collection_name }, init));
    if (!exists && o.create !== false) {
      try {
        await this.#request('create collection', o, (init) => this.#api.createCollection({
          collection_name,
          vectors: { size: this.dimension, distance: DISTANCE[this.metric] },
          ...(o.shardNumber === undefined ? {} : { shard_number: o.shardNumber }),
          ...(o.replicationFactor === undefined ? {} : { replication_factor: o.replicationFactor }),
          ...(o.writeConsistencyFactor === undefined ? {} : { write_consistency_factor: o.writeConsistencyFactor }),
          ...(o.onDiskPayload === undefined ? {} : { on_disk_payload: o.onDiskPayload }),
          ...(o.hnsw ? { hnsw_config: { ...(o.hnsw.m === undefined ? {} : { m: o.hnsw.m }), ...(o.hnsw.efConstruct === undefined ? {} : { ef_construct: o.hnsw.efConstruct }) } } : {}),
        }, init));
      } catch (err) {
        // Another process created it first: Qdrant answers 409 (older versions 400 "already exists").
        if (!/already exists/i.test((err as Error).message)) throw err;
      }
    }
    const info = await this.#request<{ config?: { params?: { vectors?: unknown } } }>('get collection', o, (init) =>
      this.#api.getCollection({ collection_name }, init));
    const vectors = info.config?.params?.vectors as { size?: unknown; distance?: unknown } | undefined;
    if (!vectors || typeof vectors.size !== 'number') {
      throw new ValidationError(`Qdrant collection ${collection_name} has named or no vectors; QdrantStore needs one unnamed vector`);
    }
    if (vectors.size !== this.dimension) throw new DimensionMismatchError(vectors.size, this.dimension, `Qdrant collection ${collection_name}`);
    if (vectors.distance !== DISTANCE[this.metric]) {
      throw new ValidationError(`Qdrant collection ${collection_name} uses distance ${String(vectors.distance)}, not ${DISTANCE[this.metric]} (metric ${this.metric})`);
    }
    const indexes: [string, QdrantPayloadIndexType][] = Object.entries(o.payloadIndexes ?? {})
      .map(([field, type]) => [`${VIEW_KEY}.v_${encodePath(field.split('.'))}`, type]);
    if (indexes.length > 0) indexes.push([`${VIEW_KEY}.e`, 'keyword'], [`${VIEW_KEY}.n`, 'keyword'], [`${VIEW_KEY}.a`, 'keyword']);
    for (const [field_name, field_schema] of indexes) {
      await this.#request('create payload index', o, (init) =>
        this.#api.createFieldIndex({ collection_name, wait: true, field_name, field_schema }, init));
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('QdrantStore');
  }

  /** One REST call: signal and timeout linked, errors mapped, Qdrant's `result` unwrapped. */
  async #request<T = unknown>(what: string, options: CallOptions | undefined, run: (init: Init) => Promise<{ data: unknown }>): Promise<T> {
    throwIfAborted(options?.signal);
    const { signal, dispose } = linkedSignal(options?.signal, options?.timeout, `Qdrant ${what}`);
    try {
      const response = await raceAbort(run(signal ? { signal } : {}), signal);
      const result = (response.data as { result?: unknown } | undefined)?.result;
      if (result === undefined || result === null) {
        throw new InvalidResponseError(`Qdrant ${what}: the answer has no result`, { provider: 'qdrant', body: response.data });
      }
      return result as T;
    } catch (err) {
      throw toQdrantError(err, signal, what) satisfies AbiError;
    } finally {
      dispose();
    }
  }

  /**
   * Inserts or replaces records in one Qdrant upsert (one request, applied as one operation).
   *
   * @param records - the records
   * @param options - signal and timeout
   * @throws {@link abi-sdk!ValidationError} for empty or duplicate ids, non-finite numbers, bad metadata
   * @throws {@link abi-sdk!DimensionMismatchError} for a vector of the wrong length
   * @throws {@link abi-sdk!ClosedError} after `close()`
   */
  async upsert(records: readonly VectorRecord[], options: WriteOptions = {}): Promise<void> {
    this.#checkOpen();
    const valid = validateRecords(records, this.dimension);
    if (valid.length === 0) return throwIfAborted(options.signal);
    const points = valid.map((r) => {
      if (this.metric === 'cosine') normalizeInPlace(r.vector, 0, this.dimension);
      const payload: Record<string, unknown> = { id: r.id, metadata: r.metadata, [VIEW_KEY]: buildFilterView(r.metadata, this.#fields) };
      if (r.text !== undefined) payload.text = r.text;
      return { id: qdrantPointId(r.id), vector: Array.from(r.vector), payload };
    });
    await this.#request('upsert', options, (init) =>
      this.#api.upsertPoints({ collection_name: this.collection, wait: true, points }, init));
  }

  /**
   * Reads one record.
   *
   * @param id - the id
   * @param options - signal and timeout
   * @returns the record, or `undefined` when absent
   * @throws {@link abi-sdk!ValidationError} for an empty id
   * @throws {@link abi-sdk!ClosedError} after `close()`
   */
  async get(id: string, options: CallOptions = {}): Promise<StoredRecord | undefined> {
    this.#checkOpen();
    validateIds([id]);
    const points = await this.#request<QdrantPoint[]>('get', options, (init) => this.#api.getPoints({
      collection_name: this.collection, ids: [qdrantPointId(id)], with_payload: true, with_vector: true,
    }, init));
    const p = points.find((x) => x.payload?.id === id);
    if (!p) return undefined;
    return { id, vector: toFloat32(p.vector, JSON.stringify(id)), text: this.#text(p), metadata: this.#metadata(p) };
  }

  /**
   * Deletes records; missing ids are ignored. Counts the existing ones first (one read, then one delete: under
   * concurrent writers the count is a snapshot).
   *
   * @param ids - the ids
   * @param options - signal and timeout
   * @returns how many records existed and were deleted
   * @throws {@link abi-sdk!ValidationError} for empty ids
   * @throws {@link abi-sdk!ClosedError} after `close()`
   */
  async delete(ids: readonly string[], options: WriteOptions = {}): Promise<number> {
    this.#checkOpen();
    const unique = validateIds(ids);
    if (unique.length === 0) return 0;
    const pids = unique.map(qdrantPointId);
    const wanted = new Set(unique);
    const found = await this.#request<QdrantPoint[]>('delete', options, (init) => this.#api.getPoints({
      collection_name: this.collection, ids: pids, with_payload: ['id'], with_vector: false,
    }, init));
    const existing = found.filter((p) => typeof p.payload?.id === 'string' && wanted.has(p.payload.id));
    if (existing.length === 0) return 0;
    await this.#request('delete', options, (init) =>
      this.#api.deletePoints({ collection_name: this.collection, wait: true, points: existing.map((p) => p.id) }, init));
    return existing.length;
  }

  /**
   * Finds the records most similar to a vector. Filters run inside Qdrant; string `$gt`/`$gte`/`$lt`/`$lte`
   * (Qdrant's ranges are numeric) are narrowed there and checked here, paging through candidates until `k` matches
   * are found.
   *
   * @param vector - the query vector
   * @param options - k, filter, `efSearch` (Qdrant `hnsw_ef`), `exact`, `includeVectors`
   * @returns hits sorted by score, best first
   * @throws {@link abi-sdk!DimensionMismatchError} for a query of the wrong length
   * @throws {@link abi-sdk!InvalidFilterError} for a malformed filter
   * @throws {@link abi-sdk!UnsupportedError} for a filter on a key outside `filterFields`
   * @throws {@link abi-sdk!ClosedError} after `close()`
   */
  async search(vector: Float32Array | readonly number[], options: SearchOptions = {}): Promise<SearchHit[]> {
    this.#checkOpen();
    throwIfAborted(options.signal);
    const k = options.k ?? 10;
    if (!Number.isInteger(k) || k < 1) throw new ValidationError(`k must be a positive integer, got ${String(k)}`);
    positiveInt(options.efSearch, 'efSearch');
    const q = toVector(vector, this.dimension, 'query');
    if (this.metric === 'cosine') normalizeInPlace(q, 0, this.dimension);
    const node: FilterNode | undefined = options.filter === undefined ? undefined : parseFilter(options.filter);
    const t: TranslatedFilter = node ? translateFilter(node, this.#fields) : { filter: undefined, matchesNothing: false, needsRecheck: false };
    if (t.matchesNothing) return [];
    const params = {
      ...(options.exact ? { exact: true } : {}),
      ...(options.efSearch === undefined ? {} : { hnsw_ef: Math.max(options.efSearch, k) }),
    };
    const query = Array.from(q);
    const fetchPage = (limit: number, offset: number): Promise<{ points: QdrantPoint[] }> =>
      this.#request('search', options, (init) => this.#api.queryPoints({
        collection_name: this.collection, query, limit, offset,
        with_payload: true, with_vector: options.includeVectors === true,
        ...(t.filter ? { filter: t.filter } : {}), ...(Object.keys(params).length > 0 ? { params } : {}),
      }, init));
    const hits: SearchHit[] = [];
    if (!t.needsRecheck) {
      for (const p of (await fetchPage(k, 0)).points) hits.push(this.#hit(p, options.includeVectors === true));
      return hits;
    }
    // Superset on the server, exact check here; pages grow so a selective residual costs few round trips.
    let offset = 0;
    for (let limit = Math.max(4 * k, 64); ; limit = Math.min(limit * 2, 4096)) {
      const { points } = await fetchPage(limit, offset);
      for (const p of points) {
        if (evaluateFilter(node!, this.#metadata(p))) hits.push(this.#hit(p, options.includeVectors === true));
        if (hits.length === k) return hits;
      }
      if (points.length < limit) return hits;
      offset += points.length;
    }
  }

  /**
   * Counts the records (Qdrant's exact count).
   *
   * @param options - signal and timeout
   * @returns the number of points in the collection
   * @throws {@link abi-sdk!ClosedError} after `close()`
   */
  async count(options: CallOptions = {}): Promise<number> {
    this.#checkOpen();
    const r = await this.#request<{ count: number }>('count', options, (init) =>
      this.#api.countPoints({ collection_name: this.collection, exact: true }, init));
    return r.count;
  }

  /**
   * Nothing to do: every write already waited for Qdrant's acknowledgement (its WAL). Checks the store is open.
   *
   * @param options - signal
   * @throws {@link abi-sdk!ClosedError} after `close()`
   */
  async flush(options: CallOptions = {}): Promise<void> {
    this.#checkOpen();
    throwIfAborted(options.signal);
  }

  /** Marks the store closed; later calls reject with `ClosedError`. The collection and a passed-in client stay. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #metadata(p: QdrantPoint): Metadata {
    const m = p.payload?.metadata;
    if (m === undefined) return {};
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      throw new InvalidResponseError(`Qdrant point ${String(p.id)} has non-object metadata`, { provider: 'qdrant' });
    }
    return m as Metadata;
  }

  #text(p: QdrantPoint): string | undefined {
    const t = p.payload?.text;
    return typeof t === 'string' ? t : undefined;
  }

  #hit(p: QdrantPoint, withVector: boolean): SearchHit {
    const id = p.payload?.id;
    if (typeof id !== 'string' || typeof p.score !== 'number') {
      throw new InvalidResponseError(`Qdrant point ${String(p.id)} was not written by QdrantStore (no payload id or score)`, { provider: 'qdrant' });
    }
    // Qdrant reports Cosine and Dot as similarities and Euclid as the distance itself.
    const score = this.metric === 'l2' ? 1 / (1 + Math.max(0, p.score)) : p.score;
    const hit: SearchHit = { id, score, text: this.#text(p), metadata: this.#metadata(p) };
    if (withVector) hit.vector = toFloat32(p.vector, JSON.stringify(id));
    return hit;
  }
}
