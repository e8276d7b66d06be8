/**
 * The reranker contract: score candidate texts against a query, best first. Implemented beside their engines by the
 * local cross-encoder (`engine/cross-encoder.ts`), the remote rerankers (`connectors/shared/remote-reranker.ts`) and
 * the local scheduler; used by the {@link Retriever} and the LangChain and LlamaIndex rerankers.
 *
 * @module
 */
import type { CallOptions } from '../core/contracts.js';

/** Options for {@link Reranker.rerank}. */
export interface RerankOptions extends CallOptions {
  /** Keep only the best `topN` results. Defaults to all. */
  topN?: number;
  /** Pairs scored per model call, where the implementation batches. */
  batchSize?: number;
}

/** One reranked document. */
export interface RerankResult {
  /** Index into the `documents` array given to `rerank`. */
  index: number;
  /** Relevance score; higher is better. */
  score: number;
}

/**
 * Scores documents against a query. Results are best first and stable on ties (lower index first).
 *
 * @example
 * ```ts
 * const ranked = await reranker.rerank('capital of France', ['Berlin is…', 'Paris is…'], { topN: 1 });
 * ```
 */
export interface Reranker {
  /** Model identifier. */
  readonly model: string;
  /**
   * Scores each document against the query.
   *
   * @param query - the query
   * @param documents - candidate texts
   * @param options - topN, batch size, signal, timeout
   * @returns results best first
   */
  rerank(query: string, documents: readonly string[], options?: RerankOptions): Promise<RerankResult[]>;
}
