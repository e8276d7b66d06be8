// Coordinator and clients as separate processes on loopback, over the real server with API keys: a client killed
// mid-round (the round completes with quorum), and the coordinator killed mid-run and restarted on its directory
// (it resumes at the same round from its checkpoint and the run ends with a sane model).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyStore } from '../../../src/server/index.js';
import { readLatestCheckpoint } from '../../../src/training/federated/checkpoint.js';
import { tempDir } from '../../engine/helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const children: ChildProcess[] = [];
const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) d.cleanup();
});

interface Proc {
  child: ChildProcess;
  events: Record<string, unknown>[];
  /** Resolves with the first event (past or future) matching `pred`. */
  waitFor: (pred: (e: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function start(script: string, cfg: object): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', `${FIXTURES}${script}`, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const events: Record<string, unknown>[] = [];
  const waiters: { pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  let buf = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pred: (e: Record<string, unknown>) => boolean) => {
    const seen = events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      waiters.push({ pred, resolve });
      void exited.then((code) => reject(new Error(`${script} exited (${code}) before the event; stderr: ${stderr.slice(-2000)}`)));
    });
  };
  return { child, events, waitFor, exited };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function setup(): { dir: string; keysDir: string; key: string } {
  const d = tempDir('abi-fed-proc-');
  dirs.push(d);
  const keysDir = `${d.dir}/keys`;
  const store = KeyStore.open(keysDir, { watchIntervalMs: 0 });
  const { key } = store.create({ principal: 'sites', roles: ['federated'] });
  store.close();
  return { dir: `${d.dir}/fed`, keysDir, key };
}

describe('federated training across processes', () => {
  it('a client killed mid-round: the round completes with quorum, the run finishes', async () => {
    const { dir, keysDir, key } = setup();
    const port = await freePort();
    const coord = start('coordinator-process.ts', { dir, keysDir, port, rounds: 4, quorum: 2, minClients: 3, timeoutMs: 3000 });
    const { url } = await coord.waitFor((e) => e.event === 'listening') as { url: string };
    const base = { url, apiKey: key };
    const a = start('client-process.ts', { ...base, id: 'site-a', samples: 40, seed: 1 });
    const b = start('client-process.ts', { ...base, id: 'site-b', samples: 40, seed: 2 });
    // The victim trains slowly, so killing it right after its first accepted update lands inside its next round.
    const victim = start('client-process.ts', { ...base, id: 'site-c', samples: 40, seed: 3, delayMs: 400 });
    const first = await victim.waitFor((e) => e.event === 'update');
    victim.child.kill('SIGKILL');
    await victim.exited;
    const [doneA, doneB] = await Promise.all([a.waitFor((e) => e.event === 'done'), b.waitFor((e) => e.event === 'done')]);
    await coord.waitFor((e) => e.event === 'finished');
    const rounds = coord.events.filter((e) => e.event === 'round');
    expect(rounds.map((r) => r.round)).toEqual([1, 2, 3, 4]);
    const killedIn = first.round as number;
    expect(killedIn).toBeLessThan(4);
    expect(rounds[killedIn - 1].clients).toEqual(expect.arrayContaining(['site-a', 'site-b', 'site-c']));
    // The round the victim died in completed with the quorum, without it.
    expect(rounds[killedIn]).toMatchObject({ samples: 80, dropped: ['site-c'] });
    for (const d of [doneA, doneB]) {
      expect(d.rounds).toEqual([1, 2, 3, 4]);
      expect(d.mse as number).toBeLessThan(0.01);
    }
    expect(await a.exited).toBe(0);
  }, 240_000);

  it('the coordinator killed mid-run restarts from its checkpoint at the same round; clients carry on', async () => {
    const { dir, keysDir, key } = setup();
    const port = await freePort();
    const cfg = { dir, keysDir, port, rounds: 4, quorum: 2, timeoutMs: 5000 };
    const first = start('coordinator-process.ts', cfg);
    const { url } = await first.waitFor((e) => e.event === 'listening') as { url: string };
    const base = { url, apiKey: key };
    const a = start('client-process.ts', { ...base, id: 'site-a', samples: 30, seed: 1, delayMs: 300 });
    const b = start('client-process.ts', { ...base, id: 'site-b', samples: 50, seed: 2, delayMs: 300 });
    await first.waitFor((e) => e.event === 'round' && e.round === 2);
    first.child.kill('SIGKILL');
    await first.exited;
    const saved = readLatestCheckpoint(dir)!;
    expect(saved.completed).toBeGreaterThanOrEqual(2);
    expect(saved.completed).toBeLessThan(4);
    const second = start('coordinator-process.ts', cfg);
    const listening = await second.waitFor((e) => e.event === 'listening');
    expect(listening).toMatchObject({ round: saved.completed + 1, resumedAt: saved.completed + 1 });
    const [doneA, doneB] = await Promise.all([a.waitFor((e) => e.event === 'done'), b.waitFor((e) => e.event === 'done')]);
    await second.waitFor((e) => e.event === 'finished');
    const after = second.events.filter((e) => e.event === 'round').map((e) => e.round);
    expect(after[0]).toBe(saved.completed + 1);
    expect(after[after.length - 1]).toBe(4);
    const final = readLatestCheckpoint(dir)!;
    expect(final.history.map((h) => h.round)).toEqual([1, 2, 3, 4]);
    for (const d of [doneA, doneB]) expect(d.mse as number).toBeLessThan(0.01);
  }, 240_000);
});
