// LangChain `VectorStore` over any abi-sdk VectorStoreBackend (the embedded store, pgvector, Qdrant, …).
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { type MaxMarginalRelevanceSearchOptions, SaveableVectorStore } from '@langchain/core/vectorstores';
import {
  type CallOptions, ConflictError, type Filter, maximalMarginalRelevance, type SearchHit, UnsupportedError, ValidationError,
  VectorStore, type VectorStoreBackend, type VectorStoreOptions,
} from '../../src/index.js';
import { AbiEmbeddings } from './embeddings.js';
import { AbiHybridRetriever } from './hybrid-retriever.js';
import type { AbiHybridRetrieverInput, AbiHybridSearchOptions } from './types.js';
import { readManifest, writeManifest } from './manifest.js';

/** Arguments of the {@link AbiVectorStore} constructor. */
export interface AbiVectorStoreArgs {
  /** The store backend: the embedded {@link abi-sdk!VectorStore} or any other {@link abi-sdk!VectorStoreBackend}. */
  backend: VectorStoreBackend;
  /**
   * Close the backend when {@link AbiVectorStore.close} is called.
   * @defaultValue true
   */
  closeBackend?: boolean;
}

/** Options of {@link AbiVectorStore.open}: the embedded store's options, with the dimension optional. */
export interface AbiVectorStoreOpenOptions extends Omit<VectorStoreOptions, 'dimension'> {
  /** Vector length. Default: the embeddings' dimension (one probe query when it is not declared). */
  dimension?: number;
}

/** The `dbConfig` of {@link AbiVectorStore.fromTexts} and {@link AbiVectorStore.fromDocuments}. */
export interface AbiVectorStoreConfig extends AbiVectorStoreOpenOptions {
  /** Write into this backend instead of opening an embedded store. */
  backend?: VectorStoreBackend;
  /** Ids for the documents, in order (default: each document's `id`, else a random UUID). */
  ids?: string[];
}

/** Options of {@link AbiVectorStore.load}: the embedded store's options other than what the saved store fixes. */
export type AbiVectorStoreLoadOptions = Omit<VectorStoreOptions, 'path' | 'dimension' | 'metric'>;

/** Options of {@link AbiVectorStore.addVectors} and {@link AbiVectorStore.addDocuments}. */
export interface AbiAddOptions extends CallOptions {
  /** Ids, one per document (default: each document's `id`, else a random UUID). An existing id is replaced. */
  ids?: string[];
}


/** Probes the embeddings' vector length: declared by {@link AbiEmbeddings}, else measured on one query. */
async function dimensionOf(embeddings: EmbeddingsInterface): Promise<number> {
  if (embeddings instanceof AbiEmbeddings && embeddings.dimension !== undefined) return embeddings.dimension;
  return (await embeddings.embedQuery('dimension probe')).length;
}

/** Opens an embedded store, records its manifest when it has a path, and wraps it in `ctor`. */
async function wrap(ctor: typeof AbiVectorStore, embeddings: EmbeddingsInterface, options: VectorStoreOptions): Promise<AbiVectorStore> {
  const backend = await VectorStore.open(options);
  try {
    if (backend.path !== undefined) await writeManifest(backend.path, { dimension: backend.dimension, metric: backend.metric });
    return new ctor(embeddings, { backend });
  } catch (err) {
    await backend.close().catch(() => undefined);
    throw err;
  }
}

function toDocument(hit: SearchHit): Document {
  return new Document({ pageContent: hit.text ?? '', metadata: hit.metadata, id: hit.id });
}

