// The store's worker pools in the published bundles: the same entry names and splitting as tsup.config.ts, so each
// pool's chunk must find its worker script (ivf-worker, hnsw-build-worker, search-worker .{js,cjs}) beside it, in the
// ESM and the CommonJS build alike, and give what the calling thread gives.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const src = (path: string): string => JSON.stringify(join(root, 'src', path));
const out = mkdtempSync(join(tmpdir(), 'abi-worker-bundles-'));

/** What the entry exports (one chunk, as the package's entries share theirs). */
const EXPORTS = 'EncodePool, Encoder, sharedFloats, BuildPool, buildCounters, beginBatch, linkBatch, IN_THREAD_PLANNER, HnswGraph, VectorStorage, serializeGraph, VectorStore';

beforeAll(async () => {
  const entry = join(out, 'entry.ts');
  writeFileSync(entry, [
    `export { EncodePool, Encoder, sharedFloats } from ${src('store/quantization/encode-pool.ts')};`,
    `export { BuildPool, buildCounters } from ${src('store/hnsw-build-pool.ts')};`,
    `export { beginBatch, linkBatch, IN_THREAD_PLANNER } from ${src('store/hnsw-batch.ts')};`,
    `export { HnswGraph } from ${src('store/hnsw.ts')};`,
    `export { VectorStorage } from ${src('store/vectors.ts')};`,
    `export { serializeGraph } from ${src('store/persistence/hnsw-codec.ts')};`,
    `export { VectorStore } from ${src('store/vector-store.ts')};`,
  ].join('\n'));
  await build({
    config: false,
    entry: {
      pools: entry,
      'ivf-worker': join(root, 'src/store/quantization/encode-worker.ts'),
      'hnsw-build-worker': join(root, 'src/store/hnsw-build-worker.ts'),
      'search-worker': join(root, 'src/store/search-pool/search-worker.ts'),
    },
    format: ['esm', 'cjs'],
    outDir: out,
    platform: 'node',
    target: 'node20',
    dts: false,
    splitting: true,
    shims: true,
    silent: true,
  });
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Runs `body` (which prints one JSON line) against the ESM and the CommonJS bundle; returns both results. */
function inBothBundles<T>(name: string, body: string): [string, T][] {
  writeFileSync(join(out, `${name}.mjs`), `import { ${EXPORTS} } from './pools.js';\n${body}`);
  writeFileSync(join(out, `${name}.cjs`), `const { ${EXPORTS} } = require('./pools.cjs');\n(async () => {\n${body}\n})();`);
  return [`${name}.mjs`, `${name}.cjs`].map((script) => [script, JSON.parse(execFileSync(process.execPath, [join(out, script)], { cwd: out, encoding: 'utf8' })) as T]);
}

describe('worker pools in the published bundles', () => {
  it('IVF encode workers (ivf-worker) give the calling-thread cells', () => {
    for (const [script, r] of inBothBundles<{ same: boolean; cells: number }>('encode', `
      const dim = 8, k = 5, n = 1000;
      const centroids = Float32Array.from({ length: k * dim }, (_, i) => Math.sin(i));
      const points = sharedFloats(n * dim).map((_, i) => Math.cos(i * 0.37));
      const run = async (pool) => {
        const out = { cells: new Int32Array(n), dists: new Float32Array(n) };
        await new Encoder({ centroids, k, dim }, pool).run(points, n, out);
        return Array.from(out.cells);
      };
      const pool = new EncodePool(2);
      const [a, b] = [await run(pool), await run(undefined)];
      await pool.close();
      console.log(JSON.stringify({ same: JSON.stringify(a) === JSON.stringify(b), cells: new Set(a).size }));`)) {
      expect(r.same, script).toBe(true);
      expect(r.cells, script).toBeGreaterThan(1);
    }
  }, 60_000);

  it('HNSW build workers (hnsw-build-worker) build the calling-thread graph', () => {
    for (const [script, r] of inBothBundles<{ same: boolean; onWorkers: number; inThread: number }>('build', `
      const dim = 8, n = 700;
      const run = async (planner) => {
        const vs = new VectorStorage(dim, true, n);
        for (let i = 0; i < n; i++) vs.append(Float32Array.from({ length: dim }, (_, j) => Math.sin(i * 0.7 + j * 1.3)), false);
        const g = new HnswGraph(vs, true, { M: 6, efConstruction: 24, seed: 1 }, n);
        for (let i = 0; i < 300; i++) g.insert(i);
        for (let from = 300; from < n; from += 100) {
          const plan = beginBatch(g, from, from + 100, planner.shared);
          await planner.plan(g, plan);
          linkBatch(g, plan);
        }
        return Buffer.from(serializeGraph(g)).toString('base64');
      };
      const pool = new BuildPool(2);
      const [a, b] = [await run(pool), await run(IN_THREAD_PLANNER)];
      await pool.close();
      console.log(JSON.stringify({ same: a === b, onWorkers: buildCounters.workerChunks, inThread: buildCounters.threadChunks }));`)) {
      expect(r.same, script).toBe(true);
      expect(r.onWorkers, script).toBeGreaterThan(0);
      expect(r.inThread, script).toBe(0);
    }
  }, 60_000);

  it('search workers (search-worker) answer concurrent searches like the calling thread', () => {
    for (const [script, r] of inBothBundles<{ same: boolean; onWorkers: number; up: number }>('search', `
      const dim = 16, n = 3000;
      const vec = (i) => Float32Array.from({ length: dim }, (_, j) => Math.sin(i * 0.91 + j * 1.7));
      const records = Array.from({ length: n }, (_, i) => ({ id: 'r' + i, vector: vec(i) }));
      const open = async (searchThreads) => {
        const s = await VectorStore.open({ dimension: dim, index: { type: 'hnsw', M: 8, efConstruction: 32 }, searchThreads, buildThreads: 0 });
        await s.upsert(records);
        return s;
      };
      const [pooled, local] = [await open(2), await open(0)];
      await pooled.search(vec(0));
      for (let t = 0; t < 3000 && pooled.stats().searchPool.workersUp < 2; t++) await new Promise((r) => setTimeout(r, 10));
      const queries = Array.from({ length: 20 }, (_, i) => vec(n + i));
      const a = await Promise.all(queries.map((q) => pooled.search(q, { k: 5 })));
      const b = [];
      for (const q of queries) b.push(await local.search(q, { k: 5 }));
      const stats = pooled.stats().searchPool;
      await pooled.close();
      await local.close();
      console.log(JSON.stringify({ same: JSON.stringify(a) === JSON.stringify(b), onWorkers: stats.searches, up: stats.workersUp }));`)) {
      expect(r.up, script).toBe(2);
      expect(r.same, script).toBe(true);
      expect(r.onWorkers, script).toBeGreaterThan(0);
    }
  }, 60_000);
});
