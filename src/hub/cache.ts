/**
 * The Hugging Face cache on disk, in the layout Python's `huggingface_hub`, transformers and the `hf` CLI share:
 * `{cache}/models--{owner}--{name}/` with `blobs/{etag}` (file contents, named by ETag), `snapshots/{commit}/{path}`
 * (relative symlinks to `../../blobs/{etag}`, copies where symlinks fail) and `refs/{revision}` (the commit sha a
 * branch or tag pointed to when last fetched). A model fetched by any of those tools is reused as is.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rm, stat, symlink, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { IOError } from '../core/errors.js';
import { atomicReplace } from '../internal/durable-fs.js';
import { readEnv } from '../internal/env.js';
import { isCommitSha } from './model-id.js';

/**
 * The cache folder: `explicit` > `ABI_HF_HUB_CACHE` > `HF_HUB_CACHE` > `$HF_HOME/hub` > `~/.cache/huggingface/hub`
 * (`$XDG_CACHE_HOME/huggingface/hub` when `XDG_CACHE_HOME` is set, as `huggingface_hub` does).
 *
 * @param explicit - a folder given by the caller (`cacheDir`)
 * @returns the absolute cache folder
 * @example
 * ```ts
 * hubCacheDir(); // '/home/me/.cache/huggingface/hub'
 * ```
 */
