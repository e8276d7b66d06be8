/**
 * RAG with LangChain.js on abi-sdk, offline:
 *
 *   npm run example:langchain                                   # HashingEmbedder + the generated tiny cross-encoder
 *   npm run example:langchain -- ./all-MiniLM-L6-v2 ./ms-marco-MiniLM-L-6-v2   # real local model folders
 *   OLLAMA_HOST=http://127.0.0.1:11434 npm run example:langchain -- --chat llama3.2   # answer with a local Ollama
 *
 * Indexes State of the Union passages (examples/data/sotu.jsonl) into a persistent AbiVectorStore, then retrieves
 * with filters, MMR and hybrid BM25 + vector search, reranks with a cross-encoder through LangChain's
 * ContextualCompressionRetriever, reopens the store from disk, and (with --chat) answers through a retrieval chain.
 * Without a model folder the embeddings come from HashingEmbedder (lexical, no model) and the reranker is the
 * generated tiny cross-encoder (random weights: the code path is real, its scores mean nothing).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRetrievalChain } from '@langchain/classic/chains/retrieval';
import { createStuffDocumentsChain } from '@langchain/classic/chains/combine_documents';
import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import { Document } from '@langchain/core/documents';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { type Embedder, HashingEmbedder, LocalCrossEncoder, LocalEmbedder } from 'abi-sdk';
import { AbiEmbeddings, AbiReranker, AbiVectorStore } from 'abi-sdk/langchain';
import { MODELS_DIR, generateModels } from '../scripts/generate-models.js';

const args = process.argv.slice(2);
const chatAt = args.indexOf('--chat');
const chatModel = chatAt >= 0 ? args[chatAt + 1] : undefined;
const [embedderDir, rerankerDir] = args.filter((a, i) => !a.startsWith('-') && (chatAt < 0 || i !== chatAt + 1));

interface Passage { id: string; year: number; president: string; party: string; text: string }
const root = join(import.meta.dirname, '..');
const docs = readFileSync(join(root, 'examples', 'data', 'sotu.jsonl'), 'utf8').split('\n').filter(Boolean)
  .map((line) => JSON.parse(line) as Passage)
  .map((p) => new Document({ id: p.id, pageContent: p.text, metadata: { year: p.year, president: p.president, party: p.party } }));

if (!rerankerDir) generateModels({ tinyOnly: true, log: (line) => console.log(line) });
const embedder: Embedder = embedderDir ? await LocalEmbedder.fromFolder(embedderDir) : new HashingEmbedder({ dimension: 384 });
const crossEncoder = await LocalCrossEncoder.fromFolder(rerankerDir ?? join(MODELS_DIR, 'tiny-cross-encoder'));
const embeddings = new AbiEmbeddings({ embedder });
const dir = mkdtempSync(join(tmpdir(), 'abi-langchain-'));

// 1. Index: a persistent store with a BM25 text index for hybrid search.
let t = performance.now();
const store = await AbiVectorStore.fromDocuments(docs, embeddings, { path: dir, text: true });
console.log(`indexed ${docs.length} passages with ${embedder.model} in ${(performance.now() - t).toFixed(0)} ms → ${dir}`);

const question = 'What did the president say about the public debt and taxes?';
const show = (title: string, found: Document[]): void => {
  console.log(`\n${title}`);
  for (const d of found) console.log(`  ${d.id}  ${d.metadata.president} (${d.metadata.year})  ${d.pageContent.slice(0, 70)}…`);
};

// 2. Similarity search with an abi-sdk filter, higher-is-better scores.
const scored = await store.similaritySearchWithScore(question, 3, { year: { $gte: 1900 } });
console.log('\nsimilarity, year >= 1900:');
for (const [d, score] of scored) console.log(`  ${score.toFixed(3)}  ${d.metadata.president} (${d.metadata.year})`);

// 3. MMR and hybrid retrievers.
show('MMR (fetchK 30, lambda 0.5):', await store.asRetriever({ k: 3, searchType: 'mmr', searchKwargs: { fetchK: 30, lambda: 0.5 } }).invoke(question));
// Hybrid: a rare name (BM25's strength) plus meaning (the vectors'), fused with weights.
show('hybrid BM25 + vector (weighted, alpha 0.3):', await store.asHybridRetriever({ k: 3, fusion: { method: 'weighted', alpha: 0.3 } }).invoke('Louisiana and the navigation of the Mississippi'));

// 4. Rerank 20 candidates down to 4 with a cross-encoder.
const reranking = (s: AbiVectorStore) => new ContextualCompressionRetriever({
  baseCompressor: new AbiReranker({ reranker: crossEncoder, topN: 4 }),
  baseRetriever: s.asRetriever({ k: 20 }),
});
t = performance.now();
const reranked = await reranking(store).invoke(question);
console.log(`\nreranked by ${crossEncoder.model} in ${(performance.now() - t).toFixed(0)} ms:`);
for (const d of reranked) console.log(`  ${(d.metadata.relevanceScore as number).toFixed(3)}  ${d.id}  ${d.metadata.president} (${d.metadata.year})`);

// 5. Persistence: close, reopen from disk, same answer.
await store.close();
const reopened = await AbiVectorStore.load(dir, embeddings);
const again = await reranking(reopened).invoke(question);
console.log(`\nreopened from disk: same results: ${JSON.stringify(again.map((d) => d.id)) === JSON.stringify(reranked.map((d) => d.id))}`);

// 6. A retrieval chain with a local Ollama chat model, when asked for.
if (chatModel) {
  const { ChatOllama } = await import('@langchain/ollama');
  const prompt = ChatPromptTemplate.fromMessages([
    ['system', 'Answer from the context only, citing presidents and years.\n\nContext:\n{context}'],
    ['human', '{input}'],
  ]);
  const chain = await createRetrievalChain({
    retriever: reranking(reopened),
    combineDocsChain: await createStuffDocumentsChain({ llm: new ChatOllama({ model: chatModel, baseUrl: process.env.OLLAMA_HOST }), prompt }),
  });
  const { answer } = await chain.invoke({ input: question });
  console.log(`\n${chatModel}: ${String(answer)}`);
} else {
  console.log('\n(pass --chat <ollama model> to answer through a retrieval chain)');
}

await reopened.close();
await crossEncoder.close();
rmSync(dir, { recursive: true, force: true });
