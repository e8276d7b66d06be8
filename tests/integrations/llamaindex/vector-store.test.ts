import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BaseNode, Document, MetadataMode, Settings, TextNode, VectorStoreIndex, VectorStoreQueryMode,
} from 'llamaindex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DimensionMismatchError, UnsupportedError, ValidationError, InvalidFilterError,
} from '../../../src/core/errors.js';
import { HashingEmbedder } from '../../../src/embedders/hashing.js';
import type { VectorStoreBackend } from '../../../src/retrieval/backend.js';
import { VectorStore } from '../../../src/store/vector-store.js';
import { AbiEmbedding, AbiVectorStore } from '../../../integrations/llamaindex/index.js';
import { loadPassages, refDocOf, toNodes } from './helpers.js';

const embedder = new HashingEmbedder({ dimension: 256 });
const embedModel = new AbiEmbedding({ embedder });
const passages = loadPassages(120);
const dir = mkdtempSync(join(tmpdir(), 'abi-li-'));
const queries = ['public credit and the national debt', 'war with Mexico', 'slavery and the Union', 'tariff on imports', 'Indian tribes on the frontier'];

let store: AbiVectorStore;
let index: VectorStoreIndex;

/** The index reads LlamaIndex's global embed model at construction (0.12); scope it instead of setting it globally. */
const indexFor = (s: AbiVectorStore): Promise<VectorStoreIndex> => Settings.withEmbedModel(s.embedModel, () => VectorStoreIndex.fromVectorStore(s));

const nodeView = (n: BaseNode) => ({ id: n.id_, ref: n.sourceNode?.nodeId, text: n.getContent(MetadataMode.NONE), metadata: n.metadata });

beforeAll(async () => {
  store = await AbiVectorStore.open({ path: join(dir, 'store'), embedder, text: true });
  index = await indexFor(store);
  await index.insertNodes(toNodes(passages));
});

