// One-off A/B: the store before (commit 9d0fa5f) and after this branch's memory work, same process, same data.
import { VectorStore as Before } from '../src/store/vector-store.js';
import { VectorStore as After } from '../../src/store/vector-store.js';
import { loadDataset } from '../../bench/datasets.js';
const N = Number(process.argv[2] ?? 20000), EFC = Number(process.argv[3] ?? 60), DIM = 384, K = 10, NQ = 400;
const gc = (): void => { (globalThis as any).gc(); (globalThis as any).gc(); };
const mem = (): number => { gc(); const m = process.memoryUsage(); return (m.heapUsed + m.external) / 2 ** 20; };
const ds = loadDataset('clustered', N, 1000);
const qv = (q: number) => ds.queries.subarray(q * DIM, (q + 1) * DIM);
async function build(S: any, dir: string) {
  const { rmSync, mkdirSync } = await import('node:fs');
  rmSync(dir, { recursive: true, force: true }); mkdirSync(dir, { recursive: true });
  const opts = { path: dir, dimension: DIM, index: { type: 'hnsw', M: 16, efConstruction: EFC }, durability: 'write', snapshotLogBytes: 2 ** 31 };
  let s = await S.open(opts);
  for (let b = 0; b < N; b += 1000) {
    const batch = [];
    for (let i = b; i < Math.min(N, b + 1000); i++) batch.push({ id: `doc-${i}`, vector: ds.data.subarray(i * DIM, (i + 1) * DIM), metadata: { tag: i % 10, source: `file-${i % 97}.md` } });
    await s.upsert(batch);
  }
  await s.close(); s = undefined;
  const m0 = mem();
  s = await S.open(opts);
  return { s, mb: mem() - m0 };
}
const a = await build(Before, '/tmp/mem/ab-before');
const b = await build(After, '/tmp/mem/ab-after');
console.log(`memory on reopen (heap+external): before ${a.mb.toFixed(1)} MB, after ${b.mb.toFixed(1)} MB, ratio ${(b.mb / a.mb).toFixed(3)}; after own accounting index ${(b.s.stats().indexBytes / 2 ** 20).toFixed(1)} + records ${(b.s.stats().recordBytes / 2 ** 20).toFixed(1)} MB`);
for (const [label, filter] of [['unfiltered', undefined], ['filtered tag=3 (10%)', { tag: 3 }], ['filtered tag in [1,2] and source startsWith file-1', { tag: { $in: [1, 2] }, source: { $startsWith: 'file-1' } }]] as const) {
  for (const ef of [32, 64]) {
    let ta = 0, tb = 0, same = 0;
    for (let rep = 0; rep < 2; rep++) for (let s = 0; s < NQ; s += 50) {
      let t = performance.now(); const ra: string[][] = [];
      for (let q = s; q < s + 50; q++) ra.push((await a.s.search(qv(q), { k: K, efSearch: ef, filter })).map((h: any) => h.id));
      ta += performance.now() - t; t = performance.now(); const rb: string[][] = [];
      for (let q = s; q < s + 50; q++) rb.push((await b.s.search(qv(q), { k: K, efSearch: ef, filter })).map((h: any) => h.id));
      tb += performance.now() - t;
      for (let i = 0; i < 50; i++) if (ra[i].join() === rb[i].join()) same++;
    }
    console.log(`${label} ef${ef}: before ${(2 * NQ / ta * 1000).toFixed(0)} QPS, after ${(2 * NQ / tb * 1000).toFixed(0)} QPS, after/before ${(ta / tb).toFixed(2)}x; identical results ${same}/${2 * NQ}`);
  }
}
