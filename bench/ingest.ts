/**
 * bench:ingest — does indexing a large JSONL of texts stay flat in memory as the file grows?
 *
 * Data: generated JSONL (`{"id","text"}` per line, ~1 KiB of seeded pseudo-words per text, about one chunk of
 * `abi-sdk index`), written once per size into `.data/ingest/` (git-ignored) and reused by later runs.
 *
 * Streamed (what is measured): `readline` over a file stream → JSON.parse → `embedStream(HashingEmbedder, batch 256,
 * keepText: false)` → `upsertStream(store, batch 256)` into an on-disk store with `index: ivfpq` and
 * `vectors: 'disk'` (float vectors live in the snapshot file; memory keeps ~m + 12 bytes of PQ code per vector) and
 * `durability: 'write'`. Texts are not kept in the store: the embedded store holds records' text in memory, so a
 * store that keeps 1 GB of text needs 1 GB of memory whatever the ingest path.
 *
 * Peer in the same run: the load-it-all way — `readFile` the whole file, split the lines, parse them all, embed them
 * all (same batches), then upsert (same batches), into the same kind of store. It needs the file as one string, and
 * V8 caps strings at 2^29 - 24 characters (~512 MiB), so the peer runs only at the sizes that fit.
 *
 * Each (size, way) runs in its own child process, one at a time, largest last; peak RSS is the child's
 * `process.resourceUsage().maxRSS`. The table also shows what the store itself holds in memory at the end
 * (`stats().indexBytes + recordBytes`: PQ codes, ids, metadata — this grows with the record count, by design) and
 * the most RSS less the store's own bytes at that moment (sampled after every batch): the ingest path's footprint.
 *
 *   npm run bench:ingest [-- --sizes 128,256,512,1024 --peer-sizes 128,256 --dimension 128]
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  embedStream, HashingEmbedder, type TextRecord, upsertStream, type VectorRecord, VectorStore, type VectorStoreOptions,
} from '../src/index.js';
import { seededRandom } from '../src/internal/random.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const DATA = join(ROOT, '.data', 'ingest');
const MiB = 1 << 20;
const BATCH = 256;

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const list = (name: string, fallback: string): number[] => (arg(name) ?? fallback).split(',').filter(Boolean).map(Number);
const DIMENSION = Number(arg('dimension') ?? 128);

function storeOptions(path: string): VectorStoreOptions {
  return { path, dimension: DIMENSION, index: { type: 'ivfpq' }, vectors: 'disk', durability: 'write' };
}

/** Writes `mib` MiB of JSONL texts (once; reused when the file is already there). */
async function generate(mib: number): Promise<string> {
  const file = join(DATA, `texts-${mib}m.jsonl`);
  if (existsSync(file) && statSync(file).size >= mib * MiB) return file;
  mkdirSync(DATA, { recursive: true });
  const rnd = seededRandom(mib);
  const vocab = Array.from({ length: 20_000 }, () => Array.from({ length: 3 + Math.floor(rnd() * 8) }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join(''));
  const out = createWriteStream(file);
  let written = 0;
  for (let i = 0; written < mib * MiB; i++) {
    const words: string[] = [];
    let len = 0;
    while (len < 1000) {
      const w = vocab[Math.floor(rnd() ** 2 * vocab.length)]; // skewed, as word frequencies are
      words.push(w);
      len += w.length + 1;
    }
    const line = `${JSON.stringify({ id: `d${String(i).padStart(8, '0')}`, text: words.join(' ') })}\n`;
    written += Buffer.byteLength(line);
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return file;
}

interface ChildResult {
  records: number;
  seconds: number;
  peakRssMiB: number;
  /** The store's own bytes in memory at the end. */
  storeMiB: number;
  /** The most RSS ever minus the store's own bytes at that moment (sampled after each batch). */
  pathMiB: number;
}

/** Samples RSS against the store's own memory after each batch. */
function sampler(store: VectorStore): { sample: () => void; peakPathMiB: () => number } {
  let peak = 0;
  return {
    sample: () => {
      const s = store.stats();
      peak = Math.max(peak, (process.memoryUsage.rss() - s.indexBytes - s.recordBytes) / MiB);
    },
    peakPathMiB: () => peak,
  };
}

/** Streamed: the file is read line by line, and nothing is pulled further ahead than one batch. */
async function streamed(file: string, store: VectorStore, onBatch: () => void): Promise<number> {
  async function* texts(): AsyncGenerator<TextRecord> {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      const { id, text } = JSON.parse(line) as { id: string; text: string };
      yield { id, text };
    }
  }
  const embedder = new HashingEmbedder({ dimension: DIMENSION });
  const { written } = await upsertStream(store, embedStream(embedder, texts(), { batchSize: BATCH, keepText: false }), { batchSize: BATCH, onBatch });
  return written;
}

/** The peer: load the whole file, embed everything, then write. */
async function loadAll(file: string, store: VectorStore, onBatch: () => void): Promise<number> {
  const rows = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; text: string });
  const embedder = new HashingEmbedder({ dimension: DIMENSION });
  const records: VectorRecord[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const part = rows.slice(i, i + BATCH);
    const vectors = await embedder.embedDocuments(part.map((r) => r.text));
    part.forEach((r, j) => records.push({ id: r.id, vector: vectors[j] }));
  }
  for (let i = 0; i < records.length; i += BATCH) {
    await store.upsert(records.slice(i, i + BATCH));
    onBatch();
  }
  return records.length;
}

