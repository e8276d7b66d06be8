/**
 * bench:ann rows for the bit-code indexes: abi-sdk IVF + RaBitQ (1, 2, 4 bits) and IVF + binary codes, float
 * vectors on disk, beside LanceDB's IVF_RQ (RaBitQ, 1 bit) with the same cells. Used by bench/ann.ts
 * (`--systems rabitq1,rabitq2,rabitq4,binary,lancedb-rq`); IVF-PQ and LanceDB IVF_PQ keep their own rows there.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VectorStore } from '../src/index.js';
import { recallAt, type Dataset } from './datasets.js';
import { buildLance, searchLance } from './peers.js';

/** What a bit-code row needs from the harness. */
export interface BitsContext {
  dim: number;
  k: number;
  nq: number;
  nprobes: number[];
  refines: number[];
  nlist: number;
  /** Adds a result row. */
  add: (r: { system: string; params: string; buildS: number | null; qps: number; recall: number; memMB: number | null; indexMB?: number; note?: string }) => void;
  /** Loads the store through its log (training when due); returns seconds. */
  load: (store: VectorStore, ds: Dataset) => Promise<number>;
  /** Times `nq` queries, writing the found ids. */
  time: (nq: number, run: (q: number) => number[] | Promise<number[]>, found: Uint32Array) => Promise<number>;
  /** Resident set size now, MB. */
  rssMB: () => number;
}

/** System names this module runs, with the label each row carries. */
export const BIT_SYSTEMS: Record<string, string> = {
  rabitq1: 'abi-sdk IVF RaBitQ 1-bit (disk vectors)',
  rabitq2: 'abi-sdk IVF RaBitQ 2-bit (disk vectors)',
  rabitq4: 'abi-sdk IVF RaBitQ 4-bit (disk vectors)',
  binary: 'abi-sdk IVF binary (disk vectors)',
  'lancedb-rq': 'LanceDB IVF_RQ',
};

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

