// The one lock: owner liveness (dead pid, pid reuse, our own pid in another container, a lock this process dropped)
// and the race that used to give two holders: 8 processes taking over one stale lock at the same moment, for many
// rounds; exactly one may win each round.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockedError, VectorStore } from '../../src/index.js';
import { setFaultHook } from '../../src/internal/durable-fs.js';
import { DirectoryLock, FileLock, newLockOwner, ownerState, processStartTime } from '../../src/internal/file-lock.js';
import { tempDir } from '../store/helpers.js';

const ROUNDS = Number(process.env.ABI_LOCK_ROUNDS ?? 100);
const RACERS = 8;
const tmp = tempDir('abi-lock-');
afterAll(() => tmp.cleanup());
const DEAD_PID = 2 ** 22 + 17; // above Linux's largest pid_max: never alive

describe('lock owner liveness', () => {
  it('a dead pid is stale; a live one with the same start time is not', () => {
    const me = newLockOwner();
    expect(ownerState({ ...me, pid: DEAD_PID })).toBe('dead');
    expect(ownerState({ ...me, token: 'another holder in this process' })).toBe('dead'); // this process does not hold it
    if (process.platform === 'linux') {
      const parent = { ...me, pid: process.ppid, token: 'p', start: processStartTime(process.ppid) };
      expect(ownerState(parent)).toBe('alive');
      // The pid is alive but belongs to a process started at another time: the owner is gone (pid reuse).
      expect(ownerState({ ...parent, start: parent.start! + 1 })).toBe('dead');
    }
  });

  it('our own pid is not stale by itself: another pid namespace (a pid-1 container) or an old record without start time', async () => {
    const dir = join(tmp.dir, 'self');
    const store = await VectorStore.open({ path: dir, dimension: 2 });
    await store.close();
    const base = { pid: process.pid, host: hostname(), token: 'other-container' };
    for (const holder of [{ ...base, pidns: 'pid:[1]' }, base]) {
      writeFileSync(join(dir, 'LOCK'), JSON.stringify(holder));
      await expect(VectorStore.open({ path: dir, dimension: 2 })).rejects.toBeInstanceOf(LockedError);
    }
    // Another host's lock is never taken over by a store.
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ ...newLockOwner(), host: 'elsewhere', pid: DEAD_PID }));
    await expect(VectorStore.open({ path: dir, dimension: 2 })).rejects.toBeInstanceOf(LockedError);
    // A dead owner's lock is taken over, and no takeover debris is left.
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ ...newLockOwner(), pid: DEAD_PID }));
    const s = await VectorStore.open({ path: dir, dimension: 2 });
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir).filter((f) => f.includes('LOCK') && f !== 'LOCK')).toEqual([]);
    await s.close();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  });

  it('a lock whose release could not remove its file is free again for this process', async () => {
    const dir = join(tmp.dir, 'release');
    mkdirSync(dir, { recursive: true });
    const first = await DirectoryLock.acquire(dir);
    setFaultHook((k, p) => (k === 'unlink' && p.endsWith('LOCK') ? 'EIO' : undefined));
    await first.release();
    setFaultHook(undefined);
    expect(existsSync(join(dir, 'LOCK'))).toBe(true);
    const second = await DirectoryLock.acquire(dir);
    await second.release();
  });
});

describe(`${RACERS} processes take over one stale lock at once`, () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = join(tmp.dir, 'lock-racer.mjs');
    await build({
      entryPoints: [join(import.meta.dirname, 'fixtures', 'lock-racer.ts')], bundle: true, platform: 'node',
      format: 'esm', target: 'node20', outfile: bundle, logLevel: 'silent',
    });
  });

  it(`never gives two holders (${ROUNDS} rounds)`, async () => {
    const children: ChildProcessWithoutNullStreams[] = [];
    const results = new Map<number, string[]>();
    const waiters = new Map<number, () => void>();
    let ready = 0;
    let onReady: () => void = () => undefined;
    for (let i = 0; i < RACERS; i++) {
      const child = spawn(process.execPath, [bundle], { stdio: ['pipe', 'pipe', 'pipe'] });
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const line of lines) {
          if (line === 'ready') {
            if (++ready === RACERS) onReady();
            continue;
          }
          const [round, ...what] = line.split(' ');
          const list = results.get(Number(round)) ?? [];
          list.push(what.join(' '));
          results.set(Number(round), list);
          if (list.length === RACERS) waiters.get(Number(round))?.();
        }
      });
      children.push(child);
    }
    try {
      await new Promise<void>((r) => (ready === RACERS ? r() : (onReady = r)));
      const lockFile = join(tmp.dir, 'race.lock');
      let twoHolders = 0, noHolder = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // A stale lock: its owner (a pid above pid_max) is gone.
        writeFileSync(lockFile, JSON.stringify({ ...newLockOwner(), pid: DEAD_PID + round }));
        const done = new Promise<void>((r) => waiters.set(round, r));
        const start = Date.now() + 30;
        for (const c of children) c.stdin.write(`${round} ${lockFile} ${start}\n`);
        await done;
        const list = results.get(round)!;
        expect(list.filter((x) => x.startsWith('error'))).toEqual([]);
        const holders = list.filter((x) => x === 'held').length;
        if (holders > 1) twoHolders++;
        if (holders === 0) noHolder++;
      }
      console.log(`lock race: ${ROUNDS} rounds x ${RACERS} processes: ${twoHolders} rounds with two or more holders, ${noHolder} with none`);
      expect(twoHolders).toBe(0);
      expect(noHolder).toBe(0);
      expect(readdirSync(tmp.dir).filter((f) => f.includes('race.lock') && f !== 'race.lock')).toEqual([]);
    } finally {
      for (const c of children) c.kill('SIGKILL');
    }
  }, 300_000);
});

it('FileLock.acquire waits for a live holder and is abortable', async () => {
  const file = join(tmp.dir, 'wait.lock');
  const a = await FileLock.acquire(file);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 60);
  await expect(FileLock.acquire(file, { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  await a.release();
});
