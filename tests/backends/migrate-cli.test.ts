/**
 * `npm run migrate:pg` end to end: an embedded store on disk streamed into pgvector (PGlite on loopback) by the CLI,
 * which opens its own pool from the URL; a second run resumes from the state file and copies nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VectorStore } from '../../src/store/vector-store.js';
import { startPgliteServer, type PgliteServer } from '../helpers/pglite-server.js';
import { tempDir } from '../store/helpers.js';

const run = promisify(execFile);
let server: PgliteServer;
const tmp = tempDir('abi-migrate-cli-');
beforeAll(async () => {
  server = await startPgliteServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

describe('migrate:pg CLI', () => {
  it('copies a store into a table, then resumes with nothing left to copy', async () => {
    const path = join(tmp.dir, 'store');
    const store = await VectorStore.open({ path, dimension: 4, metric: 'l2', index: { type: 'flat' } });
    await store.upsert(Array.from({ length: 120 }, (_, i) => ({ id: `c${i}`, vector: [i, 1, 2, 3], text: `t${i}`, metadata: { i } })));
    await store.close();
    const state = join(tmp.dir, 'state.json');
    const args = ['--import', 'tsx', 'scripts/migrate-to-pg.ts', '--from', path, '--dimension', '4', '--metric', 'l2',
      '--url', server.connectionString, '--table', 'cli_docs', '--batch', '50', '--state', state, '--insert'];
    const first = await run(process.execPath, args, { encoding: 'utf8' });
    expect(first.stdout).toContain('done: 120 records copied into cli_docs; table holds 120');
    expect(first.stdout).toContain('100 records copied');
    expect(existsSync(state)).toBe(true);
    expect(JSON.parse(readFileSync(state, 'utf8')).lastId).toBe('c99'); // ids sort as strings: c0, c1, c10, …, c99
    const second = await run(process.execPath, args, { encoding: 'utf8' });
    expect(second.stdout).toContain('resuming after id "c99"');
    expect(second.stdout).toContain('done: 0 records copied');
    const client = new pg.Client({ connectionString: server.connectionString });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT text, metadata FROM cli_docs WHERE id = 'c7'`);
      expect(rows).toEqual([{ text: 't7', metadata: { i: 7 } }]);
    } finally {
      await client.end();
    }
  }, 120_000);
});
