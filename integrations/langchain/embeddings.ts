// LangChain `Embeddings` over any abi-sdk Embedder.
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { type CallOptions, type Embedder, ValidationError } from '../../src/index.js';

/** Options of {@link AbiEmbeddings}. */
export interface AbiEmbeddingsParams extends EmbeddingsParams {
  /** The abi-sdk embedder: local engine, remote connector, cached, hashing. */
  embedder: Embedder;
  /**
   * Milliseconds one embedder call may take (passed on as the call's `timeout`).
   * @defaultValue none
   */
  timeout?: number;
}

/**
 * LangChain `Embeddings` over any abi-sdk {@link abi-sdk!Embedder}. Queries go through the embedder's `embedQuery` (its
 * query prompt, e.g. e5's `query: `), documents through `embedDocuments`. The embedder does its own batching,
 * retries and caching, so LangChain's `AsyncCaller` retries are off by default (`maxRetries: 0`).
 *
 * @example
 * ```ts
 * import { LocalEmbedder } from 'abi-sdk';
 * import { AbiEmbeddings } from 'abi-sdk/langchain';
 * const embeddings = new AbiEmbeddings({ embedder: await LocalEmbedder.fromFolder('./models/all-MiniLM-L6-v2') });
 * const vector = await embeddings.embedQuery('what did the president say about debt?');
 * ```
 */
export class AbiEmbeddings extends Embeddings {
  /** The wrapped embedder. */
  readonly embedder: Embedder;
  /** Per-call timeout in milliseconds, if any. */
  readonly timeout: number | undefined;

  /**
   * @param params - the embedder, an optional timeout, and LangChain's caller options
   * @throws {@link abi-sdk!ValidationError} when `embedder` is not an abi-sdk embedder
   */
  constructor(params: AbiEmbeddingsParams) {
    const { embedder, timeout, ...callerParams } = params ?? ({} as AbiEmbeddingsParams);
    super({ maxRetries: 0, ...callerParams });
    if (typeof embedder?.embed !== 'function' || typeof embedder.embedQuery !== 'function') {
      throw new ValidationError('AbiEmbeddings needs an abi-sdk Embedder');
    }
    this.embedder = embedder;
    this.timeout = timeout;
  }

  /** The embedder's vector length, or `undefined` until known. */
  get dimension(): number | undefined {
    return this.embedder.dimension;
  }

  /**
   * Embeds documents for indexing.
   *
   * @param documents - the texts
   * @returns one vector per text, in order
   * @throws {@link abi-sdk!AbiError} subclasses from the embedder (e.g. {@link abi-sdk!ValidationError} for non-string input)
   */
  async embedDocuments(documents: string[]): Promise<number[][]> {
    const vectors = await this.embedDocumentVectors(documents);
    return vectors.map((v) => Array.from(v));
  }

  /**
   * Embeds a search query.
   *
   * @param document - the query text
   * @returns the query vector
   * @throws {@link abi-sdk!AbiError} subclasses from the embedder
   */
  async embedQuery(document: string): Promise<number[]> {
    return Array.from(await this.embedQueryVector(document));
  }

  /**
   * Like {@link AbiEmbeddings.embedDocuments}, returning the embedder's `Float32Array`s (no copy into `number[]`).
   *
   * @param documents - the texts
   * @param options - signal and timeout (the constructor's timeout by default)
   * @returns one vector per text
   * @throws {@link abi-sdk!AbiError} subclasses from the embedder
   */
  embedDocumentVectors(documents: readonly string[], options: CallOptions = {}): Promise<Float32Array[]> {
    return this.embedder.embedDocuments(documents, { timeout: this.timeout, ...options });
  }

  /**
   * Like {@link AbiEmbeddings.embedQuery}, returning the embedder's `Float32Array`.
   *
   * @param text - the query
   * @param options - signal and timeout (the constructor's timeout by default)
   * @returns the query vector
   * @throws {@link abi-sdk!AbiError} subclasses from the embedder
   */
  embedQueryVector(text: string, options: CallOptions = {}): Promise<Float32Array> {
    return this.embedder.embedQuery(text, { timeout: this.timeout, ...options });
  }
}
