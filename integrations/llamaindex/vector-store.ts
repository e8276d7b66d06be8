import {
  type BaseEmbedding, BaseVectorStore, type BaseNode, MetadataMode, metadataDictToNode, nodeToMetadata,
  type VectorStoreQuery, VectorStoreQueryMode, type VectorStoreQueryResult,
} from 'llamaindex';
import {
  type CallOptions, compileFilter, DimensionMismatchError, type Embedder, type Filter, maximalMarginalRelevance, type Metadata, type SearchHit,
  type HybridSearchBackend, type SearchQuery, UnsupportedError, ValidationError, VectorStore, type VectorStoreBackend, type VectorStoreOptions,
} from '../../src/index.js';
import { AbiEmbedding } from './embedding.js';
import { toAbiFilter } from './filters.js';

/** Metadata key holding the id of a node's source document (LlamaIndex's layout, shared with its Python stores). */
const REF_DOC_KEY = 'ref_doc_id';

/**
 * Per-query parameters, passed as LlamaIndex's `customParams`
 * (`index.asRetriever({ mode: 'hybrid', customParams: { alpha: 0.7, sparseTopK: 40 } })`; the retriever has no
 * other slot for them).
 */
export interface AbiQueryParams {
  /**
   * Hybrid mode: weight of the vector side in weighted score fusion (the BM25 side gets `1 − alpha`); `1` is
   * vector-only, `0` text-only. `VectorStoreQuery.alpha`, when set, wins.
   * @defaultValue the store's `alpha`
   */
  alpha?: number;
  /**
   * Hybrid mode: hits taken from each side (vector and BM25) before fusion.
   * @defaultValue max(4·k, 50)
   */
  sparseTopK?: number;
  /**
   * MMR mode: candidates fetched before maximal marginal relevance picks `similarityTopK`.
   * @defaultValue max(4·k, 20)
   */
  fetchK?: number;
  /** HNSW beam width for this query (raised to `k`; ignored by exact and IVF-PQ indexes). */
  efSearch?: number;
  /**
   * Restricts the query to nodes of these source documents (ref doc ids, as LlamaIndex Python's `doc_ids` and
   * `delete(refDocId)` use them); combined with `filters` and `docIds` by AND. Works in every mode.
   */
  refDocIds?: readonly string[];
}

/** Options of {@link AbiVectorStore}'s constructor. */
export interface AbiVectorStoreOptions {
  /** Any abi-sdk store backend: the embedded {@link abi-sdk!VectorStore}, or an external one implementing the same interface. */
  backend: VectorStoreBackend;
  /**
   * The LlamaIndex embedding model the index uses for queries and inserted nodes. Give this or `embedder`; with
   * neither, LlamaIndex's global `Settings.embedModel` is used (and LlamaIndex throws if it is unset).
   */
  embedModel?: BaseEmbedding;
  /** An abi-sdk embedder, wrapped in an {@link AbiEmbedding} (ignored when `embedModel` is given). */
  embedder?: Embedder;
  /**
   * Default hybrid weight of the vector side (see {@link AbiQueryParams.alpha}).
   * @defaultValue 0.5
   */
  alpha?: number;
}

/** Options of {@link AbiVectorStore.open}: the embedded store's options plus the adapter's. */
export interface AbiVectorStoreOpenOptions extends Omit<VectorStoreOptions, 'dimension'>, Omit<AbiVectorStoreOptions, 'backend'> {
  /**
   * Vector length.
   * @defaultValue the embedder's `dimension`, when it declares one
   */
  dimension?: number;
}

/** Options LlamaIndex-side callers may pass as the second argument of `query` and `delete`. */
export type AbiVectorStoreCallOptions = Pick<CallOptions, 'signal'>;

const isHybrid = (b: VectorStoreBackend): b is HybridSearchBackend => (b as Partial<HybridSearchBackend>).hasTextIndex === true;

const stringList = (v: unknown, what: string): readonly string[] => {
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'string')) throw new ValidationError(`${what} must be an array of strings`);
  return v as string[];
};

