import {
  type MetadataFilter, type MetadataFilters, NodeRelationship, SimpleVectorStore, TextNode, VectorStoreQueryMode,
} from 'llamaindex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidFilterError, UnsupportedError, ValidationError } from '../../../src/core/errors.js';
import { HashingEmbedder } from '../../../src/embedders/hashing.js';
import { VectorStore } from '../../../src/store/vector-store.js';
import { AbiEmbedding, AbiVectorStore, toAbiFilter } from '../../../integrations/llamaindex/index.js';

const embedder = new HashingEmbedder({ dimension: 32 });
const embedModel = new AbiEmbedding({ embedder });

// Metadata shapes LlamaIndex users store: numbers, strings, string arrays, missing keys, null and "".
const META: Record<string, unknown>[] = [
  { n: 1, s: 'alpha', tags: ['red', 'green'] },
  { n: 2, s: 'beta', tags: ['green'] },
  { n: 3, s: 'gamma ray', tags: ['blue', 'red', 'green'] },
  { n: 10, s: 'delta', tags: [] },
  { n: -4, s: '', tags: ['red'] },
  { n: 7 },
  { s: 'alphabet', tags: ['blue'] },
  { n: null, s: null },
  { n: 3.5, s: 'Alpha', tags: ['RED'] },
  {},
];

let reference: SimpleVectorStore;
let store: AbiVectorStore;
let queryEmbedding: number[];

beforeAll(async () => {
  const nodes = await Promise.all(META.map(async (metadata, i) => new TextNode({
    // SimpleVectorStore keeps metadata only for nodes with a SOURCE.
    id_: `n${i}`, text: `node ${i}`, metadata, relationships: { [NodeRelationship.SOURCE]: { nodeId: `doc${i}`, metadata: {} } }, embedding: Array.from(await embedder.embedQuery(`node ${i}`)),
  })));
  reference = new SimpleVectorStore({ embedModel });
  await reference.add(nodes);
  store = new AbiVectorStore({ backend: await VectorStore.open({ dimension: 32, index: { type: 'flat' } }), embedModel });
  await store.add(nodes);
  queryEmbedding = Array.from(await embedder.embedQuery('node'));
});

afterAll(() => store?.close());

const ids = async (s: SimpleVectorStore | AbiVectorStore, filters: MetadataFilters): Promise<string[]> => {
  const res = await s.query({ queryEmbedding, similarityTopK: 100, filters, mode: VectorStoreQueryMode.DEFAULT });
  return [...res.ids].sort();
};

const single = (key: string, operator: MetadataFilter['operator'], value?: MetadataFilter['value']): MetadataFilters => ({
  filters: [{ key, operator, ...(value === undefined ? {} : { value }) }],
});

