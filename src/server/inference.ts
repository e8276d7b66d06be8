// What every inference route shares, whatever its protocol: model lookup and allow-lists, request limits, per-key
// rate limits, the optional embedding cache, spans and metrics around the service call.
import type { RerankResult } from '../retrieval/reranker.js';
import type { Embedder, EmbedOptions } from '../core/contracts.js';
import { ModelNotFoundError, PermissionDeniedError, PoolUnhealthyError, RateLimitError } from '../core/errors.js';
import { CachedEmbedder } from '../embedders/cached.js';
import type { EmbeddingCache } from '../cache/types.js';
import { estimateTokens } from '../resilience/batching.js';
import { RateLimiter } from '../resilience/rate-limit.js';
import type { InferenceService, ServedModel, ServiceHealth } from '../scheduler/types.js';
import type { KeyRateLimit } from './auth/keys.js';
import { HttpError } from './error-status.js';
import type { RequestContext } from './http.js';
import type { ServerMetrics } from './metrics.js';
import { inSpan } from './tracing.js';
import type { Context } from '@opentelemetry/api';

/** Request limits of the server. */
export interface ServerLimits {
  /**
   * Largest request body, in bytes (413 past it).
   * @defaultValue 4 MiB
   */
  maxBodyBytes?: number;
  /**
   * Most texts (or documents to rerank) per request (413 past it).
   * @defaultValue 2048
   */
  maxInputs?: number;
  /**
   * Most tokens per request, estimated from UTF-8 bytes like the connectors do (413 past it).
   * @defaultValue 1_000_000
   */
  maxTokensPerRequest?: number;
  /**
   * Per-key rate limits (a key's own `rateLimit` overrides them); requests past them get 429 with `Retry-After`.
   * Without authentication every caller shares one `anonymous` budget.
   * @defaultValue unlimited
   */
  rateLimit?: KeyRateLimit;
}

/** Limits with defaults applied. */
export type ResolvedLimits = Required<Omit<ServerLimits, 'rateLimit'>> & { rateLimit: KeyRateLimit | undefined };

/**
 * Applies defaults to limits.
 *
 * @param limits - given limits
 * @returns every limit set
 */
export function resolveLimits(limits: ServerLimits = {}): ResolvedLimits {
  return {
    maxBodyBytes: limits.maxBodyBytes ?? 4 * 1024 * 1024,
    maxInputs: limits.maxInputs ?? 2048,
    maxTokensPerRequest: limits.maxTokensPerRequest ?? 1_000_000,
    rateLimit: limits.rateLimit,
  };
}

/** Runs inference for the routes; one per server. */
export class InferenceGateway {
  readonly #service: InferenceService;
  readonly #limits: ResolvedLimits;
  readonly #metrics: ServerMetrics | undefined;
  readonly #cache: EmbeddingCache | undefined;
  readonly #limiters = new Map<string, RateLimiter>();
  /** Whether a failing cache tier was logged already (once per server, not once per request). */
  #cacheWarned = false;

  constructor(service: InferenceService, limits: ResolvedLimits, metrics: ServerMetrics | undefined, cache: EmbeddingCache | undefined) {
    this.#service = service;
    this.#limits = limits;
    this.#metrics = metrics;
    this.#cache = cache;
  }

  /** Models the caller may see (its key's allow-list applied). */
  visibleModels(ctx: RequestContext): ServedModel[] {
    const allowed = ctx.key?.models;
    return this.#service.models().filter((m) => !allowed || allowed.includes(m.id));
  }

