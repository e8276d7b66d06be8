import { describe, expect, it } from 'vitest';
import { IvfPqIndex } from '../../../src/store/quantization/ivf.js';
import { CorruptDataError, ValidationError } from '../../../src/index.js';
import { clusteredData, exactTopK } from './data.js';
import { checkPredicateRemovalReplacement } from './index-checks.js';

describe('IvfPqIndex', () => {
  const dim = 384;
  const n = 6000;
  const data = clusteredData(n, dim, 60, 0.035, 21);
  const queries = clusteredData(40, dim, 60, 0.035, 22);
  const exact = (slots: Uint32Array): Float32Array => Float32Array.from(slots, (s) => {
    let v = 0;
    for (let j = 0; j < dim; j++) v += data[s * dim + j] * currentQuery[j];
    return v;
  });
  let currentQuery: Float32Array = new Float32Array(dim);

  it('reaches recall@10 >= 0.9 after re-ranking at ~1/25 of the float memory', async () => {
    const index = await IvfPqIndex.train(data.subarray(0, 3000 * dim), dim, { nlist: 64, m: 48, metric: 'dot', iterations: 8 });
    for (let i = 0; i < n; i++) index.add(i, data.subarray(i * dim, (i + 1) * dim));
    expect(index.size).toBe(n);
    let hits = 0;
    for (let q = 0; q < 40; q++) {
      currentQuery = queries.subarray(q * dim, (q + 1) * dim);
      const truth = new Set(exactTopK(data, dim, currentQuery, 10));
      const { slots, scores } = index.search(currentQuery, { k: 10, nprobe: 16, rerank: 100, exactScores: exact });
      for (const s of slots) if (truth.has(s)) hits++;
      for (let i = 1; i < scores.length; i++) expect(scores[i - 1]).toBeGreaterThanOrEqual(scores[i]);
    }
    expect(hits / 400).toBeGreaterThanOrEqual(0.9);
    const listBytesPerVector = (index.memoryBytes - index.centroids.byteLength - index.pq.codebooks.byteLength) / n;
    expect(listBytesPerVector).toBeLessThan((dim * 4) / 10);
    expect(index.drift()).toBeGreaterThan(0.5);
    expect(index.drift()).toBeLessThan(1.5);
  });

  it('honours the predicate, removal and replacement, and round-trips', async () => {
    const small = data.subarray(0, 1000 * dim);
    const index = await IvfPqIndex.train(small, dim, { nlist: 16, m: 24, metric: 'l2', iterations: 5 });
    const q = checkPredicateRemovalReplacement(index, small, dim);
    const back = IvfPqIndex.deserialize(index.serialize());
    expect(back.size).toBe(999);
    const a = index.search(q, { k: 10, nprobe: 4 });
    const b = back.search(q, { k: 10, nprobe: 4 });
    expect(Array.from(b.slots)).toEqual(Array.from(a.slots));
    const bytes = index.serialize();
    expect(() => IvfPqIndex.deserialize(bytes.subarray(0, bytes.length - 1))).toThrow(CorruptDataError);
    await expect(IvfPqIndex.train(small.subarray(0, 10 * dim), dim, { nlist: 16, m: 24, metric: 'dot' })).rejects.toBeInstanceOf(ValidationError);
  });
});
