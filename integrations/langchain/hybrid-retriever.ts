// LangChain retriever running the embedded store's hybrid (BM25 + vector) search.
import type { DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { type Filter, type FusionOptions, ValidationError } from '../../src/index.js';
import type { AbiHybridRetrieverInput, AbiHybridSearchable } from './types.js';


/**
 * A LangChain retriever over {@link AbiVectorStore.hybridSearch}: each query is embedded for vector search and
 * matched with BM25 over the stored texts, and the two rankings are fused. Usually made with
 * {@link AbiVectorStore.asHybridRetriever}.
 *
 * @example
 * ```ts
 * const retriever = new AbiHybridRetriever({ vectorStore: store, k: 5, fusion: { method: 'rrf', k: 60 } });
 * const docs = await retriever.invoke('Louisiana purchase');
 * ```
 */
export class AbiHybridRetriever extends BaseRetriever {
  /**
   * LangChain's serialization name.
   *
   * @returns `'AbiHybridRetriever'`
   */
  static override lc_name(): string {
    return 'AbiHybridRetriever';
  }

  /** LangChain's serialization namespace. */
  lc_namespace = ['abi_sdk', 'langchain', 'retrievers'];
  /** The store searched. */
  vectorStore: AbiHybridSearchable;
  /** Documents per query. */
  k: number;
  /** Metadata filter. */
  filter: Filter | undefined;
  /** Fusion method. */
  fusion: FusionOptions | undefined;
  /** Hits per side before fusion. */
  candidates: number | undefined;

  /**
   * @param fields - store, k, filter, fusion, candidates, and LangChain's retriever fields
   * @throws {@link abi-sdk!ValidationError} for a bad `k`
   */
  constructor(fields: AbiHybridRetrieverInput) {
    super(fields);
    const k = fields.k ?? 4;
    if (!Number.isInteger(k) || k < 1) throw new ValidationError(`k must be a positive integer, got ${String(k)}`);
    this.vectorStore = fields.vectorStore;
    this.k = k;
    this.filter = fields.filter;
    this.fusion = fields.fusion;
    this.candidates = fields.candidates;
  }

  /**
   * Runs the hybrid search.
   *
   * @param query - the query
   * @returns the documents, best first
   * @throws {@link abi-sdk!UnsupportedError} when the store has no text index
   */
  override async _getRelevantDocuments(query: string): Promise<DocumentInterface[]> {
    return this.vectorStore.hybridSearch(query, { k: this.k, filter: this.filter, fusion: this.fusion, candidates: this.candidates });
  }
}
