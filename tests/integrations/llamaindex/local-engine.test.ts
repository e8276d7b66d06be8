import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EngineResponse, MetadataMode, Settings, VectorStoreIndex, getResponseSynthesizer } from 'llamaindex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelNotFoundError, ValidationError } from '../../../src/core/errors.js';
import { OllamaConnector } from '../../../src/connectors/ollama/connector.js';
import { LocalCrossEncoder } from '../../../src/engine/cross-encoder.js';
import { LocalEmbedder } from '../../../src/engine/local-embedder.js';
import { AbiLLM, AbiReranker, AbiVectorStore } from '../../../integrations/llamaindex/index.js';
import { modelDir } from '../../engine/helpers.js';
import { type FakeOllama, startFakeOllama } from '../../helpers/ollama-server.js';
import { loadPassages, toNodes } from './helpers.js';

const passages = loadPassages(60);
const dir = mkdtempSync(join(tmpdir(), 'abi-li-local-'));
const path = join(dir, 'store');
const queries = ['the public debt and revenue', 'peace with foreign nations', 'the army and the navy'];

let embedder: LocalEmbedder;
let crossEncoder: LocalCrossEncoder;
let ollama: FakeOllama;
let store: AbiVectorStore;
let index: VectorStoreIndex;

const indexFor = (s: AbiVectorStore) => Settings.withEmbedModel(s.embedModel, () => VectorStoreIndex.fromVectorStore(s));

beforeAll(async () => {
  embedder = await LocalEmbedder.fromFolder(modelDir('tiny-bert'));
  crossEncoder = await LocalCrossEncoder.fromFolder(modelDir('tiny-cross-encoder'));
  ollama = await startFakeOllama();
  store = await AbiVectorStore.open({ path, embedder, index: { type: 'hnsw' } });
  index = await indexFor(store);
  await index.insertNodes(toNodes(passages));
});

afterAll(async () => {
  await store?.close().catch(() => undefined);
  await embedder?.close();
  await crossEncoder?.close();
  await ollama?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('LlamaIndex over the local ONNX engine (tiny generated BERT models)', () => {
  it('retrieves what a direct search with the local query embedding returns, and the same after reopening', async () => {
    expect(await store.backend.count()).toBe(passages.length);
    const before: string[][] = [];
    for (const q of queries) {
      const got = await index.asRetriever({ similarityTopK: 6 }).retrieve(q);
      const direct = await store.backend.search(await embedder.embedQuery(q), { k: 6 });
      expect(got.map((n) => n.node.id_)).toEqual(direct.map((h) => h.id));
      before.push(got.map((n) => `${n.node.id_}:${n.score}:${n.node.getContent(MetadataMode.NONE).length}`));
    }
    await store.close();
    store = await AbiVectorStore.open({ path, embedder });
    index = await indexFor(store);
    for (const [i, q] of queries.entries()) {
      const got = await index.asRetriever({ similarityTopK: 6 }).retrieve(q);
      expect(got.map((n) => `${n.node.id_}:${n.score}:${n.node.getContent(MetadataMode.NONE).length}`)).toEqual(before[i]);
    }
  });

  it('AbiReranker reorders retrieved nodes by the cross encoder, keeping topN', async () => {
    const q = queries[0];
    const retrieved = await index.asRetriever({ similarityTopK: 10 }).retrieve(q);
    const reranker = new AbiReranker({ reranker: crossEncoder, topN: 4, batchSize: 3 });
    const out = await reranker.postprocessNodes(retrieved, q);
    const expected = await crossEncoder.rerank(q, retrieved.map((n) => n.node.getContent(MetadataMode.NONE)), { topN: 4 });
    expect(out.map((n) => n.node.id_)).toEqual(expected.map((r) => retrieved[r.index].node.id_));
    expect(out.map((n) => n.score)).toEqual(expected.map((r) => r.score));
    expect(await reranker.postprocessNodes([], q)).toEqual([]);
    await expect(reranker.postprocessNodes(retrieved)).rejects.toBeInstanceOf(ValidationError);
    expect(() => new AbiReranker({ reranker: crossEncoder, topN: 0 })).toThrow(ValidationError);
  });

  it('a query engine retrieves, reranks and answers through the Ollama wire protocol (AbiLLM over OllamaConnector)', async () => {
    const llm = new AbiLLM({ generator: new OllamaConnector({ host: ollama.url, retry: false }).generator('llama3.2'), temperature: 0 });
    const reranker = new AbiReranker({ reranker: crossEncoder, topN: 3 });
    const engine = index.asQueryEngine({
      similarityTopK: 8, nodePostprocessors: [reranker], responseSynthesizer: getResponseSynthesizer('compact', { llm }),
    });
    const q = queries[1];
    const res = await engine.query({ query: q });
    const sources = res.sourceNodes!;
    expect(sources).toHaveLength(3);
    const retrieved = await index.asRetriever({ similarityTopK: 8 }).retrieve(q);
    const expected = await reranker.postprocessNodes(retrieved, q);
    expect(sources.map((n) => n.node.id_)).toEqual(expected.map((n) => n.node.id_));
    // The fake server answers "echo: <last user message>": the prompt LlamaIndex built holds the query and the context.
    expect(res.message.content).toMatch(/^echo: /);
    expect(res.message.content).toContain(q);
    for (const n of sources) expect(res.message.content).toContain(n.node.getContent(MetadataMode.NONE).slice(0, 80));

    const stream = await engine.query({ query: q, stream: true });
    let text = '';
    for await (const chunk of stream as AsyncIterable<EngineResponse>) text += chunk.delta;
    expect(text).toBe(res.message.content);
  });

  it('AbiLLM surfaces connector errors as typed abi-sdk errors', async () => {
    const llm = new AbiLLM({ generator: new OllamaConnector({ host: ollama.url, retry: false }).generator('no-such-model') });
    await expect(llm.chat({ messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(ModelNotFoundError);
    const ok = new AbiLLM({ generator: new OllamaConnector({ host: ollama.url }).generator('llama3.2'), maxTokens: 2, contextWindow: 2048 });
    expect(ok.metadata).toMatchObject({ model: 'llama3.2', contextWindow: 2048, maxTokens: 2 });
    const r = await ok.complete({ prompt: 'one two three four' });
    expect(r.text).toBe('echo: one ');
  });
});