/**
 * A LangChain vector store over any abi-sdk {@link abi-sdk!VectorStoreBackend}: the embedded, persistent {@link abi-sdk!VectorStore}
 * (flat, HNSW, IVF-PQ; BM25 hybrid search) or an external backend. Filters use abi-sdk's {@link abi-sdk!Filter} language
 * (`{ year: { $gte: 2000 }, party: { $in: ['Democratic'] } }`); scores are higher-is-better; documents come back
 * with `id` set and their metadata exactly as stored.
 *
 * @example
 * ```ts
 * import { HashingEmbedder } from 'abi-sdk';
 * import { AbiEmbeddings, AbiVectorStore } from 'abi-sdk/langchain';
 *
 * const embeddings = new AbiEmbeddings({ embedder: new HashingEmbedder({ dimension: 256 }) });
 * const store = await AbiVectorStore.fromTexts(['Paris is in France', 'Berlin is in Germany'],
 *   [{ country: 'fr' }, { country: 'de' }], embeddings, { path: './data/lc', text: true });
 * const docs = await store.similaritySearch('French capital', 1, { country: 'fr' });
 * const retriever = store.asRetriever({ k: 4, searchType: 'mmr', searchKwargs: { fetchK: 20, lambda: 0.5 } });
 * await store.close();
 * const again = await AbiVectorStore.load('./data/lc', embeddings);
 * ```
 */
export class AbiVectorStore extends SaveableVectorStore {
  /** abi-sdk's filter language. */
  declare FilterType: Filter;
  /** The store backend. */
  readonly backend: VectorStoreBackend;
  readonly #closeBackend: boolean;

  /**
   * @param embeddings - embeds documents and queries (an {@link AbiEmbeddings} avoids copying vectors)
   * @param args - the backend, and whether `close()` closes it
   * @throws {@link abi-sdk!ValidationError} when `backend` is not a {@link abi-sdk!VectorStoreBackend}
   */
  constructor(embeddings: EmbeddingsInterface, args: AbiVectorStoreArgs) {
    super(embeddings, args);
    if (typeof args?.backend?.search !== 'function' || typeof args.backend.upsert !== 'function') {
      throw new ValidationError('AbiVectorStore needs a VectorStoreBackend');
    }
    this.backend = args.backend;
    this.#closeBackend = args.closeBackend ?? true;
  }

  /**
   * The store type LangChain reports.
   *
   * @returns `'abi-sdk'`
   */
  _vectorstoreType(): string {
    return 'abi-sdk';
  }

  /**
   * Opens (or creates) an embedded {@link abi-sdk!VectorStore} and wraps it. With `path`, the store persists there and
   * {@link AbiVectorStore.load} reopens it.
   *
   * @param embeddings - the embeddings
   * @param options - the embedded store's options (path, metric, index, text, durability…); dimension optional
   * @returns the store
   * @throws {@link abi-sdk!ValidationError}, {@link abi-sdk!DimensionMismatchError}, {@link abi-sdk!LockedError}, {@link abi-sdk!IOError} as
   *   `VectorStore.open` does
   */
  static async open(embeddings: EmbeddingsInterface, options: AbiVectorStoreOpenOptions = {}): Promise<AbiVectorStore> {
    const dimension = options.dimension ?? (await dimensionOf(embeddings));
    return wrap(this, embeddings, { ...options, dimension });
  }

  /**
   * Reopens a store written with a `path` (or by {@link AbiVectorStore.save}).
   *
   * @param directory - the store directory
   * @param embeddings - the embeddings (must produce vectors of the stored dimension)
   * @param options - durability, compaction and other embedded-store options
   * @returns the store
   * @throws {@link abi-sdk!NotFoundError} when the directory holds no saved store
   * @throws {@link abi-sdk!CorruptDataError} when the store's files are damaged
   * @throws {@link abi-sdk!LockedError} when another handle holds the store
   */
  static override async load(directory: string, embeddings: EmbeddingsInterface, options: AbiVectorStoreLoadOptions = {}): Promise<AbiVectorStore> {
    const { dimension, metric } = await readManifest(directory);
    return wrap(this, embeddings, { ...options, path: directory, dimension, metric });
  }

  /**
   * Embeds texts and stores them.
   *
   * @param texts - the texts
   * @param metadatas - one metadata object per text, or one for all
   * @param embeddings - the embeddings
   * @param dbConfig - a `backend` to write into, or the embedded store's options (path, metric, index, text…), and `ids`
   * @returns the store
   * @throws {@link abi-sdk!ValidationError} for mismatched metadata, ids or non-JSON metadata
   */
  static override async fromTexts(texts: string[], metadatas: object[] | object, embeddings: EmbeddingsInterface, dbConfig: AbiVectorStoreConfig = {}): Promise<AbiVectorStore> {
    if (!Array.isArray(texts)) throw new ValidationError('texts must be an array of strings');
    if (Array.isArray(metadatas) && metadatas.length !== texts.length) {
      throw new ValidationError(`${metadatas.length} metadata objects for ${texts.length} texts`);
    }
    const docs = texts.map((pageContent, i) => new Document({
      pageContent, metadata: { ...(Array.isArray(metadatas) ? metadatas[i] : metadatas) },
    }));
    return this.fromDocuments(docs, embeddings, dbConfig);
  }

