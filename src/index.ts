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
// Every name below is a decision: named re-exports only (no `export *`), so a new module export stays internal until
// it is listed here, and etc/abi-sdk.api.md (npm run api:check) shows every change as a diff.
export {
  AbiError, type AbiErrorCode, type AbiErrorOptions, AbortError, AuthenticationError, CapacityError, CircuitOpenError,
  ClosedError, ConflictError, ConnectionError, ConnectorError, type ConnectorErrorOptions, CorruptDataError, DataFormatError,
  DimensionMismatchError, EntryNotFoundError, GatedRepoError, HubError, type HubErrorOptions, InvalidFilterError,
  InvalidResponseError, InvalidUpdateError, IOError, LockedError, MissingApiKeyError, ModelLoadError, ModelLoadingError,
  ModelMismatchError, ModelNotCachedError, ModelNotFoundError, NotFoundError, OverloadedError, PermissionDeniedError,
  ProviderError, RateLimitError, RepoNotFoundError, RevisionNotFoundError, StoreError, StoreIntegrityError, TimeoutError,
  UnsupportedError, UsageError, ValidationError, WorkerCrashedError, connectorErrorFromStatus, isAbiError,
  CallbackError, DurabilityError, NoSpaceError, PoolUnhealthyError, SourceError,
} from './core/errors.js';
export type {
  CallOptions, ChatDelta, ChatMessage, ChatOptions, ChatResult, Document, DrainOptions, EmbedOptions, Embedder,
  EmbedderFingerprint, EmbeddingPrompts, FinishReason, Generator, Metadata, MetadataValue, TokenUsage,
} from './core/contracts.js';
export type { RerankOptions, Reranker, RerankResult } from './retrieval/reranker.js';
export {
  compileFilter, parseFilter, type AndNode, type FieldCondition, type FieldNode, type FieldOperator, type FieldOperators,
  type Filter, type FilterNode, type FilterScalar, type NotNode, type OrNode,
} from './core/filter.js';
export { BaseEmbedder } from './core/base-embedder.js';
export { HashingEmbedder, type HashingEmbedderOptions } from './embedders/hashing.js';
export { VectorStore } from './store/vector-store.js';
export type { VectorStoreSettings } from './store/settings.js';
export { migrateStore, type MigrateOptions, type MigrateProgress, type MigrateResult } from './backends/migrate.js';
export { DEFAULT_UPSERT_BATCH, upsertStream, type UpsertStreamOptions, type UpsertStreamResult } from './store/upsert-stream.js';
export {
  DEFAULT_INDEX_GLOB, indexFiles, type IndexFailure, type IndexFilesOptions, type IndexFilesResult, type IndexProgress,
} from './indexing/index-files.js';
export { extractText, type FileKind, fileKind, readText } from './indexing/loaders.js';
export {
  createTextSplitter, DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE, resolveChunking, type TextSplitter, type TextSplitterOptions,
} from './indexing/splitter.js';
export { embedStream, type EmbedStreamOptions, type TextRecord } from './indexing/embed-stream.js';
export type {
  DurabilityMode, RecoverMode, FlatIndexOptions, HnswIndexOptions, IndexOptions, IvfIndexOptions, IvfPqIndexOptions, TextIndexOptions,
  VectorStoreOptions, VectorStoreStats, FilterPlanCounts, SearchPoolStats, StoreErrorEvent, StoreFailureInfo, StoreJob,
} from './store/types.js';
export type {
  DistanceMetric, FusionOptions, HybridSearchBackend, RrfFusion, ScannableBackend, ScanOptions, SearchHit,
  SearchOptions, SearchQuery, StoredRecord, VectorRecord, VectorStoreBackend, WeightedFusion, WriteOptions,
} from './retrieval/backend.js';
export type { Clock } from './resilience/clock.js';
export { DEFAULT_RETRY_OPTIONS, isRetryable, type RetryOptions } from './resilience/retry.js';
export {
  CircuitBreaker, type CallOutcome, type CircuitBreakerOptions, type CircuitState,
} from './resilience/breaker.js';
export { RateLimiter, type RateLimitOptions } from './resilience/rate-limit.js';
export {
  LoadBalancer, type BalanceStrategy, type BalancerOptions, type EndpointLease, type EndpointSpec, type EndpointStatus,
  type HealthProbeOptions,
} from './resilience/balancer.js';
export type { BatchLimits } from './resilience/batching.js';
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
export { RemoteConnector, type ConnectorEndpoint } from './connectors/shared/connector.js';
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
export type { EmbeddingCache } from './cache/types.js';
export { LruEmbeddingCache, type LruEmbeddingCacheOptions } from './cache/lru.js';
export { RedisEmbeddingCache, type RedisClientLike, type RedisEmbeddingCacheOptions, type RedisPipelineLike } from './cache/redis.js';
export { CachedEmbedder, type CachedEmbedderOptions, type EmbeddingCacheStats } from './embedders/cached.js';
export type { TextLanguage } from './store/text/analyzer.js';
export {
  reciprocalRankFusion, weightedScoreFusion,
  type RankedItem, type FusedItem, type RrfOptions, type WeightedFusionOptions, type ScoreNormalization,
} from './retrieval/fusion.js';
export { maximalMarginalRelevance, type MmrOptions } from './retrieval/mmr.js';
export {
  Retriever, type AddDocumentsOptions, type RetrievedHit, type RetrieveOptions, type RetrieverOptions,
} from './retrieval/retriever.js';
// Models by name from the Hugging Face Hub.
export { HF_DEFAULT_ENDPOINT, HubClient, type HubClientOptions, type HubFileMeta, type HubModelInfo } from './hub/client.js';
export { type CachedModel, hubCacheDir, listCachedModels, removeCachedModel } from './hub/cache.js';
export type { HubDtype } from './hub/files.js';
export { DEFAULT_REVISION, type HubModelRef } from './hub/model-id.js';
export { pullModel, type PulledModel, type PullModelOptions, type PullProgress } from './hub/pull.js';
// The local inference engine.
export { LocalEmbedder, type LocalEmbedderOptions, type LocalEmbedOptions } from './engine/local-embedder.js';
export {
  LocalCrossEncoder, type LocalCrossEncoderOptions, type ScoreActivation, type ScoreOptions,
} from './engine/cross-encoder.js';
export {
  ModelRegistry, type MemoryReport, type ModelMemoryEntry, type ModelRegistryOptions, type UnloadOptions,
} from './engine/registry.js';
// ModelRegistry.load and .use hand out LoadedModel instances; only the registry constructs them.
export type { LoadedModel, ModelLoadOptions } from './engine/loaded-model.js';
export {
  readModelFolder, type ModelDtype, type ModelFolderInfo, type ModelFolderOptions, type PoolingStrategy, type PromptPair,
} from './engine/model-folder.js';
export { TextTokenizer, type TextTokenizerOptions, type TokenizedTexts } from './engine/tokenizer.js';
export type { LocalBatchingOptions } from './engine/batcher.js';
export type { Device } from './engine/device.js';
export type { SessionOptions } from './engine/session.js';
export type { PretrainedOptions } from './engine/pretrained.js';
// The local scheduler: worker pool, dynamic batching, and the connector over it.
export { LocalScheduler } from './scheduler/local-scheduler.js';
export {
  LocalSchedulerConnector, type LocalSchedulerConnectorOptions, type LocalSchedulerEmbedderOptions,
} from './scheduler/connector.js';
export type { HubSourceOptions } from './scheduler/types.js';
export type {
  BatchReport, InferenceService, LocalSchedulerOptions, ModelSource, ScheduledEmbedOptions, ScheduledRerankOptions, SchedulerStats,
  SchedulerEvents, ServiceHealth, WorkerRespawnOptions,
  ServedModel,
} from './scheduler/types.js';
// Embedding adapters trained on the user's own pairs.
export {
  Adapter, type AdapterApply, type AdapterConfig, type ParameterSlot, type ResolvedAdapterConfig,
} from './training/adapter.js';
export {
  AdapterTrainer,
  type AdapterTrainerOptions, type CheckpointOptions, type FitOptions, type FitResult, type LocalTrainOptions,
  type LocalTrainResult,
} from './training/trainer.js';
export type { EpochRecord, TrainingHyperparameters } from './training/types.js';
export { embedTrainingPairs, type EmbeddedPairs, type EmbedPairsOptions, type TrainingPair } from './training/embedded-pairs.js';
export { retrievalMetrics, type RetrievalMetrics } from './training/metrics.js';
export { describeBaseModel, type BaseModelInfo } from './training/base-model.js';
export { loadAdapter, saveAdapter, type AdapterFile } from './training/adapter-file.js';
export {
  AdaptedEmbedder, adapterId, applyAdapter, type AdaptedEmbedderOptions, type ApplyAdapterOptions, type LoadAdaptedEmbedderOptions,
} from './embedders/adapted.js';
export {
  dedupePairs, parsePairsJsonl, readPairsJsonl, splitPairs, type DedupeResult, type PairSplit, type SplitOptions,
} from './training/pairs.js';
export {
  DEFAULT_QUESTION_PROMPT, generateSyntheticPairs, parseQuestions, type SyntheticPairsOptions, type SyntheticPairsResult,
} from './training/synthetic-pairs.js';
