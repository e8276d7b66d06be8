// The store's failure contract, one fault at a time: a failed fsync is sticky (DURABILITY_LOST until reopened, reads
// keep working); a full disk refuses the write whole and the next write succeeds without reopening; background
// work (periodic sync, snapshots, compaction) reports through `error` and `stats()` and never escapes as an
// unhandled rejection or uncaught exception; options that would disable snapshots or spin are refused.
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DurabilityError, IOError, NoSpaceError, ValidationError, VectorStore, type StoreErrorEvent } from '../../src/index.js';
import { fsyncDir, nthCallFault, setFaultHook, type FaultHook } from '../../src/internal/durable-fs.js';
import { Collection } from '../../src/store/collection.js';
import { WalWriter, walHeader } from '../../src/store/persistence/wal.js';
import { tempDir } from './helpers.js';

const DIM = 4;
const rec = (id: string, x = 1) => ({ id, vector: [x, 2, 3, 4], text: `t ${id}`, metadata: { id } });

const escaped: unknown[] = [];
const onEscape = (err: unknown): void => void escaped.push(err);
beforeEach(() => {
  escaped.length = 0;
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
});
afterEach(async () => {
  setFaultHook(undefined);
  vi.restoreAllMocks();
  // Let background work settle, then fail the test on anything that escaped.
  await new Promise((r) => setTimeout(r, 20));
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
  expect(escaped).toEqual([]);
});

const tmp = tempDir('abi-contract-');
afterAll(() => tmp.cleanup());
let n = 0;
const dirOf = () => join(tmp.dir, `s${n++}`);

/** A hook failing every call of `kind` on paths containing `part` with `code` while `on()` says so. */
function switchable(kind: string, part: string, code: 'EIO' | 'ENOSPC'): { hook: FaultHook; on: (v: boolean) => void; count: () => number } {
  let enabled = false, count = 0;
  return {
    hook: (k, p) => (enabled && k === kind && p.includes(part) ? (count++, code) : undefined),
    on: (v) => void (enabled = v),
    count: () => count,
  };
}

