/**
 * Write lock of a store directory: one writer per directory across processes (a `LOCK` file created exclusively,
 * holding the owner's pid and host) and per process (a registry shared by every copy of this module, ESM or CJS).
 * A lock file whose owner process is gone (same host, pid no longer alive) is stale and taken over.
 *
 * @internal
 * @module
 */
import { hostname } from 'node:os';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { IOError, LockedError } from '../../core/errors.js';
import { type LockOwner, processAlive } from '../../internal/lock-owner.js';

const REGISTRY_KEY = Symbol.for('abi-sdk.store.open-paths');
const registry: Set<string> = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] ??= new Set<string>()) as Set<string>;

type LockInfo = LockOwner;

/** A held lock. @internal */
export class DirectoryLock {
  readonly dir: string;
  readonly #file: string;
  readonly #token: string;
  #released = false;

  private constructor(dir: string, file: string, token: string) {
    this.dir = dir;
    this.#file = file;
    this.#token = token;
  }

  /**
   * Takes the lock of `dir`.
   *
   * @throws {@link LockedError} when this process or another live one holds it
   */
  static async acquire(dir: string): Promise<DirectoryLock> {
    const abs = resolve(dir);
    if (registry.has(abs)) throw new LockedError(`store ${abs} is already open in this process`);
    registry.add(abs);
    try {
      const file = join(abs, 'LOCK');
      const token = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const info: LockInfo = { pid: process.pid, host: hostname(), token };
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const fh = await open(file, 'wx');
          try {
            await fh.writeFile(JSON.stringify(info));
            await fh.sync();
          } finally {
            await fh.close();
          }
          return new DirectoryLock(abs, file, token);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new IOError(`cannot create lock file ${file}`, { cause: err });
        }
        const holder = await readHolder(file);
        // An unreadable file may be a lock another process is writing right now: stale only once it is old.
        const stale = holder === undefined
          ? await olderThan(file, 5000)
          : holder.host === hostname() && (holder.pid === process.pid || !processAlive(holder.pid));
        if (!stale || attempt > 0) {
          throw new LockedError(`store ${abs} is locked by process ${holder?.pid ?? '?'} on ${holder?.host ?? '?'}`);
        }
        await unlink(file).catch(() => undefined);
      }
      throw new LockedError(`store ${abs} is locked`);
    } catch (err) {
      registry.delete(abs);
      throw err;
    }
  }

  /** Releases the lock (idempotent); the file is removed only if it is still ours. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      const holder = await readHolder(this.#file);
      if (holder?.token === this.#token) await unlink(this.#file);
    } finally {
      registry.delete(this.dir);
    }
  }
}

/** Reads the lock file; `undefined` when it is missing or unreadable (a torn write from a crash). */
async function readHolder(file: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(file, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' && typeof info.host === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(file)).mtimeMs > ms;
  } catch {
    return true;
  }
}