  /**
   * Embeds documents and stores them (ids from `dbConfig.ids`, else each document's `id`, else random UUIDs).
   *
   * @param docs - the documents
   * @param embeddings - the embeddings
   * @param dbConfig - a `backend` to write into, or the embedded store's options (path, metric, index, text…), and `ids`
   * @returns the store
   * @throws {@link abi-sdk!ValidationError} for bad ids or non-JSON metadata
   */
  static override async fromDocuments(docs: DocumentInterface[], embeddings: EmbeddingsInterface, dbConfig: AbiVectorStoreConfig = {}): Promise<AbiVectorStore> {
    if (!Array.isArray(docs)) throw new ValidationError('docs must be an array of documents');
    const { backend, ids, ...open } = dbConfig;
    const vectors = await embedDocuments(embeddings, docs);
    let store: AbiVectorStore;
    if (backend !== undefined) {
      store = new this(embeddings, { backend, closeBackend: false });
    } else {
      store = await wrap(this, embeddings, { ...open, dimension: open.dimension ?? vectors[0]?.length ?? (await dimensionOf(embeddings)) });
    }
    try {
      await store.addVectors(vectors, docs, { ids });
    } catch (err) {
      if (backend === undefined) await store.close().catch(() => undefined);
      throw err;
    }
    return store;
  }

  /**
   * Stores documents with precomputed vectors.
   *
   * @param vectors - one vector per document
   * @param documents - the documents (`pageContent` becomes the record's text, `metadata` its metadata)
   * @param options - `ids` (else each document's `id`, else a random UUID), signal, timeout
   * @returns the ids, in order
   * @throws {@link abi-sdk!ValidationError} for mismatched lengths, duplicate ids or non-JSON metadata
   * @throws {@link abi-sdk!DimensionMismatchError} for vectors of the wrong length
   */
  async addVectors(vectors: readonly (number[] | Float32Array)[], documents: DocumentInterface[], options: AbiAddOptions = {}): Promise<string[]> {
    if (!Array.isArray(vectors) || !Array.isArray(documents)) throw new ValidationError('vectors and documents must be arrays');
    if (vectors.length !== documents.length) throw new ValidationError(`${vectors.length} vectors for ${documents.length} documents`);
    const { ids } = options;
    if (ids !== undefined && (!Array.isArray(ids) || ids.length !== documents.length)) {
      throw new ValidationError(`ids must be an array of ${documents.length} strings`);
    }
    const resolved = documents.map((d, i) => ids?.[i] ?? d.id ?? randomUUID());
    if (documents.length === 0) return [];
    await this.backend.upsert(documents.map((d, i) => {
      if (typeof d?.pageContent !== 'string') throw new ValidationError(`documents[${i}].pageContent must be a string`);
      return { id: resolved[i], vector: vectors[i], text: d.pageContent, metadata: d.metadata ?? {} };
    }), { signal: options.signal, timeout: options.timeout });
    return resolved;
  }

  /**
   * Embeds documents (`embedDocuments`) and stores them.
   *
   * @param documents - the documents
   * @param options - `ids` (else each document's `id`, else a random UUID), signal, timeout
   * @returns the ids, in order
   * @throws {@link abi-sdk!ValidationError} for duplicate ids or non-JSON metadata
   */
  async addDocuments(documents: DocumentInterface[], options: AbiAddOptions = {}): Promise<string[]> {
    return this.addVectors(await embedDocuments(this.embeddings, documents, options), documents, options);
  }

