// Types the LangChain vector store and the hybrid retriever share (kept here so neither module imports the other's types).
import type { DocumentInterface } from '@langchain/core/documents';
import type { BaseRetrieverInput } from '@langchain/core/retrievers';
import type { CallOptions, Filter, FusionOptions } from '../../src/index.js';

/** Options of {@link AbiVectorStore.hybridSearch}. */
export interface AbiHybridSearchOptions extends CallOptions {
  /**
   * Documents wanted.
   * @defaultValue 4
   */
  k?: number;
  /** Metadata filter, applied to both sides before fusion. */
  filter?: Filter;
  /**
   * How the vector and BM25 rankings merge.
   * @defaultValue `{ method: 'rrf', k: 60 }`
   */
  fusion?: FusionOptions;
  /**
   * Hits taken from each side before fusion.
   * @defaultValue max(4·k, 50)
   */
  candidates?: number;
  /** BM25 query text, when it should differ from the embedded query (e.g. extracted keywords). */
  text?: string;
}

/**
 * What {@link AbiHybridRetriever} needs of its store: {@link AbiVectorStore.hybridSearch}. `AbiVectorStore` is one.
 */
export interface AbiHybridSearchable {
  /**
   * Hybrid (BM25 + vector) search.
   *
   * @param query - the query
   * @param options - k, filter, fusion, candidates
   * @returns the documents, best first
   */
  hybridSearch(query: string, options?: AbiHybridSearchOptions): Promise<DocumentInterface[]>;
}

/** Fields of {@link AbiHybridRetriever}. */
export interface AbiHybridRetrieverInput extends BaseRetrieverInput {
  /**
   * The store searched: an {@link AbiVectorStore} whose backend is the embedded `VectorStore` with a text index.
   */
  vectorStore: AbiHybridSearchable;
  /**
   * Documents per query.
   * @defaultValue 4
   */
  k?: number;
  /** Metadata filter, applied to both sides before fusion. */
  filter?: Filter;
  /**
   * How the vector and BM25 rankings merge: `{ method: 'rrf', k }` or `{ method: 'weighted', alpha }` (alpha
   * weighs the vector side).
   * @defaultValue `{ method: 'rrf', k: 60 }`
   */
  fusion?: FusionOptions;
  /**
   * Hits taken from each side before fusion.
   * @defaultValue max(4·k, 50)
   */
  candidates?: number;
}
