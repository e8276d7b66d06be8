/**
 * `indexFiles`: brings a vector store in line with files on disk — walks the paths, reads and splits each file,
 * embeds only new or changed files and deletes the chunks of removed ones. The per-file content hash lives in each
 * chunk's metadata (`hash`, with `chunks` = how many the file has), so the store alone says what is current: a run
 * interrupted half-way leaves files whose chunks disagree, and the next run redoes exactly those. Chunks stream
 * file → splitter → `embedStream` → `upsertStream`, so memory holds one batch of chunks, not the corpus.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { CallOptions, Embedder, Metadata } from '../core/contracts.js';
import { AbiError, NotFoundError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';
import type { ScannableBackend } from '../retrieval/backend.js';
import { upsertStream } from '../store/upsert-stream.js';
import { embedStream, type TextRecord } from './embed-stream.js';
import { extractText, fileKind } from './loaders.js';
import { createTextSplitter } from './splitter.js';

/** Files {@link indexFiles} picks up in a folder unless `glob` says otherwise. */
export const DEFAULT_INDEX_GLOB = '**/*.{md,markdown,txt,html,htm,pdf}';

/** Progress of {@link indexFiles}, reported after each file read and each batch written. */
export interface IndexProgress {
  /** Files found under the paths. */
  files: number;
  /** Files read so far (changed or not). */
  filesDone: number;
  /** Chunks embedded and written so far. */
  embedded: number;
}

/** Options of {@link indexFiles}. */
export interface IndexFilesOptions extends CallOptions {
  /** The store (the embedded `VectorStore`, or any backend that can `scan`). Its dimension must be the embedder's. */
  store: ScannableBackend;
  /** Embeds the chunks (as documents). */
  embedder: Embedder;
  /**
   * Files taken from folders (tinyglobby syntax); a path that is a file is always taken.
   * @defaultValue `'**\/*.{md,markdown,txt,html,htm,pdf}'`
   */
  glob?: string;
  /**
   * Characters per chunk.
   * @defaultValue 1000
   */
  chunkSize?: number;
  /**
   * Characters shared by neighbouring chunks.
   * @defaultValue min(200, chunkSize / 5)
   */
  chunkOverlap?: number;
  /**
   * Chunks per embedder call and per store write.
   * @defaultValue 64
   */
  batchSize?: number;
  /**
   * Where relative paths start, and what each chunk's `source` is shown relative to.
   * @defaultValue `process.cwd()`
   */
  cwd?: string;
  /** Folders never walked into (e.g. the store's own directory). */
  exclude?: readonly string[];
  /** Called after each file read and each batch written. */
  onProgress?: (progress: IndexProgress) => void;
}

/** A file {@link indexFiles} could not index (it goes on with the others). */
export interface IndexFailure {
  /** The file as `source` shows it. */
  source: string;
  /** Why: the read error, or the loader's typed error (`CorruptDataError` for a broken PDF, `UnsupportedError` for a binary file). */
  error: Error;
}

/** What {@link indexFiles} did. */
export interface IndexFilesResult {
  /** Files found under the paths. */
  files: number;
  /** Files indexed for the first time (by `source`). */
  added: string[];
  /** Files whose content or chunking changed since they were indexed (re-embedded). */
  changed: string[];
  /** Files indexed before under the paths and gone now (their chunks deleted). */
  removed: string[];
  /** Files whose content and chunking are as indexed (or that hold no text and never did). */
  unchanged: number;
  /** Files that could not be read or extracted. */
  failed: IndexFailure[];
  /** Chunks embedded in this run. */
  embedded: number;
  /** Chunks deleted in this run (removed files, and chunks a changed file no longer has). */
  deleted: number;
  /** Chunks in the store after the run. */
  total: number;
  /** Wall time in milliseconds. */
  ms: number;
}

interface Indexed {
  hash: string;
  chunks: number;
  ids: string[];
}

