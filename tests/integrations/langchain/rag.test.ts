// End to end in LangChain on the local engine (generated tiny models): index SOTU passages, retrieve, rerank with
// ContextualCompressionRetriever, delete, reopen from disk, and answer through a retrieval chain whose chat model is
// LangChain's official ChatOllama talking to the Ollama-protocol loopback server.
import { join } from 'node:path';
import { createRetrievalChain } from '@langchain/classic/chains/retrieval';
import { createStuffDocumentsChain } from '@langchain/classic/chains/combine_documents';
import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { ChatOllama } from '@langchain/ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCrossEncoder, LocalEmbedder, ValidationError } from '../../../src/index.js';
import { AbiEmbeddings, AbiReranker, AbiVectorStore } from '../../../integrations/langchain/index.js';
import { modelDir } from '../../engine/helpers.js';
import { type FakeOllama, startFakeOllama } from '../../helpers/ollama-server.js';
import { sotuDocuments, tempDir } from './helpers.js';

const docs = sotuDocuments(80);
const QUERY = 'What did the president say about the public debt and credit?';
const tmp = tempDir();
const path = join(tmp.dir, 'sotu');
let embedder: LocalEmbedder;
let crossEncoder: LocalCrossEncoder;
let ollama: FakeOllama;
beforeAll(async () => {
  embedder = await LocalEmbedder.fromFolder(modelDir('tiny-bert'));
  crossEncoder = await LocalCrossEncoder.fromFolder(modelDir('tiny-cross-encoder'));
  ollama = await startFakeOllama();
});
afterAll(async () => {
  await embedder.close();
  await crossEncoder.close();
  await ollama.close();
  tmp.cleanup();
});

function compressionRetriever(store: AbiVectorStore): ContextualCompressionRetriever {
  return new ContextualCompressionRetriever({
    baseCompressor: new AbiReranker({ reranker: crossEncoder, topN: 3 }),
    baseRetriever: store.asRetriever({ k: 12 }),
  });
}

describe('LangChain RAG on the local engine', () => {
  let afterDelete: { id: string | undefined; score: unknown }[];

  it('indexes, retrieves and reranks with ContextualCompressionRetriever as the cross-encoder ranks', async () => {
    const embeddings = new AbiEmbeddings({ embedder });
    const store = await AbiVectorStore.fromDocuments(docs, embeddings, { path, index: { type: 'hnsw' } });
    expect(store.backend.dimension).toBe(embedder.dimension);
    const base = await store.asRetriever({ k: 12 }).invoke(QUERY);
    expect(base).toHaveLength(12);
    const reranked = await compressionRetriever(store).invoke(QUERY);
    const expected = await crossEncoder.rerank(QUERY, base.map((d) => d.pageContent), { topN: 3 });
    expect(reranked.map((d) => d.id)).toEqual(expected.map((r) => base[r.index].id));
    reranked.forEach((d, i) => {
      expect(d.metadata.relevanceScore).toBeCloseTo(expected[i].score, 6);
      const { relevanceScore: _, ...rest } = d.metadata;
      expect(rest).toEqual(docs.find((o) => o.id === d.id)!.metadata);
    });
    // Delete the best document: it is gone from both stages.
    await store.delete({ ids: [reranked[0].id!] });
    const again = await compressionRetriever(store).invoke(QUERY);
    expect(again.map((d) => d.id)).not.toContain(reranked[0].id);
    afterDelete = again.map((d) => ({ id: d.id, score: d.metadata.relevanceScore }));
    await store.close();
  });

  it('reopens from disk and gives the same results', async () => {
    const store = await AbiVectorStore.load(path, new AbiEmbeddings({ embedder }));
    expect(await store.backend.count()).toBe(docs.length - 1);
    const again = await compressionRetriever(store).invoke(QUERY);
    expect(again.map((d) => ({ id: d.id, score: d.metadata.relevanceScore }))).toEqual(afterDelete);
    await store.close();
  });

  it('answers through a retrieval chain with ChatOllama on the Ollama-protocol loopback server', async () => {
    const store = await AbiVectorStore.load(path, new AbiEmbeddings({ embedder }));
    const llm = new ChatOllama({ baseUrl: ollama.url, model: 'llama3.2', temperature: 0 });
    const prompt = ChatPromptTemplate.fromMessages([
      ['human', 'Answer the question from the context only.\n\nContext:\n{context}\n\nQuestion: {input}'],
    ]);
    const chain = await createRetrievalChain({
      retriever: compressionRetriever(store),
      combineDocsChain: await createStuffDocumentsChain({ llm, prompt }),
    });
    const result = await chain.invoke({ input: QUERY });
    const answer = result.answer as unknown as string;
    expect(result.context.map((d) => d.id)).toEqual(afterDelete.map((d) => d.id));
    // The double echoes the prompt it received: the reranked passages and the question reached the model.
    expect(answer.startsWith('echo: Answer the question')).toBe(true);
    for (const d of result.context) expect(answer).toContain(d.pageContent);
    expect(answer).toContain(`Question: ${QUERY}`);
    const call = ollama.requests.find((r) => r.path === '/api/chat')!;
    expect(call.body).toMatchObject({ model: 'llama3.2' });
    await store.close();
  });

  it('AbiReranker: topN undefined keeps all, minScore drops, bad options are typed errors', async () => {
    const texts = docs.slice(0, 6).map((d) => ({ ...d, metadata: { ...d.metadata } }));
    const all = await new AbiReranker({ reranker: crossEncoder, topN: undefined, scoreKey: 'ce' }).compressDocuments(texts, QUERY);
    expect(all).toHaveLength(6);
    const scores = all.map((d) => d.metadata.ce as number);
    for (let i = 1; i < scores.length; i++) expect(scores[i - 1]).toBeGreaterThanOrEqual(scores[i]);
    const cut = await new AbiReranker({ reranker: crossEncoder, topN: undefined, minScore: scores[2] }).compressDocuments(texts, QUERY);
    expect(cut.map((d) => d.id)).toEqual(all.filter((d) => (d.metadata.ce as number) >= scores[2]).map((d) => d.id));
    expect(texts[0].metadata).not.toHaveProperty('relevanceScore'); // inputs untouched
    expect(await new AbiReranker({ reranker: crossEncoder }).compressDocuments([], QUERY)).toEqual([]);
    expect(() => new AbiReranker({ reranker: crossEncoder, topN: -1 })).toThrow(ValidationError);
    expect(() => new AbiReranker({} as never)).toThrow(ValidationError);
  });
});
