/**
 * abi-sdk: embed, store, search and rerank text on Node.js, locally or through remote providers.
 *
 * The root entry exports the contracts ({@link Embedder}, {@link Reranker}, {@link Generator}), the error
 * hierarchy ({@link AbiError} and its families), the filter language ({@link Filter}) and every component.
 *
 * @example
 * ```ts
 * import { HashingEmbedder } from 'abi-sdk';
 * const embedder = new HashingEmbedder({ dimension: 256 });
 * const [vector] = await embedder.embed(['hello world']);
 * ```
 *
 * @packageDocumentation
 * @module abi-sdk
 */
export * from './core/errors.js';
export type * from './core/contracts.js';
export * from './core/filter.js';
export { BaseEmbedder } from './core/base-embedder.js';
export { HashingEmbedder, type HashingEmbedderOptions } from './embedders/hashing.js';
export { VectorStore } from './store/vector-store.js';
export { migrateStore, type MigrateOptions, type MigrateProgress, type MigrateResult } from './backends/migrate.js';
export type {
  DistanceMetric, DurabilityMode, RecoverMode, FlatIndexOptions, FusionOptions, HnswIndexOptions, IndexOptions, IvfPqIndexOptions,
  RrfFusion, ScannableBackend, ScanOptions, SearchHit, SearchOptions, SearchQuery, StoredRecord, TextIndexOptions, VectorRecord, VectorStoreBackend,
  VectorStoreOptions, VectorStoreStats, WeightedFusion, WriteOptions, StoreErrorEvent, StoreFailureInfo, StoreJob,
} from './store/types.js';
export { type Clock, systemClock } from './resilience/clock.js';
export {
  backoffDelay, DEFAULT_RETRY_OPTIONS, isRetryable, parseRetryAfter, requestedDelay, resolveRetryOptions, retryDelay,
  type RetryOptions,
} from './resilience/retry.js';
export { withTimeout } from './resilience/timeout.js';
export {
  CircuitBreaker, type CallOutcome, type CircuitBreakerOptions, type CircuitState,
} from './resilience/breaker.js';
export { RateLimiter, type RateLimitOptions } from './resilience/rate-limit.js';
export {
  LoadBalancer, type BalanceStrategy, type BalancerOptions, type EndpointLease, type EndpointSpec, type EndpointStatus,
  type HealthProbeOptions,
} from './resilience/balancer.js';
export {
  estimateTokens, planBatches, runBatches, type Batch, type BatchLimits, type RunBatchesOptions,
} from './resilience/batching.js';
export {
  defaultClassify, ResilientCaller, type AttemptContext, type ResilientCallerOptions, type ResilientCallOptions,
} from './resilience/caller.js';
export { resilientStream } from './resilience/stream.js';
export type {
  BreakerEvent, EjectedEvent, ProbeEvent, ResilienceEvent, ResilienceEventListener, RetryEvent,
} from './resilience/events.js';
export type {
  ConnectorBalancerOptions, EndpointConfig, HealthCheckOptions, RemoteConnectorOptions,
} from './connectors/shared/options.js';
export {
  RemoteEmbedder, type RemoteEmbedderOptions, type RemoteEmbedOptions,
} from './connectors/shared/remote-embedder.js';
export {
  RemoteGenerator, type RemoteChatOptions, type RemoteGeneratorOptions,
} from './connectors/shared/remote-generator.js';
export {
  RemoteReranker, type RemoteRerankerOptions, type RemoteRerankOptions,
} from './connectors/shared/remote-reranker.js';
export {
  OPENAI_DEFAULT_BASE_URL, OpenAIConnector, type OpenAIConnectorOptions, type OpenAIEmbedderOptions,
  type OpenAIGeneratorOptions,
} from './connectors/openai/connector.js';
export {
  OLLAMA_DEFAULT_HOST, OllamaConnector, type OllamaConnectorOptions, type OllamaEmbedderOptions,
  type OllamaGeneratorOptions, type OllamaModelInfo, type OllamaPullProgress,
} from './connectors/ollama/connector.js';
export {
  HuggingFaceConnector, type HuggingFaceConnectorOptions, type HuggingFaceEmbedderOptions,
  type HuggingFaceRerankerOptions, type PromptNames,
} from './connectors/huggingface/connector.js';
export { embeddingCacheKey, embeddingCacheKeys, type EmbeddingKeyParts } from './cache/key.js';
export type { EmbeddingCache } from './cache/types.js';
export { LruEmbeddingCache, type LruEmbeddingCacheOptions } from './cache/lru.js';
export { RedisEmbeddingCache, type RedisClientLike, type RedisEmbeddingCacheOptions, type RedisPipelineLike } from './cache/redis.js';
export { CachedEmbedder, type CachedEmbedderOptions, type EmbeddingCacheStats } from './cache/cached-embedder.js';
export type { TextLanguage } from './store/text/analyzer.js';
export {
  reciprocalRankFusion, weightedScoreFusion,
  type RankedItem, type FusedItem, type RrfOptions, type WeightedFusionOptions, type ScoreNormalization,
} from './ranking/fusion.js';
export { maximalMarginalRelevance, type MmrOptions } from './ranking/mmr.js';
export {
  Retriever, type AddDocumentsOptions, type RetrievedHit, type RetrieveOptions, type RetrieverOptions,
} from './rerank/retriever.js';
export * from './hub/index.js';
export * from './engine/index.js';
export * from './scheduler/index.js';
export * from './training/index.js';
