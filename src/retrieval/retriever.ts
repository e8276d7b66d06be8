/**
 * {@link Retriever}: the SDK's own, framework-free RAG path. Embed the query, search a store for `fetchK`
 * candidates (vector, or hybrid vector + BM25 on the embedded store), rerank them with a cross-encoder, keep `k`.
 *
 * @module
 */
import type { CallOptions, Document, Embedder, Metadata } from '../core/contracts.js';
import type { Reranker } from './reranker.js';
import { DimensionMismatchError, UnsupportedError, ValidationError } from '../core/errors.js';
import type { Filter } from '../core/filter.js';
import { throwIfAborted } from '../internal/abort.js';
import type {
  FusionOptions, HybridSearchBackend, SearchHit, VectorStoreBackend, WriteOptions,
} from './backend.js';

/** Options of the {@link Retriever} constructor. */
export interface RetrieverOptions {
  /** Where the documents live: the embedded {@link VectorStore} or any other {@link VectorStoreBackend}. */
  store: VectorStoreBackend;
  /** Embeds queries (with its query prompt, via `embedQuery`) and, for {@link Retriever.add}, documents. */
  embedder: Embedder;
  /** Scores (query, passage) pairs after the search; without one, results keep the store's order. */
  reranker?: Reranker;
}

/** Per-call options of {@link Retriever.retrieve}. */
export interface RetrieveOptions extends CallOptions {
  /**
   * Results wanted.
   * @defaultValue 4
   */
  k?: number;
  /**
   * Candidates taken from the store before reranking (raised to `k`). Without a reranker only `k` are fetched.
   * @defaultValue max(4·k, 20) with a reranker
   */
  fetchK?: number;
  /** Metadata filter (see {@link Filter}), applied by the store before its top-k. */
  filter?: Filter;
  /**
   * Rerank the candidates with the configured reranker. `false` keeps the store's order.
   * @defaultValue true when a reranker is configured
   */
  rerank?: boolean;
  /**
   * Hybrid search: also match the query text with BM25 and fuse both rankings. `true` uses the query itself; a
   * string uses that text instead (e.g. keywords extracted from the question). Needs a
   * {@link HybridSearchBackend} with a text index (the embedded {@link VectorStore} opened with `text`).
   * @defaultValue false
   */
  text?: boolean | string;
  /**
   * How a hybrid search fuses its rankings.
   * @defaultValue `{ method: 'rrf', k: 60 }`
   */
  fusion?: FusionOptions;
  /** Pairs per reranker call. */
  batchSize?: number;
}

/** One result of {@link Retriever.retrieve}. */
export interface RetrievedHit {
  /** The record's id. */
  id: string;
  /** The record's text (`''` when the store kept none). */
  text: string;
  /** A copy of the record's metadata. */
  metadata: Metadata;
  /** The store's score: similarity for vector search, the fused score for hybrid search (higher is better). */
  score: number;
  /** The reranker's relevance score (higher is better), when the hit was reranked. */
  rerankScore: number | undefined;
  /** 1-based rank among the store's candidates, before reranking. */
  searchRank: number;
}

/** Options of {@link Retriever.add}. */
export interface AddDocumentsOptions extends WriteOptions {
  /**
   * Documents embedded per embedder call.
   * @defaultValue 64
   */
  batchSize?: number;
}

function positiveInt(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new ValidationError(`${name} must be a positive integer, got ${String(value)}`);
  }
}

/**
 * Retrieval in one call: embed the query, search `fetchK` candidates (optionally hybrid), rerank, keep the best
 * `k`. Works over any {@link VectorStoreBackend}; hybrid search needs a {@link HybridSearchBackend} with a text
 * index (the embedded {@link VectorStore} opened with `text`).
 *
 * @example
 * ```ts
 * const store = await VectorStore.open({ path: './data/docs', dimension: embedder.dimension!, text: true });
 * const retriever = new Retriever({ store, embedder, reranker: await LocalCrossEncoder.fromFolder(dir) });
 * await retriever.add([{ id: 'a', text: 'Paris is the capital of France.', metadata: { lang: 'en' } }]);
 * const hits = await retriever.retrieve('capital of France', { k: 3, fetchK: 20, text: true });
 * // [{ id: 'a', text: 'Paris is…', score: 0.03, rerankScore: 0.98, searchRank: 1, metadata: { lang: 'en' } }]
 * ```
 */
export class Retriever {
  /** The store searched. */
  readonly store: VectorStoreBackend;
  /** The query (and document) embedder. */
  readonly embedder: Embedder;
  /** The reranker, when configured. */
  readonly reranker: Reranker | undefined;

