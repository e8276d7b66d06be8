import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFilter, VectorStore } from '../../src/index.js';
import { evaluateFilter } from '../../src/core/filter.js';
import { compileFilterNode } from '../../src/store/filter-compiler.js';
import { filter, metadata } from './filter-arbitraries.js';
import { randomVectors } from './helpers.js';

describe('filters: compiled predicate and filtered search agree with the reference evaluator', () => {
  it('compiled predicate ≡ evaluateFilter', () => {
    fc.assert(fc.property(filter, fc.array(metadata, { maxLength: 20 }), (f, metas) => {
      const node = parseFilter(f);
      const compiled = compileFilterNode(node);
      for (const m of metas) expect(compiled(m)).toBe(evaluateFilter(node, m));
    }), { numRuns: 400 });
  });

  it('filtered search returns exactly the brute-force top-k over matching records (exact and HNSW paths)', async () => {
    const dim = 8;
    const n = 2600; // above the store's exact-scan cut-off, so unselective filters take the graph path
    const metas = fc.sample(metadata, { numRuns: n, seed: 7 });
    const vectors = randomVectors(n, dim, 17);
    const store = await VectorStore.open({ dimension: dim, metric: 'l2', index: { type: 'hnsw', M: 16, efConstruction: 100 } });
    await store.upsert(vectors.map((vector, i) => ({ id: String(i), vector, metadata: metas[i] })));
    const queries = randomVectors(30, dim, 18);
    await fc.assert(fc.asyncProperty(filter, fc.integer({ min: 0, max: 29 }), fc.integer({ min: 1, max: 30 }), async (f, qi, k) => {
      const node = parseFilter(f);
      const q = queries[qi];
      const matching = metas.map((m, i) => ({ i, m })).filter(({ m }) => evaluateFilter(node, m));
      const dist = (i: number): number => vectors[i].reduce((s, v, d) => s + (v - q[d]) ** 2, 0);
      const truth = matching.map(({ i }) => i).sort((a, b) => dist(a) - dist(b)).slice(0, k);
      const exact = await store.search(q, { k, filter: f, exact: true });
      expect(exact.map((h) => Number(h.id))).toEqual(truth);
      const approx = await store.search(q, { k, filter: f });
      expect(approx.length).toBe(truth.length); // never under-fills
      for (const h of approx) expect(evaluateFilter(node, metas[Number(h.id)])).toBe(true);
      const got = new Set(approx.map((h) => Number(h.id)));
      const recall = truth.length === 0 ? 1 : truth.filter((i) => got.has(i)).length / truth.length;
      expect(recall).toBeGreaterThanOrEqual(0.8);
    }), { numRuns: 150, seed: 3 });
  });
});
