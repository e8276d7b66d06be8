import { afterAll, describe, expect, it } from 'vitest';
import { HashingEmbedder, ValidationError, VectorStore } from '../../src/index.js';
import { Bm25Index } from '../../src/store/text/bm25.js';
import { tempDir } from './helpers.js';

const docs = [
  'Error code E4096 means the disk is full; free some space and retry.',
  'The disk controller reported a timeout while writing.',
  'Paris is the capital and largest city of France.',
  'Berlin is the capital of Germany and its largest city.',
  'Full-text search ranks documents with BM25 over their words.',
  'Vector search finds documents whose embeddings are close to the query.',
  'Hybrid search fuses text and vector rankings with reciprocal rank fusion.',
  'A full disk stops the database from accepting writes.',
];
const embedder = new HashingEmbedder({ dimension: 64 });
const tmp = tempDir('abi-hybrid-');
afterAll(() => tmp.cleanup());

async function open(path?: string): Promise<VectorStore> {
  const store = await VectorStore.open({ path, dimension: 64, index: { type: 'flat' }, text: true });
  if (store.size === 0) {
    const vectors = await embedder.embedDocuments(docs);
    await store.upsert(docs.map((text, i) => ({ id: `d${i}`, vector: vectors[i], text, metadata: { i, topic: i < 2 || i === 7 ? 'disk' : 'other' } })));
  }
  return store;
}

describe('text and hybrid search', () => {
  it('text-only search returns BM25 ranking and scores', async () => {
    const store = await open();
    const ref = await Bm25Index.create();
    docs.forEach((d, i) => ref.add(i, d));
    const hits = await store.search({ text: 'full disk', k: 5 });
    const expected = ref.search('full disk', 5);
    expect(hits.map((h) => h.id)).toEqual(Array.from(expected.slots, (s) => `d${s}`));
    hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected.scores[i], 5));
    await store.close();
  });

  it('hybrid search fuses both rankings with RRF by default; filters apply to both sides', async () => {
    const store = await open();
    const q = 'E4096';
    const hits = await store.search({ vector: await embedder.embedQuery(q), text: q, k: 3 });
    expect(hits[0].id).toBe('d0');
    // RRF scores: 1/(60 + rank) summed over the lists containing the hit.
    expect(hits[0].score).toBeGreaterThan(1 / 61);
    expect(hits[0].score).toBeLessThanOrEqual(2 / 61);
    const filtered = await store.search({ vector: await embedder.embedQuery('capital city'), text: 'capital city', k: 8, filter: { topic: 'disk' } });
    expect(filtered.length).toBe(3);
    expect(filtered.every((h) => h.metadata.topic === 'disk')).toBe(true);
    await store.close();
  });

  it('weighted fusion with alpha 1 follows the vector ranking, alpha 0 the text ranking', async () => {
    const store = await open();
    const q = 'capital of Germany';
    const v = await embedder.embedQuery(q);
    const byVector = (await store.search(v, { k: 3 })).map((h) => h.id);
    const byText = (await store.search({ text: q, k: 3 })).map((h) => h.id);
    const all = { vector: v, text: q, k: 3, candidates: 8 };
    expect((await store.search({ ...all, fusion: { method: 'weighted', alpha: 1 } })).map((h) => h.id)).toEqual(byVector);
    expect((await store.search({ ...all, fusion: { method: 'weighted', alpha: 0 } })).map((h) => h.id)[0]).toBe(byText[0]);
    await expect(store.search({ ...all, fusion: { method: 'weighted', alpha: 2 } })).rejects.toBeInstanceOf(ValidationError);
    await store.close();
  });

  it('persists the text index and keeps it in step with deletes and overwrites', async () => {
    const path = `${tmp.dir}/persist`;
    let store = await open(path);
    await store.delete(['d0']);
    await store.upsert([{ id: 'd1', vector: (await embedder.embedDocuments(['x']))[0], text: 'nothing about storage here' }]);
    await store.close();
    store = await open(path);
    const hits = await store.search({ text: 'disk', k: 10 });
    expect(hits.map((h) => h.id)).toEqual(['d7']);
    await store.close();
  });

  it('rejects text search without a text index, and empty queries', async () => {
    const plain = await VectorStore.open({ dimension: 4 });
    await expect(plain.search({ text: 'x' })).rejects.toBeInstanceOf(ValidationError);
    await expect(plain.search({ k: 3 })).rejects.toBeInstanceOf(ValidationError);
    await plain.close();
  });
});
