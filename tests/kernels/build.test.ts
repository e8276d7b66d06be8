import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'tsup';
import { afterAll, describe, expect, it } from 'vitest';
import { KERNELS_SOURCE_SHA256 } from '../../src/kernels/generated/wasm-modules.js';

const root = join(import.meta.dirname, '../..');

describe('kernel build', () => {
  it('the embedded bytes were assembled from the current .wat sources', () => {
    const hash = createHash('sha256');
    for (const f of ['f32.wat', 'i8.wat', 'pq.wat', 'bits.wat']) hash.update(readFileSync(join(root, 'src/kernels/wat', f), 'utf8'));
    expect(KERNELS_SOURCE_SHA256).toBe(hash.digest('hex'));
  });

  const out = mkdtempSync(join(tmpdir(), 'abi-kernels-bundle-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('both the ESM and the CommonJS bundles load the kernels with no file reads at run time', async () => {
    await build({
      config: false,
      entry: { kernels: join(root, 'src/kernels/index.ts') },
      format: ['esm', 'cjs'],
      outDir: out,
      platform: 'node',
      target: 'node20',
      dts: false,
      splitting: false,
      silent: true,
    });
    for (const file of ['kernels.js', 'kernels.cjs']) {
      const text = readFileSync(join(out, file), 'utf8');
      expect(text, file).not.toMatch(/import\.meta|readFileSync|__dirname/);
    }
    // Each bundle runs in its own Node process, from a folder with no node_modules beside it.
    const program = (load: string) => `${load}
      const arena = new KernelArena({ backend: 'wasm' });
      const a = arena.alloc(4 * 5), b = arena.alloc(4 * 5);
      arena.writeF32(a, [1, 2, 3, 4, 5]); arena.writeF32(b, [5, 4, 3, 2, 1]);
      console.log(JSON.stringify({ dot: arena.kernels.dotF32(a, b, 5), impl: arena.kernels.impl.dotF32 }));`;
    writeFileSync(join(out, 'esm.mjs'), program("import { KernelArena } from './kernels.js';"));
    writeFileSync(join(out, 'cjs.cjs'), program("const { KernelArena } = require('./kernels.cjs');"));
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    for (const script of ['esm.mjs', 'cjs.cjs']) {
      const stdout = execFileSync(process.execPath, [join(out, script)], { cwd: out, encoding: 'utf8' });
      expect(JSON.parse(stdout), script).toEqual({ dot: 35, impl: 'wasm-simd' });
    }
  });
});
