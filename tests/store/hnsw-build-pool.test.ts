import { afterEach, describe, expect, it } from 'vitest';
import { VectorStore, WorkerCrashedError, type StoreErrorEvent } from '../../src/index.js';
import { HnswGraph } from '../../src/store/hnsw.js';
import { beginBatch, IN_THREAD_PLANNER, linkBatch, nextBatchSize, type BatchPlanner } from '../../src/store/hnsw-batch.js';
import { BuildPool, buildCounters, buildFaults } from '../../src/store/hnsw-build-pool.js';
import { serializeGraph } from '../../src/store/persistence/hnsw-codec.js';
import { VectorStorage } from '../../src/store/vectors.js';
import { tempDir } from './helpers.js';
import { clusteredVectors, recallOf } from './hnsw-fixture.js';

const DIM = 16, K = 10;
const SCHEDULE = { sequentialPrefix: 400, maxBatch: 200 };

/** Builds a graph over `data` in batches, phase A on `planner`. */
async function buildWith(planner: BatchPlanner, data: Float32Array[]): Promise<{ vs: VectorStorage; g: HnswGraph }> {
  const vs = new VectorStorage(DIM, false, 64);
  for (const v of data) vs.append(v, false);
  const g = new HnswGraph(vs, false, { M: 8, efConstruction: 48, seed: 3 });
  while (g.nodeCount < data.length) {
    const size = nextBatchSize(g.nodeCount, data.length - g.nodeCount, SCHEDULE);
    if (size === 1) {
      g.insert(g.nodeCount);
      continue;
    }
    const plan = beginBatch(g, g.nodeCount, g.nodeCount + size, planner.shared);
    await planner.plan(g, plan);
    linkBatch(g, plan);
  }
  return { vs, g };
}

/** Top-k ids and scores of each query (what two stores with the same graph answer alike). */
async function answers(store: VectorStore, queries: Float32Array[]): Promise<string> {
  const out: string[] = [];
  for (const q of queries) out.push((await store.search(q, { k: K, efSearch: 24 })).map((h) => `${h.id}:${h.score.toFixed(6)}`).join(','));
  return out.join('\n');
}

async function fill(store: VectorStore, data: Float32Array[], from = 0, batch = 1500): Promise<void> {
  for (let s = from; s < data.length; s += batch) {
    await store.upsert(data.slice(s, s + batch).map((vector, i) => ({ id: String(s + i), vector, metadata: { n: s + i } })));
  }
}

