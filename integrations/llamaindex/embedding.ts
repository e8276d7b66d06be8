import { BaseEmbedding, type MessageContentDetail } from 'llamaindex';
import { type Embedder, ValidationError } from '../../src/index.js';

/** Options of {@link AbiEmbedding}. */
export interface AbiEmbeddingOptions {
  /** Any abi-sdk embedder: local engine, remote connector, cached or hashing. */
  embedder: Embedder;
  /**
   * Texts per call LlamaIndex hands to the embedder while indexing (the embedder may batch further itself).
   * @defaultValue 64
   */
  embedBatchSize?: number;
}

/**
 * A LlamaIndex.TS embedding model over any abi-sdk {@link abi-sdk!Embedder}. Queries go through `embedQuery` and documents
 * through `embedDocuments`, so models with query / document prompts (e5, nomic) embed each side correctly.
 *
 * @example
 * ```ts
 * import { Settings } from 'llamaindex';
 * import { LocalEmbedder } from 'abi-sdk';
 * import { AbiEmbedding } from 'abi-sdk/llamaindex';
 *
 * Settings.embedModel = new AbiEmbedding({ embedder: await LocalEmbedder.fromFolder('./all-MiniLM-L6-v2') });
 * ```
 */
export class AbiEmbedding extends BaseEmbedding {
  /** The wrapped abi-sdk embedder. */
  readonly embedder: Embedder;

  /**
   * Wraps an embedder.
   *
   * @param options - the embedder and LlamaIndex's batch size
   * @throws {@link abi-sdk!ValidationError} for a missing embedder or a bad batch size
   */
  constructor(options: AbiEmbeddingOptions) {
    super();
    if (!options?.embedder || typeof options.embedder.embedDocuments !== 'function') throw new ValidationError('AbiEmbedding needs an embedder');
    const batch = options.embedBatchSize ?? 64;
    if (!Number.isInteger(batch) || batch < 1) throw new ValidationError(`embedBatchSize must be a positive integer, got ${batch}`);
    this.embedder = options.embedder;
    this.embedBatchSize = batch;
  }

  /**
   * Embeds one document text.
   *
   * @param text - the text
   * @returns its vector
   */
  async getTextEmbedding(text: string): Promise<number[]> {
    const [v] = await this.embedder.embedDocuments([text]);
    return Array.from(v);
  }

  /**
   * Embeds document texts in one embedder call (a class field: LlamaIndex's base class defines it as one, which
   * would shadow a method).
   *
   * @param texts - the texts
   * @returns one vector per text, in order
   */
  override getTextEmbeddings = async (texts: string[]): Promise<number[][]> => {
    const vectors = await this.embedder.embedDocuments(texts);
    return vectors.map((v) => Array.from(v));
  };

  /**
   * Embeds a query with the embedder's query prompt. Non-text content (images, audio) gives `null`, as in LlamaIndex.
   *
   * @param query - the query content
   * @returns the query vector, or `null` for non-text content
   */
  override async getQueryEmbedding(query: MessageContentDetail): Promise<number[] | null> {
    if (query?.type !== 'text') return null;
    return Array.from(await this.embedder.embedQuery(query.text));
  }
}
