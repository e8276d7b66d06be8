import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PgVectorStore } from '../../src/backends/pgvector/index.js';
import { startPgliteServer, type PgliteServer } from '../helpers/pglite-server.js';
import { describeBackendConformance } from './conformance.js';

let server: PgliteServer;
let pool: pg.Pool;
let n = 0;
beforeAll(async () => {
  server = await startPgliteServer();
  pool = new pg.Pool({ connectionString: server.connectionString, max: 1 });
}, 60_000);
afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

describeBackendConformance('pgvector (PGlite, hnsw)', (dimension, metric) =>
  PgVectorStore.open({ pool, table: `conf_${++n}`, dimension, metric, index: { type: 'hnsw', m: 8, efConstruction: 32 }, bulkWrite: 'insert' }), { timeout: 60_000 });
