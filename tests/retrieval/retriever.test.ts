import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError, type Document, DimensionMismatchError, HashingEmbedder, HuggingFaceConnector, type HybridSearchBackend, InvalidFilterError,
  LocalCrossEncoder, Retriever, UnsupportedError, ValidationError, VectorStore,
} from '../../src/index.js';
import { modelDir } from '../engine/helpers.js';
import { type FakeHf, fakeRelevance, startFakeHf } from '../helpers/hf-server.js';

interface Passage { id: string; year: number; president: string; party: string; text: string }
const corpus: Document[] = readFileSync(new URL('../../examples/data/sotu.jsonl', import.meta.url), 'utf8')
  .split('\n').filter(Boolean).slice(0, 120)
  .map((line) => JSON.parse(line) as Passage)
  .map((p) => ({ id: p.id, text: p.text, metadata: { year: p.year, president: p.president, party: p.party } }));

const embedder = new HashingEmbedder({ dimension: 256 });
let server: FakeHf;
let crossEncoder: LocalCrossEncoder;
beforeAll(async () => {
  server = await startFakeHf();
  crossEncoder = await LocalCrossEncoder.fromFolder(modelDir('tiny-cross-encoder'));
});
afterAll(async () => {
  await server.close();
  await crossEncoder.close();
});

async function openStore(text = true): Promise<VectorStore> {
  const store = await VectorStore.open({ dimension: 256, index: { type: 'flat' }, text });
  await new Retriever({ store, embedder }).add(corpus, { batchSize: 50 });
  return store;
}

