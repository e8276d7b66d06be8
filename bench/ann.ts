/**
 * bench:ann — approximate nearest neighbour search, one query at a time, k = 10, on deterministic normalized
 * datasets (clustered: 1000 Gaussian centres, 384-d; lowrank: 24-d latent → 384-d + noise; sentence768: a shared mean
 * direction plus a power-law spectrum, 768-d, shaped like sentence embeddings), exact ground truth.
 * Prints one table (build time, QPS, recall@10, memory) for abi-sdk (flat, HNSW at several efSearch), a plain
 * Float32Array scan, hnswlib-node (same M / efConstruction / ef sweep), LangChain MemoryVectorStore and LlamaIndex
 * SimpleVectorStore, all in the same run, then the QPS ratio abi-sdk / hnswlib-node at recall ≥ 0.95.
 *
 * Quantized rows: abi-sdk int8 HNSW and IVF-PQ with float vectors on disk (re-ranked), beside LanceDB's IVF_PQ
 * with the same cells and sub-spaces.
 *
 *   npm run bench:ann                 # 100k vectors, 1000 queries
 *   npm run bench:ann -- --quick      # 20k vectors, 300 queries, efConstruction 40 for both HNSW builds
 *   npm run bench:ann:1m              # 1M clustered vectors: IVF-PQ vs LanceDB IVF_PQ
 *   npm run bench:ann:1m:rabitq       # 1M clustered vectors: RaBitQ 1/2/4-bit, IVF-PQ, LanceDB IVF_RQ and IVF_PQ (the issue-22 row)
 *   npm run bench:ann -- --threads    # search on every core: 2 client loops and searchMany vs hnswlib-node (1 thread), usearch batch (bench/ann-threads.ts)
 *                                     (`--systems …,threads` adds the same rows after a full run, in one invocation)
 *   npm run bench:ann:1m:hnsw         # 1M clustered vectors: HNSW (memory, filtered rows) vs hnswlib-node (~45 min on an idle 2-core machine)
 *   options: --n N --queries Q --datasets clustered,lowrank,sentence768 --systems scan,flat,hnsw,int8,int8mem,ivfpq,lancedb,langchain,llamaindex
 *            (also rabitq1,rabitq2,rabitq4,binary,lancedb-rq,threads; lancedb-pq = lancedb; int8mem = int8 traversal with the
 *            floats in memory, queried beside hnsw and hnswlib-node: needs hnsw)
 *            --nprobes 16,32,64 --refines 10,30 (IVF-PQ sweeps) --efs 16,32,64 (HNSW sweep) --no-resident (skip the
 *            fresh-process memory probes) --variant NAME (file names) --out DIR (where results and plot go)
 *            --build-threads T (the HNSW store's buildThreads: default the available parallelism; 0 = one node at a time)
 *
 * Writes ann-<variant>.json (figures, ratios to the peers, machine, versions: bench/results.ts) and ann-<variant>.svg,
 * recall@10 against QPS (bench/plot.ts), to --out (default bench/results; the README's run: docs/bench).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VectorStore } from '../src/index.js';
import { runThreads } from './ann-threads.js';
import { batchTimes } from '../src/store/hnsw-batch.js';
import { defaultWorkerThreads } from '../src/internal/worker-supervisor.js';
import { bitsSummary, BIT_SYSTEMS, runAbiBits, runLanceRq, type BitsContext } from './ann-bits.js';
import { bruteForce, DATASET_DIMS, loadDataset, recallAt, type Dataset, type DatasetKind } from './datasets.js';
import {
  buildHnswlib, buildLance, buildLangchain, buildLlamaindex, searchHnswlib, searchLance, searchLangchain, searchLlamaindex,
} from './peers.js';
import { annSubtitle, writeAnnPlot, type AnnRow } from './plot.js';
import { RESULTS_DIR, geomean, machineInfo, writeResults, type PeerRatio } from './results.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = arg('--n', quick ? 20_000 : 100_000);
const NQ = arg('--queries', quick ? 200 : 1000);
const SLOW_NQ = arg('--slow-queries', quick ? 30 : 50); // queries for the linear-scan peers
const EF_C = arg('--ef-construction', quick ? 40 : 200);
const list = (name: string, dflt: string): string[] => {
  const i = args.indexOf(name);
  return (i >= 0 ? args[i + 1] : dflt).split(',');
};
const SYSTEMS = new Set(list('--systems', 'scan,flat,hnsw,int8,ivfpq,lancedb,langchain,llamaindex').map((s) => (s === 'lancedb-pq' ? 'lancedb' : s)));
const DATASETS = list('--datasets', 'clustered,lowrank') as DatasetKind[];
for (const d of DATASETS) if (!(d in DATASET_DIMS)) throw new Error(`--datasets: unknown dataset ${d} (${Object.keys(DATASET_DIMS).join(', ')})`);
const NPROBES = list('--nprobes', quick ? '8,16,32,64' : '16,32,64,128,256').map(Number);
// Refine factors for both IVF-PQ systems: refine · k candidates are re-ranked with exact distances.
const REFINES = list('--refines', '10,30').map(Number);
const M = 16;
const EFS = list('--efs', quick ? '16,32,64,128' : '16,32,64,96,128,256').map(Number);
const RESIDENT = !args.includes('--no-resident');
/** HNSW build worker threads (the store's `buildThreads`; 0 = one node at a time on the calling thread). */
const BUILD_THREADS = arg('--build-threads', defaultWorkerThreads());
const argOf = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const VARIANT = argOf('--variant') ?? (quick ? 'quick' : String(N));
const OUT_DIR = resolve(argOf('--out') ?? RESULTS_DIR);
const K = 10;
/** Dimension of the dataset being run (datasets run one after another; each kind has its own: DATASET_DIMS). */
let DIM = 384;
/**
 * The filtered-search sweep: each record carries one field per selectivity (`i % mod`), and each row's filter is
 * one equality on it (`{ [field]: value }`); hnswlib-node gets the same test as its filter callback.
 */
