/**
 * bench:ann:5m — millions of 384-d vectors on one small machine: abi-sdk IVF + RaBitQ (and IVF-PQ) with float
 * vectors on disk, beside LanceDB IVF_RQ built from the same file.
 *
 * - Data: the clustered generator of bench/datasets.ts (1000 Gaussian centres, σ 0.07, normalized), streamed to
 *   `<cache>/data-N.f32` in 50k-row chunks (5M × 384 float32 = 7.7 GB), queries (seed 8) beside it. Ground truth
 *   for the queries is computed once, streaming the file in 2,048-row blocks through the WASM kernel, and cached
 *   (`truth-N-Q.u32`); a `done-*.json` marker is written last, so an interrupted run starts that step over.
 * - Each system is built in its own child process (store ingested through its log in 1,000-record batches,
 *   `vectors: 'disk'`, trained at N by the closing compaction) and queried in another (reopened from disk), so
 *   the peak RSS reported for each phase (the kernel's VmHWM) is that phase's alone.
 * - LanceDB runs in a child with a time limit (`--lance-timeout-s`); a row says so when it did not finish.
 *
 * - The store checkpoints every 1 GiB of log (a checkpoint rewrites every float row so far; the default 16 MB would
 *   rewrite them ~500 times at 5M).
 *
 * Disk, all under `--cache` (default bench/results/cache/clustered-stream-384, git-ignored): the data file (7.7 GB at
 * 5M) and the truth stay cached for the next run (delete the folder to reclaim them); a store peaks at ~3x the raw
 * vectors while it compacts (log, old and new snapshot) and is deleted after its serve phase (unless `--keep`);
 * LanceDB's copy (~8 GB) is built after that and deleted when it is done. Peak ~31 GB at 5M; check `df -h` first.
 *
 * Measured at 5M (2026-12-07, the 2-core machine, idle but for light editing): data 80 s and ground truth 198 s (both
 * once, then cached), RaBitQ 1-bit build 642 s (ingest and the closing compaction that trains and encodes), serving
 * 3 x 1,000 queries ~30 s, LanceDB IVF_RQ 422 s: 1,400 s in all with the default systems (1,173 s in the run after,
 * data and truth cached). Memory in that second run: index 291 MB, ids 257 MB, peak RSS 849 MB serving, 1,212 MB
 * during the open, 2,324 MB building.
 *
 * The estimate it replaced, extrapolated from a 200k run at the full run's 4,096 cells (`--n 200000
 * --nlist 4096`, measured in CPU seconds on a shared machine, so ±30%): data ~2 min, ground truth ~4 min (both once),
 * RaBitQ 1-bit build ~12–15 min (ingest ~3–5, training ~0.5, assigning and encoding 5M rows ~8–10), serving 3 x 1,000
 * queries ~1–2 min, LanceDB IVF_RQ ~25–35 min (328 s for IVF_PQ at 1M, linear), capped by `--lance-timeout-s`
 * (3,600 s). In all ~50–60 min with the default systems; `--systems rabitq1,rabitq2,lancedb-rq` adds ~15 min.
 * Expected memory: index ~300 MB (58 B a vector at 1 bit), ids ~215 MB, serving peak RSS ~0.7 GB (2-bit ~0.9 GB);
 * build peak RSS ~2–3 GB (the log tail of up to ~0.7M rows in memory, the index, 2 worker threads).
 *
 *   npm run bench:ann:5m                                   # 5M vectors, 1,000 queries
 *   npm run bench:ann:5m -- --n 200000 --nlist 4096        # the reduced run the estimates come from (~10 min)
 *   npm run bench:ann:5m -- --n 20000 --queries 50         # a small run of the whole pipeline
 *   options: --n N --queries Q --systems rabitq1,rabitq2,rabitq4,ivfpq,lancedb-rq --nprobes 16,32,64 --nlist C
 *            --cache DIR --lance-timeout-s S --keep (keep the stores)
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { VectorStore, type IndexOptions } from '../src/index.js';
import { KernelArena } from '../src/kernels/index.js';
import { MaxHeap } from '../src/store/heap.js';
import { gaussian, recallAt } from './datasets.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const N = Number(arg('--n', '5000000'));
const NQ = Number(arg('--queries', '1000'));
const DIM = 384;
const K = 10;
const SYSTEMS = arg('--systems', 'rabitq1,lancedb-rq').split(',');
const NPROBES = arg('--nprobes', '16,32,64').split(',').map(Number);
const CACHE = arg('--cache', join(import.meta.dirname, 'results', 'cache', `clustered-stream-${DIM}`));
const LANCE_TIMEOUT_S = Number(arg('--lance-timeout-s', '3600'));
const PHASE = arg('--phase', 'main');
const SYSTEM = arg('--system', '');
const CHUNK = 50_000;

const dataFile = join(CACHE, `data-${N}.f32`);
const queryFile = join(CACHE, `queries-${NQ}.f32`);
const truthFile = join(CACHE, `truth-${N}-${NQ}-k${K}.u32`);
const doneData = join(CACHE, `done-data-${N}.json`);
const doneTruth = join(CACHE, `done-truth-${N}-${NQ}.json`);

/** The clustered generator of bench/datasets.ts, one row at a time (same centres, same sequence). */
function clusteredRows(seed: number): (out: Float32Array, offset: number) => void {
  const g = gaussian(42);
  const centers = new Float32Array(1000 * DIM).map(() => g());
  for (let c = 0; c < 1000; c++) normalize(centers, c * DIM);
  const h = gaussian(seed);
  return (out, o) => {
    const c = Math.floor(((h() * 1e6) % 1000 + 1000) % 1000);
    for (let d = 0; d < DIM; d++) out[o + d] = centers[c * DIM + d] + 0.07 * h();
    normalize(out, o);
  };
}

