/**
 * Downloads one blob into the cache safely: under a per-blob lock, into `blobs/{etag}.incomplete` (as
 * `huggingface_hub` names it), resuming an interrupted file with a `Range` request, verified against the Hub's
 * checksum (sha256 for LFS files, git blob sha1 for small files, size otherwise), then renamed into place. A blob
 * that failed verification is deleted; a partial file is kept for the next attempt but never linked into a snapshot.
 *
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, truncate, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AbiError, ConnectionError, CorruptDataError } from '../core/errors.js';
import { sleep, toAbortError } from '../internal/abort.js';
import { FileLock } from '../internal/file-lock.js';
import { retryDelay } from '../resilience/retry.js';
import { blobPath, fileSize, fsCall } from './cache.js';
import { type HubClient, hubHttpError, type HubRequestContext } from './client.js';

/** What to download. @internal */
export interface BlobRequest {
  client: HubClient;
  /** The resolve URL. */
  url: string;
  ctx: HubRequestContext;
  /** The cache folder (for `.locks/`). */
  cacheDir: string;
  /** The repository folder. */
  repoDir: string;
  /** Unquoted ETag: the blob's name and checksum. */
  etag: string;
  /** Expected bytes, when the Hub said. */
  size: number | undefined;
  signal?: AbortSignal;
  /** Bytes written (negative when a partial file had to be discarded). */
  onBytes?: (delta: number) => void;
  /** A download that receives nothing for this long is cut and resumed. @defaultValue 60 000 */
  idleTimeoutMs?: number;
}

/** What a download did. @internal */
export interface BlobResult {
  /** Bytes transferred in this call. */
  transferred: number;
  /** Offset the download resumed from (0 for a fresh one; the blob's size when it was already there). */
  resumedFrom: number;
  /** Whether the blob was already in the cache (fetched by another process or tool). */
  cached: boolean;
}

/**
 * Makes `blobs/{etag}` exist and verified, downloading what is missing.
 *
 * @throws {CorruptDataError} when the finished file does not match the Hub's checksum or size (the file is deleted)
 * @throws {AbortError} when the signal fires (the partial file is kept for resuming)
 * @throws {ConnectionError} when the connection keeps failing after the retries
 * @internal
 */
export async function downloadBlob(req: BlobRequest): Promise<BlobResult> {
  const blob = blobPath(req.repoDir, req.etag);
  if (await fileSize(blob) !== undefined) return { transferred: 0, resumedFrom: 0, cached: true };
  const lockFile = join(req.cacheDir, '.locks', req.repoDir.slice(req.repoDir.lastIndexOf('models--')), `${req.etag}.abi.lock`);
  await fsCall(`cannot create ${dirname(lockFile)}`, () => mkdir(dirname(lockFile), { recursive: true }));
  // A lock whose owner is on another host counts as stale once it stopped refreshing it for a minute.
  const lock = await FileLock.acquire(lockFile, { signal: req.signal, staleMs: 60_000, refreshMs: 15_000 });
  try {
    // Another process may have finished it while we waited for the lock.
    if (await fileSize(blob) !== undefined) return { transferred: 0, resumedFrom: 0, cached: true };
    const partial = `${blob}.incomplete`;
    await fsCall(`cannot create ${dirname(blob)}`, () => mkdir(dirname(blob), { recursive: true }));
    const resumedFrom = (await fileSize(partial)) ?? 0;
    const transferred = await fetchWithResume(req, partial);
    await verify(req, partial);
    await fsCall(`cannot move ${partial} into place`, () => rename(partial, blob));
    return { transferred, resumedFrom, cached: false };
  } finally {
    await lock.release();
  }
}

async function fetchWithResume(req: BlobRequest, partial: string): Promise<number> {
  const retry = req.client.retryOptions;
  let transferred = 0;
  for (let attempt = 1; ; attempt++) {
    let offset = (await fileSize(partial)) ?? 0;
    if (req.size !== undefined && offset > req.size) {
      await discard(req, partial, offset);
      offset = 0;
    }
    if (req.size !== undefined && offset === req.size && offset > 0) return transferred;
    let counted = false;
    try {
      await fetchFrom(req, partial, offset);
      const got = (await fileSize(partial)) ?? 0;
      transferred += Math.max(0, got - offset);
      counted = true;
      if (req.size === undefined || got === req.size) return transferred;
      if (got > req.size) {
        await unlink(partial).catch(() => {});
        throw new CorruptDataError(`${req.ctx.path} is ${got} bytes, the Hub said ${req.size}`, partial);
      }
      throw new ConnectionError(`the download of ${req.ctx.path} ended at ${got} of ${req.size} bytes`, { provider: 'huggingface-hub' });
    } catch (err) {
      if (req.signal?.aborted) throw toAbortError(req.signal);
      const now = (await fileSize(partial)) ?? 0;
      if (now > offset) {
        if (!counted) transferred += now - offset;
        attempt = 1; // progress was made: a fresh series of retries
      }
      const wait = attempt < retry.maxAttempts ? retryDelay(err, attempt, retry) : undefined;
      if (wait === undefined) throw err;
      await sleep(wait, req.signal);
    }
  }
}