  /**
   * The model a request names (or the first of its kind when it names none), checked against the key's allow-list.
   *
   * @throws `ModelNotFoundError` (404) for an unknown model, `PermissionDeniedError` (403) for one the
   *   key may not use
   */
  resolveModel(ctx: RequestContext, kind: ServedModel['kind'], requested: string | undefined): ServedModel {
    const models = this.#service.models().filter((m) => m.kind === kind);
    const model = requested === undefined
      ? models.find((m) => !ctx.key?.models || ctx.key.models.includes(m.id))
      : models.find((m) => m.id === requested);
    if (!model) {
      throw new ModelNotFoundError(requested === undefined ? `No ${kind} model is served` : `The model "${requested}" does not exist or is not an ${kind} model`, {
        provider: 'abi-sdk', status: 404,
      });
    }
    if (ctx.key?.models && !ctx.key.models.includes(model.id)) {
      throw new PermissionDeniedError(`This API key may not use the model "${model.id}"`, { provider: 'abi-sdk', status: 403 });
    }
    return model;
  }

  /**
   * Embeds texts for a route.
   *
   * @returns vectors in order and the estimated prompt tokens
   */
  async embed(ctx: RequestContext, otelCtx: Context, model: ServedModel, texts: readonly string[], options: { dimensions?: number; kind?: 'query' | 'document' }): Promise<{ vectors: Float32Array[]; tokens: number }> {
    const tokens = await this.#admit(ctx, texts);
    const started = performance.now();
    const vectors = await inSpan(otelCtx, 'abi.embed', { 'abi.model': model.id, 'abi.inputs': texts.length, 'abi.tokens': tokens }, async () => {
      if (!this.#cache) return this.#service.embed(model.id, texts, { ...options, signal: ctx.signal });
      return this.#cached(ctx, model, texts, options);
    });
    this.#count(model.id, 'embed', texts.length, tokens, started);
    return { vectors, tokens };
  }

  /**
   * Reranks documents for a route.
   *
   * @returns results best first and the estimated tokens
   */
  async rerank(ctx: RequestContext, otelCtx: Context, model: ServedModel, query: string, documents: readonly string[], topN: number | undefined): Promise<{ results: RerankResult[]; tokens: number }> {
    const queryTokens = estimateTokens(query);
    const tokens = await this.#admit(ctx, documents, queryTokens * documents.length);
    const started = performance.now();
    const results = await inSpan(otelCtx, 'abi.rerank', { 'abi.model': model.id, 'abi.inputs': documents.length, 'abi.tokens': tokens }, () =>
      this.#service.rerank(model.id, query, documents, { ...(topN !== undefined ? { topN } : {}), signal: ctx.signal }));
    this.#count(model.id, 'rerank', documents.length, tokens, started);
    return { results, tokens };
  }

  /**
   * The service's health: its own `health()` when it has one, else `ok` while it is ready. What `/health` reports.
   *
   * @returns the health
   */
  health(): ServiceHealth {
    return serviceHealth(this.#service);
  }

  /** Checks the service's health and the request limits, and takes from the key's rate budget; returns the estimated tokens. */
  async #admit(ctx: RequestContext, texts: readonly string[], extraTokens = 0): Promise<number> {
    // A pool that keeps crashing answers at once (503, Retry-After) instead of queueing work it cannot run.
    const health = this.#service.health?.();
    if (health?.status === 'unhealthy') {
      throw new PoolUnhealthyError(`the inference service is unhealthy: ${health.reason ?? 'its worker pool is failing'}`);
    }
    const l = this.#limits;
    if (texts.length > l.maxInputs) throw new HttpError(413, 'CAPACITY_EXCEEDED', `Too many inputs: ${texts.length} > ${l.maxInputs} per request`);
    let tokens = extraTokens;
    for (const t of texts) tokens += estimateTokens(t);
    if (tokens > l.maxTokensPerRequest) {
      throw new HttpError(413, 'CAPACITY_EXCEEDED', `Too many tokens: about ${tokens} > ${l.maxTokensPerRequest} per request`);
    }
    const limiter = this.#limiter(ctx);
    if (limiter) {
      try {
        await limiter.acquire(tokens, { signal: ctx.signal });
      } catch (err) {
        if (err instanceof RateLimitError) {
          this.#metrics?.rateLimited.inc({ principal: ctx.key?.principal ?? 'anonymous' });
          throw new RateLimitError('Rate limit reached for this API key', {
            provider: 'abi-sdk', status: 429, retryAfterMs: err.retryAfterMs,
          });
        }
        throw err;
      }
    }
    return tokens;
  }

  #limiter(ctx: RequestContext): RateLimiter | undefined {
    const budget = ctx.key?.rateLimit ?? this.#limits.rateLimit;
    if (!budget || (budget.requestsPerMinute === undefined && budget.tokensPerMinute === undefined)) return undefined;
    const id = ctx.key?.id ?? 'anonymous';
    let limiter = this.#limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiter({ ...budget, maxWaitMs: 0 });
      this.#limiters.set(id, limiter);
    }
    return limiter;
  }