const posix = (p: string): string => p.split(sep).join('/');

/** How a file is shown and filtered on: relative to the working directory when under it, else absolute. */
function sourceOf(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return posix(rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel);
}

/** One stable id prefix per file: a path can hold any characters, ids stay short. */
function fileKey(path: string): string {
  return createHash('sha256').update(path).digest('hex').slice(0, 20);
}

async function walk(paths: readonly string[], pattern: string, exclude: readonly string[]): Promise<string[]> {
  const { glob } = await import('tinyglobby'); // loaded on first use: `import 'abi-sdk'` does not pay for it
  const found = new Set<string>();
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (!s) throw new NotFoundError(`no such file or folder: ${p}`);
    if (s.isFile()) {
      found.add(p);
      continue;
    }
    const ignore = ['**/node_modules/**', '**/.git/**', ...exclude.map((e) => posix(relative(p, e))).filter((e) => e && !e.startsWith('..')).map((e) => `${e}/**`)];
    for (const f of await glob(pattern, { cwd: p, absolute: true, onlyFiles: true, ignore, expandDirectories: false })) found.add(f);
  }
  return [...found].sort();
}

/** Where a path is under (the roots a run is responsible for: chunks of missing files under them are deleted). */
function isUnder(path: string, roots: readonly string[]): boolean {
  return roots.some((r) => path === r || path.startsWith(r.endsWith(sep) ? r : r + sep));
}

/** What the store holds, per file path (read from the chunks' metadata). */
async function indexedFiles(store: ScannableBackend, signal: AbortSignal | undefined): Promise<Map<string, Indexed>> {
  const indexed = new Map<string, Indexed>();
  for await (const batch of store.scan({ signal, batchSize: 2000 })) {
    for (const r of batch) {
      const path = r.metadata.path;
      if (typeof path !== 'string') continue;
      const hash = typeof r.metadata.hash === 'string' ? r.metadata.hash : '';
      const chunks = typeof r.metadata.chunks === 'number' ? r.metadata.chunks : -1;
      const entry = indexed.get(path) ?? { hash, chunks, ids: [] };
      if (entry.hash !== hash) entry.hash = ''; // chunks of two versions: redo the file
      entry.ids.push(r.id);
      indexed.set(path, entry);
    }
  }
  return indexed;
}

/**
 * Indexes files into a store, incrementally: only new or changed files are embedded (a file's SHA-256 together with
 * the chunking is compared with the `hash` its chunks carry), removed files' chunks are deleted, and a file that
 * cannot be read is reported in `failed` while the others go on. Each chunk is stored with its text and the metadata
 * `source` (path relative to `cwd`), `path` (absolute), `chunk`, `chunks`, `mtime` and `hash`; its id is stable
 * (`<hash of the path>:<chunk>`), so re-indexing a file overwrites its chunks in place.
 *
 * @param paths - files and folders (relative to `cwd`); folders are walked for `glob`
 * @param options - store, embedder, chunking, batch size, progress, signal
 * @returns what was added, changed, removed and failed, with chunk counts
 * @throws {@link NotFoundError} when a path does not exist
 * @throws {@link ValidationError} for a bad chunk size, overlap or batch size
 * @throws {@link UnsupportedError} when a PDF is met and pdfjs-dist is not installed, or @langchain/textsplitters is missing
 * @throws {@link AbortError} when the signal fires (what was written stays; the next run completes it)
 * @throws the embedder's and the store's errors (e.g. {@link DimensionMismatchError})
 * @example
 * ```ts
 * const embedder = new HashingEmbedder({ dimension: 384 });
 * const store = await VectorStore.open({ path: './.abi', dimension: 384, text: true });
 * const result = await indexFiles(['./docs'], { store, embedder, chunkSize: 800 });
 * console.log(`${result.added.length} added, ${result.changed.length} changed, ${result.removed.length} removed`);
 * await store.close();
 * ```
 */