/** `VectorStoreQuery.docIds` as LlamaIndex.TS's `SimpleVectorStore` reads it: node ids, deduplicated; absent = no restriction. */
const nodeIdsOf = (docIds: unknown): readonly string[] | undefined =>
  docIds === undefined || docIds === null ? undefined : [...new Set(stringList(docIds, 'docIds'))];

const positiveInt = (v: unknown, what: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValidationError(`${what} must be a positive integer, got ${String(v)}`);
  return v;
};

const checkAlpha = (alpha: number, what: string): number => {
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw new ValidationError(`${what} must be in [0, 1], got ${String(alpha)}`);
  return alpha;
};

/**
 * A LlamaIndex.TS vector store over any abi-sdk {@link abi-sdk!VectorStoreBackend}: `VectorStoreIndex.fromVectorStore(store)`
 * then `asRetriever()` / `asQueryEngine()` work as with LlamaIndex's own stores, with abi-sdk's persistence, HNSW /
 * IVF-PQ indexes, filters and hybrid BM25 search underneath.
 *
 * Nodes are stored in LlamaIndex's usual layout: id = `node.id_`, text = the node's content, metadata = the node's
 * metadata plus the bookkeeping keys `_node_content`, `_node_type`, `ref_doc_id`, `doc_id`, `document_id` (removed
 * again from the nodes that queries return). Scores are abi-sdk's, higher is better.
 *
 * Query modes: `default` (vector), `hybrid` (vector + BM25 fused by weighted score fusion with `alpha`; needs a
 * backend with a text index), `sparse` (BM25 only), `mmr` (maximal marginal relevance with `mmrThreshold` as
 * lambda). Other modes throw {@link abi-sdk!UnsupportedError}.
 *
 * @example
 * ```ts
 * import { VectorStoreIndex, Document } from 'llamaindex';
 * import { HashingEmbedder } from 'abi-sdk';
 * import { AbiVectorStore } from 'abi-sdk/llamaindex';
 *
 * const store = await AbiVectorStore.open({ path: './data/li', embedder: new HashingEmbedder({ dimension: 256 }), text: true });
 * const index = await VectorStoreIndex.fromVectorStore(store);
 * await index.insert(new Document({ text: 'Paris is the capital of France.', id_: 'fr' }));
 * const hits = await index.asRetriever({ similarityTopK: 3 }).retrieve('capital of France');
 * await store.close();
 * ```
 */
export class AbiVectorStore extends BaseVectorStore<VectorStoreBackend, AbiQueryParams> {
  /** Always `true`: node text is stored, as `VectorStoreIndex.fromVectorStore` requires. */
  storesText = true as const;
  /** The abi-sdk backend. */
  readonly backend: VectorStoreBackend;
  /** Default hybrid weight of the vector side. */
  readonly alpha: number;

  /**
   * Wraps a backend.
   *
   * @param options - backend, embedding model or abi-sdk embedder, default `alpha`
   * @throws {@link abi-sdk!ValidationError} for a missing backend or an `alpha` outside [0, 1]
   */
  constructor(options: AbiVectorStoreOptions) {
    const embedModel = options?.embedModel ?? (options?.embedder ? new AbiEmbedding({ embedder: options.embedder }) : undefined);
    super(embedModel ? { embedModel } : undefined);
    if (!options?.backend || typeof options.backend.search !== 'function') throw new ValidationError('AbiVectorStore needs a backend');
    this.backend = options.backend;
    this.alpha = checkAlpha(options.alpha ?? 0.5, 'alpha');
  }

