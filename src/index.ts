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
 */
export * from './core/errors.js';
export type * from './core/contracts.js';
export * from './core/filter.js';
export { BaseEmbedder } from './core/base-embedder.js';
export { HashingEmbedder, type HashingEmbedderOptions } from './embedders/hashing.js';
export { VectorStore } from './store/vector-store.js';
export type {
  DistanceMetric, DurabilityMode, FlatIndexOptions, FusionOptions, HnswIndexOptions, IndexOptions, IvfPqIndexOptions,
  RrfFusion, SearchHit, SearchOptions, SearchQuery, StoredRecord, TextIndexOptions, VectorRecord, VectorStoreBackend,
  VectorStoreOptions, VectorStoreStats, WeightedFusion, WriteOptions,
} from './store/types.js';
export type { TextLanguage } from './store/text/analyzer.js';
export {
  reciprocalRankFusion, weightedScoreFusion,
  type RankedItem, type FusedItem, type RrfOptions, type WeightedFusionOptions, type ScoreNormalization,
} from './rerank/fusion.js';
export { maximalMarginalRelevance, type MmrOptions } from './rerank/mmr.js';
