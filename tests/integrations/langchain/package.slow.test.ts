// The published package as a consumer sees it: `npm pack`, install the tarball offline into a fresh project, and
// load `abi-sdk` (without @langchain/core) and `abi-sdk/langchain` (with it) from both ESM and CommonJS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });

const CJS = `
const abi = require('abi-sdk');
const lc = require('abi-sdk/langchain');
const { VectorStore: LcVectorStore } = require('@langchain/core/vectorstores');
(async () => {
  const backend = await abi.VectorStore.open({ dimension: 64, text: true });
  const store = new lc.AbiVectorStore(new lc.AbiEmbeddings({ embedder: new abi.HashingEmbedder({ dimension: 64 }) }), { backend });
  await store.addDocuments([{ pageContent: 'Paris is in France', metadata: { c: 'fr' } }, { pageContent: 'Berlin is in Germany', metadata: { c: 'de' } }], { ids: ['p', 'b'] });
  const [doc] = await store.similaritySearch('France Paris', 1, { c: 'fr' });
  const [hybrid] = await store.hybridSearch('Germany', { k: 1 });
  let code;
  try { await store.delete({}); } catch (e) { code = e instanceof abi.AbiError && e.code; }
  console.log(JSON.stringify({ id: doc.id, hybrid: hybrid.id, lc: store instanceof LcVectorStore, code }));
})();
`;
const ESM = `
import { AbiError, HashingEmbedder, VectorStore } from 'abi-sdk';
import { AbiEmbeddings, AbiVectorStore } from 'abi-sdk/langchain';
import { VectorStore as LcVectorStore } from '@langchain/core/vectorstores';
const backend = await VectorStore.open({ dimension: 64, text: true });
const store = new AbiVectorStore(new AbiEmbeddings({ embedder: new HashingEmbedder({ dimension: 64 }) }), { backend });
await store.addDocuments([{ pageContent: 'Paris is in France', metadata: { c: 'fr' } }, { pageContent: 'Berlin is in Germany', metadata: { c: 'de' } }], { ids: ['p', 'b'] });
const [doc] = await store.similaritySearch('France Paris', 1, { c: 'fr' });
const [hybrid] = await store.hybridSearch('Germany', { k: 1 });
let code;
try { await store.delete({}); } catch (e) { code = e instanceof AbiError && e.code; }
console.log(JSON.stringify({ id: doc.id, hybrid: hybrid.id, lc: store instanceof LcVectorStore, code }));
`;

describe('npm pack → consumer project', () => {
  it('abi-sdk loads without @langchain/core; abi-sdk/langchain works from ESM and CJS with it', () => {
    run('npm', ['run', 'build'], ROOT);
    const packDir = join(tmp.dir, 'pack');
    mkdirSync(packDir);
    run('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], ROOT);
    const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
    const app = join(tmp.dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    // Cache first: abi-sdk's own dependencies come from the npm cache where it has them. `npm ci` caches tarballs but
    // not the registry's package documents, which a plain install needs, so a fresh machine may still ask the npm
    // registry for those (the only place this project installs from). `--legacy-peer-deps`: npm would otherwise add
    // @langchain/core as the peer of the `@langchain/textsplitters` dependency, and the point here is a consumer
    // without it (as with package managers that do not install peers).
    run('npm', ['install', '--prefer-offline', '--legacy-peer-deps', '--no-audit', '--no-fund', '--ignore-scripts', tarball], app);

    // The root entry never touches the optional peer.
    expect(run('node', ['-e', 'require("abi-sdk"); console.log("ok")'], app).trim()).toBe('ok');
    expect(run('node', ['--input-type=module', '-e', 'await import("abi-sdk"); console.log("ok")'], app).trim()).toBe('ok');
    expect(() => run('node', ['-e', 'require("abi-sdk/langchain")'], app)).toThrow(/@langchain\/core/);

    // With the peer installed (linked from this repository), both module systems work and share classes.
    mkdirSync(join(app, 'node_modules', '@langchain'), { recursive: true });   // @langchain/textsplitters is there
    symlinkSync(join(ROOT, 'node_modules', '@langchain', 'core'), join(app, 'node_modules', '@langchain', 'core'), 'dir');
    writeFileSync(join(app, 'check.cjs'), CJS);
    writeFileSync(join(app, 'check.mjs'), ESM);
    const expected = { id: 'p', hybrid: 'b', lc: true, code: 'INVALID_INPUT' };
    expect(JSON.parse(run('node', ['check.cjs'], app))).toEqual(expected);
    expect(JSON.parse(run('node', ['check.mjs'], app))).toEqual(expected);
  });
});
