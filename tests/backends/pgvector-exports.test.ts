/**
 * `abi-sdk` never loads `pg`, and `abi-sdk/pgvector` without `pg` installed fails with a typed error that names the
 * package (bundled as tsup does, peers external, loaded from a folder with no node_modules above it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { bundleDir, peerDependencies, rootBundle, runBundled } from '../helpers/peer-bundle.js';

const tmp = bundleDir('abi-pgvector-');
afterAll(tmp.cleanup);

describe('abi-sdk/pgvector packaging', () => {
  it('keeps pg and pg-copy-streams optional peers', () => {
    expect(peerDependencies).toEqual(expect.arrayContaining(['pg', 'pg-copy-streams']));
  });

  it('the root entry does not import pg', async () => {
    const { inputs, imports } = await rootBundle(tmp.dir);
    expect(inputs.some((f) => f.includes('backends/pgvector'))).toBe(false);
    expect(imports).not.toContain('pg');
    expect(imports).not.toContain('pg-copy-streams');
  });

  it.each(['esm', 'cjs'] as const)('the %s build of abi-sdk/pgvector names the missing peer', async (format) => {
    const out = await runBundled(tmp.dir, 'src/backends/pgvector/index.ts', format, `
try { await m.PgVectorStore.open({ table: 't', dimension: 4, connectionString: 'postgresql://127.0.0.1:9/x' }); console.log('no error'); }
catch (e) { console.log(e.code + ': ' + e.message); }`);
    expect(out).toBe('UNSUPPORTED: PgVectorStore needs the optional peer dependency "pg": npm install pg');
  });
});