  /**
   * Embeds through the cache with {@link CachedEmbedder}'s rules (one place for them): a tier that throws counts as a
   * miss and the texts are computed (logged once per tier), a cached vector of the wrong length is ignored, repeated
   * texts are computed once. Keys are `(abi-server, model[+adapter], dimensions, prompt, text)`.
   */
  async #cached(ctx: RequestContext, served: ServedModel, texts: readonly string[], options: { dimensions?: number; kind?: 'query' | 'document' }): Promise<Float32Array[]> {
    const model = served.id;
    // A served adapter is part of the key: a cache kept across restarts must not return base vectors for adapted ones.
    const keyModel = served.adapter ? `${model}+${served.adapter}` : model;
    const service = this.#service;
    const inner: Embedder = {
      model,
      dimension: options.dimensions ?? served.dimension,
      embed: (batch: readonly string[], o: EmbedOptions = {}) => service.embed(model, batch, { ...options, signal: o.signal }),
      embedQuery: async (text, o = {}) => (await service.embed(model, [text], { ...options, kind: 'query', signal: o.signal }))[0],
      embedDocuments: (batch, o = {}) => service.embed(model, batch, { ...options, kind: 'document', signal: o.signal }),
    };
    const cached = new CachedEmbedder({
      embedder: inner, cache: this.#cache!,
      fingerprint: () => ({ provider: 'abi-server', model: keyModel, dimensions: options.dimensions, prompt: options.kind ?? '' }),
      onWarning: (message) => {
        if (this.#cacheWarned) return;
        this.#cacheWarned = true;
        ctx.log.warn({ cache: this.#cache!.name }, message);
      },
    });
    try {
      return await cached.embed(texts, { signal: ctx.signal });
    } finally {
      const { hits, misses } = cached.stats;
      this.#metrics?.cacheHits.inc({ model }, hits);
      if (misses) this.#metrics?.cacheMisses.inc({ model }, misses);
    }
  }

  #count(model: string, operation: 'embed' | 'rerank', texts: number, tokens: number, started: number): void {
    const m = this.#metrics;
    if (!m) return;
    m.texts.inc({ model, operation }, texts);
    m.tokens.inc({ model, operation }, tokens);
    m.requestSize.observe({ operation }, texts);
    m.inferenceSeconds.observe({ model, operation }, (performance.now() - started) / 1000);
  }
}

/**
 * A service's health: its own `health()` when it has one, else `ok` while it is ready.
 *
 * @param service - the service
 * @returns the health
 * @internal
 */
export function serviceHealth(service: InferenceService): ServiceHealth {
  return service.health?.() ?? { status: 'ok' };
}

/**
 * A service with no models, for a server that only hosts a federated coordinator: model lists are empty and every
 * inference request is a 404 model-not-found.
 *
 * @internal
 */
export function noModels(): InferenceService {
  const none = (model: string): never => {
    throw new ModelNotFoundError(`model "${model}" is not served here (this server hosts only federated training)`, { provider: 'abi-sdk', status: 404 });
  };
  return {
    embed: async (model) => none(model),
    rerank: async (model) => none(model),
    models: () => [],
    stats: () => ({ queuedJobs: 0, queuedTokens: 0, runningJobs: 0, completedJobs: 0, rejectedJobs: 0, failedJobs: 0, batches: 0, workers: 0 }),
    ready: () => true,
    close: async () => {},
  };
}
