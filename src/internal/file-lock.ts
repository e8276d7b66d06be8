/**
 * The one lock-file implementation, used by the store's directory lock and the Hub cache's blob locks: a lock file
 * appears whole (the owner record is written to a temp file, then hard-linked into place, which fails when the lock
 * exists) and records its owner (pid, host, a random token, and where the system tells: the process's start time,
 * the boot id and the pid namespace).
 *
 * Owner liveness (same host only): the owner is gone when the host rebooted since (boot id), when its pid no longer
 * exists, or when that pid now belongs to a process started at another time (pid reuse; start time from
 * `/proc/<pid>/stat`). A pid equal to ours is not read as stale by itself: two containers that share a hostname each
 * have a pid 1, and a different pid namespace means the owner cannot be checked; a record of this very process
 * (same pid, start time and namespace) is alive only while this process still holds that lock. Without `/proc` (macOS, Windows) only the
 * pid's existence is checked.
 *
 * Takeover of a stale lock is atomic, never read-then-unlink: a process first claims the takeover of that one stale
 * owner (an exclusively created `<lock>.takeover-<token>` file: one winner per stale lock), checks the lock still
 * holds that owner, moves it aside under a unique name, verifies the moved file's token, and only then removes it.
 * A fresh lock cannot be displaced, because only the claimant of a stale token ever moves the lock file.
 *
 * Limits: an owner on another host (or in another pid namespace) cannot be checked; the store never takes such a
 * lock over (remove `LOCK` by hand once sure), the Hub cache does once its owner stopped refreshing it for
 * `staleMs`. On network file systems (NFS, SMB) hard links and exclusive creation are only as atomic as the server
 * makes them, and two hosts must not open one store: the lock is advisory there.
 *
 * @internal
 * @module
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { link, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { IOError, LockedError } from '../core/errors.js';
import { sleep, throwIfAborted } from './abort.js';
import { errnoOf, linkFile, openFile, renameFile, tempPathFor, unlinkFile } from './durable-fs.js';

/** The content of a lock file. @internal */
export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  /** The owner process's start time (clock ticks since boot, `/proc/<pid>/stat` field 22), where known. */
  start?: number;
  /** The host's boot id, where known. */
  boot?: string;
  /** The owner's pid namespace (`/proc/self/ns/pid`), where known. */
  pidns?: string;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A process's start time from `/proc/<pid>/stat` (field 22; the command name may hold spaces and parentheses). @internal */
export function processStartTime(pid: number): number | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[19]); // field 22 overall; fields[0] is field 3
  return Number.isFinite(start) ? start : undefined;
}

/** Tokens of the locks this process holds now (shared by every copy of this module, ESM or CJS). */
const HELD_KEY = Symbol.for('abi-sdk.file-lock.held-tokens');
const held: Set<string> = ((globalThis as Record<symbol, unknown>)[HELD_KEY] ??= new Set<string>()) as Set<string>;
const ownStart = processStartTime(process.pid);

const bootId = readProc('/proc/sys/kernel/random/boot_id')?.trim();
const pidNamespace = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
})();