describe('a failed fsync is sticky', () => {
  it("durability 'fsync': the write rejects, later writes, flush and close reject DURABILITY_LOST, reads work, reopening recovers", async () => {
    const dir = dirOf();
    const store = await VectorStore.open({ path: dir, dimension: DIM });
    const events: StoreErrorEvent[] = [];
    store.on('error', (e) => events.push(e));
    await store.upsert([rec('a')]);
    const f = switchable('sync', 'wal.abw', 'EIO');
    setFaultHook(f.hook);
    f.on(true);
    await expect(store.upsert([rec('b')])).rejects.toBeInstanceOf(DurabilityError);
    f.on(false); // a later fsync would succeed: it must not be believed
    await expect(store.upsert([rec('c')])).rejects.toMatchObject({ code: 'DURABILITY_LOST' });
    await expect(store.delete(['a'])).rejects.toMatchObject({ code: 'DURABILITY_LOST' });
    await expect(store.flush()).rejects.toMatchObject({ code: 'DURABILITY_LOST', message: expect.stringContaining('reopening recovers') });
    expect((await store.get('a'))?.metadata).toEqual({ id: 'a' });
    expect(await store.search([1, 2, 3, 4], { k: 1 })).toHaveLength(1);
    const stats = store.stats();
    expect(stats.health).toBe('failed');
    expect(stats.failure).toMatchObject({ code: 'DURABILITY_LOST', job: 'write' });
    expect(events.map((e) => e.error.code)).toEqual(['DURABILITY_LOST']);
    await expect(store.close()).rejects.toBeInstanceOf(DurabilityError);
    setFaultHook(undefined);
    const again = await VectorStore.open({ path: dir, dimension: DIM });
    expect(await again.get('a')).toBeDefined();
    expect(await again.get('c')).toBeUndefined();
    expect(again.stats().health).toBe('ok');
    await again.close();
  });

  it("durability 'write': a failed periodic sync makes the next flush and write reject, and emits an event", async () => {
    const dir = dirOf();
    const store = await VectorStore.open({ path: dir, dimension: DIM, durability: 'write', syncIntervalMs: 10 });
    const events: StoreErrorEvent[] = [];
    store.on('error', (e) => events.push(e));
    const f = switchable('sync', 'wal.abw', 'EIO');
    setFaultHook(f.hook);
    f.on(true);
    await store.upsert([rec('a')]); // acknowledged on write; the background sync will fail
    await vi.waitFor(() => expect(f.count()).toBeGreaterThan(0), { timeout: 5000, interval: 5 });
    f.on(false);
    await expect(store.flush()).rejects.toMatchObject({ code: 'DURABILITY_LOST' });
    await expect(store.upsert([rec('b')])).rejects.toMatchObject({ code: 'DURABILITY_LOST' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ job: 'sync', error: { code: 'DURABILITY_LOST' } });
    expect(store.stats()).toMatchObject({ health: 'failed', backgroundErrors: 1, lastBackgroundError: { job: 'sync' } });
    await expect(store.close()).rejects.toMatchObject({ code: 'DURABILITY_LOST' });
    const again = await VectorStore.open({ path: dir, dimension: DIM });
    expect(await again.get('a')).toBeDefined(); // the page cache still had it: reopening recovers from the log
    await again.close();
  });

  it('a failed flush() under durability write is not followed by a false success', async () => {
    const store = await VectorStore.open({ path: dirOf(), dimension: DIM, durability: 'write', syncIntervalMs: 60_000 });
    await store.upsert([rec('a')]);
    setFaultHook(nthCallFault('sync', 1, 'EIO', 'wal.abw').hook);
    await expect(store.flush()).rejects.toMatchObject({ code: 'DURABILITY_LOST' });
    setFaultHook(undefined);
    await expect(store.flush()).rejects.toMatchObject({ code: 'DURABILITY_LOST' });
    await store.close().catch(() => undefined);
  });

  it('a write whose rollback fails too (write, then truncate) turns the store failed', async () => {
    const store = await VectorStore.open({ path: dirOf(), dimension: DIM });
    const w = nthCallFault('write', 1, 'EIO', 'wal.abw'), t = nthCallFault('truncate', 1, 'EIO', 'wal.abw');
    setFaultHook((k, p) => w.hook(k, p) ?? t.hook(k, p));
    await expect(store.upsert([rec('a')])).rejects.toMatchObject({ code: 'DURABILITY_LOST' });
    setFaultHook(undefined);
    await expect(store.upsert([rec('b')])).rejects.toMatchObject({ code: 'DURABILITY_LOST' });
    await store.close().catch(() => undefined);
  });
});

