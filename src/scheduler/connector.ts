/**
 * `LocalSchedulerConnector`: the fourth connector. It gives `Embedder`s and `Reranker`s backed by a local scheduler,
 * either in this process (a {@link LocalScheduler} or any {@link InferenceService}) or on a server started with
 * `abi-sdk serve`, reached through its OpenAI-compatible `/v1/embeddings` and TEI-compatible `/rerank` endpoints
 * by the OpenAI and Hugging Face connectors — so remote calls get the same retries, timeouts, rate limits, circuit
 * breakers and load balancing over several servers as every other connector.
 *
 * @module
 */
import type { CallOptions, EmbedOptions, Embedder } from '../core/contracts.js';
import type { RerankOptions, RerankResult, Reranker } from '../retrieval/reranker.js';
import { BaseEmbedder } from '../core/base-embedder.js';
import { ValidationError } from '../core/errors.js';
import { HuggingFaceConnector } from '../connectors/huggingface/connector.js';
import { OpenAIConnector } from '../connectors/openai/connector.js';
import type { RemoteConnectorOptions } from '../connectors/shared/options.js';
import { readEnv } from '../internal/env.js';
import type { InferenceService } from './types.js';

/** Options of {@link LocalSchedulerConnector}. */
export interface LocalSchedulerConnectorOptions extends Omit<RemoteConnectorOptions, 'endpoints'> {
  /** An in-process scheduler. When given, no network is used. */
  scheduler?: InferenceService;
  /**
   * Base URL(s) of `abi-sdk serve` servers (several are load-balanced), e.g. `http://gpu-box:8080`.
   * @defaultValue `ABI_LOCAL_SCHEDULER_URL`, else `LOCAL_SCHEDULER_URL`
   */
  url?: string | readonly string[];
  /**
   * API key sent as `Authorization: Bearer` to the server.
   * @defaultValue `ABI_LOCAL_SCHEDULER_API_KEY`, else none
   */
  apiKey?: string;
}

/** Options of {@link LocalSchedulerConnector.embedder}. */
export interface LocalSchedulerEmbedderOptions {
  /** Matryoshka truncation applied to every call. */
  dimensions?: number;
}

/**
 * Embedders and rerankers served by a local scheduler, in-process or over HTTP.
 *
 * @example
 * ```ts
 * const scheduler = await LocalScheduler.create({ models: './models' });
 * const local = new LocalSchedulerConnector({ scheduler });
 * const vectors = await local.embedder('all-MiniLM-L6-v2').embedDocuments(['a', 'b']);
 * // or, against `abi-sdk serve` on another machine (ABI_LOCAL_SCHEDULER_URL):
 * const remote = new LocalSchedulerConnector({ url: 'http://gpu-box:8080' });
 * ```
 */
export class LocalSchedulerConnector {
  readonly #scheduler: InferenceService | undefined;
  readonly #urls: string[];
  readonly #options: LocalSchedulerConnectorOptions;
  #openai: OpenAIConnector | undefined;
  #hf: HuggingFaceConnector | undefined;

  /**
   * @param options - an in-process scheduler, or server URL(s) and resilience settings
   * @throws {@link ValidationError} when neither a scheduler nor a URL is configured
   */
  constructor(options: LocalSchedulerConnectorOptions = {}) {
    this.#options = options;
    this.#scheduler = options.scheduler;
    const url = options.url ?? readEnv('ABI_LOCAL_SCHEDULER_URL', 'LOCAL_SCHEDULER_URL');
    this.#urls = (typeof url === 'string' ? [url] : [...(url ?? [])]).map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean);
    if (!this.#scheduler && this.#urls.length === 0) {
      throw new ValidationError('LocalSchedulerConnector needs a scheduler or a server URL (url, ABI_LOCAL_SCHEDULER_URL or LOCAL_SCHEDULER_URL)');
    }
  }

  /** Where calls go: `in-process` or the server URLs. */
  get target(): string {
    return this.#scheduler ? 'in-process' : this.#urls.join(', ');
  }

  /**
   * An embedder for one of the scheduler's embedding models.
   *
   * @param model - the model's id (its folder name on the server)
   * @param options - default dimensions
   * @returns the embedder
   */
  embedder(model: string, options: LocalSchedulerEmbedderOptions = {}): Embedder {
    if (this.#scheduler) return new ScheduledEmbedder(this.#scheduler, model, options.dimensions);
    this.#openai ??= new OpenAIConnector({
      ...this.#resilience(),
      apiKey: this.#apiKey() ?? 'no-key',
      endpoints: this.#urls.map((u) => `${u}/v1`),
    });
    return this.#openai.embedder(model, { dimensions: options.dimensions });
  }

  /**
   * A reranker for one of the scheduler's cross-encoders.
   *
   * @param model - the model's id
   * @returns the reranker
   */
  reranker(model: string): Reranker {
    if (this.#scheduler) return new ScheduledReranker(this.#scheduler, model);
    this.#hf ??= new HuggingFaceConnector({
      ...this.#resilience(),
      ...(this.#apiKey() ? { apiToken: this.#apiKey() } : {}),
      endpoints: this.#urls,
    });
    return this.#hf.reranker(model);
  }

  /** Never prints the key. */
  toString(): string {
    return `LocalSchedulerConnector(${this.target})`;
  }

  #apiKey(): string | undefined {
    return this.#options.apiKey?.trim() || readEnv('ABI_LOCAL_SCHEDULER_API_KEY');
  }

  #resilience(): Omit<RemoteConnectorOptions, 'endpoints'> {
    const { scheduler: _s, url: _u, apiKey: _k, ...rest } = this.#options;
    return rest;
  }
}

/** An embedder over an in-process {@link InferenceService}. */
class ScheduledEmbedder extends BaseEmbedder {
  readonly model: string;
  readonly #service: InferenceService;
  readonly #dimensions: number | undefined;

  constructor(service: InferenceService, model: string, dimensions: number | undefined) {
    super();
    this.#service = service;
    this.model = model;
    this.#dimensions = dimensions;
  }

  get dimension(): number | undefined {
    return this.#dimensions ?? this.#service.models().find((m) => m.id === this.model)?.dimension;
  }

  embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    return this.#service.embed(this.model, texts, {
      dimensions: this.#dimensions, kind: options.inputType, signal: callSignal(options),
    });
  }
}

/** A reranker over an in-process {@link InferenceService}. */
class ScheduledReranker implements Reranker {
  readonly model: string;
  readonly #service: InferenceService;

  constructor(service: InferenceService, model: string) {
    this.#service = service;
    this.model = model;
  }

  rerank(query: string, documents: readonly string[], options: RerankOptions = {}): Promise<RerankResult[]> {
    return this.#service.rerank(this.model, query, documents, { topN: options.topN, signal: callSignal(options) });
  }
}

/** The caller's signal, combined with its timeout when one is given. */
function callSignal(options: CallOptions): AbortSignal | undefined {
  const signals = [options.signal, options.timeout === undefined ? undefined : AbortSignal.timeout(options.timeout)].filter((s): s is AbortSignal => !!s);
  return signals.length <= 1 ? signals[0] : AbortSignal.any(signals);
}