/** A new owner record for this process. @internal */
export function newLockOwner(): LockOwner {
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}` };
  const start = processStartTime(process.pid);
  if (start !== undefined) owner.start = start;
  if (bootId) owner.boot = bootId;
  if (pidNamespace) owner.pidns = pidNamespace;
  return owner;
}

/** Whether a process with this pid exists here (EPERM: it exists, owned by another user). @internal */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}

/**
 * Whether the recorded owner is alive, dead, or cannot be checked from here (another host or pid namespace, or an
 * old record naming our own pid without a start time).
 *
 * @internal
 */
export function ownerState(owner: LockOwner): 'alive' | 'dead' | 'unknown' {
  if (owner.host !== hostname()) return 'unknown';
  if (owner.boot && bootId && owner.boot !== bootId) return 'dead';
  if (owner.pidns && pidNamespace && owner.pidns !== pidNamespace) return 'unknown';
  if (!processAlive(owner.pid)) return 'dead';
  if (owner.pid === process.pid && owner.start !== undefined && owner.start === ownStart) {
    // This very process: alive only if it still holds that lock (a release whose unlink failed leaves the file).
    return held.has(owner.token) ? 'alive' : 'dead';
  }
  if (owner.start !== undefined) {
    const now = processStartTime(owner.pid);
    if (now !== undefined && now !== owner.start) return 'dead'; // the pid was reused
    return 'alive';
  }
  // No start time recorded: our own pid may be another container's pid 1; do not guess.
  return owner.pid === process.pid ? 'unknown' : 'alive';
}

/** Whether the recorded owner is a process of this host that is gone. @internal */
export function ownerDead(owner: LockOwner): boolean {
  return ownerState(owner) === 'dead';
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
    return typeof v?.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Writes `owner` to a temp file beside `path` and links it into place: the lock appears whole or not at all. */
async function createWhole(path: string, owner: LockOwner): Promise<boolean> {
  const tmp = tempPathFor(path);
  const f = await openFile(tmp, 'wx', 0o644);
  try {
    await f.writeAll(Buffer.from(JSON.stringify(owner)), 0);
    await f.sync();
  } catch (err) {
    await f.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await f.close();
  try {
    await linkFile(tmp, path);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return false;
    if (errnoOf(err) === 'EPERM' || errnoOf(err) === 'ENOTSUP' || errnoOf(err) === 'EOPNOTSUPP') return createExclusive(path, owner);
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Fallback where hard links are not supported: exclusive create, then write (a reader may see it empty meanwhile). */
async function createExclusive(path: string, owner: LockOwner): Promise<boolean> {
  let f;
  try {
    f = await openFile(path, 'wx', 0o644);
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    await f.writeAll(Buffer.from(JSON.stringify(owner)), 0);
    await f.sync();
  } finally {
    await f.close();
  }
  return true;
}

/** How long an unreadable lock file (torn by power loss, or being written by the fallback) is left alone. */
const UNREADABLE_GRACE_MS = 5000;

/**
 * Takes over the lock at `path` if it is stale; returns whether the caller should try to create it again at once.
 * One process wins the claim for a given stale owner; the others go back to waiting.
 */
async function takeOverIfStale(path: string, staleMs: number): Promise<{ retry: boolean; holder?: LockOwner }> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return { retry: true };
  const holder = await readOwner(path);
  const age = Date.now() - st.mtimeMs;
  const state = holder ? ownerState(holder) : 'unknown';
  const stale = holder === undefined ? age > UNREADABLE_GRACE_MS : state === 'dead' || (state === 'unknown' && age > staleMs);
  if (!stale) return { retry: false, holder };
  // Claim the takeover of this one owner: exactly one claimant per stale lock.
  const id = holder?.token ?? `ino${st.ino}-${Math.floor(st.mtimeMs)}`;
  const claim = join(dirname(path), `${basename(path)}.takeover-${id.replace(/[^\w.-]/g, '_')}`);
  const me = newLockOwner();
  if (!(await createWhole(claim, me))) {
    // Someone else is taking it over, or died doing so: a claim whose owner is gone is removed (it names no lock).
    const other = await readOwner(claim);
    const cst = await stat(claim).catch(() => undefined);
    if (cst && (other ? ownerDead(other) : Date.now() - cst.mtimeMs > UNREADABLE_GRACE_MS)) await unlink(claim).catch(() => undefined);
    return { retry: false, holder };
  }
  try {
    // Holding the claim, the lock can only still be the stale one or gone (only a claimant moves it).
    const again = await readOwner(path);
    const st2 = await stat(path).catch(() => undefined);
    if (!st2) return { retry: true };
    if ((holder && again?.token !== holder.token) || (!holder && (again !== undefined || st2.ino !== st.ino))) return { retry: true };
    const aside = `${path}.stale-${me.token}`;
    await renameFile(path, aside);
    const moved = await readOwner(aside);
    if (moved?.token !== holder?.token) {
      // Not the file judged stale (cannot happen under the claim protocol): put it back untouched.
      await linkFile(aside, path).catch(() => undefined);
    }
    await unlinkFile(aside).catch(() => undefined);
    return { retry: true };
  } finally {
    await unlink(claim).catch(() => undefined);
  }
}

/** A held lock file. @internal */
export class FileLock {
  readonly path: string;
  readonly owner: LockOwner;
  #timer: NodeJS.Timeout | undefined;
  #released = false;

  private constructor(path: string, owner: LockOwner, refreshMs: number | undefined) {
    this.path = path;
    this.owner = owner;
    held.add(owner.token);
    if (refreshMs !== undefined) {
      // Refresh the mtime so waiters on other hosts (where the pid cannot be checked) see the owner is alive.
      this.#timer = setInterval(() => {
        const now = new Date();
        utimes(path, now, now).catch(() => undefined);
      }, refreshMs);
      this.#timer.unref();
    }
  }

  /**
   * Tries once to take the lock at `path` (taking over a stale one).
   *
   * @param path - the lock file
   * @param options - `staleMs`: age past which a lock whose owner cannot be checked is stale (default never);
   *   `refreshMs`: refresh the held lock's mtime this often
   * @returns the held lock, or the live holder's record (`undefined` when unreadable) when it is taken
   * @throws {@link IOError} when the lock file cannot be written
   * @internal
   */
  static async tryAcquire(path: string, options: { staleMs?: number; refreshMs?: number } = {}): Promise<FileLock | { holder: LockOwner | undefined }> {
    const staleMs = options.staleMs ?? Number.POSITIVE_INFINITY;
    const owner = newLockOwner();
    for (let attempt = 0; attempt < 8; attempt++) {
      let taken: { retry: boolean; holder?: LockOwner };
      try {
        if (await createWhole(path, owner)) return new FileLock(path, owner, options.refreshMs);
        taken = await takeOverIfStale(path, staleMs);
      } catch (err) {
        throw new IOError(`cannot create lock file ${path}`, { cause: err });
      }
      if (!taken.retry) return { holder: taken.holder };
    }
    return { holder: await readOwner(path) };
  }

  /**
   * Takes the lock at `path`, polling while a live owner holds it.
   *
   * @param path - the lock file
   * @param options - `signal` stops the wait; `onWait` is called once when the lock is busy; `staleMs`, `refreshMs`
   * @returns the held lock
   * @throws {AbortError} when the signal fires while waiting
   * @throws {@link IOError} when the lock file cannot be created
   * @internal
   */
  static async acquire(
    path: string, options: { signal?: AbortSignal; staleMs?: number; refreshMs?: number; onWait?: () => void } = {},
  ): Promise<FileLock> {
    let waited = false;
    for (let poll = 25; ; poll = Math.min(250, poll * 2)) {
      throwIfAborted(options.signal);
      const got = await FileLock.tryAcquire(path, options);
      if (got instanceof FileLock) return got;
      if (!waited) options.onWait?.();
      waited = true;
      await sleep(poll, options.signal);
    }
  }

  /** Releases the lock (idempotent): the file is removed only if it is still ours. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    held.delete(this.owner.token);
    if (this.#timer) clearInterval(this.#timer);
    // Ours cannot be moved by anyone else (our pid is alive), so the token check guards only against hand edits.
    const current = await readOwner(this.path);
    if (current?.token === this.owner.token) await unlinkFile(this.path).catch(() => undefined);
  }
}

const REGISTRY_KEY = Symbol.for('abi-sdk.store.open-paths');
const registry: Set<string> = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] ??= new Set<string>()) as Set<string>;

/**
 * Write lock of a store directory: one writer per directory across processes (`<dir>/LOCK`, a {@link FileLock}
 * that is never taken over from another host) and per process (a registry shared by every copy of this module,
 * ESM or CJS).
 *
 * @internal
 */
export class DirectoryLock {
  readonly dir: string;
  readonly #lock: FileLock;
  #released = false;

  private constructor(dir: string, lock: FileLock) {
    this.dir = dir;
    this.#lock = lock;
  }

  /**
   * Takes the lock of `dir` (an absolute path).
   *
   * @param dir - the store directory, absolute
   * @returns the held lock
   * @throws {@link LockedError} when this process or another live one holds it
   * @throws {@link IOError} when the lock file cannot be written
   */
  static async acquire(dir: string): Promise<DirectoryLock> {
    if (registry.has(dir)) throw new LockedError(`store ${dir} is already open in this process`);
    registry.add(dir);
    try {
      const got = await FileLock.tryAcquire(join(dir, 'LOCK'));
      if (got instanceof FileLock) return new DirectoryLock(dir, got);
      const h = got.holder;
      throw new LockedError(`store ${dir} is locked by process ${h?.pid ?? '?'} on ${h?.host ?? '?'}`);
    } catch (err) {
      registry.delete(dir);
      throw err;
    }
  }

  /** Releases the lock (idempotent). */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      await this.#lock.release();
    } finally {
      registry.delete(this.dir);
    }
  }
}
