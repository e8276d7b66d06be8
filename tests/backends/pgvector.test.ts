import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateStore } from '../../src/backends/migrate.js';
import { encodeCopyBinary, parseVectorText } from '../../src/backends/pgvector/codec.js';
import { floatToHalf as toHalfBits } from '../../src/internal/float16.js';
import { filterToSql, SqlParams } from '../../src/backends/pgvector/filter-sql.js';
import { PgVectorStore, type PgVectorStoreOptions } from '../../src/backends/pgvector/index.js';
import { AbiError } from '../../src/core/errors.js';
import { parseFilter } from '../../src/core/filter.js';
import { VectorStore } from '../../src/store/vector-store.js';
import { startPgliteServer, type PgliteServer } from '../helpers/pglite-server.js';
import { tempDir } from '../store/helpers.js';
import { describeBackendConformance, seeded } from './conformance.js';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof AbiError ? err.code : `non-AbiError: ${String(err)}`;
  }
  return 'resolved';
}

let server: PgliteServer;
let pool: pg.Pool;
let n = 0;
beforeAll(async () => {
  server = await startPgliteServer();
  pool = new pg.Pool({ connectionString: server.connectionString, max: 1 });
}, 60_000);
afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

describeBackendConformance('pgvector (PGlite, hnsw)', (dimension, metric) =>
  PgVectorStore.open({ pool, table: `conf_${++n}`, dimension, metric, index: { type: 'hnsw', m: 8, efConstruction: 32 }, bulkWrite: 'insert' }), { timeout: 60_000 });