describe('HNSW build on worker threads', () => {
  afterEach(() => {
    buildFaults.exitOnPlan = false;
  });

  it('builds the same graph on 1 and 2 worker threads as on the calling thread, at the recall of one-at-a-time insertion', async () => {
    const { data, queries } = clusteredVectors(2500, 60, DIM, 5);
    const one = new BuildPool(1), two = new BuildPool(2);
    try {
      const a = await buildWith(IN_THREAD_PLANNER, data);
      const before = { ...buildCounters };
      const b = await buildWith(one, data);
      const c = await buildWith(two, data);
      expect(one.usingWorkers && two.usingWorkers).toBe(true);
      // Every chunk was planned on a worker.
      expect(buildCounters.workerChunks).toBeGreaterThan(before.workerChunks);
      expect(buildCounters.threadChunks).toBe(before.threadChunks);
      const bytes = serializeGraph(a.g);
      expect(serializeGraph(b.g)).toEqual(bytes);
      expect(serializeGraph(c.g)).toEqual(bytes);
      const seq = new HnswGraph(a.vs, false, { M: 8, efConstruction: 48, seed: 3 });
      for (let s = 0; s < data.length; s++) seq.insert(s);
      const rSeq = recallOf(a.vs, seq, data, queries, 32, K), rPar = recallOf(c.vs, c.g, data, queries, 32, K);
      expect(rPar).toBeGreaterThanOrEqual(rSeq - 0.02);
      expect(rPar).toBeGreaterThanOrEqual(0.9);
    } finally {
      await one.close();
      await two.close();
    }
  }, 60_000);

  it('builds big upserts and compaction rebuilds in parallel, persists them, and answers as the calling-thread build does', async () => {
    const { data, queries } = clusteredVectors(12_000, 40, DIM, 9);
    const t1 = tempDir(), t2 = tempDir();
    const opts = (path: string, buildThreads: number) => ({ path, dimension: DIM, metric: 'dot' as const, index: { type: 'hnsw' as const, M: 8, efConstruction: 48 }, durability: 'write' as const, compactionThreshold: 1, buildThreads });
    try {
      const before = { ...buildCounters };
      let par = await VectorStore.open(opts(t1.dir, 2));
      const ref = await VectorStore.open(opts(t2.dir, 1));
      const errors: StoreErrorEvent[] = [];
      par.on('error', (e) => errors.push(e));
      await fill(par, data);
      await fill(ref, data);
      const built = { ...buildCounters };
      expect(built.workerChunks).toBeGreaterThan(before.workerChunks);
      expect(built.threadChunks).toBe(before.threadChunks);
      const first = await answers(par, queries);
      expect(first).toBe(await answers(ref, queries));
      // Recall against an exact scan of the same store.
      let hit = 0;
      for (const q of queries) {
        const exact = new Set((await par.search(q, { k: K, exact: true })).map((h) => h.id));
        for (const h of await par.search(q, { k: K, efSearch: 32 })) if (exact.has(h.id)) hit++;
      }
      expect(hit / (queries.length * K)).toBeGreaterThanOrEqual(0.9);
      // Persistence: the graph is in the snapshot, so the reopened store answers the same.
      await par.close();
      par = await VectorStore.open(opts(t1.dir, 2));
      expect(await answers(par, queries)).toBe(first);
      // Compaction rebuild (batched, on the workers), the same on both stores.
      // 8,000 live records stay: enough for the rebuild to go in batches.
      const dead = Array.from({ length: 4000 }, (_, i) => String(i * 3));
      await par.delete(dead);
      await ref.delete(dead);
      await par.compact();
      await ref.compact();
      expect(par.stats().compactions).toBeGreaterThanOrEqual(1);
      expect(buildCounters.workerChunks).toBeGreaterThan(built.workerChunks); // the rebuilds went in batches too
      const after = await answers(par, queries);
      expect(after).toBe(await answers(ref, queries));
      expect(after.split('\n').every((line) => line.split(',').every((hitStr) => Number(hitStr.split(':')[0]) % 3 !== 0))).toBe(true);
      expect(errors).toEqual([]);
      await par.close();
      await ref.close();
    } finally {
      t1.cleanup();
      t2.cleanup();
    }
  }, 120_000);

  it('finishes a build whose workers die, reports each failure, and builds the same graph', async () => {
    const { data, queries } = clusteredVectors(5000, 30, DIM, 13);
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => { unhandled.push(err); };
    process.on('unhandledRejection', onUnhandled);
    buildFaults.exitOnPlan = true;
    const mk = (buildThreads: number) => VectorStore.open({ dimension: DIM, metric: 'dot', index: { type: 'hnsw', M: 8, efConstruction: 48 }, buildThreads });
    const broken = await mk(2);
    const errors: StoreErrorEvent[] = [];
    broken.on('error', (e) => errors.push(e));
    const before = { ...buildCounters };
    try {
      await fill(broken, data);
      expect(buildCounters.threadChunks).toBeGreaterThan(before.threadChunks); // the dead workers' share
      buildFaults.exitOnPlan = false;
      const ref = await mk(1);
      await fill(ref, data);
      expect(await answers(broken, queries)).toBe(await answers(ref, queries));
      await ref.close();
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors[0].job).toBe('build');
      expect(errors[0].error).toBeInstanceOf(WorkerCrashedError);
      expect(errors[0].error.code).toBe('WORKER_CRASHED');
      const stats = broken.stats();
      expect(stats.backgroundErrors).toBe(errors.length);
      expect(stats.lastBackgroundError?.job).toBe('build');
      expect(broken.size).toBe(data.length);
    } finally {
      await broken.close();
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  }, 120_000);
});