  /**
   * @param options - store, embedder and optional reranker
   * @throws {@link ValidationError} when the store or embedder is missing
   */
  constructor(options: RetrieverOptions) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('options must be an object');
    const { store, embedder, reranker } = options;
    if (typeof store?.search !== 'function') throw new ValidationError('store must be a VectorStoreBackend');
    if (typeof embedder?.embed !== 'function') throw new ValidationError('embedder must be an Embedder');
    if (reranker !== undefined && typeof reranker?.rerank !== 'function') throw new ValidationError('reranker must be a Reranker');
    this.store = store;
    this.embedder = embedder;
    this.reranker = reranker;
  }

  /**
   * Embeds documents (with the embedder's document prompt) and upserts them into the store; an existing id is
   * replaced.
   *
   * @param documents - the documents
   * @param options - batch size, signal, timeout
   * @returns the ids written, in order
   * @throws {@link ValidationError} for malformed documents (the store validates ids and metadata)
   * @throws {@link DimensionMismatchError} when the embedder's vectors do not fit the store
   */
  async add(documents: readonly Document[], options: AddDocumentsOptions = {}): Promise<string[]> {
    if (!Array.isArray(documents)) throw new ValidationError('documents must be an array');
    positiveInt(options.batchSize, 'batchSize');
    documents.forEach((d, i) => {
      if (typeof d !== 'object' || d === null || typeof d.id !== 'string' || typeof d.text !== 'string') {
        throw new ValidationError(`documents[${i}] must have a string id and text`);
      }
    });
    const batch = options.batchSize ?? 64;
    const { signal, timeout } = options;
    for (let from = 0; from < documents.length; from += batch) {
      throwIfAborted(signal);
      const part = documents.slice(from, from + batch);
      const vectors = await this.embedder.embedDocuments(part.map((d) => d.text), { signal, timeout });
      vectors.forEach((v, i) => {
        if (v.length !== this.store.dimension) throw new DimensionMismatchError(this.store.dimension, v.length, `embedding of ${JSON.stringify(part[i].id)}`);
      });
      await this.store.upsert(part.map((d, i) => ({ id: d.id, vector: vectors[i], text: d.text, metadata: d.metadata ?? {} })), { signal, timeout });
    }
    return documents.map((d) => d.id);
  }

  /**
   * Retrieves the documents most relevant to a query: embed (`embedQuery`), search `fetchK` candidates (hybrid
   * when `text` is set), rerank them, keep `k`.
   *
   * @param query - the question or search text
   * @param options - k, fetchK, filter, rerank, text/fusion, batch size, signal, timeout
   * @returns up to `k` hits, best first (by rerank score when reranked, ties by search rank)
   * @throws {@link ValidationError} for a non-string query or bad options
   * @throws {@link UnsupportedError} for hybrid search on a store without a text index
   * @throws {@link DimensionMismatchError} when the query vector does not fit the store
   * @throws {@link InvalidFilterError} for a malformed filter
   * @throws {@link AbortError} / {@link TimeoutError} when the signal fires
   *
   * @example
   * ```ts
   * const hits = await retriever.retrieve('who negotiated with Spain?', { k: 5, filter: { year: { $lt: 1850 } } });
   * ```
   */
  async retrieve(query: string, options: RetrieveOptions = {}): Promise<RetrievedHit[]> {
    if (typeof query !== 'string') throw new ValidationError('query must be a string');
    const k = options.k ?? 4;
    positiveInt(k, 'k');
    positiveInt(options.fetchK, 'fetchK');
    positiveInt(options.batchSize, 'batchSize');
    const rerank = (options.rerank ?? true) && this.reranker !== undefined;
    if (options.rerank === true && this.reranker === undefined) throw new ValidationError('rerank: true needs a reranker');
    const fetchK = rerank ? Math.max(options.fetchK ?? Math.max(4 * k, 20), k) : k;
    const text = this.#hybridText(query, options.text);
    const { signal, timeout } = options;
    throwIfAborted(signal);

    const vector = await this.embedder.embedQuery(query, { signal, timeout });
    throwIfAborted(signal);
    let hits: SearchHit[];
    if (text === undefined) {
      hits = await this.store.search(vector, { k: fetchK, filter: options.filter, signal, timeout });
    } else {
      hits = await (this.store as HybridSearchBackend).search({ vector, text, fusion: options.fusion, k: fetchK, filter: options.filter, signal, timeout });
    }
    const candidates: RetrievedHit[] = hits.map((h, i) => ({
      id: h.id, text: h.text ?? '', metadata: h.metadata, score: h.score, rerankScore: undefined, searchRank: i + 1,
    }));
    if (!rerank || candidates.length === 0) return candidates.slice(0, k);

    const ranked = await this.reranker!.rerank(query, candidates.map((c) => c.text), { topN: k, batchSize: options.batchSize, signal, timeout });
    return ranked.map(({ index, score }) => ({ ...candidates[index], rerankScore: score }));
  }

  /** The BM25 query text for a hybrid search, or `undefined` for a vector search. */
  #hybridText(query: string, text: boolean | string | undefined): string | undefined {
    if (text === undefined || text === false) return undefined;
    if (text !== true && typeof text !== 'string') throw new ValidationError('text must be a boolean or a string');
    if ((this.store as Partial<HybridSearchBackend>).hasTextIndex !== true) {
      throw new UnsupportedError('hybrid search needs a backend with a text index (the embedded VectorStore opened with { text: true })');
    }
    return text === true ? query : text;
  }
}
