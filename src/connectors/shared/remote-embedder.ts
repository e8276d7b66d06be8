/**
 * {@link RemoteEmbedder}: the {@link Embedder} every connector returns. It owns what all providers share —
 * prompts, batching to the provider's limits, bounded concurrency, order restoration, retries and failover (through
 * the connector's {@link ResilientCaller}), and response validation — and delegates one request to the connector.
 *
 * @module
 */
import { BaseEmbedder } from '../../core/base-embedder.js';
import type { EmbedderFingerprint, EmbeddingPrompts, EmbedOptions } from '../../core/contracts.js';
import { InvalidResponseError, ValidationError } from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import type { BatchLimits } from '../../resilience/batching.js';
import type { AttemptContext, ResilientCaller } from '../../resilience/caller.js';
import { callInBatches } from './batched-call.js';

/** Options for {@link RemoteEmbedder} (what a connector supplies). */
export interface RemoteEmbedderOptions<E> {
  /** Provider name, on errors and in the cache fingerprint. */
  provider: string;
  /** Model id. */
  model: string;
  /** The connector's resilience policy and endpoints. */
  caller: ResilientCaller<E>;
  /**
   * Sends one request for `texts` (prompts already applied) to the attempt's endpoint and returns one vector per
   * text, in order. Must pass `ctx.signal` to the request and throw typed errors. `inputType` is for providers that
   * select a server-side prompt by it.
   */
  embedBatch: (ctx: AttemptContext<E>, texts: string[], inputType: 'query' | 'document') => Promise<Float32Array[]>;
  /**
   * Identifies a server-side prompt chosen by input type (e.g. Text-Embeddings-Inference's `prompt_name`), for the
   * cache fingerprint; client-side `prompts` are included automatically.
   * @defaultValue none
   */
  serverPrompt?: (inputType: 'query' | 'document') => string | undefined;
  /** The provider's per-request limits. */
  limits: BatchLimits;
  /**
   * Requests in flight at once.
   * @defaultValue 4
   */
  concurrency?: number;
  /**
   * Output dimensions requested from the provider; known up front and checked on every response.
   * @defaultValue learned from the first response
   */
  dimensions?: number;
  /**
   * Prompts by input type.
   * @defaultValue none
   */
  prompts?: EmbeddingPrompts;
}

/** Per-call options of a remote embedder: the contract's plus the attempt count. */
export interface RemoteEmbedOptions extends EmbedOptions {
  /** Total attempts per request for this call. */
  maxAttempts?: number;
}

/**
 * An {@link Embedder} backed by a remote provider. Obtain one from a connector (`connector.embedder(model)`); build
 * one directly to plug a new provider into the shared machinery.
 *
 * `embed` validates the input, applies the prompt for the input type, plans requests within the provider's limits
 * (grouped by endpoint under consistent hashing), runs them at bounded concurrency through the connector's
 * {@link ResilientCaller}, checks every response (count, consistent dimension, finite numbers) and returns the vectors
 * in the caller's order. The first failed request aborts the others and is what `embed` rejects with.
 *
 * @example
 * ```ts
 * const embedder = new RemoteEmbedder({
 *   provider: 'my-service', model: 'my-model', caller, limits: { maxInputs: 64 },
 *   embedBatch: async ({ endpoint, signal }, texts) => myClient.embed(endpoint, texts, { signal }),
 * });
 * const vectors = await embedder.embed(['a', 'b']);
 * ```
 */
export class RemoteEmbedder<E = unknown> extends BaseEmbedder {
  /** Provider name. */
  readonly provider: string;
  /** Model id. */
  readonly model: string;
  readonly #caller: ResilientCaller<E>;
  readonly #embedBatch: RemoteEmbedderOptions<E>['embedBatch'];
  readonly #limits: BatchLimits;
  readonly #concurrency: number;
  readonly #requested: number | undefined;
  readonly #prompts: EmbeddingPrompts;
  readonly #serverPrompt: RemoteEmbedderOptions<E>['serverPrompt'];
  #dimension: number | undefined;

