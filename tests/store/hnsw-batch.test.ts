import { describe, expect, it } from 'vitest';
import { MaxHeap } from '../../src/store/heap.js';
import { HnswGraph } from '../../src/store/hnsw.js';
import { Collection, resolveIndex } from '../../src/store/collection.js';
import { IN_THREAD_PLANNER, insertBatched, nextBatchSize, SEQUENTIAL_PREFIX, MAX_BATCH } from '../../src/store/hnsw-batch.js';
import { serializeGraph } from '../../src/store/persistence/hnsw-codec.js';
import { VectorStorage } from '../../src/store/vectors.js';
import { clusteredVectors, recallOf } from './hnsw-fixture.js';

const DIM = 24, N = 5000, K = 10;
const SCHEDULE = { sequentialPrefix: 600, maxBatch: 256 };

function graphOver(data: Float32Array[]): { vs: VectorStorage; g: HnswGraph } {
  const vs = new VectorStorage(DIM, false, data.length);
  for (const v of data) vs.append(v, false);
  return { vs, g: new HnswGraph(vs, false, { M: 8, efConstruction: 64, seed: 7 }, data.length) };
}

describe('batched HNSW construction', () => {
  const { data, queries } = clusteredVectors(N, 100, DIM, 11);

  it('sizes batches from the graph size alone: one at a time first, then an eighth of the graph up to the cap', () => {
    expect(nextBatchSize(0, 10_000)).toBe(1);
    expect(nextBatchSize(SEQUENTIAL_PREFIX - 1, 10_000)).toBe(1);
    expect(nextBatchSize(SEQUENTIAL_PREFIX, 10_000)).toBe(SEQUENTIAL_PREFIX / 8);
    expect(nextBatchSize(1_000_000, 10_000)).toBe(MAX_BATCH);
    expect(nextBatchSize(1_000_000, 7)).toBe(7);
  });

  it('reaches the recall of one-at-a-time insertion on a clustered set, with link lists in bounds', () => {
    const seq = graphOver(data);
    for (let s = 0; s < N; s++) seq.g.insert(s);
    const bat = graphOver(data);
    insertBatched(bat.g, N, SCHEDULE);
    expect(bat.g.nodeCount).toBe(N);
    for (let s = 0; s < N; s++) {
      const cnt = bat.g.level0[s * bat.g.stride0];
      expect(cnt).toBeGreaterThan(0);
      expect(cnt).toBeLessThanOrEqual(bat.g.maxM0);
      for (let j = 1; j <= cnt; j++) {
        const t = bat.g.level0[s * bat.g.stride0 + j];
        expect(t).not.toBe(s);
        expect(t).toBeLessThan(N);
      }
    }
    // The levels are the ones one-at-a-time insertion draws (same generator, same order).
    expect(Array.from(bat.g.levels.subarray(0, N))).toEqual(Array.from(seq.g.levels.subarray(0, N)));
    for (const ef of [16, 32, 64]) {
      const a = recallOf(seq.vs, seq.g, data, queries, ef, K);
      const b = recallOf(bat.vs, bat.g, data, queries, ef, K);
      expect(b).toBeGreaterThanOrEqual(a - 0.02);
      if (ef >= 32) expect(b).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('builds the same graph every time for the same insert order', () => {
    const a = graphOver(data), b = graphOver(data);
    insertBatched(a.g, N, SCHEDULE);
    insertBatched(b.g, N, SCHEDULE);
    expect(serializeGraph(b.g)).toEqual(serializeGraph(a.g));
    // …and continues the same way after a prefix was built separately (batches depend on the graph size only).
    const c = graphOver(data);
    insertBatched(c.g, 3000, SCHEDULE);
    insertBatched(c.g, N, SCHEDULE);
    const top = new MaxHeap();
    expect(c.g.nodeCount).toBe(N);
    c.g.search(c.vs.offsetOf(0), 16, top, null, null);
    expect(top.size).toBe(16);
  });

  it('upserts through the batched path in order: replaced ids, payloads and the graph agree', async () => {
    const c = await Collection.create({ dimension: DIM, metric: 'dot', index: resolveIndex({ type: 'hnsw', M: 8, efConstruction: 32 }), vectors: 'memory', text: null });
    const rec = (id: string, vector: Float32Array) => ({ id, vector, text: undefined, metadataJson: JSON.stringify({ id }) });
    const first = data.slice(0, 4500).map((v, i) => rec(String(i), v));
    expect(c.batchesGraph(first.length)).toBe(true);
    await c.upsertMany(first, IN_THREAD_PLANNER);
    // Ids 0..299 written twice in one batch, with other vectors: the later write wins, the earlier ones are dead.
    const again = [...data.slice(4500, 4800), ...data.slice(4500, 4800).map((v) => v.map((x) => -x))].map((v, i) => rec(String(i % 300), v));
    await c.upsertMany(again, IN_THREAD_PLANNER);
    expect(c.size).toBe(4500);
    expect(c.dir.slots).toBe(5100);
    expect(c.graph!.nodeCount).toBe(5100);
    expect(c.floats.count).toBe(5100);
    const params = { efSearch: 48, nprobe: 0, rerank: 100, exact: false };
    for (const i of [0, 17, 299]) {
      const q = c.prepareQuery(data[4500 + i].map((x) => -x));
      const [hit] = c.search(q, 1, null, params);
      expect(c.idOf(hit.slot)).toBe(String(i));
      expect(hit.slot).toBe(4800 + i);
      expect(c.metadataOf(hit.slot)).toEqual({ id: String(i) });
    }
    // Every live record is found as its own nearest neighbour by the graph walk.
    let self = 0;
    for (let s = 300; s < 4500; s += 7) {
      const [hit] = c.search(c.prepareQuery(data[s].slice()), 1, null, params);
      if (hit.slot === s) self++;
    }
    expect(self).toBeGreaterThanOrEqual(Math.floor(4200 / 7) - 3);
  });
});
