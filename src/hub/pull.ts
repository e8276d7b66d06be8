/**
 * `pullModel`: makes a Hub model's files (the ones the engine reads) present in the Hugging Face cache and returns
 * the snapshot folder to load. Online it asks the Hub which commit the revision is and fetches only what the cache
 * lacks; offline (`HF_HUB_OFFLINE=1`, or the Hub unreachable) it resolves the revision from the cache with no
 * request, or fails with a typed error naming the command that fetches the model.
 *
 * @module
 */
import { join } from 'node:path';
import { ConnectionError, ModelNotCachedError, ValidationError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';
import { readEnv } from '../internal/env.js';
import { REQUIRED_MODEL_FILES, MODEL_JSON_FILES, EXTERNAL_DATA_SUFFIXES } from './model-layout.js';
import { blobPath, fileSize, hubCacheDir, linkSnapshotFile, readRef, repoCacheDir, snapshotDir, writeRef } from './cache.js';
import { HubClient, type HubClientOptions, type HubFileMeta, type HubModelInfo } from './client.js';
import { downloadBlob } from './download.js';
import { type HubDtype, onnxCandidates, selectModelFiles } from './files.js';
import { type HubModelRef, parseHubModelId } from './model-id.js';

/** Download progress, reported as bytes arrive. */
export interface PullProgress {
  /** The repository. */
  repoId: string;
  /** The file being downloaded (path inside the repository). */
  file: string;
  /** Bytes of that file present so far (a resumed file starts at its partial size). */
  fileBytes: number;
  /** Size of that file, when the Hub said. */
  fileTotal: number | undefined;
  /** Bytes of all files to download present so far. */
  bytes: number;
  /** Bytes of all files to download. */
  totalBytes: number;
}

/** Options of {@link pullModel}; also accepted by `fromPretrained`. */
export interface PullModelOptions extends HubClientOptions {
  /**
   * Branch, tag or commit sha; wins over an `@revision` suffix of the name.
   * @defaultValue `'main'`
   */
  revision?: string;
  /**
   * Weight precision: which ONNX file is fetched (`fp32` → `model.onnx`, `fp16` → `model_fp16.onnx`, `int8` →
   * `model_quantized.onnx` or `model_int8.onnx`, in `onnx/` or the root).
   * @defaultValue `'fp32'`
   */
  dtype?: HubDtype;
  /**
   * The Hugging Face cache folder.
   * @defaultValue `ABI_HF_HUB_CACHE`, else `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`
   */
  cacheDir?: string;
  /**
   * Never contact the Hub; load from the cache or fail with {@link ModelNotCachedError}.
   * @defaultValue `true` when `ABI_HF_HUB_OFFLINE` or `HF_HUB_OFFLINE` is `1`/`true`/`yes`/`on`
   */
  offline?: boolean;
  /** Cancels the download; a partial file is kept and resumed by the next call. */
  signal?: AbortSignal;
  /** Called as bytes arrive. */
  onProgress?: (progress: PullProgress) => void;
}

/** What {@link pullModel} did. */
export interface PulledModel {
  /** The repository. */
  repoId: string;
  /** The revision asked for. */
  revision: string;
  /** The commit it resolved to. */
  commit: string;
  /** The snapshot folder to load (`…/models--owner--name/snapshots/{commit}`). */
  dir: string;
  /** Paths of the model's files in the snapshot that the engine reads. */
  files: string[];
  /** Bytes downloaded by this call (0 when everything was cached). */
  downloadedBytes: number;
  /** Whether the Hub was not asked (offline mode, or unreachable and the cache had the model). */
  offline: boolean;
}

/**
 * Whether offline mode is on: `explicit` > `ABI_HF_HUB_OFFLINE` > `HF_HUB_OFFLINE`.
 *
 * @param explicit - the caller's `offline` option
 * @returns whether to make no request
 * @internal
 */
export function hubOffline(explicit?: boolean): boolean {
  if (explicit !== undefined) return explicit;
  const v = readEnv('ABI_HF_HUB_OFFLINE', 'HF_HUB_OFFLINE')?.toLowerCase();
  return v === '1' || v === 'true' || v === 'yes' || v === 'on';
}

/**
 * Downloads a model's files from the Hugging Face Hub into the shared cache (or finds them there) and returns the
 * snapshot folder, ready for `LocalEmbedder.fromFolder` / `LocalCrossEncoder.fromFolder`. Only the files the engine
 * reads are fetched: config and tokenizer files, the sentence-transformers files, the one ONNX file the dtype picks
 * and its external data. Each file goes to a temp file, is verified (sha256 / git sha1 / size) and renamed into
 * place; an interrupted download resumes with a `Range` request; a per-blob lock keeps concurrent processes apart.
 *
 * @param name - `owner/name`, `hf:owner/name` or `hf:owner/name@revision`
 * @param options - revision, dtype, cache folder, offline, endpoint, token, signal, progress
 * @returns the snapshot folder and what was done
 * @throws {ModelNotCachedError} offline (or the Hub unreachable) and the model or its dtype is not cached
 * @throws {RepoNotFoundError} {@link RevisionNotFoundError} {@link EntryNotFoundError} {@link GatedRepoError} for
 *   what the Hub refused; a plain {@link HubError} for 401/403/5xx
 * @throws {CorruptDataError} when a downloaded file fails verification (it is deleted, nothing is linked)
 * @throws {AbortError} when `signal` fires
 * @throws {ValidationError} for a malformed name, revision or dtype
 * @example
 * ```ts
 * const { dir } = await pullModel('BAAI/bge-small-en-v1.5', { dtype: 'int8' });
 * const embedder = await LocalEmbedder.fromFolder(dir, { dtype: 'int8' });
 * ```
 */
export async function pullModel(name: string, options: PullModelOptions = {}): Promise<PulledModel> {
  const ref = parseHubModelId(name, options.revision);
  const dtype = options.dtype ?? 'fp32';
  if (dtype !== 'fp32' && dtype !== 'fp16' && dtype !== 'int8') {
    throw new ValidationError(`dtype must be "fp32", "fp16" or "int8", got ${JSON.stringify(dtype)}`);
  }
  throwIfAborted(options.signal);
  const cacheDir = hubCacheDir(options.cacheDir);
  const repoDir = repoCacheDir(cacheDir, ref.repoId);
  if (hubOffline(options.offline)) return fromCache(repoDir, ref, dtype, 'offline mode is on (HF_HUB_OFFLINE)');

  const client = new HubClient(options);
  let info: HubModelInfo;
  try {
    info = await client.modelInfo(ref, options.signal);
  } catch (err) {
    if (err instanceof ConnectionError) return fromCache(repoDir, ref, dtype, `the Hub at ${client.endpoint} cannot be reached`, err);
    throw err;
  }
  const commit = info.sha;
  const files = selectModelFiles(info.siblings, dtype, ref);
  const dir = snapshotDir(repoDir, commit);
  const missing: string[] = [];
  for (const f of files) if (await fileSize(join(dir, f)) === undefined) missing.push(f);

  // Pin every file request to the commit, so a branch moving mid-download cannot mix two versions.
  const pinned: HubModelRef = { repoId: ref.repoId, revision: commit };
  const metas: HubFileMeta[] = [];
  for (const f of missing) metas.push(await client.fileMetadata(pinned, f, options.signal));
  const totalBytes = metas.reduce((s, m) => s + (m.size ?? 0), 0);
  let bytes = 0;
  let downloadedBytes = 0;
  for (let i = 0; i < missing.length; i++) {
    const file = missing[i]!;
    const meta = metas[i]!;
    // A partial file from an interrupted run counts as present (a 200 instead of a 206 takes it back).
    const partial = Math.min(meta.size ?? 0, (await fileSize(`${blobPath(repoDir, meta.etag)}.incomplete`)) ?? 0);
    let fileBytes = partial;
    bytes += partial;
    const result = await downloadBlob({
      client, url: client.fileUrl(pinned, file), ctx: { ...pinned, path: file }, cacheDir, repoDir, etag: meta.etag,
      size: meta.size, signal: options.signal,
      onBytes: (delta) => {
        fileBytes += delta;
        bytes += delta;
        options.onProgress?.({ repoId: ref.repoId, file, fileBytes, fileTotal: meta.size, bytes, totalBytes });
      },
    });
    if (result.cached && meta.size !== undefined) {
      bytes += meta.size - partial;
      options.onProgress?.({ repoId: ref.repoId, file, fileBytes: meta.size, fileTotal: meta.size, bytes, totalBytes });
    }
    downloadedBytes += result.transferred;
    await linkSnapshotFile(repoDir, commit, file, meta.etag);
  }
  await writeRef(repoDir, ref.revision, commit);
  return { repoId: ref.repoId, revision: ref.revision, commit, dir, files, downloadedBytes, offline: false };
}

/** Resolves a model from the cache alone, checking the files the engine needs are there. */
async function fromCache(repoDir: string, ref: HubModelRef, dtype: HubDtype, reason: string, cause?: unknown): Promise<PulledModel> {
  const commit = await readRef(repoDir, ref.revision);
  if (!commit) throw new ModelNotCachedError(ref.repoId, ref.revision, reason, { cause });
  const dir = snapshotDir(repoDir, commit);
  for (const f of REQUIRED_MODEL_FILES) {
    if (await fileSize(join(dir, f)) === undefined) {
      throw new ModelNotCachedError(ref.repoId, ref.revision, `${reason}, and the cached snapshot ${commit.slice(0, 12)} lacks ${f}`, { cause });
    }
  }
  let onnx: string | undefined;
  for (const p of onnxCandidates(dtype)) {
    if (await fileSize(join(dir, p)) !== undefined) {
      onnx = p;
      break;
    }
  }
  if (!onnx) {
    throw new ModelNotCachedError(ref.repoId, ref.revision, `${reason}, and the cached snapshot ${commit.slice(0, 12)} has no ${dtype} ONNX file`, { cause });
  }
  const files: string[] = [];
  for (const f of MODEL_JSON_FILES) if (await fileSize(join(dir, f)) !== undefined) files.push(f);
  files.push(onnx);
  for (const s of EXTERNAL_DATA_SUFFIXES) if (await fileSize(join(dir, onnx + s)) !== undefined) files.push(onnx + s);
  return { repoId: ref.repoId, revision: ref.revision, commit, dir, files, downloadedBytes: 0, offline: true };
}