/** One GET from `offset` into the partial file; returns bytes written. */
async function fetchFrom(req: BlobRequest, partial: string, offset: number): Promise<number> {
  const idleMs = req.idleTimeoutMs ?? 60_000;
  const attempt = new AbortController();
  const onAbort = (): void => attempt.abort(req.signal!.reason);
  req.signal?.addEventListener('abort', onAbort, { once: true });
  if (req.signal?.aborted) attempt.abort(req.signal.reason);
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      attempt.abort(new Error('stalled'));
    }, idleMs);
    timer.unref();
  };
  let written = 0;
  try {
    arm();
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const { res } = await req.client.request(req.url, 'GET', req.ctx, { signal: attempt.signal, headers });
    if (res.status === 416 && offset > 0) {
      // The server has nothing past our offset: either the file is whole (verified next) or the offset is wrong.
      await res.body?.cancel().catch(() => {});
      if (req.size === undefined || offset === req.size) return 0;
      await discard(req, partial, offset);
      throw new ConnectionError(`the Hub refused to resume ${req.ctx.path} at byte ${offset}`, { provider: 'huggingface-hub' });
    }
    if (!res.ok) throw await hubHttpError(res, req.ctx, req.client);
    let append = false;
    if (offset > 0 && res.status === 206) {
      const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
      append = start !== undefined && Number(start) === offset;
      if (!append) {
        await res.body?.cancel().catch(() => {});
        await discard(req, partial, offset);
        throw new ConnectionError(`the Hub resumed ${req.ctx.path} at the wrong offset`, { provider: 'huggingface-hub' });
      }
    } else if (offset > 0) {
      req.onBytes?.(-offset); // a 200 to a Range request: the whole file comes again
    }
    const fh = await fsCall(`cannot write ${partial}`, () => open(partial, append ? 'a' : 'w'));
    try {
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          arm();
          await fh.write(chunk);
          written += chunk.byteLength;
          req.onBytes?.(chunk.byteLength);
        }
      }
    } finally {
      await fh.close();
    }
    return written;
  } catch (err) {
    if (req.signal?.aborted) throw toAbortError(req.signal);
    if (!stalled && err instanceof AbiError) throw err;
    const why = stalled ? `received nothing for ${idleMs} ms` : (err as Error)?.message ?? String(err);
    throw new ConnectionError(`the download of ${req.ctx.path} of ${req.ctx.repoId} was cut after ${offset + written} bytes: ${req.client.scrub(why)}`,
      { provider: 'huggingface-hub', cause: err });
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
  }
}

async function discard(req: BlobRequest, partial: string, bytes: number): Promise<void> {
  await truncate(partial, 0).catch(() => {});
  if (bytes > 0) req.onBytes?.(-bytes);
}

/** Checks the finished partial file against the ETag: sha256 (LFS), git blob sha1 (small files), or size only. */
async function verify(req: BlobRequest, partial: string): Promise<void> {
  const size = (await fileSize(partial)) ?? 0;
  const etag = req.etag.toLowerCase();
  let expected: string | undefined;
  let actual: string | undefined;
  if (/^[0-9a-f]{64}$/.test(etag)) {
    expected = etag;
    actual = await hashFile(partial, 'sha256');
  } else if (/^[0-9a-f]{40}$/.test(etag)) {
    expected = etag;
    actual = await hashFile(partial, 'sha1', `blob ${size}\0`);
  }
  if (expected !== actual || (req.size !== undefined && size !== req.size)) {
    await unlink(partial).catch(() => {});
    const what = expected !== actual ? `${expected!.length === 64 ? 'sha256' : 'git sha1'} ${actual} instead of ${expected}` : `${size} bytes instead of ${req.size}`;
    throw new CorruptDataError(`${req.ctx.path} of ${req.ctx.repoId}@${req.ctx.revision} failed verification (${what}); the download was discarded`, partial);
  }
}

function hashFile(path: string, algo: 'sha256' | 'sha1', prefix?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash(algo);
    if (prefix) h.update(prefix);
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