/** Builds and queries one abi-sdk bit-code store. */
export async function runAbiBits(system: 'rabitq1' | 'rabitq2' | 'rabitq4' | 'binary', ds: Dataset, dir: string, found: Uint32Array, c: BitsContext): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const index = system === 'binary'
    ? { type: 'ivf' as const, quantization: 'binary' as const, nlist: c.nlist, trainAt: ds.n }
    : { type: 'ivf' as const, quantization: 'rabitq' as const, bits: Number(system.slice(6)) as 1 | 2 | 4, nlist: c.nlist, trainAt: ds.n };
  const opts = { path: dir, dimension: c.dim, index, vectors: 'disk' as const, durability: 'write' as const, snapshotLogBytes: 2 ** 31 };
  let store = await VectorStore.open(opts);
  const build = await c.load(store, ds);
  await store.close();
  console.error(`[${ds.name}] ${system} build ${build.toFixed(1)} s`);
  store = await VectorStore.open(opts);
  const indexMB = store.stats().indexBytes / 2 ** 20;
  const nq = Math.min(c.nq, ds.nq);
  const qv = (q: number): Float32Array => ds.queries.subarray(q * c.dim, (q + 1) * c.dim);
  const reranks = system === 'binary' ? c.refines.map((r) => r * c.k) : [0];
  for (const rerank of reranks) {
    for (const nprobe of c.nprobes) {
      const extra = rerank > 0 ? { rerank } : {};
      const qps = await c.time(nq, async (q) => (await store.search(qv(q), { k: c.k, nprobe, ...extra })).map((h) => Number(h.id)), found);
      c.add({
        system: BIT_SYSTEMS[system], params: `nlist${c.nlist} nprobe${nprobe}${rerank > 0 ? ` rerank${rerank}` : ' (bound)'}`, buildS: build, qps,
        recall: recallAt(ds.truth, found, nq, c.k), memMB: indexMB, indexMB,
      });
    }
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

/** LanceDB IVF_RQ (1 bit per dimension, its default) with the same cells; memory = its index files on disk. */
export async function runLanceRq(ds: Dataset, dir: string, found: Uint32Array, c: BitsContext): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const r0 = c.rssMB();
  const t = performance.now();
  const table = await buildLance(dir, ds.data, ds.n, c.dim, c.nlist, 0, 1);
  const build = (performance.now() - t) / 1000;
  const rss = c.rssMB() - r0;
  let indexMB: number | undefined;
  try {
    indexMB = dirBytes(join(dir, 'vectors.lance', '_indices')) / 2 ** 20;
  } catch {
    indexMB = undefined;
  }
  console.error(`[${ds.name}] LanceDB IVF_RQ build ${build.toFixed(1)} s`);
  const nq = Math.min(c.nq, ds.nq);
  for (const refine of c.refines) {
    for (const nprobe of c.nprobes) {
      const qps = await c.time(nq, (q) => searchLance(table, ds.queries.subarray(q * c.dim, (q + 1) * c.dim), c.k, nprobe, refine), found);
      c.add({
        system: BIT_SYSTEMS['lancedb-rq'], params: `nlist${c.nlist} nprobes${nprobe} refine${refine}`, buildS: build, qps,
        recall: recallAt(ds.truth, found, nq, c.k), memMB: rss, indexMB,
      });
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Summary lines: per quantized system, its fastest setting at recall ≥ `target`, its build time and index memory
 * over the raw float32 vectors, and QPS ratios of RaBitQ to IVF-PQ and to LanceDB IVF_RQ.
 */
export function bitsSummary(
  rows: { dataset: string; system: string; params: string; buildS: number | null; qps: number; recall: number; indexMB?: number }[],
  dataset: string, n: number, dim: number, target = 0.95,
): string[] {
  const rawMB = (n * dim * 4) / 2 ** 20;
  const systems = [...Object.values(BIT_SYSTEMS), 'abi-sdk IVF-PQ (disk vectors)', 'LanceDB IVF_PQ'];
  const best = (system: string): (typeof rows)[number] | undefined => rows
    .filter((r) => r.dataset === dataset && r.system === system && r.recall >= target)
    .sort((a, b) => b.qps - a.qps)[0];
  const top = (system: string): (typeof rows)[number] | undefined => rows
    .filter((r) => r.dataset === dataset && r.system === system)
    .sort((a, b) => b.recall - a.recall || b.qps - a.qps)[0];
  const lines: string[] = [];
  for (const s of systems) {
    const any = rows.find((r) => r.dataset === dataset && r.system === s);
    if (any === undefined) continue;
    const b = best(s);
    const mem = any.indexMB === undefined ? 'n/a' : `${any.indexMB.toFixed(1)} MB = ${(any.indexMB / rawMB).toFixed(3)}x raw`;
    const at = b ? `${b.qps.toFixed(0)} QPS at recall ${b.recall.toFixed(3)} (${b.params})` : `never reaches ${target} (best ${top(s)!.recall.toFixed(3)} at ${top(s)!.qps.toFixed(0)} QPS, ${top(s)!.params})`;
    lines.push(`- ${dataset}: ${s}: build ${any.buildS?.toFixed(1) ?? '?'} s, index ${mem}; ${at}`);
  }
  const pq = best('abi-sdk IVF-PQ (disk vectors)');
  const lrq = top('LanceDB IVF_RQ');
  for (const bits of [1, 2, 4]) {
    const r = best(BIT_SYSTEMS[`rabitq${bits}`]);
    if (r && pq) lines.push(`- ${dataset}: RaBitQ ${bits}-bit / IVF-PQ, QPS at recall ≥ ${target}: ${(r.qps / pq.qps).toFixed(2)}x`);
    if (r && lrq) lines.push(`- ${dataset}: RaBitQ ${bits}-bit at recall ≥ ${target} / LanceDB IVF_RQ at its best recall (${lrq.recall.toFixed(3)}): ${(r.qps / lrq.qps).toFixed(2)}x`);
  }
  return lines;
}
