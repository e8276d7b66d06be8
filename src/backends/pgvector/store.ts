/**
 * {@link PgVectorStore}: the store contract on PostgreSQL with pgvector, through the `pg` driver.
 *
 * @module
 */
import type pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import type { CallOptions, Metadata } from '../../core/contracts.js';
import { AbiError, AbortError, ClosedError, ConflictError, IOError, ValidationError } from '../../core/errors.js';
import { parseFilter, type FilterNode } from '../../core/filter.js';
import { raceAbort, throwIfAborted } from '../../internal/abort.js';
import { loadPeer } from '../../internal/peer.js';
import { normalizeInPlace } from '../../store/distance.js';
import type {
  DistanceMetric, ScannableBackend, ScanOptions, SearchHit, SearchOptions, StoredRecord, VectorRecord, WriteOptions,
} from '../../retrieval/backend.js';
import { toVector, validateIds, validateRecords, type ValidRecord } from '../../store/validate.js';
import { encodeCopyBinary, parseVectorText, vectorParam, type PgVectorType } from './codec.js';
import type { BulkLoadOptions, PgIndexOptions, PgVectorStoreOptions } from './options.js';
import { filterToSql, isPgText, SqlParams } from './filter-sql.js';
import {
  checkExistingTable, ensureManagedTable, layoutOf, opclassOf, operatorOf, quoteIdent,
  type TableLayout,
} from './schema.js';

const SQLSTATE_CANCELED = '57014';

type CopyFrom = typeof import('pg-copy-streams').from;
let copyFrom: CopyFrom | undefined;

/** Loads `pg-copy-streams` on first use (an optional peer, needed only for `COPY`). */
async function loadCopyFrom(): Promise<CopyFrom> {
  if (!copyFrom) {
    const mod = await loadPeer('pg-copy-streams', 'PgVectorStore (bulkWrite: "copy")', () => import('pg-copy-streams'));
    copyFrom = (mod as { from?: CopyFrom; default?: { from: CopyFrom } }).from ?? mod.default!.from;
  }
  return copyFrom;
}

function mapPgError(err: unknown, what: string): AbiError {
  if (err instanceof AbiError) return err;
  const code = (err as { code?: unknown }).code;
  const message = `${what}: ${(err as Error).message}`;
  if (code === SQLSTATE_CANCELED) return new AbortError(`${what}: query cancelled`, { cause: err });
  if (typeof code === 'string' && code.startsWith('22')) return new ValidationError(message, { cause: err });
  if (code === '40001' || code === '40P01' || (typeof code === 'string' && code.startsWith('23'))) return new ConflictError(message, { cause: err });
  return new IOError(message, { cause: err });
}

function checkPgJson(v: unknown, what: string): void {
  if (typeof v === 'string') {
    if (!isPgText(v)) throw new ValidationError(`${what}: strings with NUL or lone surrogate characters cannot be stored in Postgres`);
  } else if (Array.isArray(v)) {
    for (const e of v) checkPgJson(e, what);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, e] of Object.entries(v)) {
      checkPgJson(k, what);
      checkPgJson(e, what);
    }
  }
}

/**
 * A vector store on PostgreSQL + pgvector implementing the same contract as the embedded {@link abi-sdk!VectorStore}: same
 * filter language (compiled to parameterized SQL over `jsonb`), same scores, same error codes. Scale-out
 * (replicas, partitioning, backups) comes from Postgres itself; see the "Scaling out" guide.
 *
 * @example
 * ```ts
 * import { PgVectorStore } from 'abi-sdk/pgvector';
 * const store = await PgVectorStore.open({ connectionString: process.env.DATABASE_URL, table: 'docs', dimension: 384 });
 * await store.upsert([{ id: 'a', vector, text: 'hello', metadata: { lang: 'en' } }]);
 * const hits = await store.search(query, { k: 10, filter: { lang: 'en' } });
 * await store.close();
 * ```
 */
export class PgVectorStore implements ScannableBackend {
  /** Vector length. */
  readonly dimension: number;
  /** Similarity measure. */
  readonly metric: DistanceMetric;
  /** Column type of the vectors. */
  readonly vectorType: PgVectorType;
  /** The index configuration. */
  readonly index: PgIndexOptions;
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #l: TableLayout;
  readonly #exactBelow: number;
  readonly #copyAbove: number;
  readonly #useCopy: boolean;
  readonly #maintenanceWorkMem: string | undefined;
  /** pgvector ≥ 0.8 has iterative index scans (`hnsw.iterative_scan`); older versions reject the setting. */
  #iterative = true;
  #closed = false;

