import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'tsup';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');

describe('IVF encode workers in the published bundles', () => {
  const out = mkdtempSync(join(tmpdir(), 'abi-ivf-worker-bundle-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('the ESM and CommonJS builds start dist/ivf-worker.{js,cjs} and get the calling-thread result', async () => {
    // The same entry names and splitting as tsup.config.ts: the pool's chunk finds ivf-worker.* beside it.
    await build({
      config: false,
      entry: { pool: join(root, 'src/store/quantization/encode-pool.ts'), 'ivf-worker': join(root, 'src/store/quantization/encode-worker.ts') },
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
      console.log(JSON.stringify({ same: JSON.stringify(a) === JSON.stringify(b), cells: new Set(a).size }));`;
    writeFileSync(join(out, 'esm.mjs'), program("import { EncodePool, Encoder, sharedFloats } from './pool.js';"));
    writeFileSync(join(out, 'cjs.cjs'), `(async () => { ${program("const { EncodePool, Encoder, sharedFloats } = require('./pool.cjs');")} })();`);
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    for (const script of ['esm.mjs', 'cjs.cjs']) {
      const stdout = execFileSync(process.execPath, [join(out, script)], { cwd: out, encoding: 'utf8' });
      const result = JSON.parse(stdout) as { same: boolean; cells: number };
      expect(result.same, script).toBe(true);
      expect(result.cells, script).toBeGreaterThan(1);
    }
  });
});