export function hubCacheDir(explicit?: string): string {
  const dir = explicit?.trim() || readEnv('ABI_HF_HUB_CACHE', 'HF_HUB_CACHE');
  if (dir) return resolve(expandHome(dir));
  const home = readEnv('HF_HOME');
  if (home) return resolve(expandHome(home), 'hub');
  const xdg = readEnv('XDG_CACHE_HOME');
  return resolve(xdg ? expandHome(xdg) : join(homedir(), '.cache'), 'huggingface', 'hub');
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith(`~${sep}`) || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

/**
 * The folder of one repository in the cache, `models--{owner}--{name}`.
 *
 * @param cacheDir - the cache folder
 * @param repoId - `owner/name`
 * @returns the repository folder
 * @internal
 */
export function repoCacheDir(cacheDir: string, repoId: string): string {
  return join(cacheDir, `models--${repoId.split('/').join('--')}`);
}

/** `blobs/{etag}` of a repository folder. @internal */
export function blobPath(repoDir: string, etag: string): string {
  return join(repoDir, 'blobs', etag);
}

/** `snapshots/{commit}` of a repository folder. @internal */
export function snapshotDir(repoDir: string, commit: string): string {
  return join(repoDir, 'snapshots', commit);
}

/**
 * The commit a revision resolves to in the cache: a commit sha with a snapshot folder is itself; a branch or tag
 * is read from `refs/{revision}`.
 *
 * @param repoDir - the repository folder
 * @param revision - branch, tag or commit
 * @returns the commit, or `undefined` when the cache does not know the revision
 * @internal
 */
export async function readRef(repoDir: string, revision: string): Promise<string | undefined> {
  if (isCommitSha(revision)) return (await isDir(snapshotDir(repoDir, revision))) ? revision : undefined;
  try {
    const commit = (await readFile(join(repoDir, 'refs', revision), 'utf8')).trim();
    return isCommitSha(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records that `revision` points at `commit` (`refs/{revision}`), replaced atomically (temp file, fsync, rename,
 * directory fsync) so a reader never sees half a sha. Nothing is written when the revision is the commit itself.
 *
 * @internal
 */
export async function writeRef(repoDir: string, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const file = join(repoDir, 'refs', revision);
  await fsCall(`cannot write ${file}`, async () => {
    await atomicReplace(file, commit, { mkdir: true });
  });
}

/**
 * Points `snapshots/{commit}/{path}` at `blobs/{etag}` with a relative symlink, or a copy where the file system
 * refuses symlinks. An existing entry that already points there is kept; a different one is replaced.
 *
 * @internal
 */
export async function linkSnapshotFile(repoDir: string, commit: string, path: string, etag: string): Promise<void> {
  const dest = join(snapshotDir(repoDir, commit), ...path.split('/'));
  const blob = blobPath(repoDir, etag);
  const target = relative(dirname(dest), blob);
  await fsCall(`cannot link ${dest}`, async () => {
    await mkdir(dirname(dest), { recursive: true });
    const existing = await lstat(dest).catch(() => undefined);
    if (existing?.isSymbolicLink() && (await readlink(dest)) === target) return;
    if (existing) await unlink(dest);
    try {
      await symlink(target, dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return linkSnapshotFile(repoDir, commit, path, etag); // another process linked it first
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EACCES') throw err;
      await atomicReplace(dest, async (f) => {
        let at = 0;
        for await (const chunk of createReadStream(blob) as AsyncIterable<Buffer>) {
          await f.writeAll(chunk, at);
          at += chunk.length;
        }
      });
    }
  });
}

/** Size of a regular file (following symlinks), or `undefined` when it is missing or dangling. @internal */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** One model in the cache, as {@link listCachedModels} reports it. */
export interface CachedModel {
  /** Repository id, `owner/name`. */
  repoId: string;
  /** The repository folder. */
  dir: string;
  /** Bytes of its blobs on disk (finished downloads; partial `.incomplete` files are counted in `partialBytes`). */
  sizeOnDisk: number;
  /** Bytes of interrupted downloads waiting to be resumed. */
  partialBytes: number;
  /** Revision name → commit sha, from `refs/`. */
  refs: Record<string, string>;
  /** Commit shas with a snapshot folder. */
  snapshots: string[];
  /** Most recent modification of any blob, or of the folder when there is none. */
  lastModified: Date;
}

/**
 * Lists the models in the cache (`models--*` folders), whoever fetched them.
 *
 * @param cacheDir - the cache folder; see {@link hubCacheDir}
 * @returns the models, sorted by repository id; empty when the folder does not exist
 * @throws {IOError} when the folder cannot be read
 * @example
 * ```ts
 * for (const m of await listCachedModels()) console.log(m.repoId, m.sizeOnDisk);
 * ```
 */
export async function listCachedModels(cacheDir: string = hubCacheDir()): Promise<CachedModel[]> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new IOError(`cannot read the Hugging Face cache ${cacheDir}`, { cause: err });
  }
  const out: CachedModel[] = [];
  for (const name of names.filter((n) => n.startsWith('models--')).sort()) {
    const dir = join(cacheDir, name);
    if (!(await isDir(dir))) continue;
    const repoId = name.slice('models--'.length).split('--').join('/');
    let sizeOnDisk = 0;
    let partialBytes = 0;
    let last = (await stat(dir)).mtime;
    for (const b of await readdir(join(dir, 'blobs')).catch(() => [] as string[])) {
      const s = await stat(join(dir, 'blobs', b)).catch(() => undefined);
      if (!s?.isFile()) continue;
      if (b.endsWith('.incomplete')) partialBytes += s.size;
      else if (!b.endsWith('.lock')) sizeOnDisk += s.size;
      if (s.mtime > last) last = s.mtime;
    }
    out.push({ repoId, dir, sizeOnDisk, partialBytes, refs: await readRefs(join(dir, 'refs')), snapshots: await readdir(join(dir, 'snapshots')).catch(() => []), lastModified: last });
  }
  return out;
}

async function readRefs(root: string, prefix = ''): Promise<Record<string, string>> {
  const refs: Record<string, string> = {};
  for (const e of await readdir(join(root, prefix), { withFileTypes: true }).catch(() => [])) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(refs, await readRefs(root, rel));
    else if (e.isFile() && !e.name.endsWith('.tmp')) refs[rel] = (await readFile(join(root, rel), 'utf8')).trim();
  }
  return refs;
}

/**
 * Deletes a model from the cache (its whole `models--owner--name` folder: blobs, snapshots, refs).
 *
 * @param repoId - `owner/name`
 * @param cacheDir - the cache folder; see {@link hubCacheDir}
 * @returns whether the model was there
 * @throws {IOError} when the folder cannot be removed
 * @example
 * ```ts
 * await removeCachedModel('BAAI/bge-small-en-v1.5');
 * ```
 */
export async function removeCachedModel(repoId: string, cacheDir: string = hubCacheDir()): Promise<boolean> {
  const dir = repoCacheDir(cacheDir, repoId);
  if (!(await isDir(dir))) return false;
  await fsCall(`cannot remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return true;
}

/** Runs a file-system step, turning a system error into an {@link IOError} naming it. @internal */
export async function fsCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof IOError) throw err;
    throw new IOError(`${what}: ${(err as Error).message}`, { cause: err });
  }
}
