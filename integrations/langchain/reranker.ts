// LangChain document compressor over any abi-sdk Reranker (for ContextualCompressionRetriever).
import type { Callbacks } from '@langchain/core/callbacks/manager';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { type Reranker, ValidationError } from '../../src/index.js';

/** Options of {@link AbiReranker}. */
export interface AbiRerankerParams {
  /** The abi-sdk reranker: `LocalCrossEncoder`, a Hugging Face TEI reranker, or any {@link abi-sdk!Reranker}. */
  reranker: Reranker;
  /**
   * Documents kept, best first. `undefined` keeps them all (reordered).
   * @defaultValue 3 (as LangChain's Cohere reranker)
   */
  topN?: number | undefined;
  /** Pairs scored per model call, where the reranker batches. */
  batchSize?: number;
  /**
   * Metadata key the relevance score is written to (the ecosystem's rerankers use `relevanceScore`).
   * @defaultValue 'relevanceScore'
   */
  scoreKey?: string;
  /** Drop documents scoring below this. */
  minScore?: number;
  /** Milliseconds one rerank call may take. */
  timeout?: number;
}

/**
 * A LangChain document compressor that reranks retrieved documents with an abi-sdk {@link abi-sdk!Reranker} (a local
 * cross-encoder or a remote TEI `/rerank`), keeps the best `topN`, and writes each score to
 * `metadata.relevanceScore`. Plug it into `ContextualCompressionRetriever` (from `@langchain/classic`).
 *
 * @example
 * ```ts
 * import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
 * import { LocalCrossEncoder } from 'abi-sdk';
 * import { AbiReranker } from 'abi-sdk/langchain';
 *
 * const retriever = new ContextualCompressionRetriever({
 *   baseCompressor: new AbiReranker({ reranker: await LocalCrossEncoder.fromFolder(dir), topN: 4 }),
 *   baseRetriever: vectorStore.asRetriever({ k: 20 }),
 * });
 * const docs = await retriever.invoke('What did the president say about the public debt?');
 * ```
 */
export class AbiReranker extends BaseDocumentCompressor {
  /** The wrapped reranker. */
  readonly reranker: Reranker;
  /** Documents kept, or `undefined` for all. */
  readonly topN: number | undefined;
  /** Metadata key of the score. */
  readonly scoreKey: string;
  readonly #batchSize: number | undefined;
  readonly #minScore: number | undefined;
  readonly #timeout: number | undefined;

  /**
   * @param params - reranker, topN, batch size, score key, minimum score, timeout
   * @throws {@link abi-sdk!ValidationError} for a missing reranker or bad options
   */
  constructor(params: AbiRerankerParams) {
    super();
    const { reranker } = params ?? ({} as AbiRerankerParams);
    if (typeof reranker?.rerank !== 'function') throw new ValidationError('AbiReranker needs an abi-sdk Reranker');
    const topN = 'topN' in params ? params.topN : 3;
    if (topN !== undefined && (!Number.isInteger(topN) || topN < 0)) throw new ValidationError(`topN must be a non-negative integer, got ${String(topN)}`);
    if (params.minScore !== undefined && Number.isNaN(params.minScore)) throw new ValidationError('minScore must be a number');
    const scoreKey = params.scoreKey ?? 'relevanceScore';
    if (typeof scoreKey !== 'string' || scoreKey === '') throw new ValidationError('scoreKey must be a non-empty string');
    this.reranker = reranker;
    this.topN = topN;
    this.scoreKey = scoreKey;
    this.#batchSize = params.batchSize;
    this.#minScore = params.minScore;
    this.#timeout = params.timeout;
  }

  /**
   * Reranks documents against the query.
   *
   * @param documents - the retrieved documents
   * @param query - the query
   * @param _callbacks - unused (LangChain's signature)
   * @returns the best `topN` documents, best first, as new documents whose metadata adds the score under `scoreKey`
   * @throws {@link abi-sdk!ValidationError} for a non-string query or document text
   * @throws {@link abi-sdk!AbiError} subclasses from the reranker
   */
  async compressDocuments(documents: DocumentInterface[], query: string, _callbacks?: Callbacks): Promise<DocumentInterface[]> {
    if (!Array.isArray(documents)) throw new ValidationError('documents must be an array');
    if (documents.length === 0) return [];
    const texts = documents.map((d, i) => {
      if (typeof d?.pageContent !== 'string') throw new ValidationError(`documents[${i}].pageContent must be a string`);
      return d.pageContent;
    });
    const ranked = await this.reranker.rerank(query, texts, { topN: this.topN, batchSize: this.#batchSize, timeout: this.#timeout });
    const kept = this.#minScore === undefined ? ranked : ranked.filter((r) => r.score >= this.#minScore!);
    return kept.map(({ index, score }) => {
      const d = documents[index];
      return new Document({ pageContent: d.pageContent, metadata: { ...d.metadata, [this.scoreKey]: score }, id: d.id });
    });
  }
}
