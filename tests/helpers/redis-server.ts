/**
 * Starts a real `redis-server` (Debian's package) on a free loopback port, without persistence, for one test file.
 * When the binary is missing the tests fail loudly, unless ABI_SKIP_REDIS=1 says to skip them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

export const redisSkipped = process.env.ABI_SKIP_REDIS === '1';
export const redisInstalled = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

export const REDIS_MISSING = 'redis-server is not installed: run `npm run setup:test` (apt-get install redis-server), '
  + 'or set ABI_SKIP_REDIS=1 to skip the Redis tests deliberately';

export interface RedisProcess {
  port: number;
  url: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), as an outage would. */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('error', () => done(false));
    sock.setTimeout(500, () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export async function startRedis(port?: number): Promise<RedisProcess> {
  if (!redisInstalled) throw new Error(REDIS_MISSING);
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn('redis-server', [
    '--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no',
    '--protected-mode', 'no', '--loglevel', 'warning', '--dir', '/tmp',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 100; i++) {
    if (await ping(p)) break;
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
    if (i === 99) throw new Error(`redis-server did not answer on port ${p}: ${stderr}`);
  }
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { port: p, url: `redis://127.0.0.1:${p}`, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
