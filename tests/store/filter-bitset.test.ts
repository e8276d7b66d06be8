import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFilter, VectorStore, type Filter, type Metadata } from '../../src/index.js';
import { evaluateFilter } from '../../src/core/filter.js';
import { bitsetSlots, filterBitset } from '../../src/store/filter-bitset.js';
import { MetadataIndex, Posting } from '../../src/store/metadata-index.js';
import { PayloadArena } from '../../src/store/payloads.js';
import { filter, metadata } from './filter-arbitraries.js';
import { randomVectors, tempDir } from './helpers.js';

/** Bitset of a filter over `metas` (slot i = metas[i]; `dead` slots deleted), via the columnar indexes. */
function bitsetOf(metas: Metadata[], dead: Set<number>, f: Filter): number[] {
  const payloads = new PayloadArena();
  const deleted = new Uint8Array(metas.length);
  metas.forEach((m, i) => payloads.append(i, undefined, JSON.stringify(m)));
  const index = new MetadataIndex();
  // Index half, delete, then catch up the rest: the fold must hide slots deleted after they were indexed too.
  index.catchUp({ slots: Math.floor(metas.length / 2), metadataJsonOf: (s: number) => payloads.metadataJsonOf(s) } as PayloadArena, deleted);
  for (const s of dead) deleted[s] = 1;
  index.catchUp(payloads, deleted);
  const { bits, count } = filterBitset(parseFilter(f), { index, payloads, slots: metas.length, deleted, dead: dead.size });
  const slots = Array.from(bitsetSlots(bits, count));
  expect(slots.length).toBe(count);
  return slots;
}

