/**
 * `npm run bench:ann -- --threads [--n 20000] [--queries 1000] [--efs 16,32,64,128]`: search on every core. On one
 * clustered 384-d dataset, in the same run and at the same ef sweep:
 * - hnswlib-node, one query at a time on one thread (the peer the goal is stated against);
 * - abi-sdk `searchThreads: 0`, one query at a time (today's calling-thread search);
 * - abi-sdk with the default pool (`availableParallelism() - 1` workers), one query at a time (inline-first: the
 *   calling thread answers a lone caller);
 * - the same store, 2 concurrent client loops of `search()` (total QPS: the calling thread and the workers);
 * - the same store, `searchMany` of all queries in one call;
 * - usearch (same M / expansion), its multi-threaded batch search (a native reference row).
 * Prints one table and the ratios at recall@10 ≥ 0.95 (each system at its lowest ef reaching it), and writes
 * `ann-threads-<variant>.json` (bench/results.ts).
 */
import { availableParallelism, tmpdir } from 'node:os';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { VectorStore } from '../src/index.js';
import { loadDataset, recallAt } from './datasets.js';
import { buildHnswlib, searchHnswlib } from './peers.js';
import { writeResults, type PeerRatio } from './results.js';

const require = createRequire(import.meta.url);
const K = 10;
const DIM = 384;
const THREADS = 2;
/** The store's default pool: a worker per core but one (the calling thread answers searches too). */
const WORKERS = Math.max(1, availableParallelism() - 1);
/** Queries per interleaving chunk. */
const CHUNK = 100;

interface ThreadRow {
  system: string;
  ef: number;
  qps: number;
  recall: number;
  /** Mean time per query seen by one caller (one-at-a-time rows), µs. */
  latencyUs: number | null;
}

/** Options of {@link runThreads}. */
export interface ThreadsOptions {
  n: number;
  nq: number;
  efs: number[];
  M: number;
  efC: number;
  variant: string;
  outDir: string;
}

