/**
 * The one file-I/O layer for everything abi-sdk keeps on disk (store log, snapshots, lock files, disk vectors,
 * training tensors and checkpoints, the server's key file, the Hub cache, the CLI manifest): thin wrappers over
 * `node:fs` that (1) give one atomic-replace routine (temp file in the same directory, write, fsync, rename,
 * directory fsync) instead of hand-written copies, (2) fsync directories with real error reporting, and (3) pass
 * every call through a fault hook that only tests arm, so a test can make the N-th open, write, sync, rename,
 * unlink, truncate, read or mkdir fail with EIO, ENOSPC, EDQUOT, EROFS, or write short.
 *
 * Directory fsync: an error is an error ({@link IOError}), except where a directory cannot be fsynced at all:
 * `EINVAL` from fsync on any platform (POSIX: "the file does not support synchronization"; some FUSE and network
 * file systems), and `EISDIR`, `EPERM`, `EACCES` on Windows (opening a directory for reading or flushing it fails
 * there; the rename itself is still atomic).
 *
 * @internal
 * @module
 */
import {
  closeSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync,
} from 'node:fs';
import {
  link as fsLink, mkdir as fsMkdir, open as fsOpen, readFile as fsReadFile, rename as fsRename, unlink as fsUnlink,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AbiError, IOError, NoSpaceError } from '../core/errors.js';

/** The kinds of call a fault can be injected into. @internal */
export type FaultKind = 'open' | 'write' | 'sync' | 'rename' | 'unlink' | 'truncate' | 'read' | 'mkdir';

/** What an injected fault does: fail with that errno code, or (`SHORT`) write half the bytes, then fail with ENOSPC. @internal */
export type FaultCode = 'EIO' | 'ENOSPC' | 'EDQUOT' | 'EROFS' | 'SHORT';

/** Decides per call whether to inject a fault: return a code to fail the call, `undefined` to let it run. @internal */
export type FaultHook = (kind: FaultKind, path: string) => FaultCode | undefined;

// Shared by every copy of this module (ESM and CJS builds loaded together), like the store's lock registry.
const HOOK_KEY = Symbol.for('abi-sdk.durable-fs.fault-hook');
const slot = globalThis as Record<symbol, FaultHook | undefined>;

/**
 * Installs (or with `undefined` removes) the fault hook. Tests only: production code never calls it.
 *
 * @param hook - the hook, or `undefined`
 * @internal
 */
export function setFaultHook(hook: FaultHook | undefined): void {
  slot[HOOK_KEY] = hook;
}

/**
 * A hook that fails the `nth` call (1-based) of `kind` on paths containing `pathPart` with `code`, once, and
 * counts calls, for tests that step a fault through every call in turn.
 *
 * @param kind - which calls to count
 * @param nth - which of them fails
 * @param code - how it fails
 * @param pathPart - only paths containing this count (default: all)
 * @returns the hook and live counters (`calls` of that kind seen, `fired` when the fault was injected)
 * @internal
 */
export function nthCallFault(kind: FaultKind, nth: number, code: FaultCode, pathPart = ''): { hook: FaultHook; calls: () => number; fired: () => boolean } {
  let calls = 0;
  let fired = false;
  return {
    hook: (k, path) => {
      if (k !== kind || !path.includes(pathPart)) return undefined;
      calls++;
      if (calls !== nth) return undefined;
      fired = true;
      return code;
    },
    calls: () => calls,
    fired: () => fired,
  };
}

const MESSAGES: Record<Exclude<FaultCode, 'SHORT'>, string> = {
  EIO: 'i/o error', ENOSPC: 'no space left on device', EDQUOT: 'disk quota exceeded', EROFS: 'read-only file system',
};