  private constructor(pool: Pool, ownsPool: boolean, l: TableLayout, o: PgVectorStoreOptions) {
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#l = l;
    this.dimension = o.dimension;
    this.metric = o.metric ?? 'cosine';
    this.vectorType = o.vectorType ?? 'vector';
    this.index = o.index ?? { type: 'hnsw' };
    this.#exactBelow = o.exactFilterThreshold ?? 10_000;
    this.#copyAbove = o.copyThreshold ?? 256;
    this.#useCopy = (o.bulkWrite ?? 'copy') === 'copy';
    this.#maintenanceWorkMem = o.maintenanceWorkMem;
  }

  /**
   * Connects, creates (or checks) the table and its index, and returns the store.
   *
   * @param options - connection, table, dimension, metric, vector type, index, column mapping
   * @returns the open store
   * @throws {@link abi-sdk!ValidationError} for bad options, or a table whose metric or vector type differs
   * @throws {@link abi-sdk!DimensionMismatchError} when the table's dimension differs
   * @throws {@link abi-sdk!UnsupportedError} for a table written by a newer abi-sdk layout
   * @throws {@link abi-sdk!IOError} when Postgres fails (no pgvector extension, no permission, unreachable)
   */
  static async open(options: PgVectorStoreOptions): Promise<PgVectorStore> {
    const o = options;
    if (typeof o !== 'object' || o === null) throw new ValidationError('options must be an object');
    if (!Number.isInteger(o.dimension) || o.dimension < 1 || o.dimension > 16000) {
      throw new ValidationError(`dimension must be an integer in [1, 16000], got ${String(o.dimension)}`);
    }
    const metric = o.metric ?? 'cosine';
    if (metric !== 'cosine' && metric !== 'dot' && metric !== 'l2') throw new ValidationError(`unknown metric ${JSON.stringify(metric)}`);
    const vectorType = o.vectorType ?? 'vector';
    if (vectorType !== 'vector' && vectorType !== 'halfvec') throw new ValidationError('vectorType must be "vector" or "halfvec"');
    const index = o.index ?? { type: 'hnsw' };
    if (!['hnsw', 'ivfflat', 'none'].includes(index.type)) throw new ValidationError('index.type must be "hnsw", "ivfflat" or "none"');
    for (const [k, v] of Object.entries(index)) {
      if (k !== 'type' && (!Number.isInteger(v) || (v as number) < 1)) throw new ValidationError(`index.${k} must be a positive integer`);
    }
    if (typeof o.table !== 'string' || o.table.length === 0) throw new ValidationError('table must be a non-empty string');
    const layout = layoutOf(o.schema ?? 'public', o.table, o.columns);
    throwIfAborted(o.signal);
    const ownsPool = o.pool === undefined;
    let pool = o.pool;
    if (!pool) {
      const mod = await loadPeer('pg', 'PgVectorStore', () => import('pg'));
      const Pool = (mod as { Pool?: typeof import('pg').Pool }).Pool ?? mod.default.Pool;
      pool = new Pool({ ...o.poolConfig, ...(o.connectionString ? { connectionString: o.connectionString } : {}) });
    }
    const store = new PgVectorStore(pool, ownsPool, layout, { ...o, metric, vectorType, index });
    try {
      await store.#withClient(async (client) => {
        if (o.manageSchema === false) {
          await checkExistingTable(client, layout, o.dimension, vectorType);
        } else {
          await ensureManagedTable(client, { layout, dimension: o.dimension, metric, vectorType });
          if (index.type === 'hnsw') await store.#createIndex(client, o.maintenanceWorkMem);
        }
        const { rows } = await client.query<{ v: string | null }>(`SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'`);
        const [major, minor] = (rows[0]?.v ?? '0.8').split('.').map(Number);
        store.#iterative = major > 0 || minor >= 8;
      }, 'open', o.signal, true);
    } catch (err) {
      if (ownsPool) await pool.end().catch(() => undefined);
      throw err;
    }
    return store;
  }

  /** The qualified table name. */
  get table(): string {
    return this.#l.name;
  }

  async #createIndex(client: PoolClient, maintenanceWorkMem: string | undefined): Promise<void> {
    const ix = this.index;
    if (ix.type === 'none') return;
    await client.query('BEGIN');
    if (maintenanceWorkMem !== undefined) await client.query(`SELECT set_config('maintenance_work_mem', $1, true)`, [maintenanceWorkMem]);
    const name = quoteIdent(`${this.#l.name.split('.').pop()!}_${ix.type}_idx`.slice(0, 63));
    const using = ix.type === 'hnsw'
      ? `hnsw (${this.#l.vector} ${opclassOf(this.vectorType, this.metric)}) WITH (m = ${ix.m ?? 16}, ef_construction = ${ix.efConstruction ?? 64})`
      : `ivfflat (${this.#l.vector} ${opclassOf(this.vectorType, this.metric)}) WITH (lists = ${ix.lists ?? 100})`;
    await client.query(`CREATE INDEX IF NOT EXISTS ${name} ON ${this.#l.table} USING ${using}`);
    await client.query('COMMIT');
  }

  /**
   * Creates the configured index if it does not exist (IVFFlat: call after loading, so its lists fit the data).
   * Give `maintenanceWorkMem` so large HNSW builds stay in memory.
   *
   * @param options - `maintenanceWorkMem` (overrides the store's option), signal
   * @throws {@link abi-sdk!IOError} when Postgres fails
   */
  async buildIndex(options: CallOptions & { maintenanceWorkMem?: string } = {}): Promise<void> {
    this.#checkOpen();
    await this.#withClient((client) => this.#createIndex(client, options.maintenanceWorkMem ?? this.#maintenanceWorkMem), 'buildIndex', options.signal, true);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('PgVectorStore');
  }

  /**
   * Runs `fn` on a pooled client. An abort sends a cancel request for the running query (`pg_cancel_backend`
   * through the driver's cancel protocol), so the call rejects with `ABORTED` and the connection stays usable.
   */
  async #withClient<T>(fn: (client: PoolClient) => Promise<T>, what: string, signal?: AbortSignal, tx = false): Promise<T> {
    throwIfAborted(signal);
    const client = await this.#connect(what, signal);
    const pid = (client as unknown as { processID: number | null }).processID;
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      if (pid !== null) void this.#cancelBackend(pid);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let broken = false;
    try {
      return await fn(client);
    } catch (err) {
      if (tx) await client.query('ROLLBACK').catch(() => { broken = true; });
      if (aborted) throw new AbortError(`${what}: aborted`, { cause: err });
      throw mapPgError(err, what);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      client.release(broken || aborted); // a late cancel request must not hit the next user of this connection
    }
  }

  /** A pooled client; an abort while waiting for one (pool exhausted) rejects at once and returns it when it comes. */
  async #connect(what: string, signal?: AbortSignal): Promise<PoolClient> {
    const pending = this.#pool.connect().catch((err: unknown) => { throw mapPgError(err, what); });
    return raceAbort(pending, signal, {
      error: () => new AbortError(`${what}: aborted while waiting for a connection`),
      onAbandon: (client) => client.release(),
    });
  }

  /** `pg_cancel_backend(pid)` on a separate connection, so it works even when the pool is exhausted. */
  async #cancelBackend(pid: number): Promise<void> {
    const p = this.#pool as unknown as { Client?: new (o: unknown) => pg.Client; options?: unknown };
    if (!p.Client) return;
    const c = new p.Client(p.options);
    try {
      await c.connect();
      await c.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // best effort: the query may have finished, or the server refuses another connection
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  #prepare(records: readonly VectorRecord[]): ValidRecord[] {
    const valid = validateRecords(records, this.dimension);
    for (const r of valid) {
      const what = `record ${JSON.stringify(r.id)}`;
      if (!isPgText(r.id)) throw new ValidationError(`${what}: ids with NUL or lone surrogates cannot be stored in Postgres`);
      if (r.text !== undefined && !isPgText(r.text)) throw new ValidationError(`${what}: text with NUL or lone surrogates cannot be stored in Postgres`);
      checkPgJson(r.metadata, `${what}.metadata`);
      if (this.metric === 'cosine') normalizeInPlace(r.vector, 0, this.dimension);
    }
    // One lock order for every writer: concurrent batches that share ids cannot deadlock.
    return valid.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async #write(client: PoolClient, rows: readonly ValidRecord[], copy = rows.length > this.#copyAbove): Promise<void> {
    copy &&= this.#useCopy;
    const l = this.#l;
    const textCol = l.text ? `, ${l.text}` : '';
    const textSet = l.text ? `, ${l.text} = EXCLUDED.${l.text}` : '';
    const conflict = `ON CONFLICT (${l.id}) DO UPDATE SET ${l.vector} = EXCLUDED.${l.vector}${textSet}, ${l.metadata} = EXCLUDED.${l.metadata}`;
    if (copy) {
      const stage = quoteIdent('abi_stage');
      await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (id text, v ${this.vectorType}(${this.dimension}), t text, m jsonb)`);
      await client.query(`TRUNCATE ${stage}`);
      const from = await loadCopyFrom();
      await new Promise<void>((resolve, reject) => {
        const stream = client.query(from(`COPY ${stage} (id, v, t, m) FROM STDIN (FORMAT binary)`));
        stream.on('error', reject);
        stream.on('finish', resolve);
        stream.end(encodeCopyBinary(rows, this.vectorType));
      });
      await client.query(`INSERT INTO ${l.table} (${l.id}, ${l.vector}${textCol}, ${l.metadata})
        SELECT id, v${l.text ? ', t' : ''}, m FROM ${stage} ${conflict}`);
      await client.query(`TRUNCATE ${stage}`);
      return;
    }
    const perRow = l.text ? 4 : 3;
    for (let start = 0; start < rows.length; start += 1000) {
      const chunk = rows.slice(start, start + 1000);
      const values: unknown[] = [];
      const tuples = chunk.map((r, i) => {
        const b = i * perRow;
        values.push(r.id, vectorParam(this.vectorType, r.vector));
        if (l.text) values.push(r.text ?? null);
        values.push(r.metadataJson);
        return l.text
          ? `($${b + 1}, $${b + 2}::${this.vectorType}, $${b + 3}, $${b + 4}::jsonb)`
          : `($${b + 1}, $${b + 2}::${this.vectorType}, $${b + 3}::jsonb)`;
      });
      await client.query(`INSERT INTO ${l.table} (${l.id}, ${l.vector}${textCol}, ${l.metadata}) VALUES ${tuples.join(', ')} ${conflict}`, values);
    }
  }

  /**
   * Inserts or replaces records in one transaction (`INSERT … ON CONFLICT`; binary `COPY` through a staging table
   * for large batches).
   *
   * @param records - the records
   * @param options - signal
   * @throws {@link abi-sdk!ValidationError} for empty or duplicate ids, non-finite numbers, bad metadata, NUL characters
   * @throws {@link abi-sdk!DimensionMismatchError} for a vector of the wrong length
   * @throws {@link abi-sdk!AbortError} when the signal fires (the transaction is rolled back)
   * @throws {@link abi-sdk!IOError} when Postgres fails
   */
  async upsert(records: readonly VectorRecord[], options: WriteOptions = {}): Promise<void> {
    this.#checkOpen();
    const rows = this.#prepare(records);
    throwIfAborted(options.signal);
    if (rows.length === 0) return;
    await this.#withClient(async (client) => {
      await client.query('BEGIN');
      await this.#write(client, rows);
      await client.query('COMMIT');
    }, 'upsert', options.signal, true);
  }

  /**
   * Loads a stream of records with binary `COPY`, one transaction per batch, reporting progress after each commit.
   * A failure leaves every earlier batch committed: resume from the last reported `lastId`.
   *
   * @param source - records, or batches of records, sync or async
   * @param options - batch size, progress callback, signal
   * @returns the number of records written
   * @throws {@link abi-sdk!ValidationError} / {@link abi-sdk!DimensionMismatchError} for a bad record (its batch is not written)
   */
  async bulkLoad(source: Iterable<VectorRecord | readonly VectorRecord[]> | AsyncIterable<VectorRecord | readonly VectorRecord[]>, options: BulkLoadOptions = {}): Promise<number> {
    this.#checkOpen();
    const batchSize = options.batchSize ?? 5000;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError('batchSize must be a positive integer');
    let loaded = 0;
    let pending: VectorRecord[] = [];
    const flush = async () => {
      const batch = pending;
      pending = [];
      const rows = this.#prepare(batch);
      await this.#withClient(async (client) => {
        await client.query('BEGIN');
        await this.#write(client, rows, true);
        await client.query('COMMIT');
      }, 'bulkLoad', options.signal, true);
      loaded += rows.length;
      options.onProgress?.({ loaded, lastId: batch[batch.length - 1].id });
    };
    for await (const item of source as AsyncIterable<VectorRecord | readonly VectorRecord[]>) {
      throwIfAborted(options.signal);
      if (Array.isArray(item)) pending.push(...(item as VectorRecord[]));
      else pending.push(item as VectorRecord);
      while (pending.length >= batchSize) {
        const rest = pending.slice(batchSize);
        pending = pending.slice(0, batchSize);
        await flush();
        pending = rest;
      }
    }
    if (pending.length > 0) await flush();
    return loaded;
  }

  #rowToRecord(row: { id: string; v: string; t?: string | null; m: Metadata }): StoredRecord {
    return { id: row.id, vector: parseVectorText(row.v), text: row.t ?? undefined, metadata: row.m };
  }

  #selectColumns(): string {
    const l = this.#l;
    return `${l.id} AS id, ${l.vector}::text AS v, ${l.text ? `${l.text} AS t` : 'NULL::text AS t'}, ${l.metadata} AS m`;
  }

  /**
   * Reads one record.
   *
   * @param id - the id
   * @param options - signal
   * @returns the record, or `undefined`
   */
  async get(id: string, options: CallOptions = {}): Promise<StoredRecord | undefined> {
    this.#checkOpen();
    if (typeof id !== 'string' || !isPgText(id)) return undefined;
    const { rows } = await this.#withClient((c) => c.query(`SELECT ${this.#selectColumns()} FROM ${this.#l.table} WHERE ${this.#l.id} = $1`, [id]), 'get', options.signal);
    return rows[0] ? this.#rowToRecord(rows[0]) : undefined;
  }

  /**
   * Deletes records; missing ids are ignored.
   *
   * @param ids - the ids
   * @param options - signal
   * @returns how many records existed and were deleted
   * @throws {@link abi-sdk!ValidationError} for an empty or non-string id
   */
  async delete(ids: readonly string[], options: WriteOptions = {}): Promise<number> {
    this.#checkOpen();
    const unique = validateIds(ids).filter(isPgText).sort();
    throwIfAborted(options.signal);
    if (unique.length === 0) return 0;
    const res = await this.#withClient((c) => c.query(`DELETE FROM ${this.#l.table} WHERE ${this.#l.id} = ANY($1::text[])`, [unique]), 'delete', options.signal);
    return res.rowCount ?? 0;
  }

  /**
   * Counts the records.
   *
   * @param options - signal
   * @returns the number of rows
   */
  async count(options: CallOptions = {}): Promise<number> {
    this.#checkOpen();
    const { rows } = await this.#withClient((c) => c.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.#l.table}`), 'count', options.signal);
    return Number(rows[0].n);
  }

  /**
   * Reads every record in ascending id order (UTF-16 code units, compared in SQL with `COLLATE "C"`, which agrees
   * with JavaScript for ids without characters in U+E000–U+FFFF next to astral ones), in batches, by keyset pages.
   *
   * @param options - `after`, `batchSize`, signal
   * @returns batches of records
   */
  async *scan(options: ScanOptions = {}): AsyncGenerator<StoredRecord[]> {
    this.#checkOpen();
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError('batchSize must be a positive integer');
    let after = options.after;
    for (;;) {
      const l = this.#l;
      const where = after === undefined ? '' : `WHERE ${l.id} COLLATE "C" > $2`;
      const params: unknown[] = after === undefined ? [batchSize] : [batchSize, after];
      const { rows } = await this.#withClient((c) => c.query(
        `SELECT ${this.#selectColumns()} FROM ${l.table} ${where} ORDER BY ${l.id} COLLATE "C" LIMIT $1`, params), 'scan', options.signal);
      if (rows.length === 0) return;
      yield rows.map((r) => this.#rowToRecord(r));
      after = rows[rows.length - 1].id;
      if (rows.length < batchSize) return;
    }
  }

  /**
   * Finds the `k` most similar records among those matching `filter`. Unfiltered: the index (`efSearch` /
   * `nprobe` per call). Filtered: an exact scan when fewer than `exactFilterThreshold` rows match, else the index
   * with iterative scan, falling back to an exact scan when it returns fewer than `k` rows. `exact: true` always
   * scans exactly.
   *
   * @param vector - the query
   * @param options - k, filter, efSearch, nprobe, exact, includeVectors, signal
   * @returns hits, best first, scored as the embedded store scores them
   * @throws {@link abi-sdk!DimensionMismatchError} for a query of the wrong length
   * @throws {@link abi-sdk!InvalidFilterError} for a malformed filter
   * @throws {@link abi-sdk!ValidationError} for a bad `k` or non-finite values
   */
  async search(vector: Float32Array | readonly number[], options: SearchOptions = {}): Promise<SearchHit[]> {
    this.#checkOpen();
    throwIfAborted(options.signal);
    const k = options.k ?? 10;
    if (!Number.isInteger(k) || k < 1) throw new ValidationError(`k must be a positive integer, got ${String(k)}`);
    const filter = options.filter === undefined ? undefined : parseFilter(options.filter);
    const q = toVector(vector, this.dimension, 'query');
    if (this.metric === 'cosine') normalizeInPlace(q, 0, this.dimension);
    const ef = options.efSearch ?? (this.index.type === 'hnsw' ? this.index.efSearch ?? 64 : 64);
    const probes = options.nprobe ?? (this.index.type === 'ivfflat' ? this.index.probes ?? 10 : 10);
    if (!Number.isInteger(ef) || ef < 1) throw new ValidationError('efSearch must be a positive integer');
    if (!Number.isInteger(probes) || probes < 1) throw new ValidationError('nprobe must be a positive integer');
    const filtered = filter !== undefined && !(filter.kind === 'and' && filter.children.length === 0);
    return this.#withClient(async (client) => {
      await client.query('BEGIN');
      let exact = options.exact === true || this.index.type === 'none';
      if (!exact && filtered) exact = (await this.#countUpTo(client, filter, this.#exactBelow)) < this.#exactBelow;
      let hits = await this.#query(client, q, k, filtered ? filter : undefined, exact, Math.max(ef, k), probes, options.includeVectors === true);
      if (!exact && filtered && hits.length < k) hits = await this.#query(client, q, k, filter, true, ef, probes, options.includeVectors === true);
      await client.query('COMMIT');
      return hits;
    }, 'search', options.signal, true);
  }

  async #countUpTo(client: PoolClient, filter: FilterNode, limit: number): Promise<number> {
    const p = new SqlParams();
    const where = filterToSql(filter, this.#l.metadata, p);
    const lim = p.add(limit);
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${this.#l.table} WHERE ${where} LIMIT ${lim}) s`, p.values);
    return Number(rows[0].n);
  }

  async #query(client: PoolClient, q: Float32Array, k: number, filter: FilterNode | undefined, exact: boolean, ef: number, probes: number, withVectors: boolean): Promise<SearchHit[]> {
    const l = this.#l;
    const p = new SqlParams();
    const qp = p.add(vectorParam(this.vectorType, q));
    const distance = `(${l.vector} ${operatorOf(this.metric)} ${qp}::${this.vectorType})`;
    const where = filter === undefined ? '' : `WHERE ${filterToSql(filter, l.metadata, p)}`;
    const limit = p.add(k);
    // SET LOCAL semantics: settings end with the transaction and never leak to other users of the connection.
    const settings = [`set_config('enable_indexscan', $1, true)`, `set_config('hnsw.ef_search', $2, true)`, `set_config('ivfflat.probes', $3, true)`];
    const values = [exact ? 'off' : 'on', String(Math.min(ef, 1000)), String(probes)];
    if (this.#iterative) {
      settings.push(`set_config('hnsw.iterative_scan', $4, true)`, `set_config('ivfflat.iterative_scan', $5, true)`);
      values.push(filter && !exact ? 'strict_order' : 'off', filter && !exact ? 'relaxed_order' : 'off');
    }
    await client.query(`SELECT ${settings.join(', ')}`, values);
    const { rows } = await client.query<{ id: string; t: string | null; m: Metadata; d: number; v?: string }>(
      `SELECT ${l.id} AS id, ${l.text ?? 'NULL::text'} AS t, ${l.metadata} AS m, ${distance} AS d${withVectors ? `, ${l.vector}::text AS v` : ''}
       FROM ${l.table} ${where} ORDER BY ${distance} LIMIT ${limit}`, p.values);
    const hits = rows.map((r) => {
      const d = Number(r.d);
      const hit: SearchHit = { id: r.id, score: this.metric === 'cosine' ? 1 - d : this.metric === 'dot' ? -d : 1 / (1 + d), text: r.t ?? undefined, metadata: r.m };
      if (withVectors) hit.vector = parseVectorText(r.v!);
      return hit;
    });
    // pgvector's relaxed IVFFlat order and float rounding can leave neighbours out of order: sort as the embedded store does.
    return hits.sort((a, b) => b.score - a.score);
  }

  /**
   * Postgres makes every committed write durable; nothing to do beyond checking the store is open.
   *
   * @param options - signal
   */
  async flush(options: CallOptions = {}): Promise<void> {
    this.#checkOpen();
    throwIfAborted(options.signal);
  }

  /** Ends the pool when the store created it (a pool you passed stays open). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsPool) await this.#pool.end().catch(() => undefined);
  }
}
