/**
 * The backend conformance suite: the same cases run against every {@link VectorStoreBackend} (the embedded store,
 * pgvector, Qdrant). A backend conforms when it reproduces the embedded store's behaviour: write semantics, the
 * filter language exactly as `evaluateFilter` defines it, error codes, and exact-search results equal to a brute-force
 * top-k computed in the test from the metric definitions.
 *
 * Usage, in a `*.test.ts`:
 * ```ts
 * describeBackendConformance('my backend', (dimension, metric) => MyBackend.open({ dimension, metric }));
 * ```
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Metadata } from '../../src/core/contracts.js';
import { AbiError } from '../../src/core/errors.js';
import { evaluateFilter, parseFilter, type Filter } from '../../src/core/filter.js';
import type { DistanceMetric, VectorRecord, VectorStoreBackend } from '../../src/retrieval/backend.js';
import { rng } from '../store/helpers.js';

/** Opens an empty backend of the given shape (a fresh table, collection or directory per call). */
export type OpenEmptyBackend = (dimension: number, metric: DistanceMetric) => Promise<VectorStoreBackend>;

/** Options of {@link describeBackendConformance}. */
export interface ConformanceOptions {
  /** Per-test timeout in milliseconds (default 30 s). */
  timeout?: number;
}

/** Seeded PRNG (mulberry32), so every backend sees the same data. */
export const seeded = rng;

function vec(r: () => number, dim: number): Float32Array {
  return Float32Array.from({ length: dim }, () => r() * 2 - 1);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AbiError) return err.code;
    return `non-AbiError: ${String(err)}`;
  }
  return 'resolved';
}

/** The score a store reports for `v` against `q` (see DistanceMetric), in float64 from the definitions. */
function referenceScore(metric: DistanceMetric, v: Float32Array, q: Float32Array): number {
  let dot = 0, vv = 0, qq = 0, d2 = 0;
  for (let i = 0; i < q.length; i++) {
    dot += v[i] * q[i];
    vv += v[i] * v[i];
    qq += q[i] * q[i];
    d2 += (v[i] - q[i]) ** 2;
  }
  if (metric === 'cosine') return dot / Math.sqrt(vv * qq);
  if (metric === 'dot') return dot;
  return 1 / (1 + Math.sqrt(d2));
}

