/**
 * Embedding adapters trained on the user's own pairs: the adapter, its trainer (local and one federated round),
 * training data with cached base vectors, and retrieval metrics.
 *
 * @module
 */
export {
  Adapter, parameterLayout, resolveAdapterConfig,
  type AdapterApply, type AdapterConfig, type ParameterLayout, type ParameterSlot, type ResolvedAdapterConfig,
} from './adapter.js';
export {
  AdapterTrainer,
  type AdapterTrainerOptions, type CheckpointOptions, type FitOptions, type FitResult, type LocalTrainOptions, type LocalTrainResult,
} from './trainer.js';
export type { EpochRecord, TrainingHyperparameters } from './types.js';
export { embedTrainingPairs, type EmbeddedPairs, type EmbedPairsOptions, type TrainingPair } from './embedded-pairs.js';
export { retrievalMetrics, type RetrievalMetrics } from './metrics.js';
export {
  BASE_PROBE_TEXT, describeBaseModel, type BaseModelInfo,
} from './base-model.js';
export { loadAdapter, saveAdapter, type AdapterFile } from './adapter-file.js';
export {
  dedupePairs, parsePairsJsonl, readPairsJsonl, splitPairs, type DedupeResult, type PairSplit, type SplitOptions,
} from './pairs.js';
export {
  DEFAULT_QUESTION_PROMPT, generateSyntheticPairs, parseQuestions, type SyntheticPairsOptions, type SyntheticPairsResult,
} from './synthetic-pairs.js';
