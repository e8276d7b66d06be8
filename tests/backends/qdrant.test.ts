/**
 * QdrantStore against a loopback Qdrant double (tests/helpers/qdrant-server.ts) through the official
 * @qdrant/js-client-rest client: collection management, CRUD, every filter operator against the reference
 * evaluator, scores against the embedded flat store, error mapping and abort.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QdrantClient } from '@qdrant/js-client-rest';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseFilter, VectorStore, type DistanceMetric, type Filter, type Metadata,
} from '../../src/index.js';
import { evaluateFilter } from '../../src/core/filter.js';
import { qdrantPointId, QdrantStore } from '../../src/backends/qdrant/index.js';
import { startQdrantServer, type QdrantDouble } from '../helpers/qdrant-server.js';
import { randomVectors } from '../store/helpers.js';

let server: QdrantDouble;
let seq = 0;
const name = (): string => `c${++seq}`;
const open = (o: Partial<Parameters<typeof QdrantStore.open>[0]> = {}): Promise<QdrantStore> =>
  QdrantStore.open({ url: server.url, collection: name(), dimension: 4, ...o });

beforeAll(async () => {
  server = await startQdrantServer();
});
afterAll(async () => {
  await server.close();
});

describe('QdrantStore: collections', () => {
  it('creates the collection once with size, distance and cluster settings, and reopens it', async () => {
    const collection = name();
    const o = { url: server.url, collection, dimension: 3, metric: 'dot' as const, shardNumber: 2, replicationFactor: 3, writeConsistencyFactor: 2, onDiskPayload: true, hnsw: { m: 32, efConstruct: 200 } };
    const a = await QdrantStore.open(o);
    const b = await QdrantStore.open(o);
    expect(server.requests.filter((r) => r.method === 'PUT' && r.path === `/collections/${collection}`)).toHaveLength(1);
    const body = server.requests.find((r) => r.method === 'PUT' && r.path === `/collections/${collection}`)!.body;
    expect(body).toEqual({
      vectors: { size: 3, distance: 'Dot' }, shard_number: 2, replication_factor: 3, write_consistency_factor: 2,
      on_disk_payload: true, hnsw_config: { m: 32, ef_construct: 200 },
    });
    expect([a.dimension, a.metric, b.collection]).toEqual([3, 'dot', collection]);
  });

  it('opens concurrently: the loser of the creation race takes the winner\'s collection', async () => {
    const collection = name();
    const stores = await Promise.all([1, 2, 3].map(() => QdrantStore.open({ url: server.url, collection, dimension: 4 })));
    expect(stores).toHaveLength(3);
    const creates = server.requests.filter((r) => r.method === 'PUT' && r.path === `/collections/${collection}`);
    expect(creates.length).toBeGreaterThan(1); // all saw "missing"; Qdrant answered 409 to the later ones
  });

  it('rejects a collection whose size or distance differs, and a missing one with create: false', async () => {
    const collection = name();
    await QdrantStore.open({ url: server.url, collection, dimension: 4, metric: 'l2' });
    await expect(QdrantStore.open({ url: server.url, collection, dimension: 5, metric: 'l2' })).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH', expected: 4, actual: 5 });
    await expect(QdrantStore.open({ url: server.url, collection, dimension: 4, metric: 'cosine' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(QdrantStore.open({ url: server.url, collection: name(), dimension: 4, create: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(QdrantStore.open({ url: server.url, collection: '', dimension: 4 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(QdrantStore.open({ url: server.url, collection: 'x', dimension: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(open({ payloadIndexes: { year: 'date' as never } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(QdrantStore.open({ url: 'localhost:6333', collection: 'x', dimension: 4 })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/invalid Qdrant url/) });
  });

  it('creates payload indexes on the filter view of the listed fields', async () => {
    const s = await open({ payloadIndexes: { year: 'integer', 'author.name': 'keyword' } });
    const schema = server.collections.get(s.collection)!.payloadSchema;
    const hex = (x: string): string => Buffer.from(x).toString('hex');
    expect(Object.keys(schema).sort()).toEqual([`_abi.a`, `_abi.e`, `_abi.n`, `_abi.v_${hex('author')}_${hex('name')}`, `_abi.v_${hex('year')}`].sort());
    expect(schema[`_abi.v_${hex('year')}`].data_type).toBe('integer');
    await open({ payloadIndexes: { year: 'integer' } }); // idempotent on another collection too
  });
});

describe('QdrantStore: records', () => {
  it('upserts, overwrites, gets, counts and deletes by string id (UUID point ids, original id in the payload)', async () => {
    const s = await open({ metric: 'l2' });
    const meta: Metadata = { title: 'Ünïcode ✓ 日本', n: 1.5, big: 2 ** 60, tags: ['a', null, 1, true, { x: [1] }], nested: { a: { b: null } }, empty: [], 'dotted.key': 1 };
    await s.upsert([
      { id: 'a', vector: [1, 2, 3, 4], text: 'alpha', metadata: meta },
      { id: 'ключ 🔑', vector: new Float32Array([0.1, 0.2, 0.3, 0.4]) },
    ]);
    expect(await s.count()).toBe(2);
    const a = await s.get('a');
    expect(a).toEqual({ id: 'a', vector: new Float32Array([1, 2, 3, 4]), text: 'alpha', metadata: meta });
    expect(await s.get('ключ 🔑')).toEqual({ id: 'ключ 🔑', vector: new Float32Array([0.1, 0.2, 0.3, 0.4]), text: undefined, metadata: {} });
    const stored = server.collections.get(s.collection)!.points.get(`u:${qdrantPointId('a')}`)!;
    expect(stored.payload.id).toBe('a');
    expect(qdrantPointId('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await s.upsert([{ id: 'a', vector: [4, 3, 2, 1], metadata: { v: 2 } }]);
    expect(await s.get('a')).toEqual({ id: 'a', vector: new Float32Array([4, 3, 2, 1]), text: undefined, metadata: { v: 2 } });
    expect(await s.count()).toBe(2);
    expect(await s.delete(['a', 'a', 'missing'])).toBe(1);
    expect(await s.delete([])).toBe(0);
    expect(await s.get('a')).toBeUndefined();
    expect(await s.count()).toBe(1);
  });

  it('keeps every record under concurrent writers', async () => {
    const s = await open();
    await Promise.all(Array.from({ length: 8 }, (_, w) => s.upsert(Array.from({ length: 25 }, (_, i) => ({ id: `w${w}-${i}`, vector: [w, i, 1, 1], metadata: { w } })))));
    expect(await s.count()).toBe(200);
    expect((await s.search([1, 1, 1, 1], { k: 200, filter: { w: 3 } })).map((h) => h.id).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `w3-${i}`).sort());
    await Promise.all([s.delete(['w0-0', 'w0-1']), s.upsert([{ id: 'w0-0', vector: [1, 1, 1, 1] }]).catch(() => undefined)]);
    expect([198, 199]).toContain(await s.count()); // the re-upsert of w0-0 lands before or after the delete
  });

  it('stores cosine vectors normalized, as the embedded store does', async () => {
    const s = await open({ metric: 'cosine' });
    const e = await VectorStore.open({ dimension: 4, metric: 'cosine', index: { type: 'flat' } });
    const rec = { id: 'x', vector: [3, 0, 4, 0] };
    await s.upsert([rec]);
    await e.upsert([rec]);
    expect((await s.get('x'))!.vector).toEqual((await e.get('x'))!.vector);
    await e.close();
  });

  it('rejects bad input with the embedded store\'s codes and writes nothing', async () => {
    const s = await open();
    const bad: [unknown, string][] = [
      [[{ id: '', vector: [1, 2, 3, 4] }], 'INVALID_INPUT'],
      [[{ id: 'a', vector: [1, 2, 3, 4] }, { id: 'a', vector: [1, 2, 3, 4] }], 'INVALID_INPUT'],
      [[{ id: 'a', vector: [1, 2, NaN, 4] }], 'INVALID_INPUT'],
      [[{ id: 'ok', vector: [1, 2, 3, 4] }, { id: 'b', vector: [1, 2, 3] }], 'DIMENSION_MISMATCH'],
      [[{ id: 'a', vector: [1, 2, 3, 4], metadata: { x: Infinity } }], 'INVALID_INPUT'],
    ];
    for (const [records, code] of bad) await expect(s.upsert(records as never)).rejects.toMatchObject({ code });
    expect(await s.count()).toBe(0);
    await expect(s.search([1, 2, 3])).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
    await expect(s.search([1, 2, 3, 4], { k: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(s.search([1, 2, 3, 4], { filter: { x: { $regex: 'a' } } as never })).rejects.toMatchObject({ code: 'INVALID_FILTER' });
    await expect(s.get('')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await s.close();
    await expect(s.count()).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(s.search([1, 2, 3, 4])).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('QdrantStore: filterFields', () => {
  it('keeps unlisted keys out of the filter view and rejects filters on them', async () => {
    const s = await open({ filterFields: ['lang', 'author'] });
    const meta = { lang: 'en', author: { name: 'Ada' }, _node_content: 'x'.repeat(5000) };
    await s.upsert([{ id: 'a', vector: [1, 0, 0, 0], metadata: meta }]);
    expect(await s.get('a')).toMatchObject({ metadata: meta });
    const payload = server.collections.get(s.collection)!.points.get(`u:${qdrantPointId('a')}`)!.payload;
    expect(JSON.stringify(payload._abi)).not.toContain('xxxx');
    expect((await s.search([1, 0, 0, 0], { filter: { lang: 'en', 'author.name': { $endsWith: 'da' } } })).map((h) => h.id)).toEqual(['a']);
    await expect(s.search([1, 0, 0, 0], { filter: { _node_content: { $exists: true } } })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(open({ filterFields: ['lang'], payloadIndexes: { year: 'integer' } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(open({ filterFields: [''] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('QdrantStore: scores and ranking equal the embedded flat store', () => {
  it.each(['cosine', 'dot', 'l2'] as DistanceMetric[])('%s', async (metric) => {
    const dim = 16;
    const vectors = randomVectors(300, dim, 5);
    const records = vectors.map((vector, i) => ({ id: `r${i}`, vector, metadata: { i, even: i % 2 === 0 } }));
    const q = await QdrantStore.open({ url: server.url, collection: name(), dimension: dim, metric });
    const e = await VectorStore.open({ dimension: dim, metric, index: { type: 'flat' } });
    await q.upsert(records);
    await e.upsert(records);
    for (const query of randomVectors(5, dim, 6)) {
      for (const filter of [undefined, { even: true }] as (Filter | undefined)[]) {
        const got = await q.search(query, { k: 20, filter });
        const want = await e.search(query, { k: 20, filter });
        expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
        got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i].score, 5));
        expect(got[0].metadata).toEqual(want[0].metadata);
      }
    }
    const withVectors = await q.search(vectors[0], { k: 1, includeVectors: true });
    expect(withVectors[0].vector).toEqual((await e.get(withVectors[0].id))!.vector);
    expect(await q.search(vectors[0], { k: 1000 })).toHaveLength(300);
    await e.close();
  });
});

// Value domains chosen where Qdrant's own semantics differ from abi-sdk's: null vs missing vs [], numbers vs
// strings, floats, nested objects vs arrays of objects, strings with spaces and unicode.
const scalar = fc.oneof(
  fc.constantFrom('a', 'b', 'ab', 'ba', '', 'a b', 'Ä', '2'), fc.integer({ min: -2, max: 3 }), fc.constantFrom(1.5, -0.5, 2 ** 60),
  fc.boolean(), fc.constant(null),
);
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ z: scalar }) },
  { weight: 1, arbitrary: fc.array(fc.record({ z: scalar }), { maxLength: 2 }) },
);
const metadata = fc.record({ x: value, y: value, nested: value }, { requiredKeys: [] }) as fc.Arbitrary<Metadata>;
const operand = fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constantFrom('a', 'b', 'ab', '2', 'Ä'), fc.constant(1.5));
const fieldFilter: fc.Arbitrary<Filter> = fc.tuple(fc.constantFrom('x', 'y', 'nested', 'nested.z', 'missing'), fc.oneof(
  scalar.map((v) => v as unknown),
  scalar.map((v) => ({ $eq: v })), scalar.map((v) => ({ $ne: v })),
  operand.chain((v) => fc.constantFrom({ $gt: v }, { $gte: v }, { $lt: v }, { $lte: v })),
  fc.array(scalar, { maxLength: 3 }).map((v) => ({ $in: v })), fc.array(scalar, { maxLength: 3 }).map((v) => ({ $nin: v })),
  fc.boolean().map((v) => ({ $exists: v })), scalar.map((v) => ({ $contains: v })),
  fc.constantFrom('a', 'b', '', 'Ä').map((v) => ({ $startsWith: v })), fc.constantFrom('a', 'b', '', ' b').map((v) => ({ $endsWith: v })),
)).map(([f, c]) => ({ [f]: c }) as Filter);
const filter: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fieldFilter,
    fc.array(tie('f'), { maxLength: 3 }).map((a) => ({ $and: a })),
    fc.array(tie('f'), { maxLength: 3 }).map((a) => ({ $or: a })),
    tie('f').map((f) => ({ $not: f })),
  ),
})).f;

describe('QdrantStore: filters reproduce evaluateFilter exactly', () => {
  const n = 150;
  const metas = fc.sample(metadata, { numRuns: n, seed: 11 });
  const vectors = randomVectors(n, 4, 12);
  let store: QdrantStore;
  beforeAll(async () => {
    store = await open({ metric: 'l2' });
    await store.upsert(vectors.map((vector, i) => ({ id: String(i), vector, metadata: metas[i] })));
  });
  const check = async (f: Filter): Promise<void> => {
    const node = parseFilter(f);
    const want = metas.map((m, i) => (evaluateFilter(node, m) ? String(i) : '')).filter(Boolean).sort();
    const got = (await store.search([0, 0, 0, 0], { k: n, filter: f })).map((h) => h.id);
    expect(got.sort(), JSON.stringify(f)).toEqual(want);
  };

  it('every operator, on every kind of stored value', async () => {
    const cases: Filter[] = [
      { x: 'a' }, { x: 1 }, { x: 1.5 }, { x: 2 ** 60 }, { x: true }, { x: null }, { x: '2' }, { 'nested.z': 'a' }, { nested: 'a' },
      { x: { $ne: 'a' } }, { x: { $ne: null } }, { missing: { $ne: 1 } },
      { x: { $gt: 0 } }, { x: { $gte: 1.5 } }, { x: { $lt: 0 } }, { x: { $lte: -0.5 } }, { 'nested.z': { $gt: 1 } },
      { x: { $gt: 'a' } }, { x: { $gte: 'ab' } }, { x: { $lt: 'b' } }, { x: { $lte: '' } },
      { x: { $in: ['a', 1, null, true] } }, { x: { $in: [] } }, { x: { $in: ['a', 'b'] } }, { x: { $in: [1, 2] } },
      { x: { $nin: ['a', null] } }, { x: { $nin: [] } },
      { x: { $exists: true } }, { x: { $exists: false } }, { nested: { $exists: true } }, { 'nested.z': { $exists: false } },
      { x: { $contains: 'a' } }, { x: { $contains: 'a b' } }, { x: { $contains: '' } }, { x: { $contains: 1 } }, { x: { $contains: null } },
      { x: { $startsWith: 'a' } }, { x: { $startsWith: '' } }, { x: { $endsWith: 'b' } }, { x: { $endsWith: '' } }, { x: { $startsWith: 'Ä' } },
      { $and: [] }, { $or: [] }, { $not: { $or: [] } }, { $not: { x: { $contains: 'a' } } }, { $not: { x: { $gt: 'a' } } },
      { $or: [{ x: 'a' }, { y: { $gt: 'a' } }], $not: { nested: { $exists: false } } }, { x: { $gt: 0, $lt: 3 } },
    ];
    for (const f of cases) await check(f);
  });

  it('random filters (property)', async () => {
    await fc.assert(fc.asyncProperty(filter, async (f) => check(f)), { numRuns: 150, seed: 4 });
  });

  it('filters the server cannot test exactly still fill k from the best-ranked matches', async () => {
    const s = await open({ metric: 'l2' });
    const recs = Array.from({ length: 400 }, (_, i) => ({ id: `p${i}`, vector: [i, 0, 0, 0], metadata: { name: i >= 390 ? `zz${i}` : `a${i}` } }));
    await s.upsert(recs);
    const hits = await s.search([0, 0, 0, 0], { k: 5, filter: { name: { $gt: 'z' } } });
    expect(hits.map((h) => h.id)).toEqual(['p390', 'p391', 'p392', 'p393', 'p394']);
    const sub = await s.search([0, 0, 0, 0], { k: 3, filter: { name: { $contains: 'z3' } } });
    expect(sub.map((h) => h.id)).toEqual(['p390', 'p391', 'p392']);
    const queries = server.requests.filter((r) => r.path === `/collections/${s.collection}/points/query`);
    expect(queries.length).toBeGreaterThan(2); // paged, not one unbounded request
  });
});

describe('QdrantStore: errors and abort', () => {
  it('maps Qdrant error answers onto typed errors', async () => {
    const s = await open();
    const cases: [object, object][] = [
      [{ status: 500, body: { status: { error: 'Service internal error: boom' }, time: 0 } }, { name: 'ProviderError', code: 'PROVIDER_ERROR', status: 500, retryable: true }],
      [{ status: 503, body: { status: { error: 'overloaded' }, time: 0 } }, { code: 'PROVIDER_ERROR', status: 503, retryable: true }],
      [{ status: 403, body: { status: { error: 'Forbidden: read-only key' }, time: 0 } }, { name: 'PermissionDeniedError', code: 'FORBIDDEN' }],
      [{ status: 429, body: { status: { error: 'Too many requests' }, time: 0 }, headers: { 'retry-after': '2' } }, { name: 'RateLimitError', code: 'RATE_LIMITED', retryAfterMs: 2000 }],
      [{ status: 400, body: { status: { error: 'Wrong input: bad' }, time: 0 } }, { name: 'ValidationError', code: 'INVALID_INPUT' }],
    ];
    for (const [fault, want] of cases) {
      server.inject({ path: /points\/count$/, ...fault });
      await expect(s.count()).rejects.toMatchObject(want);
    }
    server.inject({ path: /points\/count$/, status: 500, body: { status: { error: 'Service internal error: boom' }, time: 0 } });
    await expect(s.count()).rejects.toThrow(/Qdrant count: Service internal error: boom/);
    server.collections.delete(s.collection);
    await expect(s.search([1, 2, 3, 4])).rejects.toMatchObject({ name: 'NotFoundError', code: 'NOT_FOUND', message: expect.stringMatching(/doesn't exist/) });
  });

  it('maps rejected credentials, resets and an unreachable server', async () => {
    const secured = await startQdrantServer({ apiKey: 'secret' });
    try {
      await expect(QdrantStore.open({ url: secured.url, collection: 'c', dimension: 4 })).rejects.toMatchObject({ name: 'AuthenticationError', code: 'UNAUTHORIZED', status: 401 });
      const client = new QdrantClient({ url: secured.url, apiKey: 'secret', timeout: Infinity, checkCompatibility: false });
      const s = await QdrantStore.open({ client, collection: 'c', dimension: 4 });
      expect(await s.count()).toBe(0);
    } finally {
      await secured.close();
    }
    const s = await open();
    server.inject({ path: /points\/count$/, reset: true });
    await expect(s.count()).rejects.toMatchObject({ code: 'CONNECTION_ERROR', retryable: true });
    await expect(QdrantStore.open({ url: 'http://127.0.0.1:9', collection: 'c', dimension: 4 })).rejects.toMatchObject({ code: 'CONNECTION_ERROR' });
  }, 20_000);

  it('aborts a running request, honours timeout, and rejects a fired signal before sending', async () => {
    const s = await open();
    server.inject({ path: /points\/query$/, delayMs: 3000 });
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(), 50);
    await expect(s.search([1, 2, 3, 4], { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED' });
    expect(Date.now() - t0).toBeLessThan(2000);
    server.inject({ path: /points\/count$/, delayMs: 3000 });
    await expect(s.count({ timeout: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const before = server.requests.length;
    await expect(s.upsert([{ id: 'a', vector: [1, 2, 3, 4] }], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(server.requests.length).toBe(before);
  });

  it('cancels the HTTP request itself, not only the promise', async () => {
    let cancelled = false;
    const raw = createServer((req, res) => {
      res.on('close', () => { if (!res.writableEnded) cancelled = true; });
      res.setHeader('content-type', 'application/json');
      const send = (result: unknown): void => void res.end(JSON.stringify({ result, status: 'ok', time: 0 }));
      if (req.url?.includes('/points/count')) return void setTimeout(() => { if (!res.destroyed) send({ count: 0 }); }, 2000);
      if (req.url?.endsWith('/exists')) return send({ exists: true });
      send({ config: { params: { vectors: { size: 2, distance: 'Cosine' } } } });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    try {
      const s = await QdrantStore.open({ url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, collection: 'c', dimension: 2 });
      await expect(s.count({ signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ code: 'TIMEOUT' });
      await new Promise((r) => setTimeout(r, 200));
      expect(cancelled).toBe(true);
    } finally {
      raw.closeAllConnections();
      await new Promise((r) => raw.close(r));
    }
  });
});
