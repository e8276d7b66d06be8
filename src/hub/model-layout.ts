/**
 * The file layout of a model folder as the engine reads it (transformers.js / sentence-transformers conventions):
 * which ONNX file each dtype picks, where it may sit, its external-data companions, and the small JSON files read.
 * Shared by the folder reader (src/engine/model-folder.ts) and the Hub downloader (src/hub/files.ts), so a
 * downloaded model holds exactly what loading it opens.
 *
 * @internal
 * @module
 */

/** ONNX file names per dtype, in the order the engine tries them. @internal */
export const ONNX_VARIANT_FILES: Readonly<Record<'fp32' | 'fp16' | 'int8', readonly string[]>> = {
  fp32: ['model.onnx'],
  fp16: ['model_fp16.onnx'],
  int8: ['model_quantized.onnx', 'model_int8.onnx', 'model_qint8.onnx', 'model_uint8.onnx'],
};

/** Sub-folders searched for the ONNX file, in order (`onnx/model.onnx` before `model.onnx`). @internal */
export const ONNX_DIRS: readonly string[] = ['onnx', '.'];

/** Suffixes of an ONNX file's external-data companion (`model.onnx_data`, `model.onnx.data`). @internal */
export const EXTERNAL_DATA_SUFFIXES: readonly string[] = ['_data', '.data'];

/** Small files the engine reads when present (config.json and tokenizer.json are required). @internal */
export const MODEL_JSON_FILES: readonly string[] = [
  'config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'modules.json',
  'sentence_bert_config.json', 'config_sentence_transformers.json',
];

/** Files a model folder cannot load without. @internal */
export const REQUIRED_MODEL_FILES: readonly string[] = ['config.json', 'tokenizer.json'];
