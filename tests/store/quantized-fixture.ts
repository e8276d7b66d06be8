// The clustered data set the quantized-store tests share (3,000 x 384-d in 40 clusters, 40 queries, exact top 10),
// a store filled with it and trained, recall@10 against the exact answer, and the retrain-on-drift check.
import { expect } from 'vitest';
import { type IndexOptions, VectorStore, type VectorStoreOptions } from '../../src/index.js';
import { clusteredData, exactTopK } from './quantization/data.js';

export const DIM = 384;
export const N = 3000;
export const NQ = 40;
export const data = clusteredData(N, DIM, 40, 0.035, 31);
export const queries = clusteredData(NQ, DIM, 40, 0.035, 32);
/** Row `i` of a row-major `DIM`-wide matrix. */
export const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * DIM, (i + 1) * DIM);
/** The exact top-10 ids of each query. */
export const truth = Array.from({ length: NQ }, (_, q) => new Set(exactTopK(data, DIM, row(queries, q), 10).map(String)));

/** A store opened with `opts`, holding all `N` rows (ids "0".."2999", metadata bucket = id % 100), compacted twice. */
export async function filled(opts: VectorStoreOptions): Promise<VectorStore> {
  const store = await VectorStore.open(opts);
  for (let s = 0; s < N; s += 500) {
    await store.upsert(Array.from({ length: 500 }, (_, j) => ({
      id: String(s + j), vector: row(data, s + j), metadata: { bucket: (s + j) % 100 },
    })));
  }
  await store.compact(); // trains quantized indexes now (or joins the training already under way)
  await store.compact(); // and rebuilds once more, so stores compare without growth slack
  return store;
}

/** Recall@10 of `store` over the `NQ` queries, with extra search options. */
export async function recall(store: VectorStore, extra: object = {}): Promise<number> {
  let hit = 0;
  for (let q = 0; q < NQ; q++) {
    for (const h of await store.search(row(queries, q), { k: 10, ...extra })) if (truth[q].has(h.id)) hit++;
  }
  return hit / (NQ * 10);
}

/**
 * Opens an in-memory store with `index` (trainAt 1000), trains it on 1,000 clustered rows, then upserts 1,200 rows
 * from a different distribution (no deletes) and checks that the drift check alone starts a second compaction that
 * retrains, after which a shifted row finds itself.
 */
export async function checkRetrainOnDrift(index: IndexOptions): Promise<void> {
  const store = await VectorStore.open({ dimension: DIM, index });
  const first = clusteredData(1000, DIM, 4, 0.01, 41);
  await store.upsert(Array.from({ length: 1000 }, (_, i) => ({ id: `a${i}`, vector: row(first, i) })));
  await store.compact();
  expect(store.stats().compactions).toBe(1);
  // A different distribution: far from every trained centroid.
  const shifted = clusteredData(1200, DIM, 4, 0.01, 99);
  for (let s = 0; s < 1200; s += 200) await store.upsert(Array.from({ length: 200 }, (_, i) => ({ id: `b${s + i}`, vector: row(shifted, s + i) })));
  // No deletes, so only the drift check can have started a compaction: wait for it.
  for (let i = 0; i < 400 && store.stats().compactions < 2; i++) await new Promise((r) => setTimeout(r, 50));
  // At least 2: when the drift check fires while the shifted batches are still arriving, the rows added after that
  // retrain drift again and may start a third compaction (seen once in CI); only the drift check can start any.
  expect(store.stats().compactions).toBeGreaterThanOrEqual(2);
  const [hit] = await store.search(row(shifted, 7), { k: 1 });
  expect(hit.id).toBe('b7');
  await store.close();
}
