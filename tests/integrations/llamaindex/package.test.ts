/**
 * The published `abi-sdk/llamaindex` subpath, as a user gets it: `npm pack` of the built package, unpacked into a
 * consumer project's node_modules, loaded from ESM and CommonJS and type-checked. `abi-sdk` alone must load without
 * LlamaIndex installed. Builds dist first when it is missing (CI builds before testing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'abi-li-pack-'));
const consumer = join(work, 'consumer');
const modules = join(consumer, 'node_modules');

const run = (file: string): Record<string, unknown> => {
  const out = execFileSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
};

const link = (name: string): void => {
  const target = join(modules, name);
  mkdirSync(resolve(target, '..'), { recursive: true });
  symlinkSync(join(root, 'node_modules', name), target, 'dir');
};

beforeAll(() => {
  if (!['llamaindex.js', 'llamaindex.cjs', 'llamaindex.d.ts', 'llamaindex.d.cts'].every((f) => existsSync(join(root, 'dist', f)))) {
    execFileSync(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: root, stdio: 'ignore' });
  }
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  mkdirSync(join(modules, 'abi-sdk'), { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed), '-C', join(modules, 'abi-sdk'), '--strip-components=1']);
  // abi-sdk's runtime dependencies, as npm would install them; LlamaIndex comes later.
  for (const dep of ['@orama/stemmers', '@orama/stopwords']) link(dep);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const usage = (load: string) => `
${load}
const embedder = new sdk.HashingEmbedder({ dimension: 64 });
const store = await li.AbiVectorStore.open({ embedder });
const index = await llama.Settings.withEmbedModel(store.embedModel, () => llama.VectorStoreIndex.fromVectorStore(store));
await index.insert(new llama.Document({ id_: 'fr', text: 'Paris is the capital of France.' }));
await index.insert(new llama.Document({ id_: 'de', text: 'Berlin is the capital of Germany.' }));
const hits = await index.asRetriever({ similarityTopK: 1 }).retrieve('capital of France');
let sameErrorClass = false;
try { li.toAbiFilter({ filters: [{ key: 'a', operator: 'in', value: 1 }] }); } catch (e) { sameErrorClass = e instanceof sdk.InvalidFilterError; }
console.log(JSON.stringify({
  top: hits[0].node.sourceNode.nodeId, sameStoreClass: store.backend instanceof sdk.VectorStore, sameErrorClass,
  embedding: store.embedModel instanceof llama.BaseEmbedding,
}));
`;

describe('abi-sdk/llamaindex from a packed tarball', () => {
  it('the package ships both builds and type declarations of the subpath', () => {
    const files = readdirSync(join(modules, 'abi-sdk/dist'));
    for (const f of ['llamaindex.js', 'llamaindex.cjs', 'llamaindex.d.ts', 'llamaindex.d.cts']) expect(files).toContain(f);
  });

  it('abi-sdk loads without LlamaIndex installed; the subpath names the missing package', () => {
    writeFileSync(join(consumer, 'root.mjs'), `
const sdk = await import('abi-sdk');
const out = { root: typeof sdk.VectorStore === 'function' };
try { await import('abi-sdk/llamaindex'); out.sub = 'loaded'; } catch (e) { out.sub = e.code + ' ' + /'llamaindex'/.test(e.message); }
console.log(JSON.stringify(out));`);
    writeFileSync(join(consumer, 'root.cjs'), `
const sdk = require('abi-sdk');
const out = { root: typeof sdk.VectorStore === 'function' };
try { require('abi-sdk/llamaindex'); out.sub = 'loaded'; } catch (e) { out.sub = e.code + ' ' + /'llamaindex'/.test(e.message); }
console.log(JSON.stringify(out));`);
    expect(run(join(consumer, 'root.mjs'))).toEqual({ root: true, sub: 'ERR_MODULE_NOT_FOUND true' });
    expect(run(join(consumer, 'root.cjs'))).toEqual({ root: true, sub: 'MODULE_NOT_FOUND true' });
  });

  describe('with llamaindex installed', () => {
    beforeAll(() => link('llamaindex'));

    it.each(['esm', 'cjs'] as const)('works from %s, sharing classes with the root entry', (format) => {
      const file = join(consumer, format === 'esm' ? 'use.mjs' : 'use.cjs');
      writeFileSync(file, format === 'esm'
        ? usage(`const sdk = await import('abi-sdk'); const li = await import('abi-sdk/llamaindex'); const llama = await import('llamaindex');`)
        : `(async () => {${usage(`const sdk = require('abi-sdk'); const li = require('abi-sdk/llamaindex'); const llama = require('llamaindex');`)}})();`);
      expect(run(file)).toEqual({ top: 'fr', sameStoreClass: true, sameErrorClass: true, embedding: true });
    });

    it('type-checks from ESM and CommonJS TypeScript (NodeNext)', () => {
      const code = (imp: string) => `${imp}
export async function make(): Promise<AbiVectorStore> {
  const store = await AbiVectorStore.open({ embedder: new HashingEmbedder({ dimension: 8 }), text: true });
  const backend: VectorStore = store.backend as VectorStore;
  const q: VectorStoreQuery<AbiQueryParams> = { queryEmbedding: [1], similarityTopK: 1, mode: VectorStoreQueryMode.HYBRID, customParams: { alpha: 0.5 } };
  void backend; void q;
  return store;
}
`;
      const imports = `import { HashingEmbedder, VectorStore } from 'abi-sdk';
import { AbiVectorStore, type AbiQueryParams } from 'abi-sdk/llamaindex';
import { type VectorStoreQuery, VectorStoreQueryMode } from 'llamaindex';`;
      // .mts resolves the `import` conditions (llamaindex.d.ts), .cts the `require` ones (llamaindex.d.cts).
      writeFileSync(join(consumer, 'types.mts'), code(imports));
      writeFileSync(join(consumer, 'types.cts'), code(imports));
      writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, skipLibCheck: true, noEmit: true, types: [] },
        files: ['types.mts', 'types.cts'],
      }));
      link('@types/node');
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', consumer], { cwd: consumer, encoding: 'utf8' });
    });
  });
});
