/**
 * A lock per cached blob, so two processes fetching the same model never write the same `.incomplete` file at
 * once: an exclusively created lock file (`O_EXCL`) holding the owner's pid, host and a token, refreshed while held.
 * A waiter polls until it is free; a lock whose owner died (same host, pid gone) or stopped refreshing it
 * (another host, older than `staleMs`) is taken over.
 *
 * @internal
 * @module
 */
import { link, mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IOError } from '../core/errors.js';
import { sleep, throwIfAborted } from '../internal/abort.js';
import { type LockOwner, newLockOwner, ownerDead } from '../internal/lock-owner.js';

type LockInfo = LockOwner;

/** A held blob lock; `release()` is idempotent. @internal */
export interface BlobLock {
  release(): Promise<void>;
}

/**
 * Takes the lock file `path`, waiting while another live owner holds it.
 *
 * @param path - the lock file
 * @param options - `signal` stops the wait; `onWait` is called once when the lock is busy
 * @returns the held lock
 * @throws {AbortError} when the signal fires while waiting
 * @throws {IOError} when the lock file cannot be created
 * @internal
 */
export async function acquireBlobLock(
  path: string,
  options: { signal?: AbortSignal; staleMs?: number; onWait?: () => void } = {},
): Promise<BlobLock> {
  const staleMs = options.staleMs ?? 60_000;
  const info = newLockOwner();
  const token = info.token;
  await mkdir(dirname(path), { recursive: true }).catch((err: unknown) => {
    throw new IOError(`cannot create ${dirname(path)}`, { cause: err });
  });
  let waited = false;
  for (let poll = 25; ; poll = Math.min(250, poll * 2)) {
    throwIfAborted(options.signal);
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify(info));
      } finally {
        await fh.close();
      }
      return held(path, token, staleMs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new IOError(`cannot create lock ${path}`, { cause: err });
    }
    if (await takeOverIfStale(path, staleMs)) continue;
    if (!waited) options.onWait?.();
    waited = true;
    await sleep(poll, options.signal);
  }
}

function held(path: string, token: string, staleMs: number): BlobLock {
  // Refresh the mtime so waiters on other hosts (where the pid cannot be checked) know the owner is alive.
  const timer = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, Math.max(1000, staleMs / 4));
  timer.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      const current = await readInfo(path);
      if (current?.token === token) await unlink(path).catch(() => {});
    },
  };
}

async function readInfo(path: string): Promise<LockInfo | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return typeof v?.pid === 'number' && typeof v.token === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

async function takeOverIfStale(path: string, staleMs: number): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  if (!s) return true; // released meanwhile: try again at once
  const info = await readInfo(path);
  const oldEnough = Date.now() - s.mtimeMs > staleMs;
  const dead = info !== undefined && ownerDead(info);
  // An unreadable file is a lock being written right now, unless it has been so for a long time.
  if (!dead && !oldEnough) return false;
  // Move it aside atomically, then check it is the one judged stale; a fresh lock taken meanwhile is put back.
  const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await rename(path, aside);
  } catch {
    return true;
  }
  const moved = await readInfo(aside);
  if (moved?.token !== info?.token) await link(aside, path).catch(() => {});
  await unlink(aside).catch(() => {});
  return true;
}