/** Exact top-k by scoring every record that passes `filter`: the reference an exact search must reproduce. */
function bruteForceTopK(
  records: readonly { id: string; vector: Float32Array; metadata: Metadata }[], q: Float32Array, metric: DistanceMetric,
  filter: Filter | undefined, k: number,
): { id: string; score: number }[] {
  const node = filter ? parseFilter(filter) : undefined;
  return records
    .filter((rec) => !node || evaluateFilter(node, rec.metadata))
    .map((rec) => ({ id: rec.id, score: referenceScore(metric, rec.vector, q) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

/** Metadata exercising every filter operator, missing fields, arrays, nesting, unicode and numbers vs strings. */
export const FILTER_METADATA: Metadata[] = [
  { year: 2024, lang: 'en', tags: ['a', 'b'], draft: false, author: { name: 'Ada', age: 36 } },
  { year: '2024', lang: 'de', tags: ['b', 'c'], draft: true, author: { name: 'Bob' } },
  { year: 2023, lang: 'en', tags: [], score: 0.5, author: { name: 'Émile', age: 41.5 } },
  { year: 2020.5, lang: 'fr', tags: ['a', 1, null], score: -3 },
  { year: null, lang: 'ja', title: '日本語のタイトル', tags: 'a' },
  { lang: 'en', title: 'Hello, world', score: 10, nested: { deep: { x: 1 } } },
  { year: 1999, lang: 'EN', title: 'hello', score: 1e-7, flags: [true, false] },
  { year: 2025, lang: 'zh', title: '😀 emoji first', score: 2 ** 53 - 1, tags: [['a']] },
  { year: 10, lang: 'en', title: '10', score: '10', author: 'plain string author' },
  { year: 2, lang: 'es', title: 'ñandú', score: -1.5e300, list: [1, 2, 3], author: { name: null } },
  { year: 2024, lang: 'en', draft: null, title: 'Z', tags: ['ä', 'z'], score: 0 },
  { year: 2021, lang: 'pt', title: 'z', nested: { deep: { x: '1' } }, 'we\'ird "key"': 'quote\'s "value"' },
  { year: 2022, lang: 'ko', title: 'a\\b%_c', 'semi;colon': "'); DROP TABLE x; --", 'a b': 1 },
  { year: 2019, lang: 'ru', title: 'Привет', tags: ['ПРИВЕТ', 'привет'], '$dollarish': 1 },
  { year: 2018, lang: 'en', title: 'e\u0301', tags: ['é'], score: 3 },
  {},
];

/** Filters covering every operator and combinator; each is checked against `evaluateFilter`. */
export const FILTERS: Filter[] = [
  {},
  { year: 2024 },
  { year: '2024' },
  { year: { $eq: 2024 } },
  { year: { $ne: 2024 } },
  { year: null },
  { year: { $ne: null } },
  { year: { $gt: 2020 } },
  { year: { $gte: 2020.5 } },
  { year: { $lt: 2000 } },
  { year: { $lte: 10 } },
  { year: { $gt: '2000' } },
  { year: { $gt: 2000, $lt: 2024 } },
  { score: { $gt: -1e301 } },
  { score: { $lt: 1e-6 } },
  { score: { $gte: 9007199254740991 } },
  { score: '10' },
  { score: 10 },
  { lang: { $in: ['en', 'de'] } },
  { lang: { $in: [] } },
  { lang: { $nin: ['en', 'de'] } },
  { lang: { $nin: [] } },
  { year: { $in: [2024, null] } },
  { tags: 'a' },
  { tags: { $ne: 'a' } },
  { tags: { $in: ['c', 1] } },
  { tags: { $nin: ['a'] } },
  { tags: { $contains: 'a' } },
  { tags: { $contains: null } },
  { tags: { $gt: 'b' } },
  { tags: { $exists: true } },
  { tags: { $exists: false } },
  { title: { $contains: 'llo' } },
  { title: { $contains: '' } },
  { title: { $contains: '%' } },
  { title: { $contains: '_' } },
  { title: { $contains: '\\' } },
  { title: { $startsWith: 'He' } },
  { title: { $startsWith: '😀' } },
  { title: { $startsWith: '' } },
  { title: { $endsWith: 'world' } },
  { title: { $endsWith: 'タイトル' } },
  { title: { $endsWith: '\u0301' } },
  { title: { $gt: 'Z' } },
  { title: { $gte: 'Z', $lt: 'z' } },
  { title: { $lt: 'a' } },
  { title: { $gt: 'ñ' } },
  { lang: 'EN' },
  { lang: { $gte: 'en', $lte: 'en' } },
  { draft: false },
  { draft: true },
  { draft: { $ne: true } },
  { draft: { $exists: true } },
  { 'author.name': 'Ada' },
  { 'author.name': null },
  { 'author.name': { $exists: true } },
  { 'author.age': { $gt: 40 } },
  { author: 'plain string author' },
  { 'author.name.first': { $exists: false } },
  { 'nested.deep.x': 1 },
  { 'nested.deep.x': '1' },
  { 'list.1': 2 },
  { 'list.0': { $exists: true } },
  { flags: true },
  { flags: { $in: [false] } },
  { 'we\'ird "key"': 'quote\'s "value"' },
  { 'semi;colon': "'); DROP TABLE x; --" },
  { 'semi;colon': { $contains: "'); DROP" } },
  { 'a b': 1 },
  { "'); DROP TABLE x; --": { $exists: false } },
  { tags: { $in: ['привет'] } },
  { tags: 'é' },
  { title: 'e\u0301' },
  { $and: [] },
  { $or: [] },
  { $and: [{ lang: 'en' }, { year: { $gte: 2024 } }] },
  { $or: [{ lang: 'ja' }, { year: { $lt: 2000 } }, { score: { $exists: false } }] },
  { $not: { lang: 'en' } },
  { $not: { year: { $gt: 2020 } } },
  { $not: { $or: [{ tags: 'a' }, { draft: true }] } },
  { $or: [{ $and: [{ lang: 'en' }, { $not: { draft: false } }] }, { tags: { $contains: 1 } }] },
  { lang: 'en', year: { $ne: 2024 }, $not: { score: 0 } },
  { $not: { $and: [] } },
  { $not: { $or: [] } },
];

/**
 * Registers the conformance suite for one backend.
 *
 * @param name - the backend's name in test titles
 * @param openEmpty - opens an empty backend with the given dimension and metric
 * @param options - timeout
 */
export function describeBackendConformance(name: string, openEmpty: OpenEmptyBackend, options: ConformanceOptions = {}): void {
  const timeout = options.timeout ?? 30_000;
  describe(`backend conformance: ${name}`, () => {
    const open: VectorStoreBackend[] = [];
    const fresh = async (dimension: number, metric: DistanceMetric): Promise<VectorStoreBackend> => {
      const b = await openEmpty(dimension, metric);
      open.push(b);
      return b;
    };
    afterEach(async () => {
      for (const b of open.splice(0)) await b.close().catch(() => undefined);
    });

    it('an empty store: count 0, no hits, no record, nothing deleted', async () => {
      const b = await fresh(4, 'cosine');
      expect(b.dimension).toBe(4);
      expect(b.metric).toBe('cosine');
      expect(await b.count()).toBe(0);
      expect(await b.search([1, 0, 0, 0], { k: 5 })).toEqual([]);
      expect(await b.search([1, 0, 0, 0], { k: 5, filter: { a: 1 } })).toEqual([]);
      expect(await b.get('x')).toBeUndefined();
      expect(await b.delete(['x'])).toBe(0);
      await b.flush();
    }, timeout);

    it('round-trips vectors, text and metadata exactly', async () => {
      const b = await fresh(4, 'l2');
      const vector = Float32Array.from([0.1, -2.5, 3e-8, 123456.789]);
      const metadata: Metadata = {
        s: 'text', n: 0.1, big: 2 ** 53 - 1, tiny: 1e-7, neg: -1.5e300, int: -42, t: true, f: false, nil: null,
        arr: [1, 'two', null, [3], { four: 4 }], obj: { nested: { deep: ['x'] } }, empty: '', emptyArr: [], emptyObj: {},
        unicode: '日本語 😀 e\u0301 ñ', 'key with spaces': 1, 'ключ': 'значение', "quo'te\"s": '\\back\\slash',
      };
      await b.upsert([
        { id: 'full', vector, text: 'some text ✓', metadata },
        { id: 'bare', vector: [1, 2, 3, 4] },
        { id: 'empty-text', vector: [0, 0, 0, 1], text: '' },
      ]);
      const full = await b.get('full');
      expect(full?.id).toBe('full');
      expect(Array.from(full!.vector)).toEqual(Array.from(vector));
      expect(full?.vector).toBeInstanceOf(Float32Array);
      expect(full?.text).toBe('some text ✓');
      expect(full?.metadata).toStrictEqual(metadata);
      const bare = await b.get('bare');
      expect(bare?.text).toBeUndefined();
      expect(bare?.metadata).toStrictEqual({});
      expect((await b.get('empty-text'))?.text).toBe('');
      // Returned metadata is a copy.
      full!.metadata.s = 'changed';
      expect((await b.get('full'))?.metadata.s).toBe('text');
      const [hit] = await b.search(vector, { k: 1, includeVectors: true });
      expect(hit.id).toBe('full');
      expect(hit.metadata).toStrictEqual(metadata);
      expect(hit.text).toBe('some text ✓');
      expect(Array.from(hit.vector!)).toEqual(Array.from(vector));
    }, timeout);

    it('stores unit-length vectors for cosine; a self-query scores 1', async () => {
      const b = await fresh(3, 'cosine');
      await b.upsert([{ id: 'a', vector: [3, 0, 4] }, { id: 'b', vector: [0, 1, 0] }]);
      const a = await b.get('a');
      expect(a!.vector[0]).toBeCloseTo(0.6, 6);
      expect(a!.vector[2]).toBeCloseTo(0.8, 6);
      const hits = await b.search([6, 0, 8], { k: 2 });
      expect(hits.map((h) => h.id)).toEqual(['a', 'b']);
      expect(hits[0].score).toBeCloseTo(1, 5);
      expect(hits[1].score).toBeCloseTo(0, 5);
    }, timeout);

    it('upsert overwrites, delete counts what existed and ignores the rest', async () => {
      const b = await fresh(2, 'dot');
      await b.upsert([{ id: 'a', vector: [1, 0], text: 'one', metadata: { v: 1 } }, { id: 'b', vector: [0, 1] }]);
      await b.upsert([{ id: 'a', vector: [0, 2], metadata: { v: 2 } }]);
      expect(await b.count()).toBe(2);
      const a = await b.get('a');
      expect(Array.from(a!.vector)).toEqual([0, 2]);
      expect(a!.text).toBeUndefined();
      expect(a!.metadata).toStrictEqual({ v: 2 });
      const hits = await b.search([0, 1], { k: 2 });
      expect(hits.map((h) => [h.id, h.score])).toEqual([['a', 2], ['b', 1]]);
      expect(await b.search([1, 0], { k: 5, filter: { v: 1 } })).toEqual([]);
      expect(await b.delete(['a', 'a', 'missing'])).toBe(1);
      expect(await b.delete(['a'])).toBe(0);
      expect(await b.get('a')).toBeUndefined();
      expect(await b.count()).toBe(1);
      expect((await b.search([0, 1], { k: 5 })).map((h) => h.id)).toEqual(['b']);
      await b.upsert([]);
      expect(await b.delete([])).toBe(0);
      expect(await b.count()).toBe(1);
    }, timeout);

    it('handles unicode and odd ids', async () => {
      const b = await fresh(2, 'l2');
      const ids = ['日本語-😀', 'e\u0301', 'é', "quote'id", 'semi;colon', ' spaced ', '%_\\', 'x'.repeat(500)];
      await b.upsert(ids.map((id, i) => ({ id, vector: [i, 0], metadata: { i } })));
      expect(await b.count()).toBe(ids.length);
      for (const [i, id] of ids.entries()) expect((await b.get(id))?.metadata).toStrictEqual({ i });
      const hits = await b.search([0, 0], { k: 100 });
      expect(hits.map((h) => h.id)).toEqual(ids);
      expect(await b.delete(['é'])).toBe(1);
      expect(await b.get('e\u0301')).toBeDefined();
    }, timeout);

    it('returns every record when k exceeds the size, best first', async () => {
      const b = await fresh(3, 'l2');
      await b.upsert([{ id: 'far', vector: [5, 5, 5] }, { id: 'near', vector: [0.1, 0, 0] }, { id: 'mid', vector: [1, 1, 0] }]);
      const hits = await b.search([0, 0, 0], { k: 1000 });
      expect(hits.map((h) => h.id)).toEqual(['near', 'mid', 'far']);
      expect(hits[0].score).toBeCloseTo(1 / 1.1, 6);
      expect(hits[2].score).toBeCloseTo(1 / (1 + Math.sqrt(75)), 6);
      expect((await b.search([0, 0, 0], { k: 1000, exact: true })).length).toBe(3);
    }, timeout);

    it('rejects bad input with the same error codes and writes nothing', async () => {
      const b = await fresh(3, 'cosine');
      await b.upsert([{ id: 'keep', vector: [1, 0, 0] }]);
      const bad = (records: unknown) => codeOf(b.upsert(records as VectorRecord[]));
      expect(await bad([{ id: 'ok', vector: [1, 2, 3] }, { id: 'short', vector: [1, 2] }])).toBe('DIMENSION_MISMATCH');
      expect(await bad([{ id: 'ok', vector: [1, 2, 3] }, { id: 'nan', vector: [1, NaN, 3] }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: 'inf', vector: [1, Infinity, 3] }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: 'big', vector: [1, 1e39, 3] }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: 'str', vector: [1, '2', 3] }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: 'nov' }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: '', vector: [1, 2, 3] }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: 7, vector: [1, 2, 3] }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: 'd', vector: [1, 2, 3] }, { id: 'd', vector: [3, 2, 1] }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: 'm', vector: [1, 2, 3], metadata: { when: new Date() } }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: 'm', vector: [1, 2, 3], metadata: { n: NaN } }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: 'm', vector: [1, 2, 3], metadata: [1] }])).toBe('INVALID_INPUT');
      expect(await bad([{ id: 't', vector: [1, 2, 3], text: 5 }])).toBe('INVALID_INPUT');
      expect(await bad('not an array')).toBe('INVALID_INPUT');
      expect(await b.count()).toBe(1);
      expect(await b.get('ok')).toBeUndefined();

      expect(await codeOf(b.search([1, 0]))).toBe('DIMENSION_MISMATCH');
      expect(await codeOf(b.search([1, 0, 0, 0]))).toBe('DIMENSION_MISMATCH');
      expect(await codeOf(b.search([1, NaN, 0]))).toBe('INVALID_INPUT');
      expect(await codeOf(b.search([1, 0, 0], { k: 0 }))).toBe('INVALID_INPUT');
      expect(await codeOf(b.search([1, 0, 0], { k: 1.5 }))).toBe('INVALID_INPUT');
      expect(await codeOf(b.search([1, 0, 0], { filter: { a: { $bogus: 1 } } as unknown as Filter }))).toBe('INVALID_FILTER');
      expect(await codeOf(b.search([1, 0, 0], { filter: { $or: {} } as unknown as Filter }))).toBe('INVALID_FILTER');
      expect(await codeOf(b.search([1, 0, 0], { filter: { a: { $gt: true } } as unknown as Filter }))).toBe('INVALID_FILTER');
      expect(await codeOf(b.search([1, 0, 0], { filter: { '': 1 } }))).toBe('INVALID_FILTER');
      expect(await codeOf(b.delete(['']))).toBe('INVALID_INPUT');
      expect(await codeOf(b.delete('x' as unknown as string[]))).toBe('INVALID_INPUT');
      expect(await b.count()).toBe(1);
    }, timeout);

    it('honours an aborted signal', async () => {
      const b = await fresh(2, 'l2');
      const signal = AbortSignal.abort();
      expect(await codeOf(b.upsert([{ id: 'a', vector: [1, 2] }], { signal }))).toBe('ABORTED');
      expect(await codeOf(b.search([1, 2], { signal }))).toBe('ABORTED');
      expect(await b.count()).toBe(0);
    }, timeout);

    it('matches evaluateFilter on every operator and combinator', async () => {
      const b = await fresh(4, 'l2');
      const r = seeded(7);
      const records = FILTER_METADATA.map((metadata, i) => ({ id: `r${i}`, vector: vec(r, 4), metadata }));
      await b.upsert(records);
      const q = vec(r, 4);
      for (const filter of FILTERS) {
        const node = parseFilter(filter);
        const expected = records.filter((rec) => evaluateFilter(node, rec.metadata)).map((rec) => rec.id).sort();
        for (const exact of [true, false]) {
          const got = (await b.search(q, { k: 100, filter, exact })).map((h) => h.id).sort();
          expect({ filter, exact, ids: got }).toStrictEqual({ filter, exact, ids: expected });
        }
      }
    }, timeout * 2);

    it('gives exact-search results equal to a brute-force reference computed here', async () => {
      for (const metric of ['cosine', 'dot', 'l2'] as const) {
        const dim = 16;
        const r = seeded(metric.length * 101);
        const records = Array.from({ length: 300 }, (_, i) => ({
          id: `id-${i}`, vector: vec(r, dim), metadata: { cat: i % 7, even: i % 2 === 0, name: `n${i % 13}` },
        }));
        const b = await fresh(dim, metric);
        for (let i = 0; i < records.length; i += 64) await b.upsert(records.slice(i, i + 64));
        expect(await b.count()).toBe(300);
        const filters: (Filter | undefined)[] = [undefined, { cat: 3 }, { even: true, name: { $in: ['n1', 'n2', 'n4'] } }];
        for (let qi = 0; qi < 8; qi++) {
          const q = vec(r, dim);
          const truth = new Map(records.map((rec) => [rec.id, referenceScore(metric, rec.vector, q)]));
          for (const filter of filters) {
            const want = bruteForceTopK(records, q, metric, filter, 10);
            const got = await b.search(q, { k: 10, filter, exact: true });
            expect(got.length).toBe(want.length);
            expect(new Set(got.map((h) => h.id)).size).toBe(got.length);
            const tol = (s: number): number => 1e-5 * Math.max(1, Math.abs(s));
            for (let i = 0; i < want.length; i++) {
              // Rank i holds the i-th best score, and the hit's score is its own (float32 vs float64: a tolerance).
              expect(Math.abs(got[i].score - want[i].score)).toBeLessThanOrEqual(tol(want[i].score));
              expect(Math.abs(got[i].score - truth.get(got[i].id)!)).toBeLessThanOrEqual(tol(want[i].score));
              // The same record, unless two records tie within float32 rounding.
              if (got[i].id !== want[i].id) expect(Math.abs(truth.get(got[i].id)! - want[i].score)).toBeLessThanOrEqual(tol(want[i].score));
              if (filter) expect(evaluateFilter(parseFilter(filter), got[i].metadata)).toBe(true);
            }
          }
        }
      }
    }, timeout * 2);

    it('fills k on a selective filter when k matching records exist', async () => {
      const dim = 8;
      const b = await fresh(dim, 'cosine');
      const r = seeded(99);
      const records = Array.from({ length: 600 }, (_, i) => ({ id: `s${i}`, vector: vec(r, dim), metadata: { cat: i % 50 } }));
      await b.upsert(records);
      for (let qi = 0; qi < 5; qi++) {
        const hits = await b.search(vec(r, dim), { k: 10, filter: { cat: qi } });
        expect(hits.length).toBe(10);
        expect(hits.every((h) => h.metadata.cat === qi)).toBe(true);
      }
    }, timeout);

    it('keeps every write of concurrent writers', async () => {
      const b = await fresh(4, 'l2');
      const r = seeded(5);
      const batches = Array.from({ length: 12 }, (_, w) =>
        Array.from({ length: 20 }, (_, i) => ({ id: `w${w}-${i}`, vector: vec(r, 4), metadata: { w, i } })));
      const contended = Array.from({ length: 12 }, (_, w) => ({ id: 'shared', vector: [w, w, w, w], metadata: { w } }));
      await Promise.all([
        ...batches.map((batch) => b.upsert(batch)),
        ...contended.map((rec) => b.upsert([rec])),
      ]);
      expect(await b.count()).toBe(12 * 20 + 1);
      for (const batch of batches) {
        for (const rec of [batch[0], batch[19]]) expect((await b.get(rec.id))?.metadata).toStrictEqual(rec.metadata);
      }
      const shared = await b.get('shared');
      const w = shared!.metadata.w as number;
      expect(Array.from(shared!.vector)).toEqual([w, w, w, w]);
      const deleted = await Promise.all(batches.map((batch) => b.delete(batch.slice(0, 10).map((x) => x.id))));
      expect(deleted).toEqual(batches.map(() => 10));
      expect(await b.count()).toBe(12 * 10 + 1);
    }, timeout);

    it('rejects calls after close with CLOSED', async () => {
      const b = await openEmpty(2, 'l2');
      await b.close();
      expect(await codeOf(b.count())).toBe('CLOSED');
      expect(await codeOf(b.search([1, 2]))).toBe('CLOSED');
      expect(await codeOf(b.upsert([{ id: 'a', vector: [1, 2] }]))).toBe('CLOSED');
      await b.close();
    }, timeout);
  });
}
