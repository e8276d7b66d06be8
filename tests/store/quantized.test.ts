import { afterAll, describe, expect, it } from 'vitest';
import { VectorStore, type VectorStoreOptions } from '../../src/index.js';
import { tempDir } from './helpers.js';
import { checkRetrainOnDrift, data, DIM, filled, N, queries, recall, row } from './quantized-fixture.js';

const tmp = tempDir('abi-quantized-');
afterAll(() => tmp.cleanup());

describe('int8 HNSW', () => {
  it('keeps recall within 0.01 of float HNSW after re-ranking, at under 0.35x its memory with disk vectors', async () => {
    const float = await filled({ dimension: DIM, index: { type: 'hnsw', efConstruction: 100 } });
    const int8 = await filled({ path: `${tmp.dir}/int8`, dimension: DIM, index: { type: 'hnsw', efConstruction: 100, quantization: 'int8' }, vectors: 'disk' });
    expect(int8.stats().trained).toBe(true);
    const rf = await recall(float, { efSearch: 32 });
    const ri = await recall(int8, { efSearch: 32 });
    expect(ri).toBeGreaterThanOrEqual(rf - 0.01);
    await int8.checkpoint(); // vectors now live in the snapshot only
    expect(int8.stats().indexBytes).toBeLessThan(0.35 * float.stats().indexBytes);
    // Scores are exact (re-ranked on floats): identical to the float store's for the same hits.
    const [a] = await float.search(row(queries, 0), { k: 1 });
    const [b] = await int8.search(row(queries, 0), { k: 1 });
    expect(b.id).toBe(a.id);
    expect(b.score).toBeCloseTo(a.score, 6);
    await float.close();
    await int8.close();
  });

  it('reopens from disk with the same results, filters without under-filling, and forgets deleted records', async () => {
    const opts: VectorStoreOptions = { path: `${tmp.dir}/int8b`, dimension: DIM, index: { type: 'hnsw', efConstruction: 64, quantization: 'int8' }, vectors: 'disk' };
    let store = await filled(opts);
    const before = await store.search(row(queries, 1), { k: 10 });
    await store.close();
    store = await VectorStore.open(opts);
    expect((await store.search(row(queries, 1), { k: 10 })).map((h) => h.id)).toEqual(before.map((h) => h.id));
    const filtered = await store.search(row(queries, 1), { k: 10, filter: { bucket: 7 } });
    expect(filtered).toHaveLength(10);
    expect(filtered.every((h) => h.metadata.bucket === 7)).toBe(true);
    await store.delete([before[0].id]);
    expect((await store.search(row(queries, 1), { k: 10 })).map((h) => h.id)).not.toContain(before[0].id);
    expect(Array.from((await store.get('5'))!.vector)).toEqual(Array.from(row(data, 5)));
    await store.close();
  });
});

describe('IVF-PQ', () => {
  it('trains at trainAt, reaches recall@10 >= 0.9 with re-ranking, and keeps under 1/10 of the float memory', async () => {
    const store = await filled({ path: `${tmp.dir}/ivf`, dimension: DIM, index: { type: 'ivfpq', trainAt: 2000 }, vectors: 'disk' });
    expect(store.stats().trained).toBe(true);
    expect(store.indexType).toBe('ivfpq');
    expect(await recall(store)).toBeGreaterThanOrEqual(0.9);
    await store.checkpoint();
    // Fixed costs (coarse centroids, PQ codebooks, the empty in-memory tail) dominate a store this small; what grows
    // with the store must stay under a tenth of the float vectors.
    const nlist = Math.round(4 * Math.sqrt(N));
    const fixed = (nlist * DIM + 256 * DIM + 64 * DIM) * 4;
    expect((store.stats().indexBytes - fixed) / N).toBeLessThan((DIM * 4) / 10);
    await store.close();
  });

  it('answers exactly before training, filters without under-filling, persists and deletes', async () => {
    const opts: VectorStoreOptions = { path: `${tmp.dir}/ivf2`, dimension: DIM, index: { type: 'ivfpq', trainAt: 10_000 } };
    let store = await filled(opts);
    expect(store.stats().trained).toBe(false);
    expect(await recall(store)).toBe(1);
    await store.close();
    const trained: VectorStoreOptions = { path: `${tmp.dir}/ivf3`, dimension: DIM, index: { type: 'ivfpq', trainAt: 1000, nprobe: 2 } };
    store = await filled(trained);
    const hits = await store.search(row(queries, 2), { k: 10, filter: { bucket: 3 } });
    expect(hits).toHaveLength(10); // 30 records match; 2 of many cells would hold fewer
    expect(hits.every((h) => h.metadata.bucket === 3)).toBe(true);
    const before = (await store.search(row(queries, 2), { k: 10, nprobe: 32 })).map((h) => h.id);
    await store.close();
    store = await VectorStore.open(trained);
    expect((await store.search(row(queries, 2), { k: 10, nprobe: 32 })).map((h) => h.id)).toEqual(before);
    await store.delete([before[0]]);
    expect((await store.search(row(queries, 2), { k: 10, nprobe: 32 })).map((h) => h.id)).not.toContain(before[0]);
    await store.close();
  });
});

describe('IVF-PQ drift', () => {
  it('retrains in the background when new data no longer fits the cells', async () => {
    await checkRetrainOnDrift({ type: 'ivfpq', trainAt: 1000, nlist: 16, m: 24 });
  });
});