describe('filter bitsets from columnar metadata indexes', () => {
  it('equal the reference evaluator for every operator on random metadata, with tombstones folded in', () => {
    // Wider numbers than the shared domain, so the sorted numeric column sees unsorted appends and ties.
    const wide = fc.oneof(metadata, fc.record({ x: fc.constantFrom(-0, 0.5, 2.5, 1e9, -7, 3), y: fc.constantFrom('a', 'b') }) as fc.Arbitrary<Metadata>);
    fc.assert(fc.property(filter, fc.array(wide, { minLength: 1, maxLength: 120 }), fc.array(fc.nat(), { maxLength: 20 }), (f, metas, kill) => {
      const dead = new Set(kill.map((k) => k % metas.length));
      const node = parseFilter(f);
      const want = metas.map((m, i) => i).filter((i) => !dead.has(i) && evaluateFilter(node, metas[i]));
      expect(bitsetOf(metas, dead, f)).toEqual(want);
    }), { numRuns: 600, seed: 11 });
  });

  it('merges both bounds of a numeric range on one field (and keeps extra bounds), exactly', () => {
    const bound = fc.constantFrom(-7, -1, 0, 0.5, 1, 2.5, 3, 1e9);
    const op = (lo: boolean): fc.Arbitrary<string> => fc.constantFrom(...(lo ? ['$gt', '$gte'] : ['$lt', '$lte']));
    const rangeFilter: fc.Arbitrary<Filter> = fc.tuple(op(true), bound, op(false), bound, fc.option(bound), fc.constantFrom('x', 'y'))
      .map(([lo, a, hi, b, extra, f]) => {
        const r: Filter = { [f]: { [lo]: a, [hi]: b } };
        return extra === null ? r : { $and: [r, { [f]: { $gt: extra } }, { y: { $ne: 'a' } }] };
      });
    const meta = fc.record({ x: fc.oneof(fc.constantFrom(-7, -0, 0.5, 1, 2.5, 3, 1e9, 'a'), fc.array(fc.constantFrom(-1, 2, 3), { maxLength: 2 })), y: fc.constantFrom(0, 1, 2.5, 'a') }, { requiredKeys: [] }) as fc.Arbitrary<Metadata>;
    fc.assert(fc.property(rangeFilter, fc.array(meta, { minLength: 1, maxLength: 80 }), (f, metas) => {
      const node = parseFilter(f);
      expect(bitsetOf(metas, new Set([0]), f)).toEqual(metas.map((m, i) => i).filter((i) => i !== 0 && evaluateFilter(node, metas[i])));
    }), { numRuns: 300, seed: 12 });
  });

  it('postings switch from sorted arrays to bitsets without losing a slot', () => {
    for (const step of [1, 3, 31, 32, 33, 1000]) {
      const p = new Posting();
      const want: number[] = [];
      for (let s = 5; s < 40_000; s += step) {
        p.add(s);
        p.add(s); // repeats (an array value with the same element twice) post once
        want.push(s);
      }
      const bits = new Uint32Array(1250);
      p.orInto(bits);
      expect(p.size).toBe(want.length);
      expect(Array.from(bitsetSlots(bits, want.length))).toEqual(want);
    }
  });

  it('stay right across upserts, overwrites, deletes, compaction and reopen', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const dim = 4;
      const open = (): Promise<VectorStore> => VectorStore.open({ path: dir, dimension: dim, index: { type: 'hnsw', M: 8, efConstruction: 40 } });
      let store = await open();
      const model = new Map<string, Metadata>();
      const vec = randomVectors(1, dim, 5)[0];
      const metas = fc.sample(metadata, { numRuns: 400, seed: 9 });
      const filters = fc.sample(filter, { numRuns: 60, seed: 10 });
      const check = async (when: string): Promise<void> => {
        for (const f of filters) {
          const node = parseFilter(f);
          const want = [...model].filter(([, m]) => evaluateFilter(node, m)).map(([id]) => id).sort();
          const got = (await store.search(vec, { k: 1000, filter: f, exact: true })).map((h) => h.id).sort();
          expect(got, `${when}: ${JSON.stringify(f)}`).toEqual(want);
        }
      };
      const put = async (lo: number, hi: number, shift: number): Promise<void> => {
        const recs = [];
        for (let i = lo; i < hi; i++) {
          const m = metas[(i + shift) % metas.length];
          model.set(String(i), m);
          recs.push({ id: String(i), vector: randomVectors(1, dim, i + 100 * shift)[0], metadata: m });
        }
        await store.upsert(recs);
      };
      await put(0, 200, 0);
      await check('after upserts');
      await put(100, 300, 7); // overwrites 100-199 with other metadata, adds 200-299
      await check('after overwrites');
      const gone = Array.from({ length: 60 }, (_, i) => String(i * 5));
      await store.delete(gone);
      for (const id of gone) model.delete(id);
      await check('after deletes');
      await store.compact();
      // Rebuilt with the records (the store had been filtered), not left to the next filtered search.
      expect(store.stats().filterIndexBytes).toBeGreaterThan(0);
      await check('after compaction');
      await put(300, 330, 3);
      await store.close();
      store = await open();
      await check('after reopen');
      expect(store.stats().filterIndexBytes).toBeGreaterThan(0);
      await store.close();
    } finally {
      cleanup();
    }
  });
});

describe('cached allow sets', () => {
  it('a repeated filter is answered from its cached set until a write or delete, then rebuilt', async () => {
    const dim = 4;
    const store = await VectorStore.open({ dimension: dim, index: { type: 'flat' } });
    try {
      const vectors = randomVectors(64, dim, 3);
      await store.upsert(vectors.map((vector, i) => ({ id: String(i), vector, metadata: { lang: i % 4 === 0 ? 'en' : 'de' } })));
      const q = vectors[0];
      const en = async (): Promise<string[]> => (await store.search(q, { k: 100, filter: { lang: 'en' } })).map((h) => h.id).sort();
      const first = await en();
      expect(first).toHaveLength(16);
      const bytes = store.stats().filterIndexBytes;
      expect(await en()).toEqual(first); // a cache hit: same set, no new bytes
      expect(store.stats().filterIndexBytes).toBe(bytes);
      await store.upsert([{ id: 'new', vector: q, metadata: { lang: 'en' } }]);
      expect(await en()).toEqual([...first, 'new'].sort());
      await store.upsert([{ id: '4', vector: vectors[4], metadata: { lang: 'de' } }]); // overwrite: leaves the set
      expect(await en()).toEqual([...first, 'new'].filter((id) => id !== '4').sort());
      await store.delete(['0']);
      expect(await en()).toEqual([...first, 'new'].filter((id) => id !== '4' && id !== '0').sort());
    } finally {
      await store.close();
    }
  });
});