/** An error shaped like Node's own system errors (`code`, `errno`, `syscall`, `path`). */
function injected(code: Exclude<FaultCode, 'SHORT'>, kind: FaultKind, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${MESSAGES[code]} (injected), ${kind} '${path}'`);
  err.code = code;
  err.syscall = kind;
  err.path = path;
  return err;
}

/** Runs the hook for one call: throws the injected error, or returns `'SHORT'` / `undefined`. */
function fault(kind: FaultKind, path: string): 'SHORT' | undefined {
  const hook = slot[HOOK_KEY];
  if (!hook) return undefined;
  const code = hook(kind, path);
  if (code === undefined) return undefined;
  if (code === 'SHORT') {
    if (kind === 'write') return 'SHORT';
    throw injected('ENOSPC', kind, path);
  }
  throw injected(code, kind, path);
}

/** The errno code of a Node system error, if any. @internal */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether an error (or one along its cause chain) means "out of space" (disk full or quota): the write may
 * succeed once space is freed. @internal
 */
export function isNoSpace(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof NoSpaceError) return true;
    const code = errnoOf(e);
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}

/** The typed error for a failed file operation: {@link NoSpaceError} for a full disk or quota, else {@link IOError}. @internal */
export function fileError(message: string, err: unknown): IOError {
  return isNoSpace(err) ? new NoSpaceError(message, { cause: err }) : new IOError(message, { cause: err });
}

/**
 * An open file whose every call passes through the fault hook. Positional writes are written whole
 * (`writeAll` loops over short writes).
 *
 * @internal
 */
export class DurableFile {
  readonly path: string;
  readonly #fh: FileHandle;

  constructor(path: string, fh: FileHandle) {
    this.path = path;
    this.#fh = fh;
  }

  /** Writes all of `data` at `position`. */
  async writeAll(data: Uint8Array, position: number): Promise<void> {
    // Chunked so a 1 GB section does not need one giant write call.
    const CHUNK = 16 << 20;
    for (let off = 0; off < data.byteLength; ) {
      let n = Math.min(CHUNK, data.byteLength - off);
      const short = fault('write', this.path) === 'SHORT';
      if (short) n = Math.max(1, n >> 1);
      const { bytesWritten } = await this.#fh.write(data, off, n, position + off);
      off += bytesWritten;
      if (short) throw injected('ENOSPC', 'write', this.path);
    }
  }

  /** Reads into `into` from `position`; returns the bytes read (0 at the end of the file). */
  async read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    fault('read', this.path);
    return (await this.#fh.read(into, offset, length, position)).bytesRead;
  }

  /** fsync. */
  async sync(): Promise<void> {
    fault('sync', this.path);
    await this.#fh.sync();
  }

  /** fdatasync. */
  async datasync(): Promise<void> {
    fault('sync', this.path);
    await this.#fh.datasync();
  }

  /** Truncates (or extends) the file to `length`. */
  async truncate(length: number): Promise<void> {
    fault('truncate', this.path);
    await this.#fh.truncate(length);
  }

  /** The file's size in bytes. */
  async size(): Promise<number> {
    return (await this.#fh.stat()).size;
  }

  /** Closes the handle (always releases it, even when the hook is armed). */
  async close(): Promise<void> {
    await this.#fh.close();
  }
}

/**
 * Opens a file through the fault hook.
 *
 * @param path - the file
 * @param flags - `fs.open` flags (`'r'`, `'r+'`, `'w'`, `'wx'`, `'a'`)
 * @param mode - permissions for a created file
 * @returns the open file
 * @throws the Node system error (callers wrap it into their own {@link IOError} with context)
 * @internal
 */
export async function openFile(path: string, flags: string, mode?: number): Promise<DurableFile> {
  fault('open', path);
  return new DurableFile(path, await fsOpen(path, flags, mode));
}

/** `rename` through the fault hook. @internal */
export async function renameFile(from: string, to: string): Promise<void> {
  fault('rename', to);
  await fsRename(from, to);
}

/** `unlink` through the fault hook. @internal */
export async function unlinkFile(path: string): Promise<void> {
  fault('unlink', path);
  await fsUnlink(path);
}

/** `link` (a new name for an existing file; fails with EEXIST when `to` exists) through the fault hook as a rename. @internal */
export async function linkFile(from: string, to: string): Promise<void> {
  fault('rename', to);
  await fsLink(from, to);
}

/** `mkdir -p` through the fault hook. @internal */
export async function makeDir(path: string, mode?: number): Promise<void> {
  fault('mkdir', path);
  await fsMkdir(path, { recursive: true, mode });
}

/** Reads a whole file through the fault hook. @internal */
export async function readWholeFile(path: string): Promise<Buffer> {
  fault('read', path);
  return fsReadFile(path);
}

/** Synchronous open through the fault hook; returns the descriptor. @internal */
export function openFileSync(path: string, flags: string): number {
  fault('open', path);
  return openSync(path, flags);
}

/** Synchronous positional read through the fault hook (disk-resident vectors). @internal */
export function readSyncAt(fd: number, path: string, into: NodeJS.ArrayBufferView, offset: number, length: number, position: number): number {
  fault('read', path);
  return readSync(fd, into, offset, length, position);
}

/** Codes that mean "this directory cannot be fsynced here", not "the fsync failed". */
function dirSyncUnsupported(code: string | undefined): boolean {
  if (code === 'EINVAL') return true;
  return process.platform === 'win32' && (code === 'EISDIR' || code === 'EPERM' || code === 'EACCES');
}

/**
 * fsyncs the directory containing `path`, so a rename or create in it is durable.
 *
 * @param path - a file in the directory
 * @throws {@link IOError} when the directory fsync fails (EIO…); the codes listed in the module comment are ignored
 * @internal
 */
export async function fsyncDir(path: string): Promise<void> {
  const dir = dirname(path);
  let fh: FileHandle | undefined;
  try {
    fault('open', dir);
    fh = await fsOpen(dir, 'r');
    fault('sync', dir);
    await fh.sync();
  } catch (err) {
    if (!dirSyncUnsupported(errnoOf(err))) throw new IOError(`cannot fsync directory ${dir}`, { cause: err });
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Synchronous {@link fsyncDir}. @throws {@link IOError} as there @internal */
export function fsyncDirSync(path: string): void {
  const dir = dirname(path);
  let fd: number | undefined;
  try {
    fault('open', dir);
    fd = openSync(dir, 'r');
    fault('sync', dir);
    fsyncSync(fd);
  } catch (err) {
    if (!dirSyncUnsupported(errnoOf(err))) throw new IOError(`cannot fsync directory ${dir}`, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Options of {@link atomicReplace}. @internal */
export interface AtomicReplaceOptions {
  /** The temp file (default: a unique name beside `path`, safe when several processes write the same file). */
  tmp?: string;
  /** Permissions of the new file (e.g. 0o600 for secrets). */
  mode?: number;
  /** Create the parent directory first (with this mode when given as a number). */
  mkdir?: boolean | number;
}

/** A unique temp name in the same directory (same file system, so the rename is atomic). @internal */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
}

/**
 * Atomically replaces `path`: writes a temp file in the same directory (`content` as bytes, or written by a
 * callback through the open file), fsyncs it, renames it over `path` and fsyncs the directory. On failure before
 * the rename the temp file is removed and `path` is untouched; a failed directory fsync after it throws (the
 * new content is in place but may not survive power loss).
 *
 * @param path - the file to replace
 * @param content - the bytes, or a writer that fills the open temp file and may return a value
 * @param options - temp path, mode, mkdir
 * @returns what the writer returned
 * @throws {@link IOError} when any step fails (the cause carries the system error and its code)
 * @internal
 */
export async function atomicReplace<T = void>(
  path: string, content: Uint8Array | string | ((file: DurableFile) => Promise<T>), options: AtomicReplaceOptions = {},
): Promise<T> {
  const tmp = options.tmp ?? tempPathFor(path);
  if (options.mkdir !== undefined && options.mkdir !== false) {
    try {
      await makeDir(dirname(path), typeof options.mkdir === 'number' ? options.mkdir : undefined);
    } catch (err) {
      throw fileError(`cannot create ${dirname(path)}`, err);
    }
  }
  let result: T;
  let file: DurableFile | undefined;
  try {
    file = await openFile(tmp, 'w', options.mode);
    if (typeof content === 'function') {
      result = await content(file);
    } else {
      await file.writeAll(typeof content === 'string' ? Buffer.from(content) : content, 0);
      result = undefined as T;
    }
    await file.sync();
    const f = file;
    file = undefined;
    await f.close();
    await renameFile(tmp, path);
  } catch (err) {
    await file?.close().catch(() => undefined);
    await fsUnlink(tmp).catch(() => undefined);
    if (err instanceof AbiError) throw err; // the writer's own typed errors pass through
    throw fileError(`cannot write ${path}: ${(err as Error).message}`, err);
  }
  await fsyncDir(path);
  return result;
}

/**
 * Synchronous {@link atomicReplace} for bytes (key file, federated checkpoints, written from synchronous code).
 *
 * @param path - the file to replace
 * @param content - the bytes
 * @param options - temp path, mode, mkdir
 * @throws {@link IOError} when any step fails
 * @internal
 */
export function atomicReplaceSync(path: string, content: Uint8Array | string, options: AtomicReplaceOptions = {}): void {
  const tmp = options.tmp ?? tempPathFor(path);
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  try {
    if (options.mkdir !== undefined && options.mkdir !== false) {
      fault('mkdir', dirname(path));
      mkdirSync(dirname(path), { recursive: true, mode: typeof options.mkdir === 'number' ? options.mkdir : undefined });
    }
    fault('open', tmp);
    const fd = openSync(tmp, 'w', options.mode);
    try {
      for (let off = 0; off < bytes.byteLength; ) {
        const short = fault('write', tmp) === 'SHORT';
        const n = short ? Math.max(1, (bytes.byteLength - off) >> 1) : bytes.byteLength - off;
        off += writeSync(fd, bytes, off, n);
        if (short) throw injected('ENOSPC', 'write', tmp);
      }
      fault('sync', tmp);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    fault('rename', path);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // not created, or already renamed
    }
    throw fileError(`cannot write ${path}: ${(err as Error).message}`, err);
  }
  fsyncDirSync(path);
}
