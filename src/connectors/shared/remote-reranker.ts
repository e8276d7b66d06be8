/**
 * {@link RemoteReranker}: the {@link Reranker} a connector returns, over the shared batching and resilience.
 *
 * @module
 */
import type { Reranker, RerankOptions, RerankResult } from '../../retrieval/reranker.js';
import { InvalidResponseError, ValidationError } from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import { type BatchLimits, estimateTokens } from '../../resilience/batching.js';
import type { AttemptContext, ResilientCaller } from '../../resilience/caller.js';
import { callInBatches } from './batched-call.js';

/** Options for {@link RemoteReranker} (what a connector supplies). */
export interface RemoteRerankerOptions<E> {
  /** Provider name. */
  provider: string;
  /** Model id. */
  model: string;
  /** The connector's resilience policy and endpoints. */
  caller: ResilientCaller<E>;
  /**
   * Scores `documents` against `query` in one request; returns one score per document, in the documents' order.
   * Must pass `ctx.signal` on and throw typed errors.
   */
  scoreBatch: (ctx: AttemptContext<E>, query: string, documents: string[]) => Promise<ArrayLike<number>>;
  /** Per-request limits (`maxInputs`: documents per request). */
  limits: BatchLimits;
  /**
   * Requests in flight at once.
   * @defaultValue 4
   */
  concurrency?: number;
}

/** Per-call options of a remote reranker: the contract's plus the attempt count. */
export interface RemoteRerankOptions extends RerankOptions {
  /** Total attempts per request for this call. */
  maxAttempts?: number;
}

/**
 * A {@link Reranker} backed by a remote provider. Documents are scored in requests of at most `limits.maxInputs`
 * (or the call's `batchSize`) at bounded concurrency; results are best first, ties by lower index.
 *
 * @example
 * ```ts
 * const reranker = hf.reranker('BAAI/bge-reranker-base');
 * const [best] = await reranker.rerank('capital of France', ['Berlin is…', 'Paris is…'], { topN: 1 });
 * ```
 */
export class RemoteReranker<E = unknown> implements Reranker {
  /** Provider name. */
  readonly provider: string;
  /** Model id. */
  readonly model: string;
  readonly #options: RemoteRerankerOptions<E>;

  /** @param options - provider, model, caller, request function, limits */
  constructor(options: RemoteRerankerOptions<E>) {
    this.provider = options.provider;
    this.model = options.model;
    this.#options = options;
  }

  /**
   * {@inheritDoc Reranker.rerank}
   * @throws {@link ValidationError} for a non-string query or document, or a bad `topN` / `batchSize`
   * @throws {@link InvalidResponseError} when the provider's scores do not match the documents
   * @throws {@link AbortError}, {@link TimeoutError}, or the provider's typed error once retries are exhausted
   */
  async rerank(query: string, documents: readonly string[], options: RemoteRerankOptions = {}): Promise<RerankResult[]> {
    if (typeof query !== 'string') throw new ValidationError('query must be a string');
    if (!Array.isArray(documents)) throw new ValidationError('documents must be an array of strings');
    const { topN, batchSize } = options;
    if (topN !== undefined && (!Number.isInteger(topN) || topN < 0)) throw new ValidationError('topN must be a non-negative integer');
    if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) throw new ValidationError('batchSize must be a positive integer');
    throwIfAborted(options.signal);
    if (documents.length === 0) return [];
    const queryTokens = estimateTokens(query);
    const scores = await callInBatches(documents, {
      provider: this.provider, caller: this.#options.caller, concurrency: this.#options.concurrency ?? 4,
      limits: { ...this.#options.limits, ...(batchSize ? { maxInputs: batchSize } : {}) },
      extraTokens: (docs) => queryTokens * docs,
      send: async (ctx, docs) => {
        const out = Array.from(await this.#options.scoreBatch(ctx, query, docs));
        if (out.length !== docs.length || out.some((s) => typeof s !== 'number' || Number.isNaN(s))) {
          throw new InvalidResponseError(`${this.provider} returned ${out.length} scores for ${docs.length} documents`, { provider: this.provider });
        }
        return out;
      },
    }, options);
    const ranked = scores.map((score, index) => ({ index, score }));
    ranked.sort((a, b) => b.score - a.score || a.index - b.index);
    return topN === undefined ? ranked : ranked.slice(0, topN);
  }

  /**
   * A short description (no credentials).
   *
   * @returns e.g. `RemoteReranker(huggingface:BAAI/bge-reranker-base)`
   */
  toString(): string {
    return `RemoteReranker(${this.provider}:${this.model})`;
  }
}
