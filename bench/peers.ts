/**
 * Peers measured beside abi-sdk in bench:ann, each fed the same precomputed vectors: hnswlib-node, LangChain's
 * MemoryVectorStore and LlamaIndex's SimpleVectorStore (both need an embeddings object even though they never
 * embed here: a stub that throws proves it is never called).
 */
import hnswlib from 'hnswlib-node';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Embeddings } from '@langchain/core/embeddings';
import { Document } from '@langchain/core/documents';
import { BaseEmbedding, SimpleVectorStore, TextNode, VectorStoreQueryMode } from 'llamaindex';

class NoEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  embedDocuments(): Promise<number[][]> {
    throw new Error('not used: vectors are precomputed');
  }
  embedQuery(): Promise<number[]> {
    throw new Error('not used: vectors are precomputed');
  }
}

class NoEmbedding extends BaseEmbedding {
  constructor() {
    super();
  }
  getTextEmbedding = async (): Promise<number[]> => {
    throw new Error('not used: vectors are precomputed');
  };
}

const rowOf = (data: Float32Array, i: number, dim: number): number[] => Array.from(data.subarray(i * dim, (i + 1) * dim));

/** hnswlib-node index (inner product on normalized vectors = cosine). */
export function buildHnswlib(data: Float32Array, n: number, dim: number, M: number, efC: number): hnswlib.HierarchicalNSW {
  const index = new hnswlib.HierarchicalNSW('ip', dim);
  index.initIndex(n, M, efC, 100);
  for (let i = 0; i < n; i++) index.addPoint(rowOf(data, i, dim), i);
  return index;
}

/** hnswlib-node search: it takes number[] (a Float32Array is rejected), so the conversion is part of each call. */
export function searchHnswlib(index: hnswlib.HierarchicalNSW, q: Float32Array, k: number): number[] {
  return index.searchKnn(Array.from(q), k).neighbors;
}

export async function buildLangchain(data: Float32Array, n: number, dim: number): Promise<MemoryVectorStore> {
  const store = new MemoryVectorStore(new NoEmbeddings());
  const B = 5000;
  for (let s = 0; s < n; s += B) {
    const vectors: number[][] = [], docs: Document[] = [];
    for (let i = s; i < Math.min(n, s + B); i++) {
      vectors.push(rowOf(data, i, dim));
      docs.push(new Document({ pageContent: '', metadata: { i } }));
    }
    await store.addVectors(vectors, docs);
  }
  return store;
}

export async function searchLangchain(store: MemoryVectorStore, q: Float32Array, k: number): Promise<number[]> {
  const res = await store.similaritySearchVectorWithScore(Array.from(q), k);
  return res.map(([doc]) => doc.metadata.i as number);
}

export async function buildLlamaindex(data: Float32Array, n: number, dim: number): Promise<SimpleVectorStore> {
  const store = new SimpleVectorStore({ embedModel: new NoEmbedding() });
  const nodes: TextNode[] = [];
  for (let i = 0; i < n; i++) nodes.push(new TextNode({ id_: String(i), text: '', embedding: rowOf(data, i, dim) }));
  await store.add(nodes);
  return store;
}

export async function searchLlamaindex(store: SimpleVectorStore, q: Float32Array, k: number): Promise<number[]> {
  const res = await store.query({ queryEmbedding: Array.from(q), similarityTopK: k, mode: VectorStoreQueryMode.DEFAULT });
  return (res.ids ?? []).map(Number);
}

/**
 * LanceDB table with an IVF_PQ index (the peer of abi-sdk's ivfpq; `m` sub-spaces) or, with `rqBits`, an IVF_RQ
 * (RaBitQ) index of that many bits per dimension (the peer of abi-sdk's ivf rabitq), built from the same vectors in
 * 50k-row batches.
 */
export async function buildLance(dir: string, data: Float32Array, n: number, dim: number, nlist: number, m: number, rqBits?: number): Promise<import('@lancedb/lancedb').Table> {
  const lancedb = await import('@lancedb/lancedb');
  const db = await lancedb.connect(dir);
  let table: import('@lancedb/lancedb').Table | undefined;
  for (let s = 0; s < n; s += 50_000) {
    const rows = Array.from({ length: Math.min(50_000, n - s) }, (_, i) => ({ id: s + i, vector: data.subarray((s + i) * dim, (s + i + 1) * dim) }));
    if (table === undefined) table = await db.createTable('vectors', rows, { mode: 'overwrite' });
    else await table.add(rows);
  }
  const config = rqBits === undefined
    ? lancedb.Index.ivfPq({ numPartitions: nlist, numSubVectors: m, distanceType: 'cosine' })
    : lancedb.Index.ivfRq({ numPartitions: nlist, numBits: rqBits, distanceType: 'cosine' });
  await table!.createIndex('vector', { config });
  return table!;
}

/** LanceDB search: `nprobes` cells, exact re-ranking of `refine × k` candidates. */
export async function searchLance(table: import('@lancedb/lancedb').Table, q: Float32Array, k: number, nprobes: number, refine: number): Promise<number[]> {
  const rows = await table.vectorSearch(q).limit(k).nprobes(nprobes).refineFactor(refine).select(['id']).toArray();
  return rows.map((r: { id: number }) => r.id);
}