describe('MetadataFilters → abi-sdk filters', () => {
  const cases: [string, MetadataFilters][] = [
    ['== number', single('n', '==', 3)],
    ['== string', single('s', '==', 'alpha')],
    ['!= number (missing keys never match)', single('n', '!=', 3)],
    ['!= string', single('s', '!=', 'alpha')],
    ['> number', single('n', '>', 2)],
    ['< number', single('n', '<', 3)],
    ['>= number', single('n', '>=', 3)],
    ['<= number', single('n', '<=', 2)],
    ['> string', single('s', '>', 'beta')],
    ['in numbers', single('n', 'in', [1, 7, 99])],
    ['in strings', single('s', 'in', ['beta', 'delta'])],
    ['nin numbers', single('n', 'nin', [1, 7])],
    ['any on an array', single('tags', 'any', ['blue', 'nope'])],
    ['all on an array', single('tags', 'all', ['red', 'green'])],
    ['contains on an array', single('tags', 'contains', 'red')],
    ['is_empty (missing, null, "")', single('s', 'is_empty')],
    ['and of two', { filters: [{ key: 'n', operator: '>=', value: 1 }, { key: 'tags', operator: 'contains', value: 'green' }] }],
    ['or of two', { filters: [{ key: 'n', operator: '<', value: 0 }, { key: 's', operator: '==', value: 'alphabet' }], condition: 'or' }],
    ['empty and', { filters: [] }],
    ['empty or', { filters: [], condition: 'or' }],
  ];
  for (const [name, filters] of cases) {
    it(`${name}: same nodes as LlamaIndex's SimpleVectorStore`, async () => {
      // The reference compares with JS coercion, so `null < 3` holds there (n7 has n: null); abi-sdk compares
      // only values of the same type.
      const coercedNull = ['<', '<='].includes(filters.filters[0]?.operator ?? '') ? ['n7'] : [];
      expect(await ids(store, filters)).toEqual((await ids(reference, filters)).filter((id) => !coercedNull.includes(id)));
    });
  }

  it('text_match: substring of a string value (the reference crashes on the null-valued node)', async () => {
    expect(await ids(store, single('s', 'text_match', 'alpha'))).toEqual(['n0', 'n6']);
    await expect(ids(reference, single('s', 'text_match', 'alpha'))).rejects.toThrow(TypeError);
  });

  it('documented differences: is_empty misses [], contains/text_match are substring on strings and element tests on arrays', async () => {
    expect(await ids(reference, single('tags', 'is_empty'))).toContain('n3');
    expect(await ids(store, single('tags', 'is_empty'))).not.toContain('n3');
    expect(await ids(store, single('s', 'contains', 'alpha'))).toEqual(['n0', 'n6']);
  });

  it('translates to the abi-sdk filter language', () => {
    expect(toAbiFilter(undefined)).toBeUndefined();
    expect(toAbiFilter({ filters: [] })).toBeUndefined();
    expect(toAbiFilter({ filters: [{ key: 'year', operator: '>=', value: 1900 }, { key: 'party', operator: 'in', value: ['D'] }] }))
      .toEqual({ $and: [{ year: { $gte: 1900 } }, { party: { $in: ['D'] } }] });
    expect(toAbiFilter(single('a', 'nin', [1]))).toEqual({ $and: [{ a: { $exists: true, $nin: [1] } }] });
  });

  it('rejects malformed filters and unknown operators with typed errors', () => {
    expect(() => toAbiFilter(single('a', 'in', 'x'))).toThrow(InvalidFilterError);
    expect(() => toAbiFilter(single('a', '==', ['x']))).toThrow(InvalidFilterError);
    expect(() => toAbiFilter(single('a', '>', Number.NaN))).toThrow(InvalidFilterError);
    expect(() => toAbiFilter(single('', '==', 1))).toThrow(InvalidFilterError);
    expect(() => toAbiFilter({ filters: [{ key: 'a', operator: 'near' as MetadataFilter['operator'], value: 1 }] })).toThrow(UnsupportedError);
    expect(() => toAbiFilter({ filters: [], condition: 'xor' as 'and' })).toThrow(InvalidFilterError);
    expect(() => toAbiFilter({} as MetadataFilters)).toThrow(InvalidFilterError);
  });
});

