// Search workers (VectorStore searchThreads): the same answers as the calling thread on a quiescent store, for every
// index the workers walk; searchMany in order; abort; close with searches in flight; a worker killed mid-search.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError, ClosedError, PoolUnhealthyError, VectorStore, WorkerCrashedError, type SearchHit, type Filter, type SearchOptions, type StoreErrorEvent, type VectorStoreOptions } from '../../src/index.js';
import { workerFaults } from '../../src/internal/crash-loop.js';
import { Worker } from 'node:worker_threads';
import { SearchPool, slotBytes } from '../../src/store/search-pool/search-pool.js';
import { failOnProcessFaults, until } from '../helpers/process-faults.js';
import { randomVectors, tempDir } from './helpers.js';

const DIM = 24;
const N = 3000; // above the 2,048 records below which searches stay on the calling thread
const vectors = randomVectors(N, DIM, 11);
const records = vectors.map((vector, i) => ({ id: `r${i}`, vector, text: `t${i}`, metadata: { i, tag: i % 5 } }));
const queries = randomVectors(40, DIM, 12);
const open: VectorStore[] = [];
const defaultSlotBytes = { ...slotBytes };

failOnProcessFaults(() => {
  workerFaults.exitOnRequest = 0;
  workerFaults.exitAtStart = false;
  workerFaults.pauseAfterReadyMs = 0;
  Object.assign(slotBytes, defaultSlotBytes);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function storeWith(options: Partial<VectorStoreOptions>): Promise<VectorStore> {
  const s = await VectorStore.open({ dimension: DIM, metric: 'cosine', index: { type: 'hnsw', M: 8, efConstruction: 40 }, ...options });
  open.push(s);
  await s.upsert(records);
  return s;
}

/** Starts the pool and waits until `n` workers are up (before that, searches run on the calling thread). */
async function workersUp(s: VectorStore, n = 2): Promise<void> {
  await s.search(queries[0]);
  await until(() => (s.stats().searchPool?.workersUp ?? 0) >= n, 60_000, 10);
}

const ids = (hits: SearchHit[]): string[] => hits.map((h) => h.id);

/** Searches `q` on a worker: a lone call is answered on the calling thread, so it goes beside another one. */
async function onWorker(s: VectorStore, q: Float32Array, options: SearchOptions = {}): Promise<SearchHit[]> {
  const [, hits] = await Promise.all([s.search(queries[0], { k: 1 }), s.search(q, options)]);
  return hits;
}

describe('search workers', () => {
  it.each([
    ['hnsw float', { type: 'hnsw', M: 8, efConstruction: 40 }],
    ['hnsw int8', { type: 'hnsw', M: 8, efConstruction: 40, quantization: 'int8' }],
    ['flat', { type: 'flat' }],
  ] as const)('answer like the calling thread on a quiescent store (%s), search and searchMany', async (_name, index) => {
    const pooled = await storeWith({ index, searchThreads: 2 });
    const local = await storeWith({ index, searchThreads: 0 });
    if (index.type === 'hnsw' && 'quantization' in index) {
      // int8 trains in a background compaction once past trainAt: the same on both.
      await pooled.compact();
      await local.compact();
      await until(() => pooled.stats().trained && local.stats().trained && !pooled.stats().compacting && !local.stats().compacting);
    }
    await workersUp(pooled);
    let before = pooled.stats().searchPool!.searches;
    for (const q of queries) {
      const [a, b] = [await onWorker(pooled, q, { k: 10, efSearch: 32 }), await local.search(q, { k: 10, efSearch: 32 })];
      expect(a).toEqual(b);
    }
    // The workers answered them (not the calling-thread fallback).
    expect(pooled.stats().searchPool!.searches - before).toBe(queries.length);
    // All at once: the first on the calling thread, the others on idle workers or (none idle) on the calling thread.
    before = pooled.stats().searchPool!.searches;
    const all = await Promise.all(queries.map((q) => pooled.search(q, { k: 10, efSearch: 32 })));
    for (let i = 0; i < queries.length; i++) expect(all[i]).toEqual(await local.search(queries[i], { k: 10, efSearch: 32 }));
    const onWorkers = pooled.stats().searchPool!.searches - before;
    expect(onWorkers).toBeGreaterThan(0);
    expect(onWorkers).toBeLessThan(queries.length);
    // searchMany: pieces on the calling thread and on the workers, results in order.
    before = pooled.stats().searchPool!.searches;
    const many = await pooled.searchMany(queries, { k: 7, efSearch: 32 });
    expect(many).toHaveLength(queries.length);
    for (let i = 0; i < queries.length; i++) expect(many[i]).toEqual(await local.search(queries[i], { k: 7, efSearch: 32 }));
    const manyOnWorkers = pooled.stats().searchPool!.searches - before;
    expect(manyOnWorkers).toBeGreaterThan(0);
    expect(manyOnWorkers).toBeLessThan(queries.length);
  }, 60_000);

  it('see writes that grow every array (the vector block moves in the shared memory, graph buffers grow in place)', async () => {
    const pooled = await storeWith({ searchThreads: 2 });
    const local = await storeWith({ searchThreads: 0 });
    await workersUp(pooled);
    const more = randomVectors(3000, DIM, 13).map((vector, i) => ({ id: `m${i}`, vector }));
    await pooled.upsert(more);
    await local.upsert(more);
    for (let i = 0; i < more.length; i += 5) {
      const [a] = await pooled.search(more[i].vector, { k: 1 });
      expect(a.id).toBe(`m${i}`);
      expect(a.score).toBeCloseTo(1, 5);
    }
    const qs = randomVectors(20, DIM, 14);
    expect(await pooled.searchMany(qs, { k: 10 })).toEqual(await local.searchMany(qs, { k: 10 }));
  }, 60_000);

  it('search a store loaded from its snapshot like the calling thread', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const first = await VectorStore.open({ path: dir, dimension: DIM, index: { type: 'hnsw', M: 8, efConstruction: 40 }, searchThreads: 0 });
      await first.upsert(records);
      await first.close(); // writes the snapshot: the reopened store loads it without replaying a single upsert
      const reopened = await VectorStore.open({ path: dir, dimension: DIM, searchThreads: 2 });
      open.push(reopened);
      const local = await storeWith({ searchThreads: 0 });
      await workersUp(reopened);
      const before = reopened.stats().searchPool!.searches;
      expect(await reopened.searchMany(queries, { k: 10 })).toEqual(await local.searchMany(queries, { k: 10 }));
      expect(reopened.stats().searchPool!.searches - before).toBeGreaterThan(0);
      for (const q of queries.slice(0, 10)) expect(await onWorker(reopened, q, { k: 10 })).toEqual(await local.search(q, { k: 10 }));
    } finally {
      await Promise.all(open.splice(0).map((s) => s.close()));
      cleanup();
    }
  }, 60_000);

  it('searchThreads 0 never starts workers; bad values are refused', async () => {
    const s = await storeWith({ searchThreads: 0 });
    await s.search(queries[0]);
    expect(s.stats().searchPool).toBeUndefined();
    await expect(VectorStore.open({ dimension: DIM, searchThreads: -1 })).rejects.toThrow(/searchThreads/);
    await expect(VectorStore.open({ dimension: DIM, searchThreads: 1.5 })).rejects.toThrow(/searchThreads/);
  });

  it('honours AbortSignal: already aborted, and aborted while queued', async () => {
    const s = await storeWith({ searchThreads: 2 });
    await workersUp(s);
    const done = AbortSignal.abort();
    await expect(s.search(queries[0], { signal: done })).rejects.toBeInstanceOf(AbortError);
    await expect(s.searchMany(queries, { signal: done })).rejects.toBeInstanceOf(AbortError);
    const ac = new AbortController();
    const many = Array.from({ length: 20 }, () => queries).flat();
    const running = s.searchMany(many, { k: 10, efSearch: 200, signal: ac.signal });
    ac.abort();
    await expect(running).rejects.toBeInstanceOf(AbortError);
    // The pool is still usable afterwards.
    expect(await s.search(queries[1], { k: 3 })).toHaveLength(3);
  }, 60_000);

  it('close() with searches in flight: each settles (results or ClosedError), nothing unhandled, later calls fail ClosedError', async () => {
    const s = await storeWith({ searchThreads: 2 });
    await workersUp(s);
    const many = Array.from({ length: 30 }, () => queries).flat();
    const inFlight = Promise.allSettled([s.searchMany(many, { k: 10, efSearch: 200 }), ...queries.map((q) => s.search(q, { k: 5 }))]);
    await s.close();
    const settled = await inFlight;
    for (const r of settled) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ClosedError);
      else expect(Array.isArray(r.value)).toBe(true);
    }
    expect(settled.some((r) => r.status === 'rejected')).toBe(true);
    await expect(s.search(queries[0])).rejects.toBeInstanceOf(ClosedError);
  }, 60_000);

  it('a worker killed mid-search: the search is retried on another and answers; a second death fails it typed', async () => {
    const s = await storeWith({ searchThreads: 2 });
    const local = await storeWith({ searchThreads: 0 });
    const events: StoreErrorEvent[] = [];
    s.on('error', (e) => events.push(e));
    await workersUp(s);
    workerFaults.exitOnRequest = 1;
    expect(ids(await onWorker(s, queries[2], { k: 10 }))).toEqual(ids(await local.search(queries[2], { k: 10 })));
    expect(events.map((e) => [e.job, e.error.code])).toEqual([['search', 'WORKER_CRASHED']]);
    await until(() => s.stats().searchPool!.workersUp === 2 && s.stats().searchPool!.restarts === 1, 60_000, 10);
    expect(s.stats().backgroundErrors).toBe(1);

    workerFaults.exitOnRequest = 2;
    await expect(onWorker(s, queries[3], { k: 10 })).rejects.toBeInstanceOf(WorkerCrashedError);
    // Respawned: searches work again.
    await until(() => s.stats().searchPool!.workersUp === 2, 60_000, 10);
    expect(ids(await onWorker(s, queries[4], { k: 10 }))).toEqual(ids(await local.search(queries[4], { k: 10 })));
  }, 90_000);

  it('a worker that stalls between saying it is ready and serving still takes the request sent meanwhile', async () => {
    // The first request rings the worker's doorbell while it stalls; a worker that started waiting from the bell's
    // value at that point (not from 0) would sleep through it and the search would never settle.
    workerFaults.pauseAfterReadyMs = 300;
    const s = await storeWith({ searchThreads: 1 });
    const local = await storeWith({ searchThreads: 0 });
    await workersUp(s, 1);
    expect(await onWorker(s, queries[5], { k: 10 })).toEqual(await local.search(queries[5], { k: 10 }));
    expect(s.stats().searchPool!.searches).toBe(1);
  }, 30_000);

  it('requests that do not fit the request slot go by message, with the same answers', async () => {
    slotBytes.initial = 1024;
    slotBytes.max = 2048; // one 24-d query fits; a searchMany piece of ~30 does not
    const s = await storeWith({ searchThreads: 1 });
    const local = await storeWith({ searchThreads: 0 });
    await workersUp(s, 1);
    await onWorker(s, queries[7]); // the first request to the worker carries the collection's layout, by message
    const posted = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      expect(await onWorker(s, queries[6], { k: 10 })).toEqual(await local.search(queries[6], { k: 10 }));
      expect(posted).not.toHaveBeenCalled(); // the worker has the layout: the slot carried the request
      const many = randomVectors(400, DIM, 15);
      expect(await s.searchMany(many, { k: 5 })).toEqual(await local.searchMany(many, { k: 5 }));
      expect(posted).toHaveBeenCalled();
      for (const [req] of posted.mock.calls) expect((req as { nq: number }).nq * DIM * 4).toBeGreaterThan(1024);
    } finally {
      posted.mockRestore();
    }
  }, 30_000);

  it('a lone caller is answered on the calling thread (no worker search)', async () => {
    const s = await storeWith({ searchThreads: 2 });
    await workersUp(s);
    const before = s.stats().searchPool!.searches;
    for (const q of queries) await s.search(q, { k: 5 });
    expect(s.stats().searchPool!.searches).toBe(before);
  }, 60_000);

  it.each([
    ['50%', { tag: { $in: [0, 1] } }],
    ['20%', { tag: { $eq: 2 } }],
    ['3%', { i: { $lt: 90 } }],
    ['0.3%', { i: { $in: [5, 500, 1500, 2500, 2999, 7, 8, 9, 10] } }],
    ['none', { tag: { $eq: 99 } }],
  ] as [string, Filter][])('filtered searches on workers equal the calling thread (%s of records)', async (_name, filter) => {
    const pooled = await storeWith({ searchThreads: 2 });
    const local = await storeWith({ searchThreads: 0 });
    await workersUp(pooled);
    await pooled.delete(['r1', 'r2', 'r500', 'r10']); // tombstones fold into the allow set
    await local.delete(['r1', 'r2', 'r500', 'r10']);
    const before = pooled.stats().searchPool!.searches;
    for (const q of queries.slice(0, 15)) {
      const [a, b] = [await onWorker(pooled, q, { k: 10, efSearch: 32, filter }), await local.search(q, { k: 10, efSearch: 32, filter })];
      expect(a).toEqual(b);
    }
    if (_name !== 'none') expect(pooled.stats().searchPool!.searches - before).toBe(15);
    expect(await pooled.searchMany(queries, { k: 6, filter })).toEqual(await local.searchMany(queries, { k: 6, filter }));
    expect(pooled.stats().filterPlans).toEqual(local.stats().filterPlans);
  }, 60_000);

  it('workers that keep dying at start: the pool turns unhealthy, refuses typed, and recovers once a worker comes up', async () => {
    workerFaults.exitAtStart = true;
    const pool = new SearchPool(2, 'auto', { initialDelayMs: 5, maxDelayMs: 40, unhealthyAfter: 3 });
    try {
      await until(() => pool.health().status === 'unhealthy', 60_000, 5);
      expect(pool.health()).toMatchObject({ workersUp: 0, workers: 2 });
      expect(pool.health().reason).toMatch(/the search pool is unhealthy: every worker died 3 times in a row/);
      expect(pool.idleWorkers()).toBe(0);
      const refused = await pool.search(undefined as never, new Float32Array(DIM), 1, { k: 1, efSearch: 16, rerank: 0, exact: false }, null).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PoolUnhealthyError);
      workerFaults.exitAtStart = false; // the next probe (at maxDelayMs) comes up
      await until(() => pool.health().status === 'ok' && pool.health().workersUp === 2, 60_000, 5);
      expect(pool.health().restarts).toBeGreaterThanOrEqual(6);
    } finally {
      workerFaults.exitAtStart = false;
      await pool.close();
    }
  }, 60_000);

  it('a store whose search workers keep dying answers every search on the calling thread', async () => {
    workerFaults.exitAtStart = true;
    const pooled = await storeWith({ searchThreads: 2 });
    const local = await storeWith({ searchThreads: 0 });
    await pooled.search(queries[0]); // starts the pool
    await until(() => pooled.stats().searchPool!.status === 'unhealthy', 60_000, 10);
    const all = await Promise.all(queries.slice(0, 10).map((q) => pooled.search(q, { k: 10, efSearch: 32 })));
    for (let i = 0; i < 10; i++) expect(all[i]).toEqual(await local.search(queries[i], { k: 10, efSearch: 32 }));
    expect(await pooled.searchMany(queries.slice(0, 10), { k: 10, efSearch: 32 })).toEqual(all);
    expect(pooled.stats().searchPool!.searches).toBe(0);
    workerFaults.exitAtStart = false;
  }, 90_000);
});