describe('a full disk', () => {
  it('refuses the write whole (NO_SPACE), applies nothing, and accepts writes again once space is back', async () => {
    const dir = dirOf();
    const store = await VectorStore.open({ path: dir, dimension: DIM });
    await store.upsert([rec('a')]);
    const logBytes = store.stats().logBytes;
    const f = switchable('write', 'wal.abw', 'ENOSPC');
    setFaultHook(f.hook);
    f.on(true);
    const err = await store.upsert([rec('b'), rec('c')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoSpaceError);
    expect(err).toBeInstanceOf(IOError);
    expect(err).toMatchObject({ code: 'NO_SPACE', errno: 'ENOSPC', retryable: true });
    expect(await store.get('b')).toBeUndefined();
    expect(store.size).toBe(1);
    expect(store.stats()).toMatchObject({ health: 'ok', logBytes });
    f.on(false); // space freed
    await store.upsert([rec('d')]);
    await store.flush();
    await store.close();
    const again = await VectorStore.open({ path: dir, dimension: DIM });
    expect((await again.ids()).sort()).toEqual(['a', 'd']);
    await again.close();
  });

  it('a short write is cut back off the log', async () => {
    const dir = dirOf();
    const store = await VectorStore.open({ path: dir, dimension: DIM });
    setFaultHook(nthCallFault('write', 1, 'SHORT', 'wal.abw').hook);
    await expect(store.upsert([rec('a')])).rejects.toMatchObject({ code: 'NO_SPACE' });
    setFaultHook(undefined);
    await store.upsert([rec('b')]);
    await store.close();
    const again = await VectorStore.open({ path: dir, dimension: DIM });
    expect(await again.ids()).toEqual(['b']);
    await again.close();
  });
});

describe('background work reports its failures and never takes the process down', () => {
  it('a snapshot started by a write fails: the write still resolves, the failure is reported and retried later', async () => {
    const dir = dirOf();
    const store = await VectorStore.open({ path: dir, dimension: DIM, snapshotLogBytes: 200 });
    const events: StoreErrorEvent[] = [];
    store.on('error', (e) => events.push(e));
    const f = switchable('write', 'snapshot.abs', 'ENOSPC');
    setFaultHook(f.hook);
    f.on(true);
    for (let i = 0; i < 6; i++) await store.upsert([rec(`r${i}`)]); // each resolves: logged and applied
    expect(store.size).toBe(6);
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]).toMatchObject({ job: 'snapshot', error: { code: 'NO_SPACE' } });
    expect(f.count()).toBe(events.length); // backoff: not retried on every write
    expect(store.stats()).toMatchObject({ health: 'ok', lastBackgroundError: { job: 'snapshot', code: 'NO_SPACE' } });
    f.on(false);
    await store.checkpoint(); // an explicit checkpoint works once space is back
    expect(store.stats().logBytes).toBe(32);
    await store.close();
    const again = await VectorStore.open({ path: dir, dimension: DIM });
    expect(again.size).toBe(6);
    await again.close();
  });

  it('a compaction whose rebuild throws is reported, retried with backoff, and does not reject into the void', async () => {
    const store = await VectorStore.open({ path: dirOf(), dimension: DIM, compactionThreshold: 0.2 });
    const events: StoreErrorEvent[] = [];
    store.on('error', (e) => events.push(e));
    store.on('error', () => {
      throw new Error('a listener that throws must not crash anything');
    });
    const rebuild = vi.spyOn(Collection, 'rebuild').mockRejectedValueOnce(new Error('encode-pool worker crashed'));
    await store.upsert(Array.from({ length: 10 }, (_, i) => rec(`r${i}`, i)));
    await store.delete(['r0', 'r1', 'r2', 'r3']); // past the threshold: a compaction starts in the background
    await vi.waitFor(() => expect(events).toHaveLength(1), { timeout: 5000, interval: 5 });
    expect(events[0]).toMatchObject({ job: 'compaction', error: { code: 'IO_ERROR' } });
    expect(store.stats()).toMatchObject({ health: 'ok', backgroundErrors: 1, lastBackgroundError: { job: 'compaction' } });
    // Retried after the backoff (1 s), with the real rebuild this time.
    await vi.waitFor(() => expect(store.stats().compactions).toBe(1), { timeout: 5000, interval: 20 });
    expect(rebuild).toHaveBeenCalledTimes(2);
    expect(store.stats().deadSlots).toBe(0);
    expect(await store.count()).toBe(6);
    await store.close();
  });

  it('an explicit compact() rejects typed when the rebuild throws', async () => {
    const store = await VectorStore.open({ dimension: DIM });
    await store.upsert([rec('a'), rec('b')]);
    vi.spyOn(Collection, 'rebuild').mockRejectedValueOnce(new Error('boom'));
    await expect(store.compact()).rejects.toBeInstanceOf(IOError);
    await store.close();
  });
});

