// The work of `abi-sdk index`: walk the paths, read and split each file, and bring the store in line with the files —
// only new or changed files are embedded, removed files' chunks are deleted. The per-file content hash lives in each
// chunk's metadata (`hash`, with `chunks` = how many the file has), so the store alone says what is current: a run
// interrupted half-way leaves files whose chunks disagree, and the next run redoes exactly those.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { glob } from 'tinyglobby';
import type { Embedder, Metadata } from '../../core/contracts.js';
import { AbiError, NotFoundError, UnsupportedError } from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import type { VectorRecord } from '../../store/types.js';
import type { VectorStore } from '../../store/vector-store.js';
import type { Progress } from '../progress.js';
import { extractText, fileKind } from './extract.js';

/** Files `index` picks up in a folder unless `--glob` says otherwise. */
export const DEFAULT_GLOB = '**/*.{md,markdown,txt,html,htm,pdf}';

/** Options of {@link indexFiles}. */
export interface IndexFilesOptions {
  /** Files and folders to index (absolute). */
  paths: readonly string[];
  /** Where paths are shown relative to (metadata `source`). */
  cwd: string;
  /** The open store. */
  store: VectorStore;
  /** Embeds the chunks. */
  embedder: Embedder;
  /** Pattern of files taken from folders. */
  glob: string;
  /** Characters per chunk. */
  chunkSize: number;
  /** Characters shared by neighbouring chunks. */
  chunkOverlap: number;
  /** Chunks per embedder call. */
  batchSize: number;
  /** Folders never walked into (the store itself). */
  exclude?: readonly string[];
  signal?: AbortSignal;
  /** Starts a progress report. */
  progress: (label: string, total: number, unit: string) => Progress;
  /** Receives warnings (unreadable files). */
  warn: (message: string) => void;
}

/** What a run did. */
export interface IndexReport {
  /** Files found under the paths. */
  files: number;
  /** Files new or changed since the last run (re-embedded). */
  changed: number;
  /** Files whose content and chunking are as indexed. */
  unchanged: number;
  /** Files indexed before and gone now (their chunks deleted). */
  removed: number;
  /** Files that could not be read (see the warnings). */
  failed: number;
  /** Chunks embedded in this run. */
  embedded: number;
  /** Chunks deleted in this run. */
  deleted: number;
  /** Chunks in the store after the run. */
  total: number;
  /** Wall time in ms. */
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

type Splitter = { splitText(text: string): Promise<string[]> };

async function splitters(chunkSize: number, chunkOverlap: number): Promise<{ markdown: Splitter; plain: Splitter }> {
  let mod: typeof import('@langchain/textsplitters');
  try {
    mod = await import('@langchain/textsplitters');
  } catch (err) {
    throw new UnsupportedError('splitting needs @langchain/textsplitters and @langchain/core: npm install @langchain/textsplitters @langchain/core', { cause: err });
  }
  const { RecursiveCharacterTextSplitter } = mod;
  return {
    markdown: RecursiveCharacterTextSplitter.fromLanguage('markdown', { chunkSize, chunkOverlap }),
    plain: new RecursiveCharacterTextSplitter({ chunkSize, chunkOverlap }),
  };
}

/**
 * Indexes files into the store (see the module comment for the rules).
 *
 * @param o - paths, store, embedder, chunking, progress
 * @returns counts of what was done
 * @throws {@link AbortError} when the signal fires (what was upserted stays; the next run completes it)
 */
export async function indexFiles(o: IndexFilesOptions): Promise<IndexReport> {
  const started = Date.now();
  const files = await walk(o.paths, o.glob, o.exclude ?? []);
  // What the store holds, per file path.
  const indexed = new Map<string, Indexed>();
  for await (const batch of o.store.scan({ signal: o.signal, batchSize: 2000 })) {
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
  const { markdown, plain } = await splitters(o.chunkSize, o.chunkOverlap);
  const splitKey = `${o.chunkSize}/${o.chunkOverlap}`;
  const pending: VectorRecord[] = [];
  const stale: string[] = [];
  let changed = 0, unchanged = 0, failed = 0;
  const reading = o.progress('reading', files.length, 'files');
  try {
    for (const path of files) {
      throwIfAborted(o.signal);
      reading.increment();
      let bytes: Buffer, mtime: Date;
      try {
        [bytes, mtime] = await Promise.all([readFile(path), stat(path).then((s) => s.mtime)]);
      } catch (err) {
        failed++;
        o.warn(`cannot read ${path}: ${(err as Error).message}`);
        continue;
      }
      const hash = createHash('sha256').update(bytes).update(`\0${splitKey}`).digest('hex');
      const before = indexed.get(path);
      if (before && before.hash === hash && before.chunks === before.ids.length) {
        unchanged++;
        continue;
      }
      let chunks: string[];
      try {
        const text = await extractText(path, bytes);
        chunks = (await (fileKind(path) === 'markdown' ? markdown : plain).splitText(text)).filter((c) => c.trim().length > 0);
      } catch (err) {
        // Stop for an interruption or a missing PDF reader (every PDF would fail); skip one bad file.
        if (err instanceof AbiError && (err.code === 'ABORTED' || (err.code === 'UNSUPPORTED' && /pdfjs-dist/.test(err.message)))) throw err;
        failed++;
        o.warn(`skipped ${sourceOf(path, o.cwd)}: ${(err as Error).message}`);
        continue;
      }
      if (chunks.length === 0 && !before) {
        unchanged++; // nothing to index, nothing indexed
        continue;
      }
      changed++;
      if (before) stale.push(...before.ids);
      const key = fileKey(path);
      const source = sourceOf(path, o.cwd);
      chunks.forEach((text, chunk) => {
        const metadata: Metadata = { source, path, chunk, chunks: chunks.length, mtime: mtime.toISOString(), hash };
        pending.push({ id: `${key}:${chunk}`, vector: new Float32Array(0), text, metadata });
      });
    }
  } finally {
    reading.stop();
  }
  // Files indexed before under these paths and gone now.
  const seen = new Set(files);
  let removed = 0;
  for (const [path, entry] of indexed) {
    if (!seen.has(path) && isUnder(path, o.paths)) {
      removed++;
      stale.push(...entry.ids);
    }
  }
  // Replaced ids are rewritten by the upsert; delete only those that will not be.
  const rewritten = new Set(pending.map((r) => r.id));
  const toDelete = stale.filter((id) => !rewritten.has(id));
  const deleted = toDelete.length ? await o.store.delete(toDelete, { signal: o.signal }) : 0;
  const embedding = o.progress('embedding', pending.length, 'chunks');
  let embedded = 0;
  try {
    for (let from = 0; from < pending.length; from += o.batchSize) {
      throwIfAborted(o.signal);
      const part = pending.slice(from, from + o.batchSize);
      const vectors = await o.embedder.embedDocuments(part.map((r) => r.text!), { signal: o.signal });
      await o.store.upsert(part.map((r, i) => ({ ...r, vector: vectors[i] })), { signal: o.signal });
      embedded += part.length;
      embedding.increment(part.length);
    }
  } finally {
    embedding.stop();
  }
  await o.store.flush({ signal: o.signal });
  return {
    files: files.length, changed, unchanged, removed, failed, embedded, deleted,
    total: await o.store.count(), ms: Date.now() - started,
  };
}