const SELECTIVITIES = [
  { label: '50%', field: 's50', mod: 2, value: 1 },
  { label: '10%', field: 'tag', mod: 10, value: 3 },
  { label: '1%', field: 's1', mod: 100, value: 37 },
  { label: '0.1%', field: 's01', mod: 1000, value: 377 },
] as const;
const filteredSystem = (who: 'abi-sdk HNSW' | 'hnswlib-node', label: string): string => `${who}, filtered ${label}`;
const FILTERED_NQ = arg('--filtered-queries', quick ? 200 : 300);

type Row = AnnRow;
/** The int8-traversal row with float vectors in memory (`--systems …,int8mem`). */
const INT8_MEM = 'abi-sdk HNSW int8 (floats in memory)';
const rows: Row[] = [];
const residentNotes: string[] = [];

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
/** JS heap + ArrayBuffers (what the JS stores allocate), after a full GC (run with --expose-gc). */
const jsMB = (): number => {
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
};
/** JS heap + external memory (ArrayBuffers and WebAssembly memories: everything a JS + WASM store holds), after a full GC. */
const heapExtMB = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 2 ** 20;
};
/** Resident-set and heap + external growth when `args` (bench/resident-child.ts) opens an index in a fresh process. */
function residentInChild(args: string[]): { rssMB: number; heapExtMB: number } | null {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'resident-child.ts'), ...args], { encoding: 'utf8', timeout: 600_000 });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { rssMB: number; heapExtMB: number };
  } catch {
    console.error(`resident-child ${args[0]} failed: ${r.stderr.slice(-500)}`);
    return null;
  }
}
/** Resident set size (what a native addon allocates), after a full GC. */
const rssMB = (): number => {
  gc();
  return process.memoryUsage().rss / 2 ** 20;
};

/**
 * Times several systems on the same queries, alternating chunks of 50 so that load from other processes on a shared
 * machine falls on all alike. Returns the QPS of each.
 */
async function interleaved(nq: number, ...systems: [(q: number) => number[] | Promise<number[]>, Uint32Array][]): Promise<number[]> {
  const times = systems.map(() => 0);
  const CH = 50;
  for (let s = 0; s < nq; s += CH) {
    const e = Math.min(nq, s + CH);
    for (let i = 0; i < systems.length; i++) {
      const [run, found] = systems[i];
      const t = performance.now();
      for (let q = s; q < e; q++) {
        const ids = await run(q);
        for (let j = 0; j < K; j++) found[q * K + j] = ids[j] ?? 0xffffffff;
      }
      times[i] += performance.now() - t;
    }
  }
  return times.map((t) => nq / (t / 1000));
}

/** Times `nq` sequential queries; fills `found` with k ids per query. */
async function timeQueries(nq: number, run: (q: number) => number[] | Promise<number[]>, found: Uint32Array): Promise<number> {
  const t = performance.now();
  for (let q = 0; q < nq; q++) {
    const ids = await run(q);
    for (let j = 0; j < K; j++) found[q * K + j] = ids[j] ?? 0xffffffff;
  }
  return nq / ((performance.now() - t) / 1000);
}

function plainScan(ds: Dataset, q: number): number[] {
  // The baseline the issue names: a straightforward loop over one Float32Array, top-k by insertion.
  const { data, queries, n, dim } = ds;
  const bestS = new Float64Array(K).fill(-Infinity), bestI = new Int32Array(K).fill(-1);
  const qo = q * dim;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * dim;
    for (let d = 0; d < dim; d++) s += queries[qo + d] * data[o + d];
    if (s > bestS[K - 1]) {
      let j = K - 1;
      while (j > 0 && bestS[j - 1] < s) {
        bestS[j] = bestS[j - 1];
        bestI[j] = bestI[j - 1];
        j--;
      }
      bestS[j] = s;
      bestI[j] = i;
    }
  }
  return Array.from(bestI);
}

