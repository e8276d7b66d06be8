/**
 * `abi-sdk` never loads `pg`, and `abi-sdk/pgvector` without `pg` installed fails with a typed error that names the
 * package (bundled as tsup does, peers external, loaded from a folder with no node_modules above it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { peerDependencies: Record<string, string> };
const external = Object.keys(pkg.peerDependencies);
const dir = mkdtempSync(join(tmpdir(), 'abi-pgvector-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('abi-sdk/pgvector packaging', () => {
  it('keeps pg and pg-copy-streams optional peers', () => {
    expect(external).toEqual(expect.arrayContaining(['pg', 'pg-copy-streams']));
  });

  it('the root entry does not import pg', async () => {
    const result = await build({
      entryPoints: ['src/index.ts'], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true,
      external, logLevel: 'silent', outfile: join(dir, 'root.mjs'),
    });
    expect(Object.keys(result.metafile.inputs).some((f) => f.includes('backends/pgvector'))).toBe(false);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports).not.toContain('pg');
    expect(imports).not.toContain('pg-copy-streams');
  });

  it.each(['esm', 'cjs'] as const)('the %s build of abi-sdk/pgvector names the missing peer', async (format) => {
    const file = join(dir, format === 'esm' ? 'pgvector.mjs' : 'pgvector.cjs');
    await build({
      entryPoints: ['src/backends/pgvector/index.ts'], bundle: true, platform: 'node', target: 'node20', format, outfile: file,
      external, logLevel: 'silent',
    });
    const load = format === 'esm'
      ? `const m = await import(${JSON.stringify(file)});`
      : `import { createRequire } from 'node:module'; const m = createRequire(import.meta.url)(${JSON.stringify(file)});`;
    const runner = join(dir, `run-${format}.mjs`);
    writeFileSync(runner, `${load}
try { await m.PgVectorStore.open({ table: 't', dimension: 4, connectionString: 'postgresql://127.0.0.1:9/x' }); console.log('no error'); }
catch (e) { console.log(e.code + ': ' + e.message); }`);
    const out = execFileSync(process.execPath, [runner], { cwd: dir, encoding: 'utf8' }).trim();
    expect(out).toBe('UNSUPPORTED: PgVectorStore needs the optional peer dependency "pg": npm install pg');
  });
});
