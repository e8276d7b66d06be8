import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { ScoreThresholdRetriever } from '@langchain/classic/retrievers/score_threshold';
import { Document } from '@langchain/core/documents';
import { SaveableVectorStore, VectorStore as LcVectorStore, VectorStoreRetriever } from '@langchain/core/vectorstores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError, DimensionMismatchError, HashingEmbedder, InvalidFilterError, maximalMarginalRelevance, NotFoundError,
  UnsupportedError, ValidationError, VectorStore,
} from '../../../src/index.js';
import { AbiEmbeddings, AbiHybridRetriever, AbiVectorStore } from '../../../integrations/langchain/index.js';
import { QUERIES, sotuDocuments, tempDir } from './helpers.js';

const embeddings = new AbiEmbeddings({ embedder: new HashingEmbedder({ dimension: 256 }) });
const docs = sotuDocuments(120);

let store: AbiVectorStore;
let memory: MemoryVectorStore;
const tmp = tempDir();
beforeAll(async () => {
  store = await AbiVectorStore.fromDocuments(docs, embeddings, { path: join(tmp.dir, 'main'), index: { type: 'flat' }, text: true });
  memory = await MemoryVectorStore.fromDocuments(docs, embeddings);
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

describe('AbiVectorStore: LangChain contract', () => {
  it('is a LangChain SaveableVectorStore with a constant type, and AbiEmbeddings pass the query prompt path', async () => {
    expect(store).toBeInstanceOf(LcVectorStore);
    expect(store).toBeInstanceOf(SaveableVectorStore);
    expect(store._vectorstoreType()).toBe('abi-sdk');
    const embedder = new HashingEmbedder({ dimension: 256 });
    expect(await embeddings.embedQuery('debt')).toEqual(Array.from(await embedder.embedQuery('debt')));
    expect(await embeddings.embedDocuments(['a', 'b'])).toEqual((await embedder.embedDocuments(['a', 'b'])).map((v) => Array.from(v)));
    expect(() => new AbiEmbeddings({} as never)).toThrow(ValidationError);
  });

  it('similarity search matches LangChain\'s MemoryVectorStore: same documents, same cosine scores, best first', async () => {
    for (const q of QUERIES) {
      const ours = await store.similaritySearchWithScore(q, 6);
      const theirs = await memory.similaritySearchWithScore(q, 6);
      expect(ours.map(([d]) => d.id)).toEqual(theirs.map(([d]) => d.id));
      ours.forEach(([, s], i) => expect(s).toBeCloseTo(theirs[i][1], 5));
      for (let i = 1; i < ours.length; i++) expect(ours[i - 1][1]).toBeGreaterThanOrEqual(ours[i][1]);
      const [doc] = ours[0];
      const original = docs.find((d) => d.id === doc.id)!;
      expect(doc).toBeInstanceOf(Document);
      expect(doc.pageContent).toBe(original.pageContent);
      expect(doc.metadata).toEqual(original.metadata); // no score or internal keys added
    }
    expect(await store.similaritySearch(QUERIES[0])).toHaveLength(4); // LangChain's default k
  });

  it('filters use abi-sdk\'s language; missing fields match only $ne/$nin/$exists:false', async () => {
    const hits = await store.similaritySearchWithScore(QUERIES[0], 50, { year: { $gte: 1800, $lt: 1830 }, party: { $ne: 'Federalist' } });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every(([d]) => d.metadata.year >= 1800 && d.metadata.year < 1830 && d.metadata.party !== 'Federalist')).toBe(true);
    const expected = docs.filter((d) => d.metadata.year >= 1800 && d.metadata.year < 1830 && d.metadata.party !== 'Federalist');
    expect(hits).toHaveLength(Math.min(50, expected.length));
    expect(await store.similaritySearch(QUERIES[0], 5, { nickname: 'x' })).toEqual([]);
    expect(await store.similaritySearch(QUERIES[0], 5, { nickname: { $exists: false } })).toHaveLength(5);
    expect(await store.similaritySearch(QUERIES[0], 5, { nickname: { $ne: 'x' } })).toHaveLength(5);
    await expect(store.similaritySearch(QUERIES[0], 5, { year: { $near: 3 } } as never)).rejects.toBeInstanceOf(InvalidFilterError);
  });

  it('k larger than the store returns everything; an empty store returns []', async () => {
    const { dir, cleanup } = tempDir();
    const small = await AbiVectorStore.fromDocuments(docs.slice(0, 3), embeddings, { path: dir });
    expect(await small.similaritySearch('anything', 50)).toHaveLength(3);
    const empty = await AbiVectorStore.fromDocuments([], embeddings);
    expect(await empty.similaritySearch('anything', 4)).toEqual([]);
    expect(await empty.maxMarginalRelevanceSearch('anything', { k: 4 })).toEqual([]);
    await small.close();
    await empty.close();
    cleanup();
  });

  it('metadata round-trips unchanged (nested, arrays, unicode, null) as fresh objects; ids are honoured', async () => {
    const s = await AbiVectorStore.open(embeddings);
    const meta = { title: 'Ünïcödé — 日本語 🚀', tags: ['a', 'b', 3, null, true], nested: { deep: { list: [{ x: 1.5 }] } }, empty: {}, nothing: null };
    const ids = await s.addDocuments([
      new Document({ pageContent: 'first text', metadata: meta }),
      new Document({ pageContent: 'second text', metadata: {}, id: 'doc-own-id' }),
      new Document({ pageContent: 'third text', metadata: { n: 3 } }),
    ], { ids: ['given-1', undefined as unknown as string, undefined as unknown as string] });
    expect(ids[0]).toBe('given-1');
    expect(ids[1]).toBe('doc-own-id');
    expect(ids[2]).toMatch(/^[0-9a-f-]{36}$/);
    const [first] = await s.similaritySearch('first text', 1);
    expect(first.id).toBe('given-1');
    expect(first.metadata).toEqual(meta);
    (first.metadata.nested as { deep: unknown }).deep = 'mutated';
    const [again] = await s.similaritySearch('first text', 1);
    expect(again.metadata).toEqual(meta);
    // Writing an existing id replaces it.
    await s.addDocuments([new Document({ pageContent: 'first text, revised', metadata: { v: 2 } })], { ids: ['given-1'] });
    const [revised] = await s.similaritySearch('first text', 1);
    expect([revised.id, revised.pageContent, revised.metadata]).toEqual(['given-1', 'first text, revised', { v: 2 }]);
    expect(await s.backend.count()).toBe(3);
    await expect(s.addDocuments([new Document({ pageContent: 'x', metadata: { d: new Date() } })])).rejects.toBeInstanceOf(ValidationError);
    await expect(s.addDocuments([new Document({ pageContent: 'x', metadata: {} })], { ids: ['a', 'b'] })).rejects.toBeInstanceOf(ValidationError);
    await expect(s.addVectors([[1, 2, 3]], [new Document({ pageContent: 'x' })])).rejects.toBeInstanceOf(DimensionMismatchError);
    await s.close();
  });

  it('delete({ ids }) removes documents and ignores missing ids', async () => {
    const s = await AbiVectorStore.fromDocuments(docs.slice(0, 10), embeddings);
    const target = docs[3];
    expect((await s.similaritySearch(target.pageContent, 1))[0].id).toBe(target.id);
    await s.delete({ ids: [target.id!, 'no-such-id'] });
    expect((await s.similaritySearch(target.pageContent, 10)).map((d) => d.id)).not.toContain(target.id);
    expect(await s.backend.count()).toBe(9);
    await s.delete({ ids: [] });
    await expect(s.delete()).rejects.toBeInstanceOf(ValidationError);
    await s.close();
  });

  it('MMR (asRetriever searchType mmr) picks what maximalMarginalRelevance picks over the fetchK candidates', async () => {
    const q = QUERIES[1];
    const retriever = store.asRetriever({ k: 5, searchType: 'mmr', searchKwargs: { fetchK: 25, lambda: 0.3 }, filter: { year: { $lt: 1900 } } });
    expect(retriever).toBeInstanceOf(VectorStoreRetriever);
    const picked = await retriever.invoke(q);
    const qv = await embeddings.embedQueryVector(q);
    const candidates = await store.backend.search(qv, { k: 25, filter: { year: { $lt: 1900 } }, includeVectors: true });
    const expected = maximalMarginalRelevance(qv, candidates.map((c) => c.vector!), { k: 5, lambda: 0.3 }).map((i) => candidates[i].id);
    expect(picked.map((d) => d.id)).toEqual(expected);
    // LangChain's own MMR over the same data agrees.
    const theirs = await memory.maxMarginalRelevanceSearch(q, { k: 5, fetchK: 25, lambda: 0.3, filter: (d: Document) => d.metadata.year < 1900 });
    expect(picked.map((d) => d.id)).toEqual(theirs.map((d) => d.id));
    // lambda 1 is plain similarity order.
    const relevance = await store.maxMarginalRelevanceSearch(q, { k: 5, fetchK: 25, lambda: 1 });
    expect(relevance.map((d) => d.id)).toEqual((await store.similaritySearch(q, 5)).map((d) => d.id));
  });

  it('asRetriever with k and filter; ScoreThresholdRetriever keeps scores >= min (higher is better)', async () => {
    const docsOut = await store.asRetriever({ k: 3, filter: { party: 'Democratic-Republican' } }).invoke(QUERIES[3]);
    expect(docsOut).toHaveLength(3);
    expect(docsOut.every((d) => d.metadata.party === 'Democratic-Republican')).toBe(true);
    const scored = await store.similaritySearchWithScore(QUERIES[0], 10);
    const min = scored[4][1];
    const threshold = ScoreThresholdRetriever.fromVectorStore(store, { minSimilarityScore: min, maxK: 10, kIncrement: 5 });
    const kept = await threshold.invoke(QUERIES[0]);
    expect(kept.map((d) => d.id)).toEqual(scored.filter(([, s]) => s >= min).map(([d]) => d.id));
  });

  it('hybrid retriever fuses BM25 and vector rankings on the embedded store', async () => {
    const q = 'Kentucky Virginia';
    const retriever = store.asHybridRetriever({ k: 5, fusion: { method: 'weighted', alpha: 0.3 }, filter: { year: { $lt: 1850 } } });
    expect(retriever).toBeInstanceOf(AbiHybridRetriever);
    const got = await retriever.invoke(q);
    const backend = store.backend as VectorStore;
    const expected = await backend.search({ vector: await embeddings.embedQueryVector(q), text: q, k: 5, fusion: { method: 'weighted', alpha: 0.3 }, filter: { year: { $lt: 1850 } } });
    expect(got.map((d) => d.id)).toEqual(expected.map((h) => h.id));
    expect(got[0].pageContent).toMatch(/Kentucky|Virginia/);
    const scored = await store.hybridSearchWithScore(q, { k: 3, text: 'Kentucky' });
    expect(scored[0][0].pageContent).toContain('Kentucky');
    const plain = await AbiVectorStore.open(embeddings);
    expect(() => plain.asHybridRetriever()).toThrow(UnsupportedError);
    await expect(plain.hybridSearch('x')).rejects.toBeInstanceOf(UnsupportedError);
    await plain.close();
  });

  it('save() to another directory keeps every creation setting: HNSW parameters, int8, IVF-PQ parameters, disk vectors, text options', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const variants = [
        { index: { type: 'hnsw', M: 8, efConstruction: 40, efSearch: 33, seed: 5, quantization: 'int8' }, text: { stemming: false, b: 0.5 } },
        { path: join(dir, 'ivf-src'), index: { type: 'ivfpq', nlist: 16, m: 8, nprobe: 4, rerank: 30, trainAt: 200 }, vectors: 'disk' },
      ] as const;
      for (const [n, options] of variants.entries()) {
        const original = await AbiVectorStore.fromDocuments(docs, embeddings, options);
        const want = (original.backend as VectorStore).settings;
        expect(want).toMatchObject({ index: options.index, vectors: 'vectors' in options ? 'disk' : 'memory' });
        const target = join(dir, `copy-${n}`);
        await original.save(target);
        const copy = await AbiVectorStore.load(target, embeddings);
        try {
          const backend = copy.backend as VectorStore;
          expect(backend.settings).toEqual(want);
          expect(backend.stats()).toMatchObject({ index: options.index.type, trained: (original.backend as VectorStore).stats().trained });
          for (const q of QUERIES) {
            expect((await copy.similaritySearchWithScore(q, 5)).map(([d]) => d.id)).toEqual((await original.similaritySearchWithScore(q, 5)).map(([d]) => d.id));
          }
        } finally {
          await copy.close();
          await original.close();
        }
      }
    } finally {
      cleanup();
    }
  });

  it('persists: close, load(dir) gives the same results; save() copies an in-memory store; typed errors', async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, 'persisted');
    const s = await AbiVectorStore.fromTexts(docs.slice(0, 40).map((d) => d.pageContent), docs.slice(0, 40).map((d) => d.metadata), embeddings, { path, ids: docs.slice(0, 40).map((d) => d.id!) });
    const before = await Promise.all(QUERIES.map((q) => s.similaritySearchWithScore(q, 5)));
    await s.delete({ ids: [before[0][0][0].id!] });
    const afterDelete = await s.similaritySearchWithScore(QUERIES[0], 5);
    await s.close();
    const reopened = await AbiVectorStore.load(path, embeddings);
    expect(await reopened.similaritySearchWithScore(QUERIES[0], 5)).toEqual(afterDelete);
    for (let i = 1; i < QUERIES.length; i++) {
      const got = await reopened.similaritySearchWithScore(QUERIES[i], 5);
      expect(got.map(([d]) => d.id).filter((id) => id !== before[0][0][0].id)).toEqual(got.map(([d]) => d.id));
    }
    await expect(AbiVectorStore.load(path, embeddings)).rejects.toMatchObject({ code: 'LOCKED' });
    await reopened.save(path); // same directory: a flush
    await reopened.close();

    const inMemory = await AbiVectorStore.fromDocuments(docs.slice(0, 30), embeddings, { text: true });
    const copyDir = join(dir, 'copy');
    await inMemory.save(copyDir);
    expect(existsSync(join(copyDir, 'langchain.json'))).toBe(true);
    const copy = await AbiVectorStore.load(copyDir, embeddings);
    for (const q of QUERIES) expect(await copy.similaritySearchWithScore(q, 5)).toEqual(await inMemory.similaritySearchWithScore(q, 5));
    expect(await copy.hybridSearch('Kentucky', { k: 2 })).toEqual(await inMemory.hybridSearch('Kentucky', { k: 2 }));
    await copy.close();
    await expect(inMemory.save(copyDir)).rejects.toBeInstanceOf(ConflictError);
    await inMemory.close();

    await expect(AbiVectorStore.load(join(dir, 'nothing'), embeddings)).rejects.toBeInstanceOf(NotFoundError);
    const other = new AbiEmbeddings({ embedder: new HashingEmbedder({ dimension: 64 }) });
    await expect(AbiVectorStore.fromDocuments(docs.slice(0, 2), other, { path })).rejects.toBeInstanceOf(DimensionMismatchError);
    cleanup();
  });

  it('works over any VectorStoreBackend, and other LangChain embeddings', async () => {
    const backend = await VectorStore.open({ dimension: 256, metric: 'dot', index: { type: 'hnsw' } });
    const s = await AbiVectorStore.fromDocuments(docs.slice(0, 20), memory.embeddings, { backend });
    expect(s.backend).toBe(backend);
    expect((await s.similaritySearch(docs[5].pageContent, 1))[0].id).toBe(docs[5].id);
    expect(() => new AbiVectorStore(embeddings, { backend: {} as never })).toThrow(ValidationError);
    await s.close();
    // A backend object that keeps no vectors: similarity search works, MMR is a typed error.
    const inner = await VectorStore.open({ dimension: 256 });
    const vectorless = {
      dimension: 256, metric: 'cosine' as const,
      upsert: inner.upsert.bind(inner), delete: inner.delete.bind(inner), count: inner.count.bind(inner),
      flush: inner.flush.bind(inner), close: inner.close.bind(inner),
      get: async () => undefined,
      search: async (v: Float32Array | readonly number[], o?: object) => (await inner.search(v, o)).map(({ vector: _, ...h }) => h),
    };
    const plain = await AbiVectorStore.fromDocuments(docs.slice(0, 10), embeddings, { backend: vectorless });
    expect((await plain.similaritySearch(docs[2].pageContent, 1))[0].id).toBe(docs[2].id);
    await expect(plain.maxMarginalRelevanceSearch('x', { k: 2 })).rejects.toBeInstanceOf(UnsupportedError);
    await inner.close();
  });
});
