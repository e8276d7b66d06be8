/**
 * A real pgvector for tests and benchmarks: PGlite (PostgreSQL compiled to WASM) with pgvector 0.8 compiled in,
 * served on 127.0.0.1 by `@electric-sql/pglite-socket` and reached through `pg` exactly as a production server is.
 * PGlite runs one session: keep the client pool at one connection (`max: 1`).
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { createServer } from 'node:net';

/** A running PGlite server. */
export interface PgliteServer {
  /** The embedded database (for direct queries). */
  db: PGlite;
  /** `postgresql://…` URL of the loopback server. */
  connectionString: string;
  /** Stops the server and closes the database. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts PGlite + pgvector on a free loopback port.
 *
 * @param settings - `postgresql.conf` settings passed to PGlite at start (e.g. `{ shared_buffers: '512MB' }`)
 */
export async function startPgliteServer(settings: Record<string, string> = {}): Promise<PgliteServer> {
  const conf = Object.entries(settings).map(([k, v]) => `${k} = '${v}'`);
  const db = await PGlite.create({ extensions: { vector }, ...(conf.length ? { postgresqlconf: conf } : {}) });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 1 });
  await server.start();
  return {
    db,
    connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