  /**
   * Opens (or creates) an embedded {@link abi-sdk!VectorStore} (persistent with `path`, in memory without) and wraps it.
   * Reopening the same path gives back every node written before.
   *
   * @param options - the store's options (path, dimension, metric, index, `text: true` for hybrid search, …) and the adapter's
   * @returns the adapter, owning the store ({@link AbiVectorStore.close} closes it)
   * @throws {@link abi-sdk!ValidationError} when no dimension is given and the embedder declares none, or for bad options
   * @throws {@link abi-sdk!DimensionMismatchError} when `dimension` differs from a reopened store's
   * @throws {@link abi-sdk!LockedError} when another handle holds the store
   *
   * @example
   * ```ts
   * const store = await AbiVectorStore.open({ path: './data/li', embedder, text: true });
   * ```
   */
  static async open(options: AbiVectorStoreOpenOptions): Promise<AbiVectorStore> {
    const { embedModel, embedder, alpha, dimension, ...storeOptions } = options ?? ({} as AbiVectorStoreOpenOptions);
    const dim = dimension ?? embedder?.dimension;
    if (dim === undefined) throw new ValidationError('AbiVectorStore.open needs a dimension (or an embedder that declares one)');
    checkAlpha(alpha ?? 0.5, 'alpha');
    const backend = await VectorStore.open({ ...storeOptions, dimension: dim });
    return new AbiVectorStore({ backend, embedModel, embedder, alpha });
  }

  /**
   * The underlying abi-sdk backend (LlamaIndex's `client()` accessor).
   *
   * @returns the backend
   */
  client(): VectorStoreBackend {
    return this.backend;
  }

  /**
   * Stores embedded nodes (replacing nodes with the same id), atomically per call.
   *
   * @param nodes - nodes with embeddings (LlamaIndex embeds them before calling `add`)
   * @returns the nodes' ids, in order
   * @throws {@link abi-sdk!ValidationError} for a node without an embedding or with metadata that is not JSON
   * @throws {@link abi-sdk!DimensionMismatchError} for an embedding of the wrong length
   */
  async add(nodes: BaseNode[]): Promise<string[]> {
    if (!Array.isArray(nodes)) throw new ValidationError('add needs an array of nodes');
    if (nodes.length === 0) return [];
    const records = nodes.map((node, i) => {
      const vector = node.embedding;
      if (!Array.isArray(vector) || vector.length === 0) throw new ValidationError(`node ${i} (${node.id_}) has no embedding`);
      return {
        id: node.id_,
        vector,
        text: node.getContent(MetadataMode.NONE),
        // Text lives in the record (indexed by BM25), so it is left out of the serialized node.
        metadata: nodeToMetadata(node, true) as Metadata,
      };
    });
    await this.backend.upsert(records);
    return records.map((r) => r.id);
  }

  /**
   * Deletes every node whose source document is `refDocId` (LlamaIndex's contract: a document id, not a node id).
   * Unknown ids are ignored.
   *
   * @param refDocId - the source document's id
   * @param options - signal
   * @throws {@link abi-sdk!ValidationError} for an empty id
   */
  async delete(refDocId: string, options: AbiVectorStoreCallOptions = {}): Promise<void> {
    if (typeof refDocId !== 'string' || refDocId.length === 0) throw new ValidationError('delete needs a non-empty ref doc id');
    const filter: Filter = { [REF_DOC_KEY]: { $eq: refDocId } };
    const probe = new Float32Array(this.backend.dimension);
    probe[0] = 1;
    // A filtered exact search returns every match (the backend contract never under-fills); loop in case a
    // concurrent add slipped in between.
    for (;;) {
      const n = await this.backend.count({ signal: options.signal });
      if (n === 0) return;
      const hits = await this.backend.search(probe, { k: n, filter, exact: true, signal: options.signal });
      if (hits.length === 0) return;
      // Stop when nothing was left to delete (e.g. a concurrent delete), so a misbehaving backend cannot spin.
      if ((await this.backend.delete(hits.map((h) => h.id), { signal: options.signal })) === 0) return;
    }
  }

