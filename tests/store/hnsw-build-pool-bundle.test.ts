import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'tsup';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

describe('HNSW build workers in the published bundles', () => {
  const out = mkdtempSync(join(tmpdir(), 'abi-hnsw-build-bundle-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('the ESM and CommonJS builds start dist/hnsw-build-worker.{js,cjs} and build the calling-thread graph', async () => {
    // The same worker entry name and splitting as tsup.config.ts: the pool's chunk finds hnsw-build-worker.* beside it.
    const entry = join(out, 'entry.ts');
    writeFileSync(entry, [
      `export { BuildPool, buildCounters } from ${JSON.stringify(join(root, 'src/store/hnsw-build-pool.ts'))};`,
      `export { beginBatch, linkBatch, IN_THREAD_PLANNER } from ${JSON.stringify(join(root, 'src/store/hnsw-batch.ts'))};`,
      `export { HnswGraph } from ${JSON.stringify(join(root, 'src/store/hnsw.ts'))};`,
      `export { VectorStorage } from ${JSON.stringify(join(root, 'src/store/vectors.ts'))};`,
      `export { serializeGraph } from ${JSON.stringify(join(root, 'src/store/persistence/hnsw-codec.ts'))};`,
    ].join('\n'));
    await build({
      config: false,
      entry: { pool: entry, 'hnsw-build-worker': join(root, 'src/store/hnsw-build-worker.ts') },
      format: ['esm', 'cjs'],
      outDir: out,
      platform: 'node',
      target: 'node20',
      dts: false,
      splitting: true,
      shims: true,
      silent: true,
    });
    const program = (load: string): string => `${load}
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
      console.log(JSON.stringify({ same: a === b, onWorkers: buildCounters.workerChunks, inThread: buildCounters.threadChunks }));`;
    writeFileSync(join(out, 'esm.mjs'), program("import { BuildPool, buildCounters, beginBatch, linkBatch, IN_THREAD_PLANNER, HnswGraph, VectorStorage, serializeGraph } from './pool.js';"));
    writeFileSync(join(out, 'cjs.cjs'), `(async () => { ${program("const { BuildPool, buildCounters, beginBatch, linkBatch, IN_THREAD_PLANNER, HnswGraph, VectorStorage, serializeGraph } = require('./pool.cjs');")} })();`);
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    for (const script of ['esm.mjs', 'cjs.cjs']) {
      const stdout = execFileSync(process.execPath, [join(out, script)], { cwd: out, encoding: 'utf8' });
      const result = JSON.parse(stdout) as { same: boolean; onWorkers: number; inThread: number };
      expect(result.same, script).toBe(true);
      expect(result.onWorkers, script).toBeGreaterThan(0);
      expect(result.inThread, script).toBe(0);
    }
  }, 120_000);
});
