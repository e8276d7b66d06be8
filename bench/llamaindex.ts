/**
 * bench:llamaindex — LlamaIndex.TS's vector store contract, measured through `store.add(nodes)` and
 * `store.query({ queryEmbedding, similarityTopK: 10 })` as LlamaIndex's retriever calls them: LlamaIndex's own
 * `SimpleVectorStore` (with its JSON `persist` / `fromPersistPath`) against `AbiVectorStore` over the embedded
 * store (flat and HNSW, persisted), on the same deterministic clustered vectors, in the same run. Recall@10 is
 * against exact search. One query at a time.
 *
 *   npm run bench:llamaindex [-- --n 20000 --queries 200]
 */
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeRelationship, SimpleVectorStore, TextNode, VectorStoreQueryMode } from 'llamaindex';
import { HashingEmbedder, type IndexOptions } from '../src/index.js';
import { AbiEmbedding, AbiVectorStore } from '../integrations/llamaindex/index.js';
import { loadDataset, recallAt } from './datasets.js';
import { writeResults } from './results.js';

const started = performance.now();

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 20_000);
const NQ = arg('queries', 200);
const K = 10;
const ds = loadDataset('clustered', N, NQ, 384, K);
const dim = ds.dim;
const row = (m: Float32Array, i: number): number[] => Array.from(m.subarray(i * dim, (i + 1) * dim));
// Both stores get real LlamaIndex nodes with a SOURCE and a little text and metadata, as an index would write.
const nodes = (): TextNode[] => Array.from({ length: N }, (_, i) => new TextNode({
  id_: String(i), text: `passage ${i}`, metadata: { group: i % 10 }, embedding: row(ds.data, i),
  relationships: { [NodeRelationship.SOURCE]: { nodeId: `doc-${i >> 4}`, metadata: {} } },
}));
const embedModel = new AbiEmbedding({ embedder: new HashingEmbedder({ dimension: dim }) });
const dir = mkdtempSync(join(tmpdir(), 'abi-bench-li-'));
const duSync = (p: string): number => readdirSync(p).reduce((s, f) => s + statSync(join(p, f)).size, 0);

interface Row { system: string; addS: number; qps: number; recall: number; persistS: number; reopenS: number; diskMB: number }
const rows: Row[] = [];

type Queryable = { query: SimpleVectorStore['query'] };
async function measure(store: Queryable): Promise<{ qps: number; recall: number }> {
  const found = new Uint32Array(NQ * K);
  for (let q = 0; q < Math.min(20, NQ); q++) await store.query({ queryEmbedding: row(ds.queries, q), similarityTopK: K, mode: VectorStoreQueryMode.DEFAULT });
  const t = performance.now();
  for (let q = 0; q < NQ; q++) {
    const res = await store.query({ queryEmbedding: row(ds.queries, q), similarityTopK: K, mode: VectorStoreQueryMode.DEFAULT });
    res.ids.forEach((id, j) => { found[q * K + j] = Number(id); });
  }
  return { qps: NQ / ((performance.now() - t) / 1000), recall: recallAt(ds.truth, found, NQ, K) };
}

{
  const path = join(dir, 'simple');
  const store = new SimpleVectorStore({ embedModel });
  let t = performance.now();
  await store.add(nodes());
  const addS = (performance.now() - t) / 1000;
  const m = await measure(store);
  t = performance.now();
  await store.persist(join(path, 'vector_store.json'));
  const persistS = (performance.now() - t) / 1000;
  t = performance.now();
  const reopened = await SimpleVectorStore.fromPersistPath(join(path, 'vector_store.json'), embedModel);
  const reopenS = (performance.now() - t) / 1000;
  await reopened.query({ queryEmbedding: row(ds.queries, 0), similarityTopK: K, mode: VectorStoreQueryMode.DEFAULT });
  rows.push({ system: 'LlamaIndex SimpleVectorStore', addS, ...m, persistS, reopenS, diskMB: duSync(path) / 2 ** 20 });
}

for (const [name, index] of [['AbiVectorStore flat', { type: 'flat' }], ['AbiVectorStore hnsw', { type: 'hnsw' }]] as [string, IndexOptions][]) {
  const path = join(dir, name.replace(/\W+/g, '-'));
  let store = await AbiVectorStore.open({ path, dimension: dim, index, embedModel });
  let t = performance.now();
  await store.add(nodes());
  const addS = (performance.now() - t) / 1000;
  const m = await measure(store);
  // Every add is already durable (fsync); "persist" is the close, which writes a snapshot.
  t = performance.now();
  await store.close();
  const persistS = (performance.now() - t) / 1000;
  t = performance.now();
  store = await AbiVectorStore.open({ path, dimension: dim, embedModel });
  await store.query({ queryEmbedding: row(ds.queries, 0), similarityTopK: K, mode: VectorStoreQueryMode.DEFAULT });
  const reopenS = (performance.now() - t) / 1000;
  await store.close();
  rows.push({ system: name, addS, ...m, persistS, reopenS, diskMB: duSync(path) / 2 ** 20 });
}

rmSync(dir, { recursive: true, force: true });
const peer = rows[0];
console.log(`\nbench:llamaindex — ${N} x ${dim} clustered, ${NQ} queries, k=${K}, one query at a time (Node ${process.version})\n`);
console.log('| system | add (s) | query QPS | x SimpleVectorStore | recall@10 | persist (s) | reopen + 1st query (s) | disk (MB) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.system} | ${r.addS.toFixed(2)} | ${r.qps.toFixed(1)} | ${(r.qps / peer.qps).toFixed(1)}x | ${r.recall.toFixed(3)} | ${r.persistS.toFixed(2)} | ${r.reopenS.toFixed(2)} | ${r.diskMB.toFixed(1)} |`);
}
writeResults('llamaindex', {
  variant: String(N), started, packages: ['llamaindex', '@llamaindex/core'], figures: { N, NQ, K, dim, rows },
  ratios: Object.fromEntries(rows.slice(1).map((r) => [
    `llamaindex.${r.system.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase()}.qps`,
    { value: r.qps / peer.qps, peer: 'LlamaIndex SimpleVectorStore', what: `${r.system} / SimpleVectorStore, query QPS` },
  ])),
});
