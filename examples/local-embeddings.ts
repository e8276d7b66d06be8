/**
 * Local embeddings and reranking with onnxruntime-node, no network:
 *
 *   npm run example:local                                   # the generated tiny test models
 *   npm run example:local -- ./all-MiniLM-L6-v2 [./ms-marco-MiniLM-L-6-v2]   # real model folders
 *
 * Without a path it generates (once) and uses `.models/tiny-bert` and `.models/tiny-cross-encoder`: real BERT graphs
 * with random weights, so the code path is the real one but the similarities mean nothing. With a real folder
 * (e.g. `huggingface-cli download sentence-transformers/all-MiniLM-L6-v2 --local-dir ./all-MiniLM-L6-v2`), they do.
 */
import { LocalCrossEncoder, LocalEmbedder, ModelRegistry } from 'abi-sdk';
import { MODELS_DIR, generateModels } from '../scripts/generate-models.js';

const [embedderDir, rerankerDir] = process.argv.slice(2).filter((a) => !a.startsWith('-'));
if (!embedderDir) generateModels({ tinyOnly: true, log: (line) => console.log(line) });
const embedPath = embedderDir ?? `${MODELS_DIR}/tiny-bert`;
const rerankPath = rerankerDir ?? (embedderDir ? undefined : `${MODELS_DIR}/tiny-cross-encoder`);

// One registry shares loaded models and reports their memory; give it a budget to unload idle models LRU-first.
const registry = new ModelRegistry({ memoryBudgetBytes: 2 * 1024 ** 3 });
const embedder = await LocalEmbedder.fromFolder(embedPath, { registry, device: 'auto', onWarning: (m) => console.log(`note: ${m}`) });
console.log(`${embedder.model}: ${embedder.dimension} dims, ${embedder.pooling} pooling${embedder.normalize ? ', normalized' : ''}, ` +
  `max ${embedder.maxLength} tokens, on ${embedder.device}`);

const documents = [
  'Paris is the capital and most populous city of France.',
  'The Eiffel Tower was completed in 1889.',
  'Berlin is the capital of Germany.',
  'Photosynthesis converts light energy into chemical energy.',
];
const vectors = await embedder.embedDocuments(documents);
const query = await embedder.embedQuery('What is the capital of France?');
const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i], 0);
const ranked = vectors.map((v, i) => ({ i, score: cosine(query, v) })).sort((a, b) => b.score - a.score);
console.log('\nby embedding similarity:');
for (const { i, score } of ranked) console.log(`  ${score.toFixed(3)}  ${documents[i]}`);

// Matryoshka: a shorter vector per call (renormalized).
const [short] = await embedder.embed([documents[0]], { dimensions: Math.min(16, embedder.dimension) });
console.log(`\nfirst document at ${short.length} dims: [${Array.from(short.slice(0, 4), (x) => x.toFixed(3)).join(', ')}, …]`);

if (rerankPath) {
  const reranker = await LocalCrossEncoder.fromFolder(rerankPath, { registry });
  const results = await reranker.rerank('What is the capital of France?', documents, { topN: 3 });
  console.log(`\nreranked by ${reranker.model}:`);
  for (const r of results) console.log(`  ${r.score.toFixed(3)}  ${documents[r.index]}`);
}

const memory = registry.memory();
console.log(`\nloaded models: ${memory.models.map((m) => `${m.name} (${(m.bytes / 1e6).toFixed(1)} MB)`).join(', ')}`);
await registry.close();