  /**
   * Finds the documents most similar to a vector.
   *
   * @param query - the query vector
   * @param k - documents wanted (fewer when fewer match)
   * @param filter - abi-sdk metadata filter
   * @returns `[document, score]` pairs, best first; scores are higher-is-better (cosine similarity by default)
   * @throws {@link abi-sdk!DimensionMismatchError} for a query of the wrong length
   * @throws {@link abi-sdk!InvalidFilterError} for a malformed filter
   */
  async similaritySearchVectorWithScore(query: number[] | Float32Array, k: number, filter?: Filter): Promise<[Document, number][]> {
    const hits = await this.backend.search(query, { k, filter });
    return hits.map((h) => [toDocument(h), h.score]);
  }

  /**
   * Maximal marginal relevance: fetches `fetchK` candidates and picks `k` that are relevant and diverse. This is
   * what `asRetriever({ searchType: 'mmr' })` calls.
   *
   * @param query - the query text
   * @param options - `k` (default 4), `fetchK` (default 20), `lambda` (1 = relevance only, default 0.5), `filter`
   * @param _callbacks - unused (LangChain's signature)
   * @returns the documents, in selection order
   * @throws {@link abi-sdk!ValidationError} for `lambda` outside [0, 1]
   * @throws {@link abi-sdk!InvalidFilterError} for a malformed filter
   * @throws {@link abi-sdk!UnsupportedError} when the backend returns no vectors for the candidates
   */
  override async maxMarginalRelevanceSearch(query: string, options: MaxMarginalRelevanceSearchOptions<Filter>, _callbacks?: Callbacks): Promise<Document[]> {
    const k = options?.k ?? 4;
    const fetchK = Math.max(options?.fetchK ?? 20, k);
    const q = await this.#queryVector(query);
    const hits = await this.backend.search(q, { k: fetchK, filter: options?.filter, includeVectors: true });
    const vectors = await Promise.all(hits.map(async (h) => {
      const v = h.vector ?? (await this.backend.get(h.id))?.vector;
      if (v === undefined) throw new UnsupportedError(`MMR needs the candidates' vectors; the backend returned none for ${JSON.stringify(h.id)}`);
      return v;
    }));
    const picked = maximalMarginalRelevance(Float32Array.from(q), vectors, {
      k, lambda: options?.lambda ?? 0.5, similarity: this.backend.metric === 'dot' ? 'dot' : 'cosine',
    });
    return picked.map((i) => toDocument(hits[i]));
  }

  /**
   * Hybrid search: BM25 over the stored texts and vector similarity, fused (reciprocal rank fusion by default).
   * Needs the embedded {@link abi-sdk!VectorStore} opened with `text` (e.g. `fromDocuments(docs, e, { text: true })`).
   *
   * @param query - the query (embedded, and matched with BM25 unless `options.text` is given)
   * @param options - k, filter, fusion, candidates, text
   * @returns `[document, fusedScore]` pairs, best first
   * @throws {@link abi-sdk!UnsupportedError} when the backend has no text index
   */
  async hybridSearchWithScore(query: string, options: AbiHybridSearchOptions = {}): Promise<[Document, number][]> {
    const backend = this.backend;
    if (!(backend instanceof VectorStore) || !backend.hasTextIndex) {
      throw new UnsupportedError('hybrid search needs the embedded VectorStore opened with a text index ({ text: true })');
    }
    if (typeof query !== 'string') throw new ValidationError('query must be a string');
    const vector = await this.#queryVector(query, options);
    const hits = await backend.search({
      vector, text: options.text ?? query, k: options.k ?? 4, filter: options.filter, fusion: options.fusion,
      candidates: options.candidates, signal: options.signal, timeout: options.timeout,
    });
    return hits.map((h) => [toDocument(h), h.score]);
  }

  /**
   * {@link AbiVectorStore.hybridSearchWithScore} without the scores.
   *
   * @param query - the query
   * @param options - k, filter, fusion, candidates, text
   * @returns the documents, best first
   * @throws {@link abi-sdk!UnsupportedError} when the backend has no text index
   */
  async hybridSearch(query: string, options: AbiHybridSearchOptions = {}): Promise<Document[]> {
    return (await this.hybridSearchWithScore(query, options)).map(([d]) => d);
  }