async function runDataset(kind: DatasetKind): Promise<void> {
  DIM = DATASET_DIMS[kind];
  let t = performance.now();
  const ds = loadDataset(kind, N, Math.max(NQ, 1000));
  console.error(`[${kind}] data + ground truth ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const qv = (q: number): Float32Array => ds.queries.subarray(q * DIM, (q + 1) * DIM);
  const found = new Uint32Array(ds.nq * K);
  const add = (r: Omit<Row, 'dataset'>): void => {
    rows.push({ dataset: kind, ...r });
    console.error(`[${kind}] ${r.system} ${r.params}: ${r.qps.toFixed(1)} QPS, recall ${r.recall.toFixed(3)}`);
  };

  let qps = 0, m0 = 0, build = 0, mem = 0;
  // Plain Float32Array scan (the floor exact search must beat).
  if (SYSTEMS.has('scan')) {
  qps = await timeQueries(SLOW_NQ, (q) => plainScan(ds, q), found);
  add({ system: 'Float32Array scan', params: 'exact', buildS: null, qps, recall: recallAt(ds.truth, found, SLOW_NQ, K), memMB: (N * DIM * 4) / 2 ** 20 });
  }

  // abi-sdk flat (exact).
  if (SYSTEMS.has('flat')) {
  m0 = jsMB();
  t = performance.now();
  const flat = await VectorStore.open({ dimension: DIM, index: { type: 'flat' }, searchThreads: 0 });
  for (let s = 0; s < N; s += 5000) {
    const batch = [];
    for (let i = s; i < Math.min(N, s + 5000); i++) batch.push({ id: String(i), vector: ds.data.subarray(i * DIM, (i + 1) * DIM) });
    await flat.upsert(batch);
  }
  build = (performance.now() - t) / 1000;
  // Vectors live in a WebAssembly memory, which process.memoryUsage() does not count: add the store's own figure.
  mem = flat.stats().indexBytes / 2 ** 20;
  qps = await timeQueries(SLOW_NQ, async (q) => (await flat.search(qv(q), { k: K })).map((h) => Number(h.id)), found);
  add({ system: 'abi-sdk flat', params: 'exact', buildS: build, qps, recall: recallAt(ds.truth, found, SLOW_NQ, K), memMB: mem });
  await flat.close();
  }

  // abi-sdk HNSW, persisted: build through the log, close (snapshot), reopen (no rebuild), then query.
  const dir = join(import.meta.dirname, 'results', `store-${kind}`);
  if (SYSTEMS.has('hnsw')) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // searchThreads 0: these rows time one query at a time on the calling thread (the --threads mode times the workers).
  const hnswOpts = {
    path: dir, dimension: DIM, index: { type: 'hnsw' as const, M, efConstruction: EF_C }, durability: 'write' as const, snapshotLogBytes: 2 ** 31,
    buildThreads: BUILD_THREADS, searchThreads: 0,
  };
  m0 = jsMB();
  t = performance.now();
  let store = await VectorStore.open(hnswOpts);
  for (let s = 0; s < N; s += 1000) {
    const batch = [];
    // Each record carries a small metadata object (one field per selectivity) for the filtered rows below.
    for (let i = s; i < Math.min(N, s + 1000); i++) {
      const metadata: Record<string, number> = {};
      for (const sel of SELECTIVITIES) metadata[sel.field] = i % sel.mod;
      batch.push({ id: String(i), vector: ds.data.subarray(i * DIM, (i + 1) * DIM), metadata });
    }
    await store.upsert(batch);
  }
  const abiBuild = (performance.now() - t) / 1000;
  const indexMB = store.stats().indexBytes / 2 ** 20;
  t = performance.now();
  await store.close();
  const closeS = (performance.now() - t) / 1000;
  store = undefined as unknown as VectorStore; // let the built store be collected before measuring the reopened one
  m0 = heapExtMB();
  t = performance.now();
  store = await VectorStore.open(hnswOpts);
  const reopenS = (performance.now() - t) / 1000;
  // Measured: the JS heap and ArrayBuffers the reopened store holds (ids, id map, metadata), after GC, plus its vectors
  // and graph, which live in a shared WebAssembly memory and SharedArrayBuffers that process.memoryUsage() does not
  // count (taken from the store's own accounting; the resident-set rows measure everything).
  const reopenedIndexMB = store.stats().indexBytes / 2 ** 20;
  const abiMem = heapExtMB() - m0 + reopenedIndexMB;
  const recordMB = store.stats().recordBytes / 2 ** 20;
  console.error(`[${kind}] abi-sdk HNSW build, batched part: ${batchTimes.batches} batches, planning (phase A, on the workers) ${(batchTimes.planMs / 1000).toFixed(1)} s, linking (phase B, this thread) ${(batchTimes.linkMs / 1000).toFixed(1)} s; the rest of the build time is the first 4,096 nodes one at a time, the log and the records`);
  console.error(`[${kind}] abi-sdk HNSW: build ${abiBuild.toFixed(1)} s on ${BUILD_THREADS} build thread(s), snapshot on close ${closeS.toFixed(1)} s, reopen ${reopenS.toFixed(2)} s`);
  console.error(`[${kind}] abi-sdk HNSW memory: ${abiMem.toFixed(1)} MB (heap + external growth, plus the shared vectors and graph); own accounting: vectors + graph ${reopenedIndexMB.toFixed(1)} MB, ids + id map + metadata ${recordMB.toFixed(1)} MB`);

  // hnswlib-node, same parameters.
  m0 = rssMB();
  t = performance.now();
  const h = buildHnswlib(ds.data, N, DIM, M, EF_C);
  const hBuild = (performance.now() - t) / 1000;
  const hRss = rssMB() - m0;
  // RSS growth under-reports when malloc reuses pages freed earlier in the run, so report hnswlib's own allocation:
  // per element 4 + 4*2M (level-0 links) + 4*dim (vector) + 8 (label), plus upper links (1/ln M of nodes have
  // 4 + 4M bytes per level, ~1/(M-1) levels on average) and the label hash map (~40 bytes).
  const hMem = (N * (4 + 8 * M + 4 * DIM + 8 + 40) + (N / (M - 1)) * (4 + 4 * M)) / 2 ** 20;
  console.error(`[${kind}] hnswlib-node memory: computed ${hMem.toFixed(0)} MB, RSS growth ${hRss.toFixed(0)} MB`);
  console.error(`[${kind}] hnswlib-node: build ${hBuild.toFixed(1)} s`);
  // Resident memory, each index opened from its file in a fresh process (same method for both).
  const hFile = join(dir, 'hnswlib.bin');
  if (RESIDENT) {
  h.writeIndexSync(hFile);
  await store.close();
  const abiRes = residentInChild(['abi', dir, String(M), String(EF_C)]);
  const hRes = residentInChild(['hnswlib', hFile]);
  store = await VectorStore.open(hnswOpts);
  const fmt = (r: { rssMB: number; heapExtMB: number } | null): string => (r ? `RSS +${r.rssMB.toFixed(1)} MB, heap + external +${r.heapExtMB.toFixed(1)} MB` : 'n/a');
  residentNotes.push(`- ${kind}: opened alone in a fresh process: abi-sdk HNSW ${fmt(abiRes)}; hnswlib-node ${fmt(hRes)}` +
    (abiRes && hRes ? `; RSS ratio ${(abiRes.rssMB / hRes.rssMB).toFixed(2)}x` : ''));
  console.error(residentNotes.at(-1));
  }
  const found2 = new Uint32Array(ds.nq * K);
  const found3 = new Uint32Array(ds.nq * K);
  const nq = Math.min(NQ, ds.nq);
  // int8 traversal with the floats in memory (re-ranked on them), queried in the same chunks as the two above.
  let int8: VectorStore | null = null, int8Build = 0, int8Mem = 0;
  if (SYSTEMS.has('int8mem')) {
    const opts = { ...hnswOpts, path: `${dir}-int8mem`, index: { ...hnswOpts.index, quantization: 'int8' as const } };
    rmSync(opts.path, { recursive: true, force: true });
    int8 = await VectorStore.open(opts);
    int8Build = await load(int8, ds, 2048);
    await int8.close();
    int8 = await VectorStore.open(opts);
    int8Mem = int8.stats().indexBytes / 2 ** 20;
    console.error(`[${kind}] abi-sdk HNSW int8 (floats in memory): build ${int8Build.toFixed(1)} s, vectors + codes + graph ${int8Mem.toFixed(0)} MB`);
    for (let q = 0; q < Math.min(nq, 200); q++) await int8.search(qv(q), { k: K, efSearch: EFS[0] });
  }
  // Warm-up, untimed: without it the first ef's first chunk pays abi-sdk's JIT compilation (hnswlib-node's C++ has none).
  h.setEf(EFS[0]);
  for (let q = 0; q < Math.min(nq, 200); q++) {
    await store.search(qv(q), { k: K, efSearch: EFS[0] });
    searchHnswlib(h, qv(q), K);
  }
  for (const ef of EFS) {
    h.setEf(ef);
    const [qa, qb, qc] = await interleaved(
      nq, [async (q) => (await store.search(qv(q), { k: K, efSearch: ef })).map((x) => Number(x.id)), found],
      [(q) => searchHnswlib(h, qv(q), K), found2],
      ...(int8 ? [[async (q: number) => (await int8.search(qv(q), { k: K, efSearch: ef })).map((x) => Number(x.id)), found3] as [(q: number) => Promise<number[]>, Uint32Array]] : []),
    );
    add({
      system: 'abi-sdk HNSW', params: `M${M} efC${EF_C} ef${ef}`, buildS: abiBuild, qps: qa, recall: recallAt(ds.truth, found, nq, K), memMB: abiMem,
      note: `vectors + graph ${reopenedIndexMB.toFixed(0)} MB (${indexMB.toFixed(0)} MB with growth slack before reopen), ids + metadata ${recordMB.toFixed(1)} MB; snapshot ${closeS.toFixed(1)} s; reopen ${reopenS.toFixed(2)} s`,
    });
    add({ system: 'hnswlib-node', params: `M${M} efC${EF_C} ef${ef}`, buildS: hBuild, qps: qb, recall: recallAt(ds.truth, found2, nq, K), memMB: hMem });
    if (int8) add({ system: INT8_MEM, params: `M${M} efC${EF_C} ef${ef}`, buildS: int8Build, qps: qc, recall: recallAt(ds.truth, found3, nq, K), memMB: int8Mem });
  }
  if (int8) {
    await int8.close();
    rmSync(`${dir}-int8mem`, { recursive: true, force: true });
  }
  // Filtered: one equality filter per selectivity, each over the ef sweep; exact top-k over the matches as truth.
  const nqF = Math.min(FILTERED_NQ, ds.nq);
  const memBeforeFilter = heapExtMB();
  // The first filtered search after open builds the metadata indexes (once; later searches only catch up with new
  // writes): timed apart, so the sweep measures searches (hnswlib-node's filter callback has no setup to compare).
  t = performance.now();
  await store.search(qv(0), { k: K, filter: { [SELECTIVITIES[0].field]: SELECTIVITIES[0].value } });
  console.error(`[${kind}] abi-sdk HNSW: first filtered search (builds the metadata indexes) ${(performance.now() - t).toFixed(0)} ms`);
  for (const sel of SELECTIVITIES) {
    const tagged = new Uint32Array(Math.ceil(N / sel.mod));
    let nt = 0;
    for (let i = sel.value; i < N; i += sel.mod) tagged[nt++] = i;
    const sub = new Float32Array(nt * DIM);
    for (let j = 0; j < nt; j++) sub.set(ds.data.subarray(tagged[j] * DIM, (tagged[j] + 1) * DIM), j * DIM);
    const truthF = bruteForce(sub, nt, ds.queries, nqF, DIM, K).map((j) => tagged[j]);
    const accept = (label: number): boolean => label % sel.mod === sel.value;
    const filter = { [sel.field]: sel.value };
    // Warm-up, untimed, as for the unfiltered rows: the filtered walk is other code for the JIT to compile.
    h.setEf(EFS[0]);
    for (let q = 0; q < Math.min(nqF, 50); q++) {
      await store.search(qv(q), { k: K, efSearch: EFS[0], filter });
      h.searchKnn(Array.from(qv(q)), K, accept);
    }
    const plansBefore = store.stats().filterPlans;
    for (const ef of EFS) {
      h.setEf(ef);
      const [qa, qb] = await interleaved(
        nqF, [async (q) => (await store.search(qv(q), { k: K, efSearch: ef, filter })).map((x) => Number(x.id)), found],
        [(q) => h.searchKnn(Array.from(qv(q)), K, accept).neighbors, found2],
      );
      const ra = recallAt(truthF, found, nqF, K), rb = recallAt(truthF, found2, nqF, K);
      add({ system: filteredSystem('abi-sdk HNSW', sel.label), params: `M${M} efC${EF_C} ef${ef}`, buildS: abiBuild, qps: qa, recall: ra, memMB: abiMem });
      add({ system: filteredSystem('hnswlib-node', sel.label), params: `M${M} efC${EF_C} ef${ef}`, buildS: hBuild, qps: qb, recall: rb, memMB: hMem });
      // Past recall 0.995 on both sides a larger ef says nothing new about the ratio at recall ≥ 0.95, and at low
      // selectivity hnswlib-node's walk (a JS callback per candidate) takes seconds per query at 1M.
      if (ra >= 0.995 && rb >= 0.995) break;
    }
    const plans = store.stats().filterPlans;
    console.error(`[${kind}] abi-sdk HNSW, filtered ${sel.label}: plans ${Object.entries(plans).map(([p, n]) => `${p} ${n - plansBefore[p as keyof typeof plans]}`).join(', ')}`);
  }
  console.error(`[${kind}] abi-sdk HNSW: metadata indexes ${(store.stats().filterIndexBytes / N).toFixed(1)} bytes per record`);
  console.error(`[${kind}] abi-sdk HNSW: filter projection cache after filtered queries ${(heapExtMB() - memBeforeFilter).toFixed(1)} MB measured`);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  }

  if (SYSTEMS.has('int8')) await runInt8(ds, dir, add, found);
  if (SYSTEMS.has('ivfpq') && SYSTEMS.has('lancedb')) await runIvfPqAndLance(ds, dir, add, found);
  else if (SYSTEMS.has('ivfpq')) await runIvfPq(ds, dir, add, found);
  else if (SYSTEMS.has('lancedb')) await runLance(ds, dir, add, found);
  const bits: BitsContext = {
    dim: DIM, k: K, nq: NQ, nprobes: NPROBES, refines: REFINES, nlist: ivfParams(ds.n).nlist, add, load: (s, d) => load(s, d),
    time: timeQueries, rssMB,
  };
  for (const system of ['rabitq1', 'rabitq2', 'rabitq4', 'binary'] as const) if (SYSTEMS.has(system)) await runAbiBits(system, ds, `${dir}-${system}`, found, bits);
  if (SYSTEMS.has('lancedb-rq')) await runLanceRq(ds, `${dir}-lance-rq`, found, bits);

  // LangChain MemoryVectorStore and LlamaIndex SimpleVectorStore (linear scans over number[] vectors).
  if (SYSTEMS.has('langchain')) {
  m0 = jsMB();
  t = performance.now();
  const lc = await buildLangchain(ds.data, N, DIM);
  build = (performance.now() - t) / 1000;
  mem = jsMB() - m0;
  qps = await timeQueries(SLOW_NQ, (q) => searchLangchain(lc, qv(q), K), found);
  add({ system: 'LangChain MemoryVectorStore', params: 'exact', buildS: build, qps, recall: recallAt(ds.truth, found, SLOW_NQ, K), memMB: mem });
  }
  if (SYSTEMS.has('llamaindex')) {
  m0 = jsMB();
  t = performance.now();
  const li = await buildLlamaindex(ds.data, N, DIM);
  build = (performance.now() - t) / 1000;
  mem = jsMB() - m0;
  qps = await timeQueries(SLOW_NQ, (q) => searchLlamaindex(li, qv(q), K), found);
  add({ system: 'LlamaIndex SimpleVectorStore', params: 'exact', buildS: build, qps, recall: recallAt(ds.truth, found, SLOW_NQ, K), memMB: mem });
  }
}

type AddRow = (r: Omit<Row, 'dataset'>) => void;

/** Loads a store in batches through its log; returns seconds. `trainAfter`: compact (train) after that many. */
async function load(store: VectorStore, ds: Dataset, trainAfter = Infinity): Promise<number> {
  const t = performance.now();
  for (let s = 0; s < ds.n; s += 1000) {
    const batch = [];
    for (let i = s; i < Math.min(ds.n, s + 1000); i++) batch.push({ id: String(i), vector: ds.data.subarray(i * DIM, (i + 1) * DIM) });
    await store.upsert(batch);
    if (s + 1000 >= trainAfter && s < trainAfter) await store.compact();
  }
  // Wait for the training compaction the last writes started (a fresh compact() would rebuild everything again).
  if (store.stats().compacting || !store.stats().trained) await store.compact();
  return (performance.now() - t) / 1000;
}

/** abi-sdk HNSW on int8 codes, float vectors on disk (re-ranked): trained at 2,048 records, then built by inserts. */
async function runInt8(ds: Dataset, dir: string, add: AddRow, found: Uint32Array): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const opts = { path: dir, dimension: DIM, index: { type: 'hnsw' as const, M, efConstruction: EF_C, quantization: 'int8' as const }, vectors: 'disk' as const, durability: 'write' as const, snapshotLogBytes: 2 ** 31 };
  let store = await VectorStore.open(opts);
  const build = await load(store, ds, 2048);
  await store.close();
  store = await VectorStore.open(opts);
  const mem = store.stats().indexBytes / 2 ** 20;
  for (const ef of EFS) {
    const qps = await timeQueries(Math.min(NQ, ds.nq), async (q) => (await store.search(ds.queries.subarray(q * DIM, (q + 1) * DIM), { k: K, efSearch: ef })).map((h) => Number(h.id)), found);
    add({ system: 'abi-sdk HNSW int8 (disk vectors)', params: `M${M} efC${EF_C} ef${ef}`, buildS: build, qps, recall: recallAt(ds.truth, found, Math.min(NQ, ds.nq), K), memMB: mem });
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

/** The IVF-PQ parameters both IVF systems use: 4·√n cells (at most 4,096), dim / 8 sub-spaces. */
const ivfParams = (n: number): { nlist: number; m: number } => ({ nlist: Math.min(4096, Math.round(4 * Math.sqrt(n))), m: DIM / 8 });

/** abi-sdk IVF-PQ, float vectors on disk, `refine · k` candidates re-ranked exactly. */
async function runIvfPq(ds: Dataset, dir: string, add: AddRow, found: Uint32Array): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const { nlist, m } = ivfParams(ds.n);
  const opts = { path: dir, dimension: DIM, index: { type: 'ivfpq' as const, nlist, m, trainAt: ds.n, rerank: 100 }, vectors: 'disk' as const, durability: 'write' as const, snapshotLogBytes: 2 ** 31 };
  let store = await VectorStore.open(opts);
  const build = await load(store, ds);
  await store.close();
  store = await VectorStore.open(opts);
  const indexMB = store.stats().indexBytes / 2 ** 20;
  const mem = indexMB;
  for (const refine of REFINES) {
    const rerank = refine * K;
    for (const nprobe of NPROBES) {
      const qps = await timeQueries(Math.min(NQ, ds.nq), async (q) => (await store.search(ds.queries.subarray(q * DIM, (q + 1) * DIM), { k: K, nprobe, rerank })).map((h) => Number(h.id)), found);
      add({ system: 'abi-sdk IVF-PQ (disk vectors)', params: `nlist${nlist} m${m} nprobe${nprobe} rerank${rerank}`, buildS: build, qps, recall: recallAt(ds.truth, found, Math.min(NQ, ds.nq), K), memMB: mem, indexMB });
    }
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Both IVF-PQ systems built (abi-sdk first, then LanceDB, each timed alone), then every (refine, nprobe) setting
 * queried on both in alternating chunks of 50 queries, so load from other processes on a shared machine falls on
 * both alike.
 */
async function runIvfPqAndLance(ds: Dataset, dir: string, add: AddRow, found: Uint32Array): Promise<void> {
  const abiDir = `${dir}-abi`, lanceDir = `${dir}-lance`;
  rmSync(abiDir, { recursive: true, force: true });
  rmSync(lanceDir, { recursive: true, force: true });
  const { nlist, m } = ivfParams(ds.n);
  const opts = { path: abiDir, dimension: DIM, index: { type: 'ivfpq' as const, nlist, m, trainAt: ds.n, rerank: 100 }, vectors: 'disk' as const, durability: 'write' as const, snapshotLogBytes: 2 ** 31 };
  let store = await VectorStore.open(opts);
  const build = await load(store, ds);
  await store.close();
  console.error(`[${ds.name}] abi-sdk IVF-PQ build ${build.toFixed(1)} s`);
  store = await VectorStore.open(opts);
  const indexMB = store.stats().indexBytes / 2 ** 20;
  const r0 = rssMB();
  const t = performance.now();
  const table = await buildLance(lanceDir, ds.data, ds.n, DIM, nlist, m);
  const lanceBuild = (performance.now() - t) / 1000;
  const lanceMem = rssMB() - r0;
  console.error(`[${ds.name}] LanceDB IVF_PQ build ${lanceBuild.toFixed(1)} s`);
  const nq = Math.min(NQ, ds.nq);
  const found2 = new Uint32Array(ds.nq * K);
  const qv = (q: number): Float32Array => ds.queries.subarray(q * DIM, (q + 1) * DIM);
  for (const refine of REFINES) {
    const rerank = refine * K;
    for (const nprobe of NPROBES) {
      const [qa, qb] = await interleaved(
        nq, [async (q) => (await store.search(qv(q), { k: K, nprobe, rerank })).map((h) => Number(h.id)), found],
        [(q) => searchLance(table, qv(q), K, nprobe, refine), found2],
      );
      add({ system: 'abi-sdk IVF-PQ (disk vectors)', params: `nlist${nlist} m${m} nprobe${nprobe} rerank${rerank}`, buildS: build, qps: qa, recall: recallAt(ds.truth, found, nq, K), memMB: indexMB, indexMB });
      add({ system: 'LanceDB IVF_PQ', params: `nlist${nlist} m${m} nprobes${nprobe} refine${refine}`, buildS: lanceBuild, qps: qb, recall: recallAt(ds.truth, found2, nq, K), memMB: lanceMem });
    }
  }
  await store.close();
  rmSync(abiDir, { recursive: true, force: true });
  rmSync(lanceDir, { recursive: true, force: true });
}

/** LanceDB IVF_PQ with the same cells and sub-spaces and the same refine factors (refine · k candidates re-ranked). */
async function runLance(ds: Dataset, dir: string, add: AddRow, found: Uint32Array): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const { nlist, m } = ivfParams(ds.n);
  const r0 = rssMB();
  const t = performance.now();
  const table = await buildLance(dir, ds.data, ds.n, DIM, nlist, m);
  const build = (performance.now() - t) / 1000;
  const mem = rssMB() - r0;
  for (const refine of REFINES) {
    for (const nprobe of NPROBES) {
      const qps = await timeQueries(Math.min(NQ, ds.nq), (q) => searchLance(table, ds.queries.subarray(q * DIM, (q + 1) * DIM), K, nprobe, refine), found);
      add({ system: 'LanceDB IVF_PQ', params: `nlist${nlist} m${m} nprobes${nprobe} refine${refine}`, buildS: build, qps, recall: recallAt(ds.truth, found, Math.min(NQ, ds.nq), K), memMB: mem });
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

function report(): string {
  const lines = [
    `| dataset | system | params | build s | QPS | recall@10 | memory MB |`,
    `|---|---|---|---:|---:|---:|---:|`,
  ];
  const order = ['Float32Array scan', 'abi-sdk flat', 'abi-sdk HNSW', INT8_MEM, 'hnswlib-node', ...SELECTIVITIES.flatMap((s) => [filteredSystem('abi-sdk HNSW', s.label), filteredSystem('hnswlib-node', s.label)]), 'abi-sdk HNSW int8 (disk vectors)', 'abi-sdk IVF-PQ (disk vectors)', 'LanceDB IVF_PQ', ...Object.values(BIT_SYSTEMS), 'LangChain MemoryVectorStore', 'LlamaIndex SimpleVectorStore'];
  const sorted = [...rows].sort((a, b) => (a.dataset === b.dataset ? order.indexOf(a.system) - order.indexOf(b.system) : 0));
  for (const r of sorted) {
    lines.push(`| ${r.dataset} | ${r.system} | ${r.params} | ${r.buildS === null ? '—' : r.buildS.toFixed(1)} | ${r.qps.toFixed(r.qps < 100 ? 1 : 0)} | ${r.recall.toFixed(3)} | ${r.memMB === null ? '—' : r.memMB.toFixed(0)} |`);
  }
  lines.push('');
  lines.push('Memory: abi-sdk HNSW (float) = measured growth of JS heap + external memory when the store is reopened from its snapshot, after GC (ids, id map and metadata), plus the vectors and graph, which sit in shared memory that `process.memoryUsage()` does not count (as the store accounts for them); the int8 and IVF-PQ rows = what the store reports for its vectors, codes, graph and lists (`stats().indexBytes`); hnswlib-node computed from its allocation layout (labels included); LanceDB = RSS growth while building (native, approximate; the summary lines give LanceDB IVF_RQ its index files on disk instead); LangChain and LlamaIndex: JS heap + ArrayBuffer growth. The linear-scan rows use fewer queries.');
  lines.push(...residentNotes);
  for (const ds of new Set(rows.map((r) => r.dataset))) {
    const first = (sys: string): Row | undefined => rows.find((r) => r.dataset === ds && r.system === sys && r.recall >= 0.95);
    const a = first('abi-sdk HNSW'), b = first('hnswlib-node');
    const scan = rows.find((r) => r.dataset === ds && r.system === 'Float32Array scan');
    const flat = rows.find((r) => r.dataset === ds && r.system === 'abi-sdk flat');
    const note = rows.find((r) => r.dataset === ds && r.note)?.note;
    if (note) lines.push(`- ${ds}: abi-sdk HNSW ${note}`);
    const sameEf = a && rows.find((r) => r.dataset === ds && r.system === 'hnswlib-node' && r.params === a.params);
    if (a || b) lines.push(`- ${ds}: abi-sdk HNSW / hnswlib-node QPS at recall ≥ 0.95 (lowest ef each): ${a && b ? `${(a.qps / b.qps).toFixed(2)}x (${a.params.split(' ').pop()} ${a.qps.toFixed(0)} QPS @ ${a.recall.toFixed(3)} vs ${b.params.split(' ').pop()} ${b.qps.toFixed(0)} QPS @ ${b.recall.toFixed(3)})` : 'n/a'}` +
      `${sameEf ? `; at the same ef: ${(a.qps / sameEf.qps).toFixed(2)}x` : ''}; build time ratio ${a && b ? ((a.buildS ?? 0) / (b.buildS ?? 1)).toFixed(2) : 'n/a'}x (abi-sdk on ${BUILD_THREADS} build thread(s), hnswlib-node on one); abi-sdk flat / Float32Array scan: ${flat && scan ? (flat.qps / scan.qps).toFixed(2) : 'n/a'}x`);
    if (a && b) lines.push(`- ${ds}: abi-sdk HNSW memory / hnswlib-node memory: ${(a.memMB! / b.memMB!).toFixed(2)}x (${a.memMB!.toFixed(0)} vs ${b.memMB!.toFixed(0)} MB)`);
    for (const sel of SELECTIVITIES) {
      const fa = first(filteredSystem('abi-sdk HNSW', sel.label)), fb = first(filteredSystem('hnswlib-node', sel.label));
      const show = (r: Row | undefined): string => (r ? `${r.params.split(' ').pop()} ${r.qps.toFixed(0)} QPS @ ${r.recall.toFixed(3)}` : 'recall 0.95 not reached');
      if (fa || fb) lines.push(`- ${ds}: filtered ${sel.label} abi-sdk HNSW / hnswlib-node QPS at recall ≥ 0.95 (lowest ef each): ${fa && fb ? `${(fa.qps / fb.qps).toFixed(2)}x` : 'n/a'} (${show(fa)} vs ${show(fb)})`);
    }
    const i8m = first(INT8_MEM);
    if (i8m && b) lines.push(`- ${ds}: abi-sdk HNSW int8 traversal (floats in memory, re-ranked) / hnswlib-node QPS at recall ≥ 0.95 (lowest ef each): ${(i8m.qps / b.qps).toFixed(2)}x (${i8m.params.split(' ').pop()} ${i8m.qps.toFixed(0)} QPS @ ${i8m.recall.toFixed(3)}); memory ${i8m.memMB!.toFixed(0)} MB (vectors + codes + graph)`);
    const i8 = first('abi-sdk HNSW int8 (disk vectors)');
    const fl = rows.filter((r) => r.dataset === ds && r.system === 'abi-sdk HNSW');
    if (i8 && fl.length) {
      const same = fl.find((r) => r.params === i8.params);
      lines.push(`- ${ds}: int8 HNSW memory / float HNSW memory ${(i8.memMB! / fl[0].memMB!).toFixed(2)}x; recall at ${i8.params.split(' ').pop()}: int8 ${i8.recall.toFixed(3)} vs float ${same?.recall.toFixed(3) ?? 'n/a'}; int8 QPS / hnswlib-node QPS at recall ≥ 0.95: ${b ? (i8.qps / b.qps).toFixed(2) : 'n/a'}x`);
    }
    for (const target of [0.9, 0.95]) {
      // The fastest setting of each system (any nprobe and refine factor) that reaches the target recall.
      const fastest = (system: string): Row | undefined =>
        rows.filter((r) => r.dataset === ds && r.system === system && r.recall >= target).sort((x, y) => y.qps - x.qps)[0];
      const ours = fastest('abi-sdk IVF-PQ (disk vectors)');
      const lance = fastest('LanceDB IVF_PQ');
      const show = (r: Row | undefined): string => (r ? `${r.qps.toFixed(0)} QPS (${r.params.split(' ').slice(2).join(' ')}, ${r.recall.toFixed(3)})` : 'not reached');
      if (ours || lance) lines.push(`- ${ds}: IVF-PQ at recall ≥ ${target} (fastest setting each): abi-sdk ${show(ours)} vs LanceDB ${show(lance)}${ours && lance ? ` → ${(ours.qps / lance.qps).toFixed(2)}x` : ''}`);
    }
    const ivf = rows.find((r) => r.dataset === ds && r.system === 'abi-sdk IVF-PQ (disk vectors)');
    const lanceRow = rows.find((r) => r.dataset === ds && r.system === 'LanceDB IVF_PQ');
    if (ivf && lanceRow) {
      lines.push(`- ${ds}: IVF-PQ build time abi-sdk ${ivf.buildS!.toFixed(1)} s vs LanceDB ${lanceRow.buildS!.toFixed(1)} s → ${(ivf.buildS! / lanceRow.buildS!).toFixed(2)}x`);
      const ours95 = rows.filter((r) => r.dataset === ds && r.system === ivf.system && r.recall >= 0.95).sort((x, y) => y.qps - x.qps)[0];
      const lance90 = rows.filter((r) => r.dataset === ds && r.system === lanceRow.system && r.recall >= 0.9).sort((x, y) => y.qps - x.qps)[0];
      if (ours95 && lance90) lines.push(`- ${ds}: abi-sdk fastest at recall ≥ 0.95 / LanceDB fastest at recall ≥ 0.9: ${(ours95.qps / lance90.qps).toFixed(2)}x`);
    }
    if (ivf) {
      const raw = (N * DATASET_DIMS[ds as DatasetKind] * 4) / 2 ** 20;
      lines.push(`- ${ds}: abi-sdk IVF-PQ index memory (codes, lists, centroids, codebooks) ${ivf.indexMB!.toFixed(1)} MB = ${(ivf.indexMB! / raw).toFixed(3)}x the raw float vectors (${raw.toFixed(0)} MB)`);
    }
    if (rows.some((r) => r.dataset === ds && Object.values(BIT_SYSTEMS).includes(r.system))) lines.push(...bitsSummary(rows, ds, N, DATASET_DIMS[ds as DatasetKind]));
  }
  return lines.join('\n');
}

/**
 * Ratios to the peers measured in this run, higher = better for abi-sdk (what bench:check compares with
 * bench/baseline.json). Same-ef ratios are geometric means over the ef sweep: one ef's QPS is noisy on a shared
 * machine, the mean of several much less, and it still halves when every query gets twice as slow.
 */
function ratios(): Record<string, PeerRatio> {
  const out: Record<string, PeerRatio> = {};
  for (const ds of new Set(rows.map((r) => r.dataset))) {
    const of = (sys: string): Row[] => rows.filter((r) => r.dataset === ds && r.system === sys);
    const sameEf = (a: string, b: string, key: string, what: string): void => {
      const pairs = of(a).map((x) => [x, of(b).find((y) => y.params === x.params)] as const).filter(([, y]) => y);
      if (pairs.length) out[key] = { value: geomean(pairs.map(([x, y]) => x.qps / y!.qps)), peer: 'hnswlib-node', what };
    };
    sameEf('abi-sdk HNSW', 'hnswlib-node', `ann.${ds}.hnsw.qps_same_ef`, `${ds}: abi-sdk HNSW QPS / hnswlib-node QPS at the same ef, geometric mean over ef ${EFS.join(', ')}`);
    const a = of('abi-sdk HNSW')[0], b = of('hnswlib-node')[0];
    if (a?.buildS && b?.buildS) out[`ann.${ds}.hnsw.build`] = { value: b.buildS / a.buildS, peer: 'hnswlib-node', what: `${ds}: hnswlib-node build time (one thread) / abi-sdk HNSW build time (M ${M}, efConstruction ${EF_C}, ${BUILD_THREADS} build threads)` };
    const best = (sys: string): Row | undefined => of(sys).filter((r) => r.recall >= 0.95).sort((x, y) => y.qps - x.qps)[0];
    const ha = best('abi-sdk HNSW'), hb = best('hnswlib-node');
    if (ha && hb) out[`ann.${ds}.hnsw.qps_at_recall95`] = { value: ha.qps / hb.qps, peer: 'hnswlib-node', what: `${ds}: fastest QPS at recall@10 ≥ 0.95, abi-sdk HNSW / hnswlib-node` };
    const hi8 = best(INT8_MEM);
    if (hi8 && hb) out[`ann.${ds}.hnsw_int8mem.qps_at_recall95`] = { value: hi8.qps / hb.qps, peer: 'hnswlib-node', what: `${ds}: fastest QPS at recall@10 ≥ 0.95, abi-sdk HNSW int8 traversal (floats in memory) / hnswlib-node` };
    for (const sel of SELECTIVITIES) {
      // Lowest ef reaching recall 0.95 each (as the README states the goal), per selectivity.
      const lowest = (sys: string): Row | undefined => of(sys).find((r) => r.recall >= 0.95);
      const fa = lowest(filteredSystem('abi-sdk HNSW', sel.label)), fb = lowest(filteredSystem('hnswlib-node', sel.label));
      if (fa && fb) {
        out[`ann.${ds}.hnsw_filtered_${sel.field}.qps_at_recall95`] = {
          value: fa.qps / fb.qps, peer: 'hnswlib-node',
          what: `${ds}: filtered ${sel.label} (one equality filter), abi-sdk HNSW QPS / hnswlib-node filter-callback QPS, each at its lowest ef reaching recall@10 ≥ 0.95`,
        };
      }
    }
    const flat = of('abi-sdk flat')[0], scan = of('Float32Array scan')[0];
    if (flat && scan) out[`ann.${ds}.flat.qps`] = { value: flat.qps / scan.qps, peer: 'Float32Array scan', what: `${ds}: abi-sdk flat QPS / plain Float32Array scan QPS` };
    for (const [sys, key] of [['LangChain MemoryVectorStore', 'langchain'], ['LlamaIndex SimpleVectorStore', 'llamaindex']] as const) {
      const p = of(sys)[0];
      if (flat && p) out[`ann.${ds}.flat_vs_${key}.qps`] = { value: flat.qps / p.qps, peer: sys, what: `${ds}: abi-sdk flat QPS / ${sys} QPS (exact)` };
    }
    const ivf = best('abi-sdk IVF-PQ (disk vectors)'), lance = best('LanceDB IVF_PQ');
    if (ivf && lance) out[`ann.${ds}.ivfpq.qps_at_recall95`] = { value: ivf.qps / lance.qps, peer: 'LanceDB IVF_PQ', what: `${ds}: fastest QPS at recall@10 ≥ 0.95, abi-sdk IVF-PQ / LanceDB IVF_PQ` };
  }
  return out;
}

if (args.includes('--threads')) {
  await runThreads({ n: N, nq: NQ, efs: EFS, M, efC: EF_C, variant: VARIANT, outDir: OUT_DIR });
  process.exit(0);
}
console.error(`bench:ann — N=${N}, queries=${NQ} (linear-scan peers: ${SLOW_NQ}), k=${K}, M=${M}, efConstruction=${EF_C}${quick ? ' (quick)' : ''}`);
const t0 = performance.now();
for (const kind of DATASETS) await runDataset(kind);
const table = report();
const dims = [...new Set(DATASETS.map((d) => DATASET_DIMS[d]))].join('/');
console.log(`\nbench:ann — ${N} x ${dims} normalized, ${NQ} queries one at a time, k=${K}, Node ${process.version}, ${((performance.now() - t0) / 1000).toFixed(0)} s total\n`);
console.log(table);
writeResults('ann', {
  dir: OUT_DIR, variant: VARIANT, started: t0, ratios: ratios(),
  packages: ['hnswlib-node', '@lancedb/lancedb', '@langchain/classic', 'llamaindex'],
  figures: { N, NQ, SLOW_NQ, EF_C, M, K, DIM: dims, efs: EFS, datasets: DATASETS, systems: [...SYSTEMS], rows },
});
const plot = await writeAnnPlot(rows, join(OUT_DIR, `ann-${VARIANT}.svg`), annSubtitle(N, dims, K, new Date().toISOString(), machineInfo()));
console.error(`bench:ann: plot written to ${plot}`);
// `--systems …,threads`: the threads rows in the same invocation, right after (ann-threads-<variant>.json), so one run
// gives every figure of the README's table.
if (SYSTEMS.has('threads')) await runThreads({ n: N, nq: NQ, efs: EFS, M, efC: EF_C, variant: VARIANT, outDir: OUT_DIR });