describe('filtered search planning', () => {
  it('returns k rows at 50%, 10%, 1% and 0.1% selectivity, plans by exact counts, and holds recall', async () => {
    const n = 10_000, dim = 16, k = 10;
    const vectors = randomVectors(n, dim, 21);
    const store = await VectorStore.open({ dimension: dim, metric: 'l2', index: { type: 'hnsw', M: 16, efConstruction: 100 } });
    await store.upsert(vectors.map((vector, i) => ({ id: String(i), vector, metadata: { s50: i % 2, s10: i % 10, s1: i % 100, s01: i % 1000 } })));
    const queries = randomVectors(20, dim, 22);
    // efSearch 32: at 50% the walk visits far fewer rows than the 5,000 matches a scan would read; at 1% and below
    // the matches are fewer than any walk would visit. 10% sits near the crossover at this size (either plan).
    const cases: { filter: Filter; plan: 'walk' | 'either' | 'exact' | 'empty' }[] = [
      { filter: { s50: 1 }, plan: 'walk' }, { filter: { s10: 3 }, plan: 'either' },
      { filter: { s1: 37 }, plan: 'exact' }, { filter: { s01: 377 }, plan: 'exact' },
      { filter: { s01: { $in: [1, 2] }, s50: 0 }, plan: 'exact' }, // 0.2% ∧ 50% = 0.1%
      { filter: { s01: 1000 }, plan: 'empty' },
    ];
    for (const { filter: f, plan } of cases) {
      const before = store.stats().filterPlans;
      let hit = 0, total = 0;
      for (const q of queries) {
        const exact = await store.search(q, { k, filter: f, exact: true });
        const approx = await store.search(q, { k, filter: f, efSearch: 32 });
        expect(approx.length, JSON.stringify(f)).toBe(exact.length); // k rows whenever k match
        const truth = new Set(exact.map((h) => h.id));
        hit += approx.filter((h) => truth.has(h.id)).length;
        total += truth.size;
      }
      const after = store.stats().filterPlans;
      // Each approximate search took the expected plan (the exact: true searches count as `exact` or `empty`).
      const approxPlans = { empty: after.empty - before.empty, exact: after.exact - before.exact, walk: after.walk - before.walk };
      if (plan === 'walk') expect(approxPlans.walk, JSON.stringify(f)).toBe(queries.length);
      if (plan === 'exact') expect(approxPlans.exact, JSON.stringify(f)).toBe(2 * queries.length);
      if (plan === 'empty') expect(approxPlans.empty, JSON.stringify(f)).toBe(2 * queries.length);
      if (plan === 'either') expect(approxPlans.walk + approxPlans.exact, JSON.stringify(f)).toBe(2 * queries.length);
      if (total > 0) expect(hit / total, JSON.stringify(f)).toBeGreaterThanOrEqual(plan === 'exact' ? 1 : 0.95);
    }
    // Four equality-only fields: postings (arrays or bitsets) and per-value overhead, no numeric columns.
    console.log(`filter index: ${(store.stats().filterIndexBytes / n).toFixed(1)} bytes per record (4 fields)`);
    expect(store.stats().filterIndexBytes / n).toBeLessThan(40); // measured 22.7
  });
});