function normalize(a: Float32Array, o: number): void {
  let s = 0;
  for (let i = 0; i < DIM; i++) s += a[o + i] * a[o + i];
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < DIM; i++) a[o + i] *= inv;
}

/** Peak resident set size of this process (VmHWM), MB; and a reset of it where the kernel allows. */
function peakRssMB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not permitted: the peak then covers the whole child, which does only this phase anyway
  }
}

/** CPU seconds (user + system, all threads) this process has used. */
function cpuS(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Samples the V8 heap and array buffers every 200 ms: what the peak RSS is made of. */
function memorySampler(): () => { heapMB: number; arrayBuffersMB: number } {
  let heap = 0, buffers = 0;
  const tick = (): void => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    buffers = Math.max(buffers, m.arrayBuffers);
  };
  const timer = setInterval(tick, 200);
  timer.unref();
  return () => {
    tick();
    clearInterval(timer);
    return { heapMB: heap / 2 ** 20, arrayBuffersMB: buffers / 2 ** 20 };
  };
}

/** Bytes under a directory, MB. */
function dirMB(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirMB(p) * 2 ** 20 : statSync(p).size;
  }
  return total / 2 ** 20;
}

/** Reads rows [from, from + count) of the data file into `out`. */
function readRows(fd: number, from: number, count: number, out: Float32Array): void {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, count * DIM * 4);
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, from * DIM * 4 + done);
    if (n === 0) throw new Error(`${dataFile} is shorter than expected`);
    done += n;
  }
}

