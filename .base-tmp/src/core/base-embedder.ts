import type { CallOptions, EmbedOptions, Embedder } from './contracts.js';

/**
 * Implements {@link Embedder.embedQuery} and {@link Embedder.embedDocuments} on top of `embed`, so an embedder
 * only writes `embed` (and reads `options.inputType` where the model distinguishes queries from documents).
 *
 * @example
 * ```ts
 * class MyEmbedder extends BaseEmbedder {
 *   readonly dimension = 3; readonly model = 'mine';
 *   async embed(texts: readonly string[]) { return texts.map(() => new Float32Array(3)); }
 * }
 * ```
 */
export abstract class BaseEmbedder implements Embedder {
  /** {@inheritDoc Embedder.dimension} */
  abstract readonly dimension: number | undefined;
  /** {@inheritDoc Embedder.model} */
  abstract readonly model: string;
  /** {@inheritDoc Embedder.embed} */
  abstract embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;

  /** {@inheritDoc Embedder.embedQuery} */
  async embedQuery(text: string, options?: CallOptions): Promise<Float32Array> {
    const [v] = await this.embed([text], { ...options, inputType: 'query' });
    return v;
  }

  /** {@inheritDoc Embedder.embedDocuments} */
  embedDocuments(texts: readonly string[], options?: CallOptions): Promise<Float32Array[]> {
    return this.embed(texts, { ...options, inputType: 'document' });
  }
}
