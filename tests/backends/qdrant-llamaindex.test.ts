/**
 * The LlamaIndex adapter over QdrantStore: the same `AbiVectorStore` code that runs on the embedded store runs on
 * Qdrant (loopback double, official client) and gives the same retrievals, filters and ref-doc deletes.
 */
import { MetadataMode, Settings, VectorStoreIndex } from 'llamaindex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../src/embedders/hashing.js';
import { VectorStore } from '../../src/store/vector-store.js';
import { QdrantStore } from '../../src/backends/qdrant/index.js';
import { AbiVectorStore } from '../../integrations/llamaindex/index.js';
import { loadPassages, refDocOf, toNodes } from '../integrations/llamaindex/helpers.js';
import { startQdrantServer, type QdrantDouble } from '../helpers/qdrant-server.js';

const embedder = new HashingEmbedder({ dimension: 128 });
const passages = loadPassages(60);
let server: QdrantDouble;
let onQdrant: AbiVectorStore;
let embedded: AbiVectorStore;
const indexFor = (s: AbiVectorStore): Promise<VectorStoreIndex> => Settings.withEmbedModel(s.embedModel, () => VectorStoreIndex.fromVectorStore(s));

beforeAll(async () => {
  server = await startQdrantServer();
  onQdrant = new AbiVectorStore({ backend: await QdrantStore.open({ url: server.url, collection: 'sotu', dimension: 128 }), embedder });
  embedded = new AbiVectorStore({ backend: await VectorStore.open({ dimension: 128, index: { type: 'flat' } }), embedder });
  for (const s of [onQdrant, embedded]) await (await indexFor(s)).insertNodes(toNodes(passages));
});
afterAll(async () => {
  await server.close();
});

describe('AbiVectorStore over QdrantStore', () => {
  it('retrieves what it retrieves over the embedded store, with filters, text and metadata intact', async () => {
    const filters = { filters: [{ key: 'year', operator: '>=' as const, value: 1800 }, { key: 'party', operator: 'in' as const, value: ['Federalist', 'Democratic-Republican'] }] };
    for (const q of ['public credit and the national debt', 'Indian tribes on the frontier']) {
      const [a, b] = await Promise.all([onQdrant, embedded].map(async (s) => (await indexFor(s)).asRetriever({ similarityTopK: 8, filters }).retrieve(q)));
      expect(a.length).toBeGreaterThan(0);
      expect(a.map((n) => n.node.id_)).toEqual(b.map((n) => n.node.id_));
      a.forEach((n, i) => expect(n.score).toBeCloseTo(b[i].score!, 5));
      expect(a.map((n) => [n.node.getContent(MetadataMode.NONE), n.node.metadata])).toEqual(b.map((n) => [n.node.getContent(MetadataMode.NONE), n.node.metadata]));
    }
  });

  it('deletes every node of a ref doc', async () => {
    const doc = refDocOf(passages[0]);
    const before = await onQdrant.backend.count();
    await onQdrant.delete(doc);
    expect(await onQdrant.backend.count()).toBe(before - passages.filter((p) => refDocOf(p) === doc).length);
  });
});