describe('VectorStoreQuery.docIds, side by side with SimpleVectorStore', () => {
  const query = (s: SimpleVectorStore | AbiVectorStore, docIds: string[] | undefined, extra: Record<string, unknown> = {}) =>
    s.query({ queryEmbedding, similarityTopK: 100, docIds, mode: VectorStoreQueryMode.DEFAULT, ...extra });

  const cases: [string, string[] | undefined, Record<string, unknown>?][] = [
    ['absent: no restriction', undefined],
    ['a subset of node ids', ['n1', 'n3', 'n8', 'n5']],
    ['unknown and repeated ids are ignored', ['n2', 'nope', 'n2', 'n9']],
    ['ref doc ids are not node ids: nothing', ['doc1', 'doc2']],
    ['empty list: nothing', []],
    ['ANDed with filters', ['n0', 'n1', 'n2', 'n6'], { filters: { filters: [{ key: 'tags', operator: 'contains', value: 'green' }] } }],
    ['ANDed with an OR filter', ['n0', 'n4', 'n6', 'n8'], { filters: { filters: [{ key: 'n', operator: '<', value: 0 }, { key: 's', operator: '==', value: 'alphabet' }], condition: 'or' } }],
    ['top k taken after the restriction', ['n9', 'n7', 'n3', 'n1', 'n0'], { similarityTopK: 2 }],
  ];
  for (const [name, docIds, extra] of cases) {
    it(`${name}: same ids, order and similarities`, async () => {
      const want = await query(reference, docIds, extra);
      const got = await query(store, docIds, extra);
      // Same nodes at the same scores, best first; nodes with equal scores may come in either order.
      const ranked = (r: { ids: string[]; similarities: number[] }) => r.ids.map((id, i) => `${r.similarities[i].toFixed(4)} ${id}`).sort().reverse();
      expect(ranked(got)).toEqual(ranked(want));
      expect([...got.similarities].sort((a, b) => b - a)).toEqual(got.similarities);
      if (docIds) for (const id of got.ids) expect(docIds).toContain(id);
    });
  }

  it('MMR mode picks among the listed nodes only', async () => {
    const got = await store.query({ queryEmbedding, similarityTopK: 3, docIds: ['n1', 'n3', 'n5', 'n7'], mode: VectorStoreQueryMode.MMR, mmrThreshold: 0.5 });
    const want = await reference.query({ queryEmbedding, similarityTopK: 3, docIds: ['n1', 'n3', 'n5', 'n7'], mode: VectorStoreQueryMode.MMR, mmrThreshold: 0.5 });
    expect(got.ids).toHaveLength(3);
    for (const id of got.ids) expect(['n1', 'n3', 'n5', 'n7']).toContain(id);
    expect(got.ids[0]).toBe(want.ids[0]);
  });

  it('scores listed nodes exactly as the backend does, for every metric', async () => {
    for (const metric of ['cosine', 'dot', 'l2'] as const) {
      const s = new AbiVectorStore({ backend: await VectorStore.open({ dimension: 32, metric, index: { type: 'hnsw' } }), embedModel });
      await s.add(await Promise.all(META.map(async (_, i) => new TextNode({
        id_: `n${i}`, text: `node ${i}`, embedding: Array.from(await embedder.embedQuery(`text number ${i * 7}`)).map((x, j) => x * (1 + (i + j) % 3)),
      }))));
      const q = queryEmbedding.map((x) => 2 * x);
      const all = await s.query({ queryEmbedding: q, similarityTopK: 10, mode: VectorStoreQueryMode.DEFAULT });
      const listed = await s.query({ queryEmbedding: q, similarityTopK: 10, docIds: all.ids, mode: VectorStoreQueryMode.DEFAULT });
      expect(listed.ids).toEqual(all.ids);
      listed.similarities.forEach((x, i) => expect(x).toBeCloseTo(all.similarities[i], 5));
      await s.close();
    }
  });

  it('customParams.refDocIds restricts by source document, in every mode', async () => {
    const res = await store.query({ queryEmbedding, similarityTopK: 100, mode: VectorStoreQueryMode.DEFAULT, customParams: { refDocIds: ['doc2', 'doc5'] } });
    expect([...res.ids].sort()).toEqual(['n2', 'n5']);
  });

  it('rejects malformed docIds and docIds in text modes with typed errors', async () => {
    await expect(query(store, 'n1' as unknown as string[])).rejects.toThrow(ValidationError);
    await expect(query(store, [1] as unknown as string[])).rejects.toThrow(ValidationError);
    await expect(store.query({ queryStr: 'node', similarityTopK: 3, docIds: ['n1'], mode: VectorStoreQueryMode.SPARSE })).rejects.toThrow(UnsupportedError);
    await expect(store.query({ queryEmbedding: [1, 2], similarityTopK: 3, docIds: ['n1'], mode: VectorStoreQueryMode.DEFAULT })).rejects.toThrow('dimension');
  });
});