describe('PgVectorStore on pgvector (PGlite)', () => {
  const open = (o: Partial<PgVectorStoreOptions> & { dimension: number }) =>
    PgVectorStore.open({ pool, table: `t_${++n}`, bulkWrite: 'insert', ...o });
  const r = seeded(11);
  const rand = (dim: number) => Float32Array.from({ length: dim }, () => r() * 2 - 1);

  it('keeps values and keys out of the SQL text; hostile filters neither fail nor inject', async () => {
    const hostile = "x'); DROP TABLE t; --";
    const p = new SqlParams();
    const sql = filterToSql(parseFilter({ [hostile]: { $in: [hostile, 1] }, 'a"b': { $contains: "'" }, $or: [{ k: { $gt: hostile } }] }), '"m"', p);
    expect(sql).not.toContain('DROP');
    expect(sql).not.toContain('a"b');
    expect(p.values.some((v) => typeof v === 'string' && v.includes(hostile.replace(/"/g, '\\"')))).toBe(true);
    const store = await open({ dimension: 2, metric: 'l2' });
    await store.upsert([{ id: 'a', vector: [0, 0], metadata: { [hostile]: hostile, 'a"b': "it's" } }, { id: 'b', vector: [1, 1] }]);
    const hits = await store.search([0, 0], { k: 5, filter: { [hostile]: hostile, 'a"b': { $contains: "'" } } });
    expect(hits.map((h) => h.id)).toEqual(['a']);
    expect(await store.count()).toBe(2);
    expect(await codeOf(store.upsert([{ id: 'nul', vector: [0, 0], metadata: { s: 'a\u0000b' } }]))).toBe('INVALID_INPUT');
    expect(await codeOf(store.upsert([{ id: 'sur', vector: [0, 0], text: '\ud800' }]))).toBe('INVALID_INPUT');
    expect(await codeOf(store.search([0, 0], { filter: { s: '\u0000' } }))).toBe('INVALID_FILTER');
    await store.close();
  });

  it('an abort while waiting for a pooled connection rejects with ABORTED and leaves the pool usable', async () => {
    const store = await open({ dimension: 2, metric: 'l2' });
    await store.upsert([{ id: 'a', vector: [1, 2] }]);
    const held = await pool.connect(); // the pool's only connection
    const controller = new AbortController();
    const pending = codeOf(store.search([1, 2], { signal: controller.signal }));
    setTimeout(() => controller.abort(), 30);
    expect(await pending).toBe('ABORTED');
    held.release();
    expect((await store.search([1, 2])).map((h) => h.id)).toEqual(['a']);
  });

  it('records a versioned schema, reopens idempotently and refuses a different shape', async () => {
    const table = `versioned_${++n}`;
    const a = await PgVectorStore.open({ pool, table, dimension: 3, metric: 'dot' });
    await a.upsert([{ id: 'x', vector: [1, 2, 3] }]);
    const again = await PgVectorStore.open({ pool, table, dimension: 3, metric: 'dot' });
    expect(await again.count()).toBe(1);
    const { rows } = await pool.query('SELECT version, dimension, metric, vector_type FROM abi_sdk_migrations WHERE table_name = $1', [`public.${table}`]);
    expect(rows).toEqual([{ version: 1, dimension: 3, metric: 'dot', vector_type: 'vector' }]);
    const { rows: idx } = await pool.query(`SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%hnsw%'`, [table]);
    expect(idx[0].indexdef).toContain('vector_ip_ops');
    expect(await codeOf(PgVectorStore.open({ pool, table, dimension: 4, metric: 'dot' }))).toBe('DIMENSION_MISMATCH');
    expect(await codeOf(PgVectorStore.open({ pool, table, dimension: 3, metric: 'l2' }))).toBe('INVALID_INPUT');
    expect(await codeOf(PgVectorStore.open({ pool, table, dimension: 3, metric: 'dot', vectorType: 'halfvec' }))).toBe('INVALID_INPUT');
    await pool.query('UPDATE abi_sdk_migrations SET version = 99 WHERE table_name = $1', [`public.${table}`]);
    expect(await codeOf(PgVectorStore.open({ pool, table, dimension: 3, metric: 'dot' }))).toBe('UNSUPPORTED');
    expect(await codeOf(PgVectorStore.open({ pool, table: 'x', dimension: 0 }))).toBe('INVALID_INPUT');
  });

  it('works on a bring-your-own table through a column mapping', async () => {
    await pool.query('CREATE TABLE my_docs (doc_id text PRIMARY KEY, emb vector(3), body text, attrs jsonb NOT NULL, extra int DEFAULT 7)');
    const columns = { id: 'doc_id', vector: 'emb', text: 'body', metadata: 'attrs' };
    const store = await PgVectorStore.open({ pool, table: 'my_docs', manageSchema: false, columns, dimension: 3, metric: 'l2', index: { type: 'none' } });
    await store.upsert([{ id: 'a', vector: [1, 0, 0], text: 'alpha', metadata: { k: 1 } }, { id: 'b', vector: [0, 1, 0], metadata: { k: 2 } }]);
    expect((await store.search([1, 0, 0], { k: 1, filter: { k: { $gte: 1 } } }))[0]).toMatchObject({ id: 'a', text: 'alpha', score: 1 });
    expect((await pool.query('SELECT doc_id, body, extra FROM my_docs ORDER BY doc_id')).rows).toEqual([
      { doc_id: 'a', body: 'alpha', extra: 7 }, { doc_id: 'b', body: null, extra: 7 }]);
    expect(await codeOf(PgVectorStore.open({ pool, table: 'my_docs', manageSchema: false, columns, dimension: 4 }))).toBe('DIMENSION_MISMATCH');
    expect(await codeOf(PgVectorStore.open({ pool, table: 'nope', manageSchema: false, dimension: 3 }))).toBe('INVALID_INPUT');
    const noText = await PgVectorStore.open({ pool, table: 'my_docs', manageSchema: false, columns: { ...columns, text: null }, dimension: 3, metric: 'l2' });
    expect((await noText.get('a'))?.text).toBeUndefined();
    await store.close();
  });

  it('stores halfvec and builds IVFFlat with per-query probes', async () => {
    const half = await open({ dimension: 4, metric: 'cosine', vectorType: 'halfvec' });
    await half.upsert([{ id: 'h', vector: [0.1, 0.2, 0.3, 0.4] }, { id: 'g', vector: [-1, 0, 0, 0] }]);
    const got = await half.get('h');
    const norm = Math.hypot(0.1, 0.2, 0.3, 0.4);
    for (let i = 0; i < 4; i++) expect(got!.vector[i]).toBeCloseTo((0.1 * (i + 1)) / norm, 3);
    expect((await half.search([0.1, 0.2, 0.3, 0.4], { k: 1 }))[0].score).toBeCloseTo(1, 3);

    const ivf = await open({ dimension: 8, metric: 'l2', index: { type: 'ivfflat', lists: 4, probes: 1 } });
    const records = Array.from({ length: 400 }, (_, i) => ({ id: `v${i}`, vector: rand(8) }));
    await ivf.upsert(records);
    await ivf.buildIndex();
    const { rows } = await pool.query(`SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%ivfflat%'`, [ivf.table.split('.')[1]]);
    expect(rows[0].indexdef).toContain("lists='4'");
    const exact = await ivf.search(records[5].vector, { k: 10, exact: true });
    const allProbes = await ivf.search(records[5].vector, { k: 10, nprobe: 4 });
    expect(allProbes.map((h) => h.id)).toEqual(exact.map((h) => h.id));
    expect((await ivf.search(records[5].vector, { k: 10, efSearch: 200 })).length).toBe(10);
  });

  it('fills k on a selective filter where the raw HNSW plan under-fills', async () => {
    const dim = 16;
    const store = await open({ dimension: dim, metric: 'cosine', index: { type: 'hnsw', m: 4, efConstruction: 16, efSearch: 10 }, exactFilterThreshold: 1 });
    const records = Array.from({ length: 1500 }, (_, i) => ({ id: `p${i}`, vector: rand(dim), metadata: { cat: i % 100 } }));
    await store.upsert(records);
    const q = rand(dim);
    // The problem: with the index forced and no iterative scan, the filter runs after ef_search candidates.
    const client = await pool.connect();
    let raw: number;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL hnsw.ef_search = 10; SET LOCAL hnsw.iterative_scan = off`);
      const res = await client.query(`SELECT id FROM ${store.table} WHERE metadata @> '{"cat": 3}' ORDER BY embedding <=> $1::vector LIMIT 10`, [`[${Array.from(q).join(',')}]`]);
      raw = res.rows.length;
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(raw).toBeLessThan(10);
    // The store: index + iterative scan, exact fallback; with the default threshold, an exact scan.
    const hits = await store.search(q, { k: 10, filter: { cat: 3 } });
    expect(hits.length).toBe(10);
    const exactHits = await store.search(q, { k: 10, filter: { cat: 3 }, exact: true });
    expect(exactHits.length).toBe(10);
    const viaThreshold = await (await PgVectorStore.open({ pool, table: store.table.split('.')[1], dimension: dim, metric: 'cosine', index: { type: 'hnsw', efSearch: 10 } }))
      .search(q, { k: 10, filter: { cat: 3 } });
    expect(viaThreshold.map((h) => h.id)).toEqual(exactHits.map((h) => h.id));
  });

  it('bulk-loads in batches with progress and scans back in id order', async () => {
    const store = await open({ dimension: 4, metric: 'l2' });
    const records = Array.from({ length: 250 }, (_, i) => ({ id: `b${String(i).padStart(3, '0')}`, vector: rand(4), metadata: { i } }));
    const progress: number[] = [];
    async function* source() {
      for (let i = 0; i < records.length; i += 30) yield records.slice(i, i + 30);
    }
    expect(await store.bulkLoad(source(), { batchSize: 100, onProgress: (p) => progress.push(p.loaded) })).toBe(250);
    expect(progress).toEqual([100, 200, 250]);
    const scanned = [];
    for await (const batch of store.scan({ batchSize: 64, after: 'b099' })) scanned.push(...batch.map((x) => x.id));
    expect(scanned).toEqual(records.slice(100).map((x) => x.id));
    expect(await codeOf(store.bulkLoad([{ id: 'bad', vector: [1] }]))).toBe('DIMENSION_MISMATCH');
  });

  it('encodes binary COPY rows that Postgres reads back exactly (vector, halfvec, text, null, jsonb)', async () => {
    await server.db.exec('CREATE TABLE copy_check (id text, v vector(3), h halfvec(3), t text, m jsonb)');
    const rows = [
      { id: 'é😀', vector: Float32Array.from([0.1, -2.5, 1e-30]), text: 'tëxt', metadataJson: '{"a":[1,"x",null],"b":{"c":true}}' },
      { id: 'n', vector: Float32Array.from([1, 2, 3]), text: undefined, metadataJson: '{}' },
    ];
    const vec = encodeCopyBinary(rows, 'vector');
    const hv = encodeCopyBinary(rows, 'halfvec');
    await server.db.query("COPY copy_check (id, v, t, m) FROM '/dev/blob' (FORMAT binary)", [], { blob: new Blob([vec]) });
    await server.db.query("CREATE TEMP TABLE hcopy (id text, h halfvec(3), t text, m jsonb)");
    await server.db.query("COPY hcopy FROM '/dev/blob' (FORMAT binary)", [], { blob: new Blob([hv]) });
    const { rows: back } = await server.db.query<{ id: string; v: string; t: string | null; m: unknown }>('SELECT id, v::text AS v, t, m FROM copy_check ORDER BY id');
    expect(back.map((b) => [b.id, Array.from(parseVectorText(b.v)), b.t, b.m])).toEqual([
      ['n', [1, 2, 3], null, {}],
      ['é😀', Array.from(rows[0].vector), 'tëxt', { a: [1, 'x', null], b: { c: true } }],
    ]);
    const { rows: halves } = await server.db.query<{ h: string }>("SELECT h::text AS h FROM hcopy WHERE id = 'n'");
    expect(halves[0].h).toBe('[1,2,3]');
    expect(toHalfBits(0.1)).toBe(0x2e66);
    expect(toHalfBits(65520)).toBe(0x7c00);
    expect(toHalfBits(-2.5)).toBe(0xc100);
  });
});

describe('migrateStore: embedded store → pgvector', () => {
  it('streams every record, resumes after an interruption, and keeps search results', async () => {
    const { dir, cleanup } = tempDir('abi-migrate-');
    try {
      const src = await VectorStore.open({ path: dir, dimension: 8, metric: 'cosine', index: { type: 'flat' } });
      const r = seeded(3);
      const records = Array.from({ length: 230 }, (_, i) => ({
        id: `m${i}`, vector: Float32Array.from({ length: 8 }, () => r() - 0.5), text: i % 3 ? `t${i}` : undefined, metadata: { i, tag: i % 5 === 0 ? ['x'] : 'y' },
      }));
      await src.upsert(records);
      const dst = await PgVectorStore.open({ pool, table: `migrated_${++n}`, dimension: 8, metric: 'cosine', bulkWrite: 'insert' });
      const controller = new AbortController();
      let lastId: string | undefined;
      const first = migrateStore(src, dst, {
        batchSize: 50, signal: controller.signal,
        onProgress: (p) => { lastId = p.lastId; if (p.copied === 100) controller.abort(); },
      });
      expect(await codeOf(first)).toBe('ABORTED');
      expect(await dst.count()).toBe(100);
      const rest = await migrateStore(src, dst, { batchSize: 50, resumeFrom: lastId });
      expect(rest.copied).toBe(130);
      expect(await dst.count()).toBe(230);
      for (const id of ['m0', 'm77', 'm229']) {
        const a = await src.get(id);
        const b = await dst.get(id);
        expect(b?.metadata).toStrictEqual(a?.metadata);
        expect(b?.text).toBe(a?.text);
        expect(Array.from(b!.vector)).toEqual(Array.from(a!.vector));
      }
      const q = records[9].vector;
      const want = await src.search(q, { k: 10, filter: { tag: 'x' } });
      const got = await dst.search(q, { k: 10, filter: { tag: 'x' } });
      expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
      const other = await PgVectorStore.open({ pool, table: `migrated_${++n}`, dimension: 4, bulkWrite: 'insert' });
      expect(await codeOf(migrateStore(src, other))).toBe('DIMENSION_MISMATCH');
      await src.close();
    } finally {
      cleanup();
    }
  });
});