afterAll(async () => {
  await store?.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('AbiVectorStore in VectorStoreIndex (HashingEmbedder, SOTU passages)', () => {
  it('stores every node with text, and fromVectorStore accepts it', async () => {
    expect(store.storesText).toBe(true);
    expect(await store.backend.count()).toBe(passages.length);
    expect(store.client()).toBe(store.backend);
  });

  it('retrieve() returns what a direct abi-sdk search returns: same ids, scores, order', async () => {
    const retriever = index.asRetriever({ similarityTopK: 5 });
    for (const q of queries) {
      const got = await retriever.retrieve(q);
      const direct = await store.backend.search(await embedder.embedQuery(q), { k: 5 });
      expect(got.map((n) => n.node.id_)).toEqual(direct.map((h) => h.id));
      got.forEach((n, i) => expect(n.score).toBeCloseTo(direct[i].score, 6));
    }
  });

  it('round-trips node ids, ref doc ids, text and metadata (nested, arrays, unicode), without bookkeeping keys', async () => {
    const byId = new Map(toNodes(passages).map((n) => [n.id_, n]));
    const got = await index.asRetriever({ similarityTopK: 20 }).retrieve(queries[0]);
    expect(got).toHaveLength(20);
    for (const { node } of got) {
      const original = byId.get(node.id_)!;
      expect(nodeView(node)).toEqual(nodeView(original));
      expect(node).toBeInstanceOf(TextNode);
      for (const k of ['_node_content', '_node_type', 'doc_id', 'ref_doc_id', 'document_id']) expect(node.metadata).not.toHaveProperty(k);
    }
  });

  it('applies MetadataFilters and refDocIds before the top k', async () => {
    const retriever = index.asRetriever({
      similarityTopK: 50,
      filters: { filters: [{ key: 'year', operator: '>=', value: 1830 }, { key: 'party', operator: 'in', value: ['Democratic', 'Whig'] }] },
    });
    const got = await retriever.retrieve('the condition of the country');
    const expected = passages.filter((p) => p.year >= 1830 && ['Democratic', 'Whig'].includes(p.party));
    expect(got.length).toBe(Math.min(50, expected.length));
    for (const n of got) expect(n.node.metadata.year as number).toBeGreaterThanOrEqual(1830);
    const docs = [refDocOf(passages[0]), refDocOf(passages.at(-1)!)];
    const res = await store.query({ queryEmbedding: Array.from(await embedder.embedQuery('x')), similarityTopK: 100, customParams: { refDocIds: docs }, mode: VectorStoreQueryMode.DEFAULT });
    expect(new Set(res.nodes!.map((n) => n.sourceNode!.nodeId))).toEqual(new Set(docs));
    expect(res.ids).toHaveLength(passages.filter((p) => docs.includes(refDocOf(p))).length);
    // docIds are node ids (as in LlamaIndex.TS's SimpleVectorStore): ref doc ids there match nothing.
    const byNode = await store.query({ queryEmbedding: Array.from(await embedder.embedQuery('x')), similarityTopK: 100, docIds: docs, mode: VectorStoreQueryMode.DEFAULT });
    expect(byNode.ids).toEqual([]);
  });

  it('returns aligned nodes, similarities and ids, best first', async () => {
    const res = await store.query({ queryEmbedding: Array.from(await embedder.embedQuery(queries[1])), similarityTopK: 7, mode: VectorStoreQueryMode.DEFAULT });
    expect(res.ids).toEqual(res.nodes!.map((n) => n.id_));
    expect(res.similarities).toHaveLength(7);
    expect([...res.similarities].sort((a, b) => b - a)).toEqual(res.similarities);
  });

  it('HYBRID mode maps alpha and sparseTopK onto weighted fusion over BM25 + vectors', async () => {
    const q = 'Mexico Texas annexation';
    const queryEmbedding = Array.from(await embedder.embedQuery(q));
    for (const alpha of [0, 0.3, 1]) {
      const res = await store.query({ queryEmbedding, queryStr: q, similarityTopK: 6, mode: VectorStoreQueryMode.HYBRID, alpha, customParams: { sparseTopK: 30 } });
      const direct = await (store.backend as VectorStore).search({ vector: queryEmbedding, text: q, k: 6, candidates: 30, fusion: { method: 'weighted', alpha } });
      expect(res.ids).toEqual(direct.map((h) => h.id));
      expect(res.similarities).toEqual(direct.map((h) => h.score));
    }
    // Through the retriever (customParams is its only slot for alpha): text-heavy fusion puts the BM25 winner first.
    const sparse = await store.query({ queryStr: q, similarityTopK: 3, mode: VectorStoreQueryMode.SPARSE });
    const viaRetriever = await index.asRetriever({ similarityTopK: 3, mode: VectorStoreQueryMode.HYBRID, customParams: { alpha: 0 } }).retrieve(q);
    expect(viaRetriever[0].node.id_).toBe(sparse.ids[0]);
    expect(sparse.nodes![0].getContent(MetadataMode.NONE)).toMatch(/Mexic|Texas|annex/i);
  });

  it('MMR mode returns similarityTopK distinct nodes, led by the most similar one', async () => {
    const queryEmbedding = Array.from(await embedder.embedQuery(queries[2]));
    const res = await store.query({ queryEmbedding, similarityTopK: 5, mode: VectorStoreQueryMode.MMR, mmrThreshold: 0.3 });
    const plain = await store.query({ queryEmbedding, similarityTopK: 5, mode: VectorStoreQueryMode.DEFAULT });
    expect(new Set(res.ids).size).toBe(5);
    expect(res.ids[0]).toBe(plain.ids[0]);
  });

  it('deleting a ref doc removes all of its nodes and nothing else', async () => {
    const victim = refDocOf(passages[3]);
    const victims = passages.filter((p) => refDocOf(p) === victim).map((p) => p.id);
    expect(victims.length).toBeGreaterThan(1);
    const before = await store.backend.count();
    // deleteFromDocStore false: insertNodes put no documents in the docstore (LlamaIndex's own delete would throw).
    await index.deleteRefDoc(victim, false);
    expect(await store.backend.count()).toBe(before - victims.length);
    for (const id of victims) expect(await store.backend.get(id)).toBeUndefined();
    const res = await store.query({ queryEmbedding: Array.from(await embedder.embedQuery(passages[3].text)), similarityTopK: 200, mode: VectorStoreQueryMode.DEFAULT });
    expect(res.ids.filter((id) => victims.includes(id))).toEqual([]);
    await store.delete('no-such-doc'); // unknown ids are ignored
    expect(await store.backend.count()).toBe(before - victims.length);
  });

  it('reopening the store from disk gives the same results', async () => {
    const expected: string[][] = [];
    for (const q of queries) expected.push((await index.asRetriever({ similarityTopK: 8 }).retrieve(q)).map((n) => `${n.node.id_}:${n.score}`));
    const hybrid = await index.asRetriever({ similarityTopK: 8, mode: VectorStoreQueryMode.HYBRID }).retrieve(queries[0]);
    await store.close();
    store = await AbiVectorStore.open({ path: join(dir, 'store'), embedder, text: true });
    index = await indexFor(store);
    for (const [i, q] of queries.entries()) {
      expect((await index.asRetriever({ similarityTopK: 8 }).retrieve(q)).map((n) => `${n.node.id_}:${n.score}`)).toEqual(expected[i]);
    }
    const again = await index.asRetriever({ similarityTopK: 8, mode: VectorStoreQueryMode.HYBRID }).retrieve(queries[0]);
    expect(again.map((n) => nodeView(n.node))).toEqual(hybrid.map((n) => nodeView(n.node)));
  });

  it('indexes Documents through the node parser, and deletes them by document id', async () => {
    const s = await AbiVectorStore.open({ embedder, dimension: 256 });
    const idx = await indexFor(s);
    const long = passages.slice(0, 40).map((p) => p.text).join(' ');
    await idx.insert(new Document({ id_: 'doc-long', text: long, metadata: { kind: 'long' } }));
    await idx.insert(new Document({ id_: 'doc-short', text: passages[10].text, metadata: { kind: 'short' } }));
    const total = await s.backend.count();
    expect(total).toBeGreaterThan(2); // the long document was split into several nodes
    const got = await idx.asRetriever({ similarityTopK: total }).retrieve('public credit');
    expect(new Set(got.map((n) => n.node.sourceNode?.nodeId))).toEqual(new Set(['doc-long', 'doc-short']));
    await idx.deleteRefDoc('doc-long', false);
    expect(await s.backend.count()).toBe(1);
    await s.close();
  });

  it('records written with plain abi-sdk upserts come back as TextNodes', async () => {
    const backend = await VectorStore.open({ dimension: 256 });
    await backend.upsert([{ id: 'plain', vector: await embedder.embedQuery('plain text'), text: 'plain text', metadata: { a: 1 } }]);
    const s = new AbiVectorStore({ backend, embedModel });
    const res = await s.query({ queryEmbedding: Array.from(await embedder.embedQuery('plain text')), similarityTopK: 1, mode: VectorStoreQueryMode.DEFAULT });
    expect(nodeView(res.nodes![0])).toEqual({ id: 'plain', ref: undefined, text: 'plain text', metadata: { a: 1 } });
    await s.close();
  });

  it('works over any VectorStoreBackend (a plain object delegating to a store, no text index, no vectors returned)', async () => {
    const inner = await VectorStore.open({ dimension: 256, index: { type: 'flat' } });
    const backend: VectorStoreBackend = {
      dimension: inner.dimension, metric: inner.metric,
      upsert: (r, o) => inner.upsert(r, o), get: (id, o) => inner.get(id, o), delete: (ids, o) => inner.delete(ids, o),
      search: async (v, o) => (await inner.search(v, o)).map(({ vector: _drop, ...hit }) => hit),
      count: (o) => inner.count(o), flush: (o) => inner.flush(o), close: () => inner.close(),
    };
    const s = new AbiVectorStore({ backend, embedModel });
    const idx = await indexFor(s);
    await idx.insertNodes(toNodes(passages.slice(0, 30)));
    const got = await idx.asRetriever({ similarityTopK: 3 }).retrieve(queries[0]);
    const direct = await inner.search(await embedder.embedQuery(queries[0]), { k: 3 });
    expect(got.map((n) => n.node.id_)).toEqual(direct.map((h) => h.id));
    await s.delete(refDocOf(passages[0]));
    expect(await inner.count()).toBe(passages.slice(0, 30).filter((p) => refDocOf(p) !== refDocOf(passages[0])).length);
    const queryEmbedding = Array.from(await embedder.embedQuery('x'));
    await expect(s.query({ queryEmbedding, queryStr: 'x', similarityTopK: 2, mode: VectorStoreQueryMode.HYBRID })).rejects.toBeInstanceOf(UnsupportedError);
    await expect(s.query({ queryEmbedding, similarityTopK: 2, mode: VectorStoreQueryMode.MMR })).rejects.toBeInstanceOf(UnsupportedError);
    await s.close();
  });

  it('rejects bad input with typed errors', async () => {
    const s = new AbiVectorStore({ backend: await VectorStore.open({ dimension: 4 }), embedModel });
    const v = [1, 0, 0, 0];
    await expect(s.query({ queryStr: 'x', queryEmbedding: v, similarityTopK: 1, mode: VectorStoreQueryMode.HYBRID })).rejects.toBeInstanceOf(UnsupportedError);
    await expect(s.query({ queryStr: 'x', similarityTopK: 1, mode: VectorStoreQueryMode.SPARSE })).rejects.toBeInstanceOf(UnsupportedError);
    await expect(s.query({ queryEmbedding: v, similarityTopK: 1, mode: VectorStoreQueryMode.SVM })).rejects.toBeInstanceOf(UnsupportedError);
    await expect(s.query({ similarityTopK: 1, mode: VectorStoreQueryMode.DEFAULT })).rejects.toBeInstanceOf(ValidationError);
    await expect(s.query({ queryEmbedding: v, similarityTopK: 0, mode: VectorStoreQueryMode.DEFAULT })).rejects.toBeInstanceOf(ValidationError);
    await expect(s.query({ queryEmbedding: [1, 0], similarityTopK: 1, mode: VectorStoreQueryMode.DEFAULT })).rejects.toBeInstanceOf(DimensionMismatchError);
    await expect(s.query({ queryEmbedding: v, similarityTopK: 1, mode: VectorStoreQueryMode.DEFAULT, filters: { filters: [{ key: 'a', operator: 'in', value: 3 }] } })).rejects.toBeInstanceOf(InvalidFilterError);
    await expect(s.add([new TextNode({ text: 'no embedding' })])).rejects.toBeInstanceOf(ValidationError);
    await expect(s.add([new TextNode({ text: 'short', embedding: [1, 2] })])).rejects.toBeInstanceOf(DimensionMismatchError);
    await expect(s.delete('')).rejects.toBeInstanceOf(ValidationError);
    const hybrid = new AbiVectorStore({ backend: await VectorStore.open({ dimension: 4, text: true }), embedModel });
    await expect(hybrid.query({ queryEmbedding: v, queryStr: 'x', similarityTopK: 1, mode: VectorStoreQueryMode.HYBRID, alpha: 2 })).rejects.toBeInstanceOf(ValidationError);
    await expect(hybrid.query({ queryEmbedding: v, similarityTopK: 1, mode: VectorStoreQueryMode.HYBRID })).rejects.toBeInstanceOf(ValidationError);
    expect(() => new AbiVectorStore({ backend: undefined as unknown as VectorStore, embedModel })).toThrow(ValidationError);
    await expect(AbiVectorStore.open({ embedder: { ...embedder, dimension: undefined, model: 'm', embed: embedder.embed, embedQuery: embedder.embedQuery, embedDocuments: embedder.embedDocuments } })).rejects.toBeInstanceOf(ValidationError);
    await s.close();
    await hybrid.close();
  });

  it('embeds queries with embedQuery and documents with embedDocuments', async () => {
    const calls: string[] = [];
    const spy = {
      dimension: 256, model: 'spy',
      embed: (t: readonly string[]) => embedder.embed(t),
      embedQuery: (t: string) => { calls.push(`q:${t}`); return embedder.embedQuery(t); },
      embedDocuments: (t: readonly string[]) => { calls.push(`d:${t.length}`); return embedder.embedDocuments(t); },
    };
    const s = await AbiVectorStore.open({ embedder: spy });
    const idx = await indexFor(s);
    await idx.insertNodes(toNodes(passages.slice(0, 3)));
    await idx.asRetriever({ similarityTopK: 1 }).retrieve('hello');
    expect(calls).toEqual(['d:3', 'q:hello']);
    expect(await new AbiEmbedding({ embedder: spy }).getQueryEmbedding({ type: 'image_url', image_url: { url: 'x' } })).toBeNull();
    await s.close();
  });
});