describe('the file-I/O layer', () => {
  it('fsyncDir reports a failed directory fsync (EIO) instead of swallowing it', async () => {
    const dir = dirOf();
    const store = await VectorStore.open({ path: dir, dimension: DIM });
    await store.close();
    setFaultHook((k, p) => (k === 'sync' && p === dir ? 'EIO' : undefined));
    await expect(fsyncDir(join(dir, 'x'))).rejects.toMatchObject({ code: 'IO_ERROR', errno: 'EIO' });
    // A checkpoint whose directory fsync fails is a durability failure.
    setFaultHook(undefined);
    const s = await VectorStore.open({ path: dir, dimension: DIM });
    await s.upsert([rec('a')]);
    setFaultHook((k, p) => (k === 'sync' && p === dir ? 'EIO' : undefined));
    await expect(s.checkpoint()).rejects.toMatchObject({ code: 'DURABILITY_LOST' });
    setFaultHook(undefined);
    await s.close().catch(() => undefined);
  });

  it('a checkpoint that fails after the new log is in place keeps the snapshot and log matched (found by the schedules)', async () => {
    const dir = dirOf();
    const store = await VectorStore.open({ path: dir, dimension: DIM });
    await store.upsert([rec('a')]);
    // The directory fsync after the new log's rename cannot even open the directory.
    let dirOpens = 0;
    setFaultHook((k, p) => (k === 'open' && p === dir && ++dirOpens === 2 ? 'EIO' : undefined));
    await expect(store.checkpoint()).rejects.toMatchObject({ code: 'IO_ERROR' });
    setFaultHook(undefined);
    await store.upsert([rec('b')]);
    // The final snapshot is written, but its new log cannot be: the snapshot must announce the log after the one
    // on disk (generation + 1), not the same generation with another first sequence number.
    setFaultHook((k, p) => (k === 'open' && p.endsWith('wal.abw.tmp') ? 'EIO' : undefined));
    await expect(store.close()).rejects.toMatchObject({ code: 'IO_ERROR' });
    setFaultHook(undefined);
    const again = await VectorStore.open({ path: dir, dimension: DIM });
    expect((await again.ids()).sort()).toEqual(['a', 'b']);
    await again.close();
  });

  it('WalWriter.sync does not report a later success after a failed fdatasync', async () => {
    const dir = dirOf();
    await (await import('node:fs/promises')).mkdir(dir, { recursive: true });
    const w = await WalWriter.create(join(dir, 'wal.abw'), DIM, 1, 1);
    await w.write(Buffer.alloc(8, 1), false);
    setFaultHook(nthCallFault('sync', 1, 'EIO').hook);
    await expect(w.sync()).rejects.toThrow(/EIO/);
    setFaultHook(undefined);
    await expect(w.sync()).rejects.toThrow(); // the dirty pages may be gone: no false success
    expect(w.broken).toBe(true);
    await w.close();
  });

  it('WalWriter.close releases its handle when the final sync fails', async () => {
    if (process.platform !== 'linux') return;
    const path = join(dirOf() + '-wal');
    await (await import('node:fs/promises')).mkdir(path, { recursive: true });
    const file = join(path, 'wal.abw');
    const w = await WalWriter.create(file, DIM, 1, 1);
    await w.write(Buffer.from(walHeader(DIM, 1, 1).subarray(0, 8)), false);
    const open = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false;
      }
    }).length;
    expect(open()).toBe(1);
    setFaultHook(nthCallFault('sync', 1, 'EIO').hook);
    await expect(w.close()).rejects.toThrow(/EIO/);
    setFaultHook(undefined);
    expect(open()).toBe(0);
  });
});

describe('options that would break durability are refused', () => {
  it.each([
    [{ syncIntervalMs: Number.NaN }], [{ syncIntervalMs: 0 }], [{ syncIntervalMs: -5 }], [{ syncIntervalMs: Infinity }],
    [{ snapshotLogBytes: Number.NaN }], [{ snapshotLogBytes: 0 }], [{ snapshotLogBytes: 1.5 }], [{ snapshotLogBytes: -1 }],
  ])('%j', async (extra) => {
    await expect(VectorStore.open({ dimension: DIM, ...extra })).rejects.toBeInstanceOf(ValidationError);
  });
});