describe('Retriever', () => {
  it('without a reranker returns the store\'s top k for the embedded query, with search ranks', async () => {
    const store = await openStore();
    const retriever = new Retriever({ store, embedder });
    const query = 'the public debt and the revenue of the Treasury';
    const hits = await retriever.retrieve(query, { k: 5 });
    const direct = await store.search(await embedder.embedQuery(query), { k: 5 });
    expect(hits.map((h) => h.id)).toEqual(direct.map((h) => h.id));
    expect(hits.map((h) => h.score)).toEqual(direct.map((h) => h.score));
    expect(hits.map((h) => h.searchRank)).toEqual([1, 2, 3, 4, 5]);
    expect(hits.every((h) => h.rerankScore === undefined)).toBe(true);
    const doc = corpus.find((d) => d.id === hits[0].id)!;
    expect(hits[0].text).toBe(doc.text);
    expect(hits[0].metadata).toEqual(doc.metadata);
    expect(await retriever.retrieve(query)).toHaveLength(4); // default k
    await store.close();
  });

  it('reranks fetchK candidates with a TEI reranker and keeps k, best rerank score first', async () => {
    const store = await openStore();
    const reranker = new HuggingFaceConnector({ endpointUrl: server.url }).reranker('BAAI/bge-reranker-base');
    const retriever = new Retriever({ store, embedder, reranker });
    const query = 'Indian tribes on the frontier';
    const hits = await retriever.retrieve(query, { k: 3, fetchK: 30 });
    const candidates = await store.search(await embedder.embedQuery(query), { k: 30 });
    const expected = candidates.map((c, i) => ({ i, s: fakeRelevance(query, c.text!) })).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, 3);
    expect(hits.map((h) => h.id)).toEqual(expected.map((e) => candidates[e.i].id));
    expect(hits.map((h) => h.searchRank)).toEqual(expected.map((e) => e.i + 1));
    hits.forEach((h, i) => expect(h.rerankScore).toBeCloseTo(expected[i].s, 10));
    const sent = server.requests.filter((r) => r.path === '/rerank').at(-1)!.body as { texts: string[] };
    expect(sent.texts).toHaveLength(30);
    // rerank: false keeps the store's order and fetches only k.
    const plain = await retriever.retrieve(query, { k: 3, fetchK: 30, rerank: false });
    expect(plain.map((h) => h.id)).toEqual(candidates.slice(0, 3).map((c) => c.id));
    await store.close();
  });

  it('reranks with the local cross-encoder exactly as the cross-encoder ranks the candidates', async () => {
    const store = await openStore();
    const retriever = new Retriever({ store, embedder, reranker: crossEncoder });
    const query = 'commerce with foreign nations';
    const hits = await retriever.retrieve(query, { k: 4, fetchK: 12, filter: { year: { $lt: 1830 } } });
    const candidates = await store.search(await embedder.embedQuery(query), { k: 12, filter: { year: { $lt: 1830 } } });
    const ranked = await crossEncoder.rerank(query, candidates.map((c) => c.text!), { topN: 4 });
    expect(hits.map((h) => h.id)).toEqual(ranked.map((r) => candidates[r.index].id));
    hits.forEach((h, i) => expect(h.rerankScore).toBeCloseTo(ranked[i].score, 6));
    expect(hits.every((h) => (h.metadata.year as number) < 1830)).toBe(true);
    await store.close();
  });

  it('hybrid search fuses BM25 and vector rankings on the embedded store', async () => {
    const store = await openStore();
    const retriever = new Retriever({ store, embedder });
    const query = 'Kentucky Virginia';
    const vector = await embedder.embedQuery(query);
    const hybrid = await retriever.retrieve(query, { k: 5, text: true, fusion: { method: 'rrf', k: 10 } });
    const direct = await store.search({ vector, text: query, k: 5, fusion: { method: 'rrf', k: 10 } });
    expect(hybrid.map((h) => h.id)).toEqual(direct.map((h) => h.id));
    const keywords = await retriever.retrieve(query, { k: 5, text: 'Kentucky', fusion: { method: 'weighted', alpha: 0.2 } });
    const direct2 = await store.search({ vector, text: 'Kentucky', k: 5, fusion: { method: 'weighted', alpha: 0.2 } });
    expect(keywords.map((h) => h.id)).toEqual(direct2.map((h) => h.id));
    expect(keywords[0].text).toContain('Kentucky');
    await store.close();
  });

  it('hybrid search works over any backend that declares a text index, not only the VectorStore class', async () => {
    const store = await openStore();
    // A backend of another class (as an external engine with BM25 would be): it forwards to the embedded store.
    const backend = (hasTextIndex: boolean): HybridSearchBackend => ({
      hasTextIndex,
      dimension: store.dimension, metric: store.metric,
      upsert: (r, o) => store.upsert(r, o), get: (id, o) => store.get(id, o), delete: (ids, o) => store.delete(ids, o),
      count: (o) => store.count(o), flush: (o) => store.flush(o), close: () => store.close(),
      search: store.search.bind(store),
    });
    const query = 'Kentucky Virginia';
    const hits = await new Retriever({ store: backend(true), embedder }).retrieve(query, { k: 5, text: 'Kentucky' });
    const direct = await store.search({ vector: await embedder.embedQuery(query), text: 'Kentucky', k: 5 });
    expect(hits.map((h) => h.id)).toEqual(direct.map((h) => h.id));
    await expect(new Retriever({ store: backend(false), embedder }).retrieve(query, { text: true })).rejects.toBeInstanceOf(UnsupportedError);
    await store.close();
  });

  it('typed errors: hybrid without a text index, bad options, wrong dimension, bad filter, abort', async () => {
    const store = await openStore(false);
    const retriever = new Retriever({ store, embedder });
    await expect(retriever.retrieve('q', { text: true })).rejects.toBeInstanceOf(UnsupportedError);
    await expect(retriever.retrieve('q', { k: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(retriever.retrieve('q', { rerank: true })).rejects.toBeInstanceOf(ValidationError);
    await expect(retriever.retrieve(42 as unknown as string)).rejects.toBeInstanceOf(ValidationError);
    await expect(retriever.retrieve('q', { filter: { year: { $bogus: 1 } } as never })).rejects.toBeInstanceOf(InvalidFilterError);
    const other = new Retriever({ store, embedder: new HashingEmbedder({ dimension: 64 }) });
    await expect(other.retrieve('q')).rejects.toBeInstanceOf(DimensionMismatchError);
    await expect(other.add([{ id: 'x', text: 'y', metadata: {} }])).rejects.toBeInstanceOf(DimensionMismatchError);
    await expect(retriever.retrieve('q', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(() => new Retriever({ store: {} as never, embedder })).toThrow(ValidationError);
    expect(await store.count()).toBe(corpus.length);
    await store.close();
  });

  it('an empty store gives no hits and does not call the reranker', async () => {
    const store = await VectorStore.open({ dimension: 256 });
    const before = server.requests.length;
    const reranker = new HuggingFaceConnector({ endpointUrl: server.url }).reranker();
    expect(await new Retriever({ store, embedder, reranker }).retrieve('anything', { k: 3 })).toEqual([]);
    expect(server.requests.length).toBe(before);
    await store.close();
  });
});