async function child(way: string, file: string, dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const started = performance.now();
  const store = await VectorStore.open(storeOptions(dir));
  const probe = sampler(store);
  const records = await (way === 'streamed' ? streamed(file, store, probe.sample) : loadAll(file, store, probe.sample));
  await store.flush();
  const seconds = (performance.now() - started) / 1000;
  const stats = store.stats();
  await store.close();
  const result: ChildResult = { records, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, storeMiB: (stats.indexBytes + stats.recordBytes) / MiB, pathMiB: probe.peakPathMiB() };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  rmSync(dir, { recursive: true, force: true });
}

function runChild(way: string, file: string, dir: string): Promise<ChildResult | { error: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', way, file, dir, '--dimension', String(DIMENSION)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d; });
    p.stderr.on('data', (d: Buffer) => { err += d; });
    p.on('close', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code === 0 && last) resolve(JSON.parse(last) as ChildResult);
      else resolve({ error: (err.trim().split('\n').find((l) => /Error|error/.test(l)) ?? `exit ${code}`).slice(0, 80) });
    });
  });
}

async function main(): Promise<void> {
  const sizes = list('sizes', '128,256,512,1024').sort((a, b) => a - b);
  const peerSizes = new Set(list('peer-sizes', '128,256'));
  console.log(`bench:ingest — JSONL of ~1 KiB texts → HashingEmbedder(${DIMENSION}) → store (ivfpq, vectors: 'disk'), batch ${BATCH}; Node ${process.version}`);
  const rows: string[] = [];
  const header = '| file | records | way | peak RSS | store in memory (end) | peak of RSS − store | time | MiB/s | peer/streamed peak RSS |';
  let streamedRss = 0;
  for (const mib of sizes) {
    const t0 = performance.now();
    const file = await generate(mib);
    console.log(`generated/checked ${file} (${(statSync(file).size / MiB).toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const way of peerSizes.has(mib) ? ['streamed', 'load-all'] : ['streamed']) {
      const r = await runChild(way, file, join(DATA, `store-${way}`));
      if ('error' in r) {
        rows.push(`| ${mib} MiB | — | ${way} | failed: ${r.error} | | | | | |`);
      } else {
        if (way === 'streamed') streamedRss = r.peakRssMiB;
        const ratio = way === 'streamed' ? '' : `${(r.peakRssMiB / streamedRss).toFixed(2)}x`;
        rows.push(`| ${mib} MiB | ${r.records.toLocaleString('en-US')} | ${way} | ${r.peakRssMiB.toFixed(0)} MiB | ${r.storeMiB.toFixed(0)} MiB | ${r.pathMiB.toFixed(0)} MiB | ${r.seconds.toFixed(1)} s | ${(mib / r.seconds).toFixed(1)} | ${ratio} |`);
      }
      console.log(rows.at(-1));
    }
  }
  console.log(`\n${header}\n|---|---|---|---|---|---|---|---|---|\n${rows.join('\n')}`);
}

if (args[0] === '--child') await child(args[1], args[2], args[3]);
else await main();
