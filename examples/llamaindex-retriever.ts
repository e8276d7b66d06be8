/**
 * LlamaIndex.TS retrieval over abi-sdk's embedded store, offline:
 *
 *   npm run example:llamaindex              # HashingEmbedder (no model files)
 *   npm run example:llamaindex -- --local   # the generated tiny ONNX models (.models/tiny-bert, tiny-cross-encoder)
 *   npm run example:llamaindex -- --ollama llama3.2   # also answer with a query engine through a running Ollama
 *
 * Indexes State of the Union passages (examples/data/sotu.jsonl) into a persistent AbiVectorStore with a BM25 text
 * index, then retrieves with vector, hybrid and filtered queries, reranks, deletes one address, and reopens the store.
 * The tiny models have random weights: the code path is the real one, the rankings mean nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getResponseSynthesizer, MetadataMode, NodeRelationship, type NodeWithScore, Settings, TextNode, VectorStoreIndex,
  VectorStoreQueryMode,
} from 'llamaindex';
import { type Embedder, HashingEmbedder, LocalCrossEncoder, LocalEmbedder, OllamaConnector, type Reranker } from 'abi-sdk';
import { AbiLLM, AbiReranker, AbiVectorStore } from 'abi-sdk/llamaindex';
import { generateModels, MODELS_DIR } from '../scripts/generate-models.js';

const args = process.argv.slice(2);
const local = args.includes('--local');
const ollamaModel = args.includes('--ollama') ? (args[args.indexOf('--ollama') + 1] ?? 'llama3.2') : undefined;

let embedder: Embedder = new HashingEmbedder({ dimension: 384 });
let crossEncoder: (Reranker & { close(): Promise<void> }) | undefined;
if (local) {
  generateModels({ tinyOnly: true, log: (line) => console.log(line) });
  embedder = await LocalEmbedder.fromFolder(join(MODELS_DIR, 'tiny-bert'));
  crossEncoder = await LocalCrossEncoder.fromFolder(join(MODELS_DIR, 'tiny-cross-encoder'));
}

interface Passage { id: string; year: number; president: string; party: string; text: string }
const passages = readFileSync(new URL('./data/sotu.jsonl', import.meta.url), 'utf8').trim().split('\n')
  .map((line) => JSON.parse(line) as Passage);

// One node per passage; its SOURCE (the ref doc) is the address it comes from.
const nodes = passages.map((p) => new TextNode({
  id_: p.id, text: p.text, metadata: { year: p.year, president: p.president, party: p.party },
  relationships: { [NodeRelationship.SOURCE]: { nodeId: `sotu-${p.year}`, metadata: {} } },
}));

const dir = mkdtempSync(join(tmpdir(), 'abi-llamaindex-'));
const path = join(dir, 'sotu');
let store = await AbiVectorStore.open({ path, embedder, text: true });
// VectorStoreIndex (0.12) reads the global embed model when it is built: give it the store's, scoped.
const indexOf = (s: AbiVectorStore) => Settings.withEmbedModel(s.embedModel, () => VectorStoreIndex.fromVectorStore(s));
let index = await indexOf(store);

let t = performance.now();
await index.insertNodes(nodes);
console.log(`indexed ${nodes.length} passages with ${embedder.model} in ${(performance.now() - t).toFixed(0)} ms → ${path}`);

const show = (title: string, hits: NodeWithScore[]) => {
  console.log(`\n${title}`);
  for (const { node, score } of hits) {
    const m = node.metadata as { year: number; president: string };
    console.log(`  ${score?.toFixed(3)}  ${m.year} ${m.president.padEnd(22)} ${node.getContent(MetadataMode.NONE).slice(0, 70)}…`);
  }
};

const query = 'annexation of Texas and the war with Mexico';
show(`vector: "${query}"`, await index.asRetriever({ similarityTopK: 4 }).retrieve(query));
show('hybrid (BM25 + vector, alpha 0.3):', await index.asRetriever({
  similarityTopK: 4, mode: VectorStoreQueryMode.HYBRID, customParams: { alpha: 0.3 },
}).retrieve(query));
show('filtered (party == "Whig", year >= 1840):', await index.asRetriever({
  similarityTopK: 4,
  filters: { filters: [{ key: 'party', operator: '==', value: 'Whig' }, { key: 'year', operator: '>=', value: 1840 }] },
}).retrieve(query));

if (crossEncoder) {
  const candidates = await index.asRetriever({ similarityTopK: 12 }).retrieve(query);
  show(`reranked by ${crossEncoder.model} (top 4 of 12):`, await new AbiReranker({ reranker: crossEncoder, topN: 4 }).postprocessNodes(candidates, query));
}

// Deleting a ref doc removes every passage of that address.
const before = await store.backend.count();
await store.delete('sotu-1845');
console.log(`\ndeleted sotu-1845: ${before - (await store.backend.count())} passages removed`);

// Reopen from disk: same results.
const expected = (await index.asRetriever({ similarityTopK: 4 }).retrieve(query)).map((n) => n.node.id_);
await store.close();
t = performance.now();
store = await AbiVectorStore.open({ path, embedder, text: true });
index = await indexOf(store);
const again = (await index.asRetriever({ similarityTopK: 4 }).retrieve(query)).map((n) => n.node.id_);
console.log(`reopened in ${(performance.now() - t).toFixed(0)} ms; same top 4: ${JSON.stringify(again) === JSON.stringify(expected)}`);

if (ollamaModel) {
  const llm = new AbiLLM({ generator: new OllamaConnector().generator(ollamaModel), temperature: 0 });
  const engine = index.asQueryEngine({ similarityTopK: 4, responseSynthesizer: getResponseSynthesizer('compact', { llm }) });
  const answer = await engine.query({ query: 'What did presidents say about Texas?' });
  console.log(`\n${ollamaModel}: ${answer.message.content}`);
}

await store.close();
await crossEncoder?.close();
if (embedder instanceof LocalEmbedder) await embedder.close();
rmSync(dir, { recursive: true, force: true });