  /**
   * @param options - provider, model, caller, request function, limits
   * @throws {@link ValidationError} when `dimensions` or `concurrency` is not a positive integer
   */
  constructor(options: RemoteEmbedderOptions<E>) {
    super();
    this.provider = options.provider;
    this.model = options.model;
    this.#caller = options.caller;
    this.#embedBatch = options.embedBatch;
    this.#limits = options.limits;
    this.#concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) throw new ValidationError('concurrency must be a positive integer');
    if (options.dimensions !== undefined && (!Number.isInteger(options.dimensions) || options.dimensions < 1)) {
      throw new ValidationError('dimensions must be a positive integer');
    }
    this.#requested = options.dimensions;
    this.#dimension = options.dimensions;
    this.#prompts = { ...options.prompts };
    this.#serverPrompt = options.serverPrompt;
  }

  /** The vector length: the requested `dimensions`, else learned from the first response. */
  get dimension(): number | undefined {
    return this.#dimension;
  }

  /**
   * What determines this embedder's output for an input type; the embedding cache keys on it.
   *
   * @param inputType - query or document
   * @returns provider, model, requested dimensions and prompt
   */
  fingerprint(inputType: 'query' | 'document' = 'document'): EmbedderFingerprint {
    const server = this.#serverPrompt?.(inputType);
    const prompt = server ? `${this.#prompt(inputType)}\u0000prompt_name=${server}` : this.#prompt(inputType);
    return { provider: this.provider, model: this.model, dimensions: this.#requested, prompt };
  }

  /**
   * {@inheritDoc Embedder.embed}
   * @throws {@link ValidationError} when an input is not a string
   * @throws {@link InvalidResponseError} when the provider returns the wrong count, mixed dimensions or non-numbers
   * @throws {@link AbortError} when the signal fires; {@link TimeoutError} when the last attempt timed out
   * @throws the provider's typed error (`RATE_LIMITED`, `PROVIDER_ERROR`, …) once retries are exhausted
   */
  async embed(texts: readonly string[], options: RemoteEmbedOptions = {}): Promise<Float32Array[]> {
    if (!Array.isArray(texts)) throw new ValidationError('embed() takes an array of strings');
    throwIfAborted(options.signal);
    if (texts.length === 0) return [];
    const inputType = options.inputType ?? 'document';
    const prompt = this.#prompt(inputType);
    const inputs = prompt ? texts.map((t) => (typeof t === 'string' ? prompt + t : t)) : texts;
    const balancer = this.#caller.balancer;
    return callInBatches(inputs, {
      provider: this.provider, caller: this.#caller, limits: this.#limits, concurrency: this.#concurrency,
      groupOf: balancer.strategy === 'consistent-hash' && balancer.size > 1 ? (t) => balancer.ownerOf(t) : undefined,
      send: async (ctx, slice) => this.#check(await this.#embedBatch(ctx, slice, inputType), slice.length),
    }, options);
  }

  /**
   * A short description (no credentials).
   *
   * @returns e.g. `RemoteEmbedder(openai:text-embedding-3-small)`
   */
  override toString(): string {
    return `RemoteEmbedder(${this.provider}:${this.model})`;
  }

  #prompt(inputType: 'query' | 'document'): string {
    return (inputType === 'query' ? this.#prompts.query : this.#prompts.document) ?? '';
  }

  /** Count, dimension and finiteness checks; a bad answer must not reach a store. */
  #check(vectors: Float32Array[], expected: number): Float32Array[] {
    const fail = (why: string) => new InvalidResponseError(why, { provider: this.provider });
    if (!Array.isArray(vectors) || vectors.length !== expected) {
      throw fail(`${this.provider} returned ${Array.isArray(vectors) ? vectors.length : 'no'} embeddings for ${expected} inputs`);
    }
    for (const v of vectors) {
      if (!(v instanceof Float32Array) || v.length === 0) throw fail(`${this.provider} returned an empty or non-numeric embedding`);
      this.#dimension ??= v.length;
      if (v.length !== this.#dimension) {
        throw fail(`${this.provider} returned an embedding of dimension ${v.length}, expected ${this.#dimension}`);
      }
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw fail(`${this.provider} returned a non-finite embedding value`);
    }
    return vectors;
  }
}
