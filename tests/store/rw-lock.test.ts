// The readers–writer lock between the store's writer and its search workers, with real worker threads: a reader
// never sees half of a write (two words the writer sets one at a time while it holds the lock, across an event-loop
// turn), sees each version whole and in order, and the writer waits for readers without blocking its event loop.
// A control run of the same readers without the lock sees torn reads, so the check can fail.
import { Worker } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { RwLock } from '../../src/store/search-pool/rw-lock.js';
import { until } from '../helpers/process-faults.js';

/** The lock's version word (rw-lock.ts), bumped by hand in the control run that takes no lock. */
const LOCK_VERSION = 2;
const A = 0, B = 1, READS = 2, TORN = 3, STALE = 4, STOP = 5, BACKWARDS = 6, HOLD = 7, HELD = 8;
const READER = new URL('./fixtures/rw-lock-reader.mjs', import.meta.url);

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

function reader(lock: RwLock, data: Int32Array, mode: 'loop' | 'hold', useLock = true): Worker {
  const w = new Worker(READER, { workerData: { lock: lock.buffer, data: data.buffer, mode, useLock } });
  workers.push(w);
  return w;
}

/** Runs `writes` writes, each setting A then B to the next version across an event-loop turn, while 2 readers read. */
async function race(useLock: boolean, writes: number): Promise<Int32Array> {
  const lock = new RwLock();
  const data = new Int32Array(new SharedArrayBuffer(16 * 4));
  const readers = [reader(lock, data, 'loop', useLock), reader(lock, data, 'loop', useLock)];
  await until(() => Atomics.load(data, READS) > 50, 60_000, 5);
  for (let i = 1; i <= writes; i++) {
    if (useLock) await lock.acquireWrite();
    Atomics.store(data, A, i);
    await sleep(0); // the write is half done across a turn of the loop: readers run meanwhile
    Atomics.store(data, B, i);
    if (useLock) lock.releaseWrite();
    else Atomics.add(lock.words, LOCK_VERSION, 1); // the version a release would bump, so readers see it move
    await new Promise((r) => setImmediate(r));
  }
  Atomics.store(data, STOP, 1);
  await Promise.all(readers.map((w) => new Promise((r) => w.once('exit', r))));
  return data;
}

describe('RwLock', () => {
  it('readers never see half of a write, and see versions whole and in order', async () => {
    const data = await race(true, 150);
    expect(Atomics.load(data, READS)).toBeGreaterThan(150);
    expect(Atomics.load(data, TORN)).toBe(0);
    expect(Atomics.load(data, STALE)).toBe(0);
    expect(Atomics.load(data, BACKWARDS)).toBe(0);
  }, 60_000);

  it('control: the same readers without the lock see torn reads', async () => {
    const data = await race(false, 150);
    expect(Atomics.load(data, TORN)).toBeGreaterThan(0);
  }, 60_000);

  it('the writer waits for a reader inside without blocking its event loop; no reader enters while it waits', async () => {
    const lock = new RwLock();
    const data = new Int32Array(new SharedArrayBuffer(16 * 4));
    Atomics.store(data, HOLD, 1);
    reader(lock, data, 'hold');
    await until(() => Atomics.load(data, HELD) === 1, 60_000, 5);
    expect(lock.tryAcquireWrite()).toBe(false);

    let acquired = false;
    const writing = lock.acquireWrite().then(() => {
      acquired = true;
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await sleep(60);
    expect(acquired).toBe(false);
    expect(ticks).toBeGreaterThan(5); // the loop ran while the writer waited

    // A second reader arriving now waits behind the announced writer.
    const late = reader(lock, data, 'loop');
    await sleep(60);
    expect(Atomics.load(data, READS)).toBe(0);

    Atomics.store(data, HOLD, 0); // the first reader leaves
    Atomics.notify(data, HOLD);
    await writing;
    clearInterval(timer);
    expect(acquired).toBe(true);
    expect(Atomics.load(data, READS)).toBe(0); // still held: the late reader waits
    lock.releaseWrite();
    expect(lock.version).toBe(1);
    await until(() => Atomics.load(data, READS) > 0, 60_000, 5);
    Atomics.store(data, STOP, 1);
    await new Promise((r) => late.once('exit', r));
  }, 60_000);
});
