// `import 'abi-sdk'` works without onnxruntime-node and tokenizers installed; using the engine then fails with an
// UnsupportedError that says what to install. The SDK is bundled into a folder with no node_modules above it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { modelDir, tempDir } from './helpers.js';

describe('optional peer dependencies', () => {
  it('loads without them and explains how to install them', async () => {
    const tmp = tempDir();
    try {
      await build({
        entryPoints: [join(import.meta.dirname, '../../src/index.ts')], bundle: true, platform: 'node', format: 'esm',
        outfile: join(tmp.dir, 'sdk.mjs'), external: ['onnxruntime-node', 'tokenizers'], logLevel: 'silent',
      });
      writeFileSync(join(tmp.dir, 'run.mjs'), `
        import * as sdk from './sdk.mjs';
        const out = { exports: ['LocalEmbedder', 'LocalCrossEncoder', 'ModelRegistry', 'HashingEmbedder'].every((k) => k in sdk) };
        try { await sdk.LocalEmbedder.fromFolder(${JSON.stringify(modelDir('tiny-bert'))}); }
        catch (e) { out.name = e.name; out.code = e.code; out.message = e.message; }
        console.log(JSON.stringify(out));`);
      const out = JSON.parse(execFileSync(process.execPath, [join(tmp.dir, 'run.mjs')], { cwd: tmp.dir, encoding: 'utf8' })) as Record<string, unknown>;
      expect(out).toMatchObject({ exports: true, name: 'UnsupportedError', code: 'UNSUPPORTED' });
      expect(out.message).toMatch(/npm install (tokenizers|onnxruntime-node)/);
    } finally {
      tmp.cleanup();
    }
  });
});