function ensureData(): void {
  mkdirSync(CACHE, { recursive: true });
  if (!existsSync(doneData)) {
    const t = performance.now();
    const next = clusteredRows(7);
    const fd = openSync(dataFile, 'w');
    const buf = new Float32Array(CHUNK * DIM);
    for (let s = 0; s < N; s += CHUNK) {
      const m = Math.min(CHUNK, N - s);
      for (let i = 0; i < m; i++) next(buf, i * DIM);
      writeSync(fd, new Uint8Array(buf.buffer, 0, m * DIM * 4));
    }
    closeSync(fd);
    writeFileSync(doneData, JSON.stringify({ n: N, dim: DIM, seconds: (performance.now() - t) / 1000 }));
    console.error(`data: ${N} rows written in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  if (!existsSync(queryFile)) {
    const next = clusteredRows(8);
    const q = new Float32Array(NQ * DIM);
    for (let i = 0; i < NQ; i++) next(q, i * DIM);
    writeFileSync(queryFile, new Uint8Array(q.buffer));
  }
  if (!existsSync(doneTruth)) {
    const t = performance.now();
    const queries = loadQueries();
    const BLOCK = 2048;
    const arena = new KernelArena({ initialBytes: BLOCK * DIM * 4 + NQ * DIM * 4 + BLOCK * 4 + (1 << 20) });
    const rows = arena.alloc(BLOCK * DIM * 4), qs = arena.alloc(NQ * DIM * 4), out = arena.alloc(BLOCK * 4);
    arena.views.f32.set(queries, qs >>> 2);
    const heaps = Array.from({ length: NQ }, () => new MaxHeap(K + 1));
    const fd = openSync(dataFile, 'r');
    const buf = new Float32Array(BLOCK * DIM);
    for (let s = 0; s < N; s += BLOCK) {
      const m = Math.min(BLOCK, N - s);
      readRows(fd, s, m, buf);
      arena.views.f32.set(buf.subarray(0, m * DIM), rows >>> 2);
      for (let q = 0; q < NQ; q++) {
        arena.kernels.dotF32Block(qs + q * DIM * 4, rows, DIM * 4, m, DIM, out);
        const f32 = arena.views.f32, heap = heaps[q];
        for (let i = 0; i < m; i++) {
          const d = -f32[(out >>> 2) + i];
          if (heap.size < K) heap.push(d, s + i);
          else if (d < heap.topKey()) heap.replaceTop(d, s + i);
        }
      }
      if (s % (BLOCK * 256) === 0 && s > 0) console.error(`truth: ${s} / ${N} rows, ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
    closeSync(fd);
    const truth = new Uint32Array(NQ * K);
    heaps.forEach((heap, q) => { for (let j = K - 1; j >= 0; j--) { truth[q * K + j] = heap.topVal(); heap.pop(); } });
    writeFileSync(truthFile, new Uint8Array(truth.buffer));
    writeFileSync(doneTruth, JSON.stringify({ n: N, nq: NQ, seconds: (performance.now() - t) / 1000 }));
    console.error(`truth: ${NQ} queries over ${N} rows in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
}

function loadQueries(): Float32Array {
  const b = readFileSync(queryFile);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function loadTruth(): Uint32Array {
  const b = readFileSync(truthFile);
  return new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

// --nlist lets a reduced run use the full run's cells (4096 at 5M), so its per-vector build cost scales linearly.
const nlist = Number(arg('--nlist', String(Math.min(4096, Math.round(4 * Math.sqrt(N))))));
function storeOptions(system: string): { path: string; dimension: number; index: IndexOptions; vectors: 'disk'; durability: 'write'; snapshotLogBytes: number } {
  const index: IndexOptions = system === 'ivfpq'
    ? { type: 'ivfpq', nlist, m: DIM / 8, trainAt: N, rerank: 200 }
    : { type: 'ivf', quantization: 'rabitq', bits: Number(system.replace('rabitq', '')) as 1 | 2 | 4, nlist, trainAt: N };
  // A checkpoint rewrites the snapshot with every float row so far: at the default 16 MB of log between them,
  // ingesting 5M rows would write ~500 snapshots (~2 TB). 1 GiB keeps it to ~7 (~27 GB written in all), for an in-memory tail of at most ~0.7M rows (a 1.5 GB array).
  return { path: join(CACHE, `store-${system}-${N}`), dimension: DIM, index, vectors: 'disk', durability: 'write', snapshotLogBytes: 2 ** 30 };
}

/** Child: ingest the data file into a fresh store; reports seconds and peak RSS. */
async function buildPhase(system: string): Promise<object> {
  const opts = storeOptions(system);
  rmSync(opts.path, { recursive: true, force: true });
  resetPeakRss();
  const t = performance.now(), c0 = cpuS();
  const sampled = memorySampler();
  const store = await VectorStore.open(opts);
  const fd = openSync(dataFile, 'r');
  const buf = new Float32Array(1000 * DIM);
  for (let s = 0; s < N; s += 1000) {
    const m = Math.min(1000, N - s);
    readRows(fd, s, m, buf);
    await store.upsert(Array.from({ length: m }, (_, i) => ({ id: String(s + i), vector: buf.subarray(i * DIM, (i + 1) * DIM) })));
  }
  closeSync(fd);
  const ingestS = (performance.now() - t) / 1000, ingestCpuS = cpuS() - c0;
  const ingestArrayBuffersMB = process.memoryUsage().arrayBuffers / 2 ** 20;
  if (store.stats().compacting || !store.stats().trained) await store.compact();
  await store.close();
  const buildS = (performance.now() - t) / 1000;
  return { buildS, buildCpuS: cpuS() - c0, ingestS, ingestCpuS, ingestArrayBuffersMB, compactS: buildS - ingestS, buildPeakRssMB: peakRssMB(), ...sampled(), diskMB: dirMB(opts.path) };
}

/** Child: reopen and query at each nprobe; reports QPS, recall, index memory and peak RSS while serving. */
async function servePhase(system: string): Promise<object> {
  const queries = loadQueries(), truth = loadTruth();
  resetPeakRss();
  const t = performance.now(), c0 = cpuS();
  const store = await VectorStore.open(storeOptions(system));
  const openS = (performance.now() - t) / 1000;
  const indexMB = store.stats().indexBytes / 2 ** 20, recordMB = store.stats().recordBytes / 2 ** 20;
  // The open's transient peak (sections read and decoded) is reported apart from serving: after a collection the
  // peak is reset, and the serving peak covers the queries alone.
  const openPeakRssMB = peakRssMB();
  (globalThis as { gc?: () => void }).gc?.();
  const opened = process.memoryUsage();
  const openedRssMB = opened.rss / 2 ** 20;
  resetPeakRss();
  const found = new Uint32Array(NQ * K);
  const settings = [];
  for (const nprobe of NPROBES) {
    const t0 = performance.now();
    for (let q = 0; q < NQ; q++) {
      const hits = await store.search(queries.subarray(q * DIM, (q + 1) * DIM), { k: K, nprobe });
      for (let j = 0; j < K; j++) found[q * K + j] = hits[j] ? Number(hits[j].id) : 0xffffffff;
    }
    settings.push({ nprobe, qps: NQ / ((performance.now() - t0) / 1000), recall: recallAt(truth, found, NQ, K) });
  }
  await store.close();
  if (!args.includes('--keep')) rmSync(storeOptions(system).path, { recursive: true, force: true });
  return {
    openS, indexMB, recordMB, openHeapMB: opened.heapUsed / 2 ** 20, openArrayBuffersMB: opened.arrayBuffers / 2 ** 20, openPeakRssMB, openedRssMB, servePeakRssMB: peakRssMB(), serveS: (performance.now() - t) / 1000, serveCpuS: cpuS() - c0, settings,
  };
}

/** Child: LanceDB IVF_RQ from the same file (50k-row batches), then the same queries at each nprobe. */
async function lancePhase(): Promise<object> {
  const lancedb = await import('@lancedb/lancedb');
  const dir = join(CACHE, `lance-rq-${N}`);
  rmSync(dir, { recursive: true, force: true });
  resetPeakRss();
  const t = performance.now();
  const db = await lancedb.connect(dir);
  const fd = openSync(dataFile, 'r');
  const buf = new Float32Array(CHUNK * DIM);
  let table: import('@lancedb/lancedb').Table | undefined;
  for (let s = 0; s < N; s += CHUNK) {
    const m = Math.min(CHUNK, N - s);
    readRows(fd, s, m, buf);
    const rows = Array.from({ length: m }, (_, i) => ({ id: s + i, vector: buf.slice(i * DIM, (i + 1) * DIM) }));
    if (table === undefined) table = await db.createTable('vectors', rows, { mode: 'overwrite' });
    else await table.add(rows);
  }
  closeSync(fd);
  await table!.createIndex('vector', { config: lancedb.Index.ivfRq({ numPartitions: nlist, numBits: 1, distanceType: 'cosine' }) });
  const buildS = (performance.now() - t) / 1000, buildCpuS = cpuS();
  const buildPeakRssMB = peakRssMB();
  const queries = loadQueries(), truth = loadTruth();
  resetPeakRss();
  const found = new Uint32Array(NQ * K);
  const settings = [];
  for (const nprobe of NPROBES) {
    const t0 = performance.now();
    for (let q = 0; q < NQ; q++) {
      const rows = await table!.vectorSearch(queries.subarray(q * DIM, (q + 1) * DIM)).limit(K).nprobes(nprobe).refineFactor(10).select(['id']).toArray();
      rows.forEach((r: { id: number }, j: number) => { found[q * K + j] = r.id; });
    }
    settings.push({ nprobe, qps: NQ / ((performance.now() - t0) / 1000), recall: recallAt(truth, found, NQ, K) });
  }
  rmSync(dir, { recursive: true, force: true });
  return { buildS, buildCpuS, buildPeakRssMB, servePeakRssMB: peakRssMB(), serveCpuS: cpuS() - buildCpuS, settings };
}

function child(phase: string, system: string, timeoutS?: number): Record<string, unknown> | { error: string } {
  const r = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, ...args, '--phase', phase, '--system', system], {
    // LanceDB logs a warning per empty partition and per query otherwise.
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'error', LANCE_LOG: process.env.LANCE_LOG ?? 'error' },
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: timeoutS === undefined ? undefined : timeoutS * 1000, maxBuffer: 1 << 24,
  });
  if (r.error || r.status !== 0) return { error: r.error?.message ?? `exit ${r.status ?? r.signal}` };
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

if (PHASE === 'build') {
  console.log(JSON.stringify(await buildPhase(SYSTEM)));
} else if (PHASE === 'serve') {
  console.log(JSON.stringify(await servePhase(SYSTEM)));
} else if (PHASE === 'lance') {
  console.log(JSON.stringify(await lancePhase()));
} else {
  const t0 = performance.now();
  ensureData();
  const lines = [
    `bench:ann:5m — ${N} x ${DIM} clustered, ${NQ} queries one at a time, k=${K}, nlist ${nlist}, Node ${process.version}`,
    '',
    `Data ${(JSON.parse(readFileSync(doneData, 'utf8')) as { seconds: number }).seconds.toFixed(0)} s (cached after the first run), ground truth ${(JSON.parse(readFileSync(doneTruth, 'utf8')) as { seconds: number }).seconds.toFixed(0)} s (cached).`,
    '',
    '| system | build s | build CPU s | build peak RSS MB | index MB (x raw) | open peak RSS MB | serving peak RSS MB | nprobe | QPS | recall@10 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rawMB = (N * DIM * 4) / 2 ** 20;
  const results: object[] = [];
  for (const system of SYSTEMS) {
    const label = system === 'lancedb-rq' ? 'LanceDB IVF_RQ 1-bit' : system === 'ivfpq' ? 'abi-sdk IVF-PQ (disk vectors)' : `abi-sdk IVF RaBitQ ${system.slice(6)}-bit (disk vectors)`;
    let build: Record<string, unknown>, serve: Record<string, unknown>;
    if (system === 'lancedb-rq') {
      build = serve = child('lance', system, LANCE_TIMEOUT_S);
    } else {
      build = child('build', system);
      serve = 'error' in build ? build : child('serve', system);
    }
    results.push({ system, build, serve });
    if ('error' in build || 'error' in serve) {
      lines.push(`| ${label} | ${String((build as { error?: string }).error ?? (serve as { error?: string }).error)} | | | | | | | | |`);
      continue;
    }
    const idx = typeof serve.indexMB === 'number' ? `${serve.indexMB.toFixed(0)} (${(serve.indexMB / rawMB).toFixed(3)}x)` : '—';
    for (const s of serve.settings as { nprobe: number; qps: number; recall: number }[]) {
      lines.push(`| ${label} | ${(build.buildS as number).toFixed(0)} | ${(build.buildCpuS as number).toFixed(0)} | ${(build.buildPeakRssMB as number).toFixed(0)} | ${idx} | ${typeof serve.openPeakRssMB === 'number' ? serve.openPeakRssMB.toFixed(0) : '—'} | ${(serve.servePeakRssMB as number).toFixed(0)} | ${s.nprobe} | ${s.qps.toFixed(0)} | ${s.recall.toFixed(3)} |`);
    }
  }
  lines.push('', `Raw vectors ${rawMB.toFixed(0)} MB. Peak RSS = VmHWM of the child process doing that phase alone; for abi-sdk the open (reading the snapshot) and serving (after a collection, the queries alone) are measured apart. Total ${((performance.now() - t0) / 1000).toFixed(0)} s.`);
  lines.push('', ...results.map((r) => `<!-- ${JSON.stringify(r)} -->`));
  console.log(lines.join('\n'));
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', `ann-5m-${N}.md`), lines.join('\n') + '\n');
}