export async function indexFiles(paths: readonly string[], options: IndexFilesOptions): Promise<IndexFilesResult> {
  const started = Date.now();
  const { store, embedder, signal, onProgress } = options;
  const cwd = options.cwd ?? process.cwd();
  const batchSize = options.batchSize ?? 64;
  const splitter = await createTextSplitter({ chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap });
  throwIfAborted(signal);
  const roots = paths.map((p) => resolve(cwd, p));
  const files = await walk(roots, options.glob ?? DEFAULT_INDEX_GLOB, options.exclude?.map((e) => resolve(cwd, e)) ?? []);
  const indexed = await indexedFiles(store, signal);
  const splitKey = `${splitter.chunkSize}/${splitter.chunkOverlap}`;
  const result: IndexFilesResult = { files: files.length, added: [], changed: [], removed: [], unchanged: 0, failed: [], embedded: 0, deleted: 0, total: 0, ms: 0 };
  const progress: IndexProgress = { files: files.length, filesDone: 0, embedded: 0 };
  const report = (): void => onProgress?.({ ...progress });

  // Files indexed before under these paths and gone now: deleted first (a cheap write, and nothing depends on them).
  const seen = new Set(files);
  const gone: string[] = [];
  for (const [path, entry] of indexed) {
    if (!seen.has(path) && isUnder(path, roots)) {
      result.removed.push(sourceOf(path, cwd));
      gone.push(...entry.ids);
    }
  }
  if (gone.length) result.deleted += await store.delete(gone, { signal });

  // Chunks a changed file no longer has (its other ids are overwritten in place); deleted once the new ones are in.
  const stale: string[] = [];
  async function* chunks(): AsyncGenerator<TextRecord> {
    for (const path of files) {
      throwIfAborted(signal);
      progress.filesDone++;
      const source = sourceOf(path, cwd);
      let bytes: Buffer, mtime: Date;
      try {
        [bytes, mtime] = await Promise.all([readFile(path), stat(path).then((s) => s.mtime)]);
      } catch (err) {
        result.failed.push({ source, error: err as Error });
        report();
        continue;
      }
      const hash = createHash('sha256').update(bytes).update(`\0${splitKey}`).digest('hex');
      const before = indexed.get(path);
      if (before && before.hash === hash && before.chunks === before.ids.length) {
        result.unchanged++;
        report();
        continue;
      }
      let texts: string[];
      try {
        texts = await splitter.split(await extractText(path, bytes), fileKind(path));
      } catch (err) {
        // Stop for an interruption or a missing PDF reader (every PDF would fail); skip one bad file.
        if (err instanceof AbiError && (err.code === 'ABORTED' || (err.code === 'UNSUPPORTED' && /pdfjs-dist/.test(err.message)))) throw err;
        result.failed.push({ source, error: err as Error });
        report();
        continue;
      }
      report();
      if (texts.length === 0 && !before) {
        result.unchanged++; // nothing to index, nothing indexed
        continue;
      }
      (before ? result.changed : result.added).push(source);
      const key = fileKey(path);
      if (before) {
        const kept = new Set(texts.map((_, i) => `${key}:${i}`));
        stale.push(...before.ids.filter((id) => !kept.has(id)));
      }
      for (let chunk = 0; chunk < texts.length; chunk++) {
        const metadata: Metadata = { source, path, chunk, chunks: texts.length, mtime: mtime.toISOString(), hash };
        yield { id: `${key}:${chunk}`, text: texts[chunk], metadata };
      }
    }
  }

  await upsertStream(store, embedStream(embedder, chunks(), { batchSize, signal }), {
    batchSize, signal,
    onBatch: (p) => {
      progress.embedded = p.written;
      report();
    },
  });
  result.embedded = progress.embedded;
  if (stale.length) result.deleted += await store.delete(stale, { signal });
  await store.flush({ signal });
  result.total = await store.count({ signal });
  result.ms = Date.now() - started;
  return result;
}
