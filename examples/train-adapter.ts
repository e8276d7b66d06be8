/**
 * Train an embedding adapter on your own pairs — offline, on CPU, in seconds.
 *
 * The corpus is the State of the Union passages shipped in examples/data. A deterministic question is made for each
 * passage (its two rarest long words in a question template), so queries share only a few words with their passage.
 * The example embeds everything once with the zero-download HashingEmbedder, trains an adapter on 80% of the
 * passages (with early stopping on part of those), saves it to a checksummed file, loads it back as an
 * `AdaptedEmbedder` (which checks it sits on the same base model) and compares search quality on the held-out 20%.
 *
 *   npm run example:train
 *
 * Output lands in .data/train-adapter (git-ignored).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdaptedEmbedder, AdapterTrainer, describeBaseModel, embedTrainingPairs, HashingEmbedder, saveAdapter, splitPairs,
  VectorStore, type Embedder, type TrainingPair,
} from 'abi-sdk';

const root = join(import.meta.dirname, '..');
const out = join(root, '.data', 'train-adapter');
mkdirSync(out, { recursive: true });
const passages = readFileSync(join(root, 'examples', 'data', 'sotu.jsonl'), 'utf8')
  .split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { id: string; text: string });

// One question per passage from its two rarest words of 6+ letters (document frequency over the corpus).
const words = (t: string): string[] => t.toLowerCase().match(/\p{L}{6,}/gu) ?? [];
const df = new Map<string, number>();
for (const p of passages) for (const w of new Set(words(p.text))) df.set(w, (df.get(w) ?? 0) + 1);
const pairs: TrainingPair[] = passages.map((p) => {
  const [a = 'policy', b = 'nation'] = [...new Set(words(p.text))].sort((x, y) => df.get(x)! - df.get(y)! || (x < y ? -1 : 1));
  return { query: `What did the president tell Congress about ${a} and ${b}?`, positive: p.text };
});

const base = new HashingEmbedder({ dimension: 256 });
const { train: trainAll, validation: test } = splitPairs(pairs, { validationFraction: 0.2, seed: 1 });
const { train, validation } = splitPairs(trainAll, { validationFraction: 0.1, seed: 2 });

const trainer = new AdapterTrainer({ adapter: { dimension: base.dimension, rank: 32 }, epochs: 15, learningRate: 0.005, seed: 1 });
const t0 = performance.now();
const result = await trainer.fit(await embedTrainingPairs(base, train), {
  validation: await embedTrainingPairs(base, validation),
  onEpoch: (e) => console.log(`epoch ${e.epoch + 1}: loss ${e.loss.toFixed(3)}, validation nDCG@10 ${e.validation!.ndcg.toFixed(3)}`),
});
console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s; best epoch ${result.bestEpoch + 1}`);

const file = join(out, 'sotu.abi-adapter');
await saveAdapter(file, result.adapter, await describeBaseModel(base), { pairs: train.length });
const adapted = await AdaptedEmbedder.load(base, file); // a ModelMismatchError if `base` were another model

// Held-out queries against every passage, in the vector store: how often is the right passage in the top 10?
async function hitRate(embedder: Embedder): Promise<number> {
  const store = await VectorStore.open({ dimension: embedder.dimension! });
  const vectors = await embedder.embedDocuments(passages.map((p) => p.text));
  await store.upsert(passages.map((p, i) => ({ id: p.id, vector: vectors[i], text: p.text })));
  let hits = 0;
  for (const q of test) {
    const top = await store.search(await embedder.embedQuery(q.query), { k: 10 });
    if (top.some((h) => h.text === q.positive)) hits++;
  }
  await store.close();
  return hits / test.length;
}
console.log(`held-out recall@10 over all ${passages.length} passages: base ${(await hitRate(base)).toFixed(3)}, adapted ${(await hitRate(adapted)).toFixed(3)}`);
