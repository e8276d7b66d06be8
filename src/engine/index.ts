/**
 * The local inference engine: Hugging Face model folders on onnxruntime-node.
 *
 * @module
 */
export { LocalEmbedder, type LocalEmbedderOptions, type LocalEmbedOptions } from './local-embedder.js';
export {
  LocalCrossEncoder, type LocalCrossEncoderOptions, type ScoreActivation, type ScoreOptions,
} from './cross-encoder.js';
export {
  ModelRegistry, type MemoryReport, type ModelMemoryEntry, type ModelRegistryOptions, type UnloadOptions,
} from './registry.js';
export { LoadedModel, type ModelLoadOptions } from './loaded-model.js';
export {
  readModelFolder, type ModelDtype, type ModelFolderInfo, type ModelFolderOptions, type PoolingStrategy, type PromptPair,
} from './model-folder.js';
export { TextTokenizer, concatTokenized, type TextTokenizerOptions, type TokenizedTexts } from './tokenizer.js';
export type { LocalBatchingOptions } from './batcher.js';
export type { Device } from './device.js';
export type { SessionOptions } from './session.js';