export async function runThreads(o: ThreadsOptions): Promise<void> {
  const t0 = performance.now();
  const ds = loadDataset('clustered', o.n, Math.max(o.nq, 1000));
  const nq = o.nq;
  const qv = (q: number): Float32Array => ds.queries.subarray(q * DIM, (q + 1) * DIM);
  const rows: ThreadRow[] = [];
  const add = (r: ThreadRow): void => {
    rows.push(r);
    console.error(`[threads] ${r.system} ef${r.ef}: ${r.qps.toFixed(0)} QPS, recall ${r.recall.toFixed(3)}${r.latencyUs === null ? '' : `, ${r.latencyUs.toFixed(0)} µs/query`}`);
  };
  const found = new Uint32Array(nq * K);
  const put = (q: number, ids: number[]): void => {
    for (let j = 0; j < K; j++) found[q * K + j] = ids[j] ?? 0xffffffff;
  };

  console.error(`[threads] building: abi-sdk (M ${o.M}, efC ${o.efC}), hnswlib-node, usearch; ${availableParallelism()} cores`);
  // One build, persisted, then the directory copied: the pooled and the calling-thread store walk the same graph.
  const dir = mkdtempSync(join(tmpdir(), 'abi-threads-'));
  const index = { type: 'hnsw' as const, M: o.M, efConstruction: o.efC };
  const built = await VectorStore.open({ path: join(dir, 'a'), dimension: DIM, index, durability: 'write', snapshotLogBytes: 2 ** 31, searchThreads: 0 });
  for (let s = 0; s < o.n; s += 1000) {
    const batch = [];
    for (let i = s; i < Math.min(o.n, s + 1000); i++) batch.push({ id: String(i), vector: ds.data.subarray(i * DIM, (i + 1) * DIM) });
    await built.upsert(batch);
  }
  await built.close();
  cpSync(join(dir, 'a'), join(dir, 'b'), { recursive: true });
  const pooled = await VectorStore.open({ path: join(dir, 'a'), dimension: DIM, searchThreads: WORKERS });
  const local = await VectorStore.open({ path: join(dir, 'b'), dimension: DIM, searchThreads: 0 });
  const hnsw = buildHnswlib(ds.data, o.n, DIM, o.M, o.efC);
  const usearch = require('usearch') as typeof import('usearch');
  const usearchFile = join(dir, 'usearch.bin');
  {
    const u = new usearch.Index(DIM, 'ip' as never, 'f32' as never, o.M, o.efC, 64, false);
    u.add(BigUint64Array.from({ length: o.n }, (_, i) => BigInt(i)), ds.data.subarray(0, o.n * DIM), 0);
    u.save(usearchFile);
  }
  // Wait for the workers (they start with the first search that can use them).
  await pooled.search(qv(0));
  while ((pooled.stats().searchPool?.workersUp ?? 0) < WORKERS) await new Promise((r) => setTimeout(r, 10));

  const allQueries = Array.from({ length: nq }, (_, q) => qv(q));
  const matrix = ds.queries.subarray(0, nq * DIM);
  const ids = (hits: { id: string }[]): number[] => hits.map((h) => Number(h.id));
  /** One system: answers queries [from, to) into `found`. */
  type Run = (from: number, to: number) => Promise<void>;

  for (const ef of o.efs) {
    hnsw.setEf(ef);
    const u = new usearch.Index(DIM, 'ip' as never, 'f32' as never, o.M, o.efC, ef, false);
    u.load(usearchFile);
    const systems: [string, boolean, Run][] = [
      ['hnswlib-node, 1 thread', true, async (a, b) => { for (let q = a; q < b; q++) put(q, searchHnswlib(hnsw, qv(q), K)); }],
      ['abi-sdk searchThreads 0, one at a time', true, async (a, b) => { for (let q = a; q < b; q++) put(q, ids(await local.search(qv(q), { k: K, efSearch: ef }))); }],
      [`abi-sdk searchThreads ${WORKERS}, one at a time`, true, async (a, b) => { for (let q = a; q < b; q++) put(q, ids(await pooled.search(qv(q), { k: K, efSearch: ef }))); }],
      [`abi-sdk searchThreads ${WORKERS}, ${THREADS} client loops`, false, async (a, b) => {
        // Client loops pulling queries from one shared counter until all are answered.
        let next = a;
        const loop = async (): Promise<void> => {
          for (let q = next++; q < b; q = next++) put(q, ids(await pooled.search(qv(q), { k: K, efSearch: ef })));
        };
        await Promise.all(Array.from({ length: THREADS }, loop));
      }],
      [`abi-sdk searchThreads ${WORKERS}, searchMany`, false, async (a, b) => {
        (await pooled.searchMany(allQueries.slice(a, b), { k: K, efSearch: ef })).forEach((hits, i) => put(a + i, ids(hits)));
      }],
      [`usearch batch search, ${THREADS} threads`, false, async (a, b) => {
        const res = u.search(matrix.subarray(a * DIM, b * DIM), K, THREADS) as unknown as { keys: BigUint64Array };
        for (let q = a; q < b; q++) put(q, Array.from(res.keys.subarray((q - a) * K, (q - a) * K + K), Number));
      }],
    ];
    // Chunks of 100 queries, every system in turn on each chunk: load from other processes falls on all alike.
    const ms = new Float64Array(systems.length);
    const hitsOf = systems.map(() => new Uint32Array(nq * K));
    for (let a = 0; a < nq; a += CHUNK) {
      const b = Math.min(nq, a + CHUNK);
      for (let i = 0; i < systems.length; i++) {
        const t = performance.now();
        await systems[i][2](a, b);
        ms[i] += performance.now() - t;
        hitsOf[i].set(found.subarray(a * K, b * K), a * K);
      }
    }
    systems.forEach(([system, oneCaller], i) => add({
      system, ef, qps: nq / (ms[i] / 1000), recall: recallAt(ds.truth, hitsOf[i], nq, K), latencyUs: oneCaller ? (ms[i] * 1000) / nq : null,
    }));
  }
  await pooled.close();
  await local.close();
  rmSync(dir, { recursive: true, force: true });

  const lines = [
    `bench:ann --threads — clustered ${o.n} x ${DIM}, ${nq} queries, k=${K}, M ${o.M}, efC ${o.efC}, Node ${process.version}, ${availableParallelism()} cores`,
    '',
    '| system | ef | QPS | recall@10 | µs per query (one caller) |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.system} | ${r.ef} | ${r.qps.toFixed(0)} | ${r.recall.toFixed(3)} | ${r.latencyUs === null ? '' : r.latencyUs.toFixed(0)} |`),
  ];
  const best = (sys: string): ThreadRow | undefined => rows.filter((r) => r.system === sys && r.recall >= 0.95).sort((a, b) => a.ef - b.ef)[0];
  const peer = best('hnswlib-node, 1 thread');
  const ratios: Record<string, PeerRatio> = {};
  if (peer) {
    const fmt = (r: ThreadRow): string => `ef${r.ef} ${r.qps.toFixed(0)} QPS @ ${r.recall.toFixed(3)}`;
    lines.push('', `At recall@10 ≥ 0.95, each at its lowest ef reaching it; hnswlib-node 1 thread: ${fmt(peer)}`);
    for (const [sys, key] of [
      [`abi-sdk searchThreads ${WORKERS}, ${THREADS} client loops`, 'ann.threads.loops_qps_at_recall95'],
      [`abi-sdk searchThreads ${WORKERS}, searchMany`, 'ann.threads.search_many_qps_at_recall95'],
      ['abi-sdk searchThreads 0, one at a time', 'ann.threads.one_at_a_time_qps_at_recall95'],
      [`usearch batch search, ${THREADS} threads`, ''],
    ] as const) {
      const r = best(sys);
      if (!r) continue;
      lines.push(`- ${sys}: ${fmt(r)} = ${(r.qps / peer.qps).toFixed(2)}x hnswlib-node's one-thread QPS`);
      if (key) ratios[key] = { value: r.qps / peer.qps, peer: 'hnswlib-node', what: `clustered: ${sys} QPS / hnswlib-node one-thread QPS, each at its lowest ef reaching recall@10 ≥ 0.95` };
    }
  }
  const lat0 = rows.filter((r) => r.system === 'abi-sdk searchThreads 0, one at a time');
  const latP = rows.filter((r) => r.system === `abi-sdk searchThreads ${WORKERS}, one at a time`);
  const pairs = lat0.map((a) => [a, latP.find((b) => b.ef === a.ef)!] as const).filter(([, b]) => b);
  if (pairs.length) {
    lines.push(`- one query at a time, latency with the pool / searchThreads 0: ${pairs.map(([a, b]) => `ef${a.ef} ${(b.latencyUs! / a.latencyUs!).toFixed(2)}x (${b.latencyUs!.toFixed(0)} vs ${a.latencyUs!.toFixed(0)} µs)`).join(', ')}`);
  }
  console.log(`\n${lines.join('\n')}`);
  writeResults('ann-threads', {
    dir: o.outDir, variant: o.variant, started: t0, ratios, packages: ['hnswlib-node', 'usearch'],
    figures: { N: o.n, NQ: nq, M: o.M, EF_C: o.efC, K, DIM, threads: THREADS, efs: o.efs, rows },
  });
}
