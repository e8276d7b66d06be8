import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AbortError, ClosedError, DimensionMismatchError, InvalidFilterError, LockedError, ValidationError, VectorStore,
} from '../../src/index.js';
import { randomVectors, tempDir } from './helpers.js';

const dotp = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('VectorStore basics (in memory)', () => {
  it('upserts, gets, searches best first, deletes', async () => {
    const s = await VectorStore.open({ dimension: 3, index: { type: 'flat' } });
    await s.upsert([
      { id: 'x', vector: [1, 0, 0], text: 'x-axis', metadata: { axis: 'x' } },
      { id: 'y', vector: new Float32Array([0, 1, 0]), metadata: { axis: 'y' } },
      { id: 'xy', vector: [1, 1, 0] },
    ]);
    expect(s.size).toBe(3);
    const hits = await s.search([2, 0.1, 0], { k: 2 });
    expect(hits.map((h) => h.id)).toEqual(['x', 'xy']);
    expect(hits[0].score).toBeCloseTo(2 / Math.hypot(2, 0.1), 5);
    expect(hits[0]).toMatchObject({ text: 'x-axis', metadata: { axis: 'x' } });
    const got = await s.get('xy');
    expect(Array.from(got!.vector)).toEqual([Math.SQRT1_2, Math.SQRT1_2, 0].map((v) => Math.fround(v)));
    expect(got!.metadata).toEqual({});
    expect(await s.delete(['x', 'nope'])).toBe(1);
    expect(await s.get('x')).toBeUndefined();
    expect((await s.search([1, 0, 0], { k: 10 })).map((h) => h.id)).toEqual(['xy', 'y']);
    await s.close();
    await expect(s.search([1, 0, 0])).rejects.toBeInstanceOf(ClosedError);
  });

  it('scores are higher-is-better for every metric', async () => {
    for (const metric of ['cosine', 'dot', 'l2'] as const) {
      const s = await VectorStore.open({ dimension: 2, metric });
      await s.upsert([{ id: 'near', vector: [1, 0] }, { id: 'far', vector: [-3, 0] }]);
      const [a, b] = await s.search([2, 0], { k: 2 });
      expect([a.id, b.id]).toEqual(['near', 'far']);
      expect(a.score).toBeGreaterThan(b.score);
      if (metric === 'dot') expect(a.score).toBeCloseTo(2);
      if (metric === 'l2') expect(a.score).toBeCloseTo(1 / (1 + 1));
    }
  });

  it('overwrites by id and returns copies of metadata', async () => {
    const s = await VectorStore.open({ dimension: 2, compactionThreshold: 1 });
    const meta = { tags: ['a'] };
    await s.upsert([{ id: 'a', vector: [1, 0], metadata: meta }]);
    meta.tags.push('mutated');
    await s.upsert([{ id: 'a', vector: [0, 1], metadata: { v: 2 } }]);
    expect(s.size).toBe(1);
    const r = await s.get('a');
    expect(r!.metadata).toEqual({ v: 2 });
    r!.metadata.v = 3;
    expect((await s.get('a'))!.metadata).toEqual({ v: 2 });
    expect(s.stats().deadSlots).toBe(1);
  });

  it('rejects bad input with typed errors and writes nothing', async () => {
    const s = await VectorStore.open({ dimension: 2 });
    await s.upsert([{ id: 'ok', vector: [1, 0] }]);
    const bad: [unknown[], unknown][] = [
      [[{ id: 'a', vector: [1, 0] }, { id: 'b', vector: [NaN, 0] }], ValidationError],
      [[{ id: 'a', vector: [1, Infinity] }], ValidationError],
      [[{ id: 'a', vector: [1, 0, 0] }], DimensionMismatchError],
      [[{ id: '', vector: [1, 0] }], ValidationError],
      [[{ id: 'a', vector: [1, 0] }, { id: 'a', vector: [0, 1] }], ValidationError],
      [[{ id: 'a', vector: [1, 0], metadata: { x: () => 1 } }], ValidationError],
      [[{ id: 'a', vector: [1, 0], metadata: { x: NaN } }], ValidationError],
      [[{ id: 'a', vector: [1, 0], text: 5 }], ValidationError],
      [[{ id: 'a', vector: [1e39, 0] }], ValidationError],
    ];
    for (const [records, type] of bad) {
      await expect(s.upsert(records as never)).rejects.toBeInstanceOf(type);
    }
    expect(s.size).toBe(1);
    await expect(s.search([1, 0, 0])).rejects.toBeInstanceOf(DimensionMismatchError);
    await expect(s.search([1, 0], { k: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(s.search([1, 0], { filter: { a: { $bad: 1 } } as never })).rejects.toBeInstanceOf(InvalidFilterError);
    await expect(s.delete([''])).rejects.toBeInstanceOf(ValidationError);
    await expect(VectorStore.open({ dimension: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(VectorStore.open({ dimension: 2, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    await expect(s.upsert([{ id: 'b', vector: [0, 1] }], { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(await s.get('b')).toBeUndefined();
    await expect(VectorStore.open({ dimension: 4, index: { type: 'hnsw', M: 1 } })).rejects.toBeInstanceOf(ValidationError);
  });

  it('HNSW reaches high recall against exact search and never under-fills with deletions', async () => {
    const n = 4000, dim = 24;
    const vs = randomVectors(n, dim, 3);
    const s = await VectorStore.open({ dimension: dim, index: { type: 'hnsw', M: 12, efConstruction: 100 } });
    await s.upsert(vs.map((vector, i) => ({ id: String(i), vector, metadata: { i, m: i % 7 } })));
    await s.delete(Array.from({ length: 600 }, (_, i) => String(i * 5)));
    const qs = randomVectors(50, dim, 4);
    let hit = 0;
    for (const q of qs) {
      const exact = new Set((await s.search(q, { k: 10, exact: true })).map((h) => h.id));
      const approx = await s.search(q, { k: 10, efSearch: 64 });
      expect(approx).toHaveLength(10);
      for (const h of approx) {
        expect(Number(h.id) % 5 === 0 && Number(h.id) < 3000).toBe(false);
        if (exact.has(h.id)) hit++;
      }
    }
    expect(hit / (qs.length * 10)).toBeGreaterThan(0.95);
    // Filtered: k hits whenever k match, from rare (exact path) to common (graph path) filters.
    for (const filter of [{ m: 3 }, { i: { $lt: 40 } }, { i: { $in: [7, 11, 13] } }, { $not: { m: 0 } }]) {
      const approx = await s.search(qs[0], { k: 20, filter });
      const exact = await s.search(qs[0], { k: 20, filter, exact: true });
      expect(approx.length).toBe(exact.length);
    }
  });
});

describe('VectorStore persistence', () => {
  it('reopens with the same records, graph and search results; checks dimension and metric', async () => {
    const t = tempDir();
    try {
      const vs = randomVectors(3000, 16, 9);
      const s = await VectorStore.open({ path: t.dir, dimension: 16 });
      await s.upsert(vs.map((vector, i) => ({ id: `d${i}`, vector, text: `t${i}`, metadata: { i } })));
      await s.delete(['d0']);
      const before = await s.search(vs[5], { k: 10 });
      await s.close();
      const r = await VectorStore.open({ path: t.dir, dimension: 16 });
      expect(r.size).toBe(2999);
      expect(r.indexType).toBe('hnsw');
      expect(await r.search(vs[5], { k: 10 })).toEqual(before);
      expect(await r.get('d0')).toBeUndefined();
      expect((await r.get('d7'))!.text).toBe('t7');
      await r.close();
      await expect(VectorStore.open({ path: t.dir, dimension: 8 })).rejects.toBeInstanceOf(DimensionMismatchError);
      await expect(VectorStore.open({ path: t.dir, dimension: 16, metric: 'l2' })).rejects.toBeInstanceOf(ValidationError);
      expect(existsSync(join(t.dir, 'LOCK'))).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it('another process cannot open a store this process holds', async () => {
    const t = tempDir();
    try {
      const s = await VectorStore.open({ path: t.dir, dimension: 4, durability: 'write' });
      await s.upsert([{ id: 'a', vector: [1, 2, 3, 4], metadata: { k: 'v' } }]);
      await s.flush();
      // Simulate a crash: release only the in-process registry entry by reading the files from a child process.
      const code = `
        const { VectorStore } = await import(${JSON.stringify(join(process.cwd(), 'src/index.ts'))});
        const s = await VectorStore.open({ path: ${JSON.stringify(t.dir)}, dimension: 4 }).catch((e) => e);
        console.log(s.code ?? 'opened');`;
      const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
      expect(res.stdout.trim()).toBe('LOCKED');
      await s.close();
    } finally {
      t.cleanup();
    }
  });

  it('locks: a second handle in this process fails, a stale lock of a dead process is taken over', async () => {
    const t = tempDir();
    try {
      const s = await VectorStore.open({ path: t.dir, dimension: 4 });
      await expect(VectorStore.open({ path: t.dir, dimension: 4 })).rejects.toBeInstanceOf(LockedError);
      await s.upsert([{ id: 'a', vector: [1, 0, 0, 0] }]);
      await s.close();
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      writeFileSync(join(t.dir, 'LOCK'), JSON.stringify({ pid: Number(dead.stdout), host: (await import('node:os')).hostname(), token: 'x' }));
      const r = await VectorStore.open({ path: t.dir, dimension: 4 });
      expect(r.size).toBe(1);
      await r.close();
    } finally {
      t.cleanup();
    }
  });

  it('compacts in the background past the dead fraction while searches keep answering', async () => {
    const t = tempDir();
    try {
      const vs = randomVectors(3000, 8, 21);
      const s = await VectorStore.open({ path: t.dir, dimension: 8, compactionThreshold: 0.3 });
      await s.upsert(vs.map((vector, i) => ({ id: `k${i}`, vector, metadata: { i } })));
      await s.delete(Array.from({ length: 1000 }, (_, i) => `k${i}`));
      expect(s.stats().compacting).toBe(true);
      let searches = 0;
      while (s.stats().compacting) {
        const hits = await s.search(vs[2500], { k: 5 });
        expect(hits[0].id).toBe('k2500');
        searches++;
        await s.upsert([{ id: `late${searches}`, vector: vs[searches] }]);
        await new Promise((r) => setImmediate(r));
      }
      expect(searches).toBeGreaterThan(1);
      expect(s.stats()).toMatchObject({ deadSlots: 0, compactions: 1, size: 2000 + searches });
      expect(await s.get('late1')).toBeDefined();
      expect(await s.get('k5')).toBeUndefined();
      await s.close();
      const r = await VectorStore.open({ path: t.dir, dimension: 8 });
      expect(r.size).toBe(2000 + searches);
      expect(r.stats().deadSlots).toBe(0); // the compacted layout was snapshotted
      expect((await r.search(vs[2500], { k: 1 }))[0].id).toBe('k2500');
      await r.close();
    } finally {
      t.cleanup();
    }
  });

  it('cosine stores unit vectors and dot keeps raw ones', async () => {
    const c = await VectorStore.open({ dimension: 2, metric: 'dot' });
    await c.upsert([{ id: 'a', vector: [3, 4] }]);
    expect(Array.from((await c.get('a'))!.vector)).toEqual([3, 4]);
    expect(dotp((await c.search([1, 1], { k: 1, includeVectors: true }))[0].vector!, [1, 1])).toBe(7);
  });
});

describe('VectorStore close', () => {
  it('completes writes accepted before close() and rejects later calls', async () => {
    const t = tempDir();
    try {
      const s = await VectorStore.open({ path: t.dir, dimension: 2 });
      const pending = [s.upsert([{ id: 'a', vector: [1, 0] }]), s.upsert([{ id: 'b', vector: [0, 1] }]), s.delete(['a'])];
      const closing = s.close();
      await expect(Promise.all(pending)).resolves.toEqual([undefined, undefined, 1]);
      await closing;
      await expect(s.upsert([{ id: 'c', vector: [1, 1] }])).rejects.toBeInstanceOf(ClosedError);
      const r = await VectorStore.open({ path: t.dir, dimension: 2 });
      expect(r.size).toBe(1);
      expect(await r.get('b')).toBeDefined();
      await r.close();
    } finally {
      t.cleanup();
    }
  });
});