  /**
   * Answers a LlamaIndex query: the `similarityTopK` best nodes matching `filters` (and `docIds`, when given),
   * best first, with `nodes`, `similarities` and `ids` aligned.
   *
   * `docIds` behaves as in LlamaIndex.TS's own `SimpleVectorStore`: a list of node ids (`node.id_`) the query is
   * restricted to, ANDed with `filters`; ids not in the store are ignored; an empty list matches nothing; absent
   * (or `null`) means no restriction. Those nodes are scored exactly. To restrict by source document instead, pass
   * `customParams.refDocIds`.
   *
   * @param query - embedding and/or text, top k, mode, filters, `alpha`, `customParams` ({@link AbiQueryParams})
   * @param options - signal
   * @returns the nodes, their scores (higher is better) and ids
   * @throws {@link abi-sdk!ValidationError} for a missing query embedding or text, or a bad `similarityTopK` / `alpha`
   * @throws {@link abi-sdk!UnsupportedError} for a mode abi-sdk does not implement, hybrid / sparse mode on a backend without a text index,
   *   or `docIds` in hybrid / sparse mode
   * @throws {@link abi-sdk!InvalidFilterError} for a malformed filter
   * @throws {@link abi-sdk!DimensionMismatchError} for a query embedding of the wrong length
   */
  async query(query: VectorStoreQuery<AbiQueryParams>, options: AbiVectorStoreCallOptions = {}): Promise<VectorStoreQueryResult> {
    if (typeof query !== 'object' || query === null) throw new ValidationError('query must be an object');
    const k = positiveInt(query.similarityTopK, 'similarityTopK') ?? 2;
    const params: AbiQueryParams = query.customParams ?? {};
    const filter = this.#filterOf(query, params);
    const efSearch = positiveInt(params.efSearch, 'customParams.efSearch');
    const base = { k, filter, signal: options.signal, ...(efSearch ? { efSearch } : {}) };
    const mode = query.mode ?? VectorStoreQueryMode.DEFAULT;
    const nodeIds = nodeIdsOf(query.docIds);
    if (nodeIds && mode !== VectorStoreQueryMode.DEFAULT && mode !== VectorStoreQueryMode.MMR) {
      throw new UnsupportedError(
        `docIds (node ids) work in default and mmr modes; for ${JSON.stringify(mode)} restrict by source document with customParams.refDocIds`);
    }
    let hits: SearchHit[];
    switch (mode) {
      case VectorStoreQueryMode.DEFAULT:
        hits = nodeIds
          ? await this.#searchNodes(this.#vectorOf(query), nodeIds, filter, k, false, options.signal)
          : await this.backend.search(this.#vectorOf(query), base);
        break;
      case VectorStoreQueryMode.HYBRID: {
        const text = this.#textOf(query, mode);
        const alpha = checkAlpha(query.alpha ?? params.alpha ?? this.alpha, 'alpha');
        const sparseTopK = positiveInt((query as { sparseTopK?: unknown }).sparseTopK ?? params.sparseTopK, 'sparseTopK');
        hits = await this.#textBackend(mode).search({
          ...base, vector: this.#vectorOf(query), text, fusion: { method: 'weighted', alpha },
          ...(sparseTopK ? { candidates: sparseTopK } : {}),
        });
        break;
      }
      case VectorStoreQueryMode.SPARSE:
        hits = await this.#textBackend(mode).search({ ...base, text: this.#textOf(query, mode) });
        break;
      case VectorStoreQueryMode.MMR: {
        const vector = Float32Array.from(this.#vectorOf(query));
        const fetchK = positiveInt(params.fetchK, 'customParams.fetchK') ?? Math.max(4 * k, 20);
        const lambda = checkAlpha(query.mmrThreshold ?? 0.5, 'mmrThreshold');
        const candidates = nodeIds
          ? await this.#searchNodes(vector, nodeIds, filter, Math.max(fetchK, k), true, options.signal)
          : await this.backend.search(vector, { ...base, k: Math.max(fetchK, k), includeVectors: true });
        if (candidates.some((h) => !(h.vector instanceof Float32Array))) {
          throw new UnsupportedError('query mode "mmr" needs a backend that returns vectors (includeVectors)');
        }
        const picked = maximalMarginalRelevance(vector, candidates.map((h) => h.vector!), {
          k, lambda, similarity: this.backend.metric === 'dot' ? 'dot' : 'cosine',
        });
        hits = picked.map((i) => candidates[i]);
        break;
      }
      default:
        throw new UnsupportedError(`query mode ${JSON.stringify(mode)} is not supported by AbiVectorStore (use default, hybrid, sparse or mmr)`);
    }
    const nodes = hits.map((h) => this.#toNode(h));
    return { nodes, similarities: hits.map((h) => h.score), ids: hits.map((h) => h.id) };
  }

  /**
   * Makes every acknowledged write durable (the backend's `flush`).
   *
   * @param options - signal
   */
  async flush(options: AbiVectorStoreCallOptions = {}): Promise<void> {
    await this.backend.flush(options);
  }

  /** Closes the backend (flushing it); later calls reject with `ClosedError`. */
  async close(): Promise<void> {
    await this.backend.close();
  }

  #filterOf(query: VectorStoreQuery<AbiQueryParams>, params: AbiQueryParams): Filter | undefined {
    const filter = toAbiFilter(query.filters);
    if (params.refDocIds === undefined || params.refDocIds === null) return filter;
    const byDoc: Filter = { [REF_DOC_KEY]: { $in: [...stringList(params.refDocIds, 'customParams.refDocIds')] } };
    return filter ? { $and: [filter, byDoc] } : byDoc;
  }