  /**
   * A LangChain retriever running {@link AbiVectorStore.hybridSearch} (text + vector fusion) for each query.
   *
   * @param fields - k, filter, fusion, candidates, and LangChain's retriever fields (tags, callbacks…)
   * @returns the retriever
   * @throws {@link abi-sdk!UnsupportedError} when the backend has no text index
   *
   * @example
   * ```ts
   * const retriever = store.asHybridRetriever({ k: 5, fusion: { method: 'weighted', alpha: 0.6 } });
   * const docs = await retriever.invoke('treaty with Spain');
   * ```
   */
  asHybridRetriever(fields: Omit<AbiHybridRetrieverInput, 'vectorStore'> = {}): AbiHybridRetriever {
    if (!(this.backend instanceof VectorStore) || !this.backend.hasTextIndex) {
      throw new UnsupportedError('hybrid search needs the embedded VectorStore opened with a text index ({ text: true })');
    }
    return new AbiHybridRetriever({ ...fields, vectorStore: this });
  }

  /**
   * Deletes documents by id; ids that do not exist are ignored.
   *
   * @param params - `{ ids }`
   * @throws {@link abi-sdk!ValidationError} without an `ids` array
   */
  override async delete(params?: { ids?: string[] }): Promise<void> {
    if (!Array.isArray(params?.ids)) throw new ValidationError('delete needs { ids: string[] }');
    if (params.ids.length > 0) await this.backend.delete(params.ids);
  }

  /**
   * Saves the store to a directory {@link AbiVectorStore.load} can reopen. For an embedded store already at
   * `directory` this flushes it; otherwise the records are copied into a new embedded store there.
   *
   * @param directory - the directory
   * @throws {@link abi-sdk!ConflictError} when `directory` already holds other records
   * @throws {@link abi-sdk!UnsupportedError} for a backend other than the embedded {@link abi-sdk!VectorStore}
   */
  async save(directory: string): Promise<void> {
    const backend = this.backend;
    if (!(backend instanceof VectorStore)) {
      throw new UnsupportedError('save() copies the embedded VectorStore; other backends persist on their own');
    }
    const target = resolve(directory);
    if (backend.path !== undefined && resolve(backend.path) === target) {
      await backend.flush();
      await writeManifest(target, { dimension: backend.dimension, metric: backend.metric });
      return;
    }
    const copy = await VectorStore.open({
      path: target, dimension: backend.dimension, metric: backend.metric, text: backend.hasTextIndex,
      index: backend.indexOptions, durability: 'write',
    });
    try {
      if ((await copy.count()) > 0) throw new ConflictError(`${target} already holds a store with records`);
      const ids = await backend.ids();
      for (let from = 0; from < ids.length; from += 512) {
        const records = await Promise.all(ids.slice(from, from + 512).map((id) => backend.get(id)));
        await copy.upsert(records.filter((r) => r !== undefined));
      }
      await copy.flush();
    } finally {
      await copy.close();
    }
    await writeManifest(target, { dimension: backend.dimension, metric: backend.metric });
  }

  /**
   * Flushes and closes the backend (unless constructed with `closeBackend: false`), releasing an embedded store's
   * directory lock so it can be reopened.
   */
  async close(): Promise<void> {
    if (this.#closeBackend) await this.backend.close();
    else await this.backend.flush();
  }

  /** The query vector, as a Float32Array when the embeddings are abi-sdk's. */
  async #queryVector(query: string, options: CallOptions = {}): Promise<Float32Array | number[]> {
    if (this.embeddings instanceof AbiEmbeddings) return this.embeddings.embedQueryVector(query, options);
    return this.embeddings.embedQuery(query);
  }
}

/** Embeds documents' text, as Float32Arrays when the embeddings are abi-sdk's. */
async function embedDocuments(embeddings: EmbeddingsInterface, docs: DocumentInterface[], options: CallOptions = {}): Promise<(Float32Array | number[])[]> {
  const texts = docs.map((d, i) => {
    if (typeof d?.pageContent !== 'string') throw new ValidationError(`documents[${i}].pageContent must be a string`);
    return d.pageContent;
  });
  if (texts.length === 0) return [];
  if (embeddings instanceof AbiEmbeddings) return embeddings.embedDocumentVectors(texts, options);
  return embeddings.embedDocuments(texts);
}
