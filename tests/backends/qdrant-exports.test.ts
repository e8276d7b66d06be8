/**
 * `abi-sdk` never loads the Qdrant client, and `abi-sdk/qdrant` without it installed fails with a typed error that
 * names the package (bundled as tsup does, peers external, loaded from a folder with no node_modules above it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { bundleDir, rootBundle, runBundled } from '../helpers/peer-bundle.js';

const tmp = bundleDir('abi-qdrant-');
afterAll(tmp.cleanup);

describe('abi-sdk/qdrant packaging', () => {
  it('the root entry does not import @qdrant/js-client-rest', async () => {
    const { inputs, imports } = await rootBundle(tmp.dir);
    expect(inputs.some((f) => f.includes('backends/qdrant'))).toBe(false);
    expect(imports).not.toContain('@qdrant/js-client-rest');
  });

  it.each(['esm', 'cjs'] as const)('the %s build of abi-sdk/qdrant names the missing peer', async (format) => {
    const out = await runBundled(tmp.dir, 'src/backends/qdrant/index.ts', format, `
try { await m.QdrantStore.open({ collection: 'c', dimension: 4, url: 'http://127.0.0.1:9' }); console.log('no error'); }
catch (e) { console.log(e.code + ': ' + e.message); }`);
    expect(out).toBe('UNSUPPORTED: QdrantStore needs the optional peer dependency "@qdrant/js-client-rest": npm install @qdrant/js-client-rest');
  });
});