  /**
   * The `k` best of the named records that match `filter`, scored as the backend scores (exact: the candidate set is
   * the caller's explicit list). Records are read by id, so the cost follows the list's length, not the store's.
   */
  async #searchNodes(vector: readonly number[] | Float32Array, ids: readonly string[], filter: Filter | undefined, k: number,
    includeVectors: boolean, signal: AbortSignal | undefined): Promise<SearchHit[]> {
    const dim = this.backend.dimension;
    if (vector.length !== dim) throw new DimensionMismatchError(dim, vector.length, 'query');
    const q = Float32Array.from(vector);
    const metric = this.backend.metric;
    if (metric === 'cosine') {
      let norm = 0;
      for (let i = 0; i < dim; i++) norm += q[i] * q[i];
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let i = 0; i < dim; i++) q[i] *= inv;
    }
    const matches = filter ? compileFilter(filter) : undefined;
    const records = await Promise.all(ids.map((id) => this.backend.get(id, { signal })));
    const hits: SearchHit[] = [];
    for (const r of records) {
      if (!r || (matches && !matches(r.metadata))) continue;
      let score: number;
      if (metric === 'l2') {
        let d = 0;
        for (let i = 0; i < dim; i++) d += (q[i] - r.vector[i]) ** 2;
        score = 1 / (1 + Math.sqrt(d));
      } else {
        score = 0;
        for (let i = 0; i < dim; i++) score += q[i] * r.vector[i];
      }
      hits.push({ id: r.id, score, text: r.text, metadata: r.metadata, ...(includeVectors ? { vector: r.vector } : {}) });
    }
    hits.sort((a, b) => b.score - a.score);
    return hits.slice(0, k);
  }

  #vectorOf(query: VectorStoreQuery<AbiQueryParams>): readonly number[] {
    const v = query.queryEmbedding;
    if (!Array.isArray(v) || v.length === 0) throw new ValidationError(`query mode ${JSON.stringify(query.mode ?? 'default')} needs a queryEmbedding`);
    return v;
  }

  #textOf(query: VectorStoreQuery<AbiQueryParams>, mode: string): string {
    if (typeof query.queryStr !== 'string' || query.queryStr.length === 0) throw new ValidationError(`query mode ${JSON.stringify(mode)} needs a queryStr`);
    return query.queryStr;
  }

  #textBackend(mode: string): HybridSearchBackend {
    if (isHybrid(this.backend)) return this.backend;
    throw new UnsupportedError(
      `query mode ${JSON.stringify(mode)} needs a backend with a BM25 text index (e.g. AbiVectorStore.open({ …, text: true })); this backend has none`,
    );
  }

  #toNode(hit: SearchHit): BaseNode {
    const metadata = hit.metadata as Record<string, unknown>;
    const stored = typeof metadata._node_content === 'string';
    const node = metadataDictToNode(metadata, {
      // Records written without LlamaIndex (plain abi-sdk upserts) become TextNodes.
      fallback: { id_: hit.id, text: hit.text ?? '', metadata: stored ? {} : metadata },
    });
    if (stored) (node as BaseNode & { text: string }).text = hit.text ?? '';
    return node;
  }
}
