// Reads a model folder in the Hugging Face layout (as transformers.js and sentence-transformers write it) into one
// plain description: which ONNX file, max length, pooling, normalization, prompts, padding side.
import { readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ModelLoadError, UnsupportedError, ValidationError } from '../core/errors.js';
import { EXTERNAL_DATA_SUFFIXES, ONNX_DIRS, ONNX_VARIANT_FILES } from '../hub/model-layout.js';

/** Weight precision of the ONNX file to load; picks the matching file of the folder. */
export type ModelDtype = 'fp32' | 'fp16' | 'int8';

/**
 * How token vectors become one text vector: attention-masked `mean`, `cls` (first token), `max` over tokens,
 * `lasttoken` (the last real token, for decoder-style embedders; padding-side aware), `mean_sqrt_len`
 * (sum divided by the square root of the token count), or `none` when the graph already outputs
 * `sentence_embedding`.
 */
export type PoolingStrategy = 'mean' | 'cls' | 'max' | 'lasttoken' | 'mean_sqrt_len' | 'none';

/** Query and document prefixes prepended to texts before tokenization. */
export interface PromptPair {
  /** Prepended to queries (`embedQuery`, `inputType: 'query'`). */
  query: string;
  /** Prepended to documents (`embedDocuments`, the default input type). */
  document: string;
}

/** What was read from a model folder. */
export interface ModelFolderInfo {
  /** Absolute folder path. */
  dir: string;
  /** Model identifier: the folder's `_name_or_path` in config.json, else the folder name. */
  name: string;
  /** Absolute path of the ONNX file chosen for the dtype. */
  onnxFile: string;
  /** The dtype of that file. */
  dtype: ModelDtype;
  /** Bytes of the ONNX file plus its external-data file, if any (the weights' size on disk). */
  weightBytes: number;
  /** Absolute path of tokenizer.json. */
  tokenizerFile: string;
  /** `model_type` from config.json, when present. */
  modelType: string | undefined;
  /** Whether config.json names a sequence-classification architecture (cross-encoders). */
  isClassifier: boolean;
  /** `hidden_size` from config.json, when present. */
  hiddenSize: number | undefined;
  /** Labels of a classifier, index → name, when config.json has `id2label`. */
  labels: string[] | undefined;
  /** Token limit per text (or per pair): options > sentence_bert_config > tokenizer_config > config; capped by positions. */
  maxLength: number;
  /** Padding side from tokenizer_config.json (`padding_side`), default right. */
  paddingSide: 'left' | 'right';
  /** Pooling from the sentence-transformers Pooling module, when the folder has one. */
  pooling: PoolingStrategy | undefined;
  /** Whether pooled vectors exclude prompt tokens (`include_prompt: false`). */
  excludePrompt: boolean;
  /** `true` when modules.json lists a Normalize module, `false` when it lists none, `undefined` without modules.json. */
  normalize: boolean | undefined;
  /** Prompts from config_sentence_transformers.json or the model family's known convention. */
  prompts: PromptPair | undefined;
}

/** Options of {@link readModelFolder}. */
export interface ModelFolderOptions {
  /**
   * Which ONNX variant to load.
   * @defaultValue `'fp32'`
   */
  dtype?: ModelDtype;
  /** Path of the ONNX file relative to the folder, overriding the dtype-based choice. */
  modelFile?: string;
  /** Overrides the max length read from the folder. */
  maxLength?: number;
}

const VARIANT_FILES: Readonly<Record<ModelDtype, readonly string[]>> = ONNX_VARIANT_FILES;

/** Families whose cards ask for prefixes but whose folders often carry no `prompts`. */
const KNOWN_PROMPTS: { pattern: RegExp; prompts: PromptPair }[] = [
  { pattern: /(^|[/_-])(multilingual-)?e5-(small|base|large)/i, prompts: { query: 'query: ', document: 'passage: ' } },
  { pattern: /nomic-embed-text/i, prompts: { query: 'search_query: ', document: 'search_document: ' } },
  { pattern: /bge-(small|base|large)-en-v1\.5/i, prompts: { query: 'Represent this sentence for searching relevant passages: ', document: '' } },
];

type Json = Record<string, unknown>;

function fileSize(path: string): number | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

function readJson(dir: string, rel: string, required: boolean): Json | undefined {
  const path = join(dir, rel);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelLoadError(`cannot read ${rel}`, path, { cause: err });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object') throw new Error('not a JSON object or array');
    return value as Json;
  } catch (err) {
    throw new ModelLoadError(`${rel} is not valid JSON`, path, { cause: err });
  }
}

const positiveInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 1e7 ? v : undefined;

function chooseOnnx(dir: string, opts: ModelFolderOptions): { file: string; dtype: ModelDtype } {
  const dtype = opts.dtype ?? 'fp32';
  if (!(dtype in VARIANT_FILES)) throw new ValidationError(`dtype must be "fp32", "fp16" or "int8", got ${JSON.stringify(dtype)}`);
  if (opts.modelFile !== undefined) {
    const file = resolve(dir, opts.modelFile);
    if (fileSize(file) === undefined) throw new ModelLoadError(`modelFile ${opts.modelFile} does not exist`, file);
    return { file, dtype };
  }
  for (const name of VARIANT_FILES[dtype]) {
    for (const sub of ONNX_DIRS) {
      const file = join(dir, sub, name);
      if (fileSize(file) !== undefined) return { file, dtype };
    }
  }
  const present = (Object.keys(VARIANT_FILES) as ModelDtype[]).filter((d) =>
    VARIANT_FILES[d].some((n) => fileSize(join(dir, 'onnx', n)) !== undefined || fileSize(join(dir, n)) !== undefined));
  const hint = present.length > 0 ? `; the folder has dtype ${present.map((d) => `"${d}"`).join(', ')}` : '; no ONNX model found';
  throw new ModelLoadError(
    `no ${dtype} ONNX file (looked for ${VARIANT_FILES[dtype].map((n) => `onnx/${n}, ${n}`).join(', ')})${hint}`, dir);
}

function poolingFrom(cfg: Json, path: string): { pooling: PoolingStrategy; excludePrompt: boolean } {
  const modes: PoolingStrategy[] = [];
  if (cfg.pooling_mode_cls_token === true) modes.push('cls');
  if (cfg.pooling_mode_mean_tokens === true) modes.push('mean');
  if (cfg.pooling_mode_max_tokens === true) modes.push('max');
  if (cfg.pooling_mode_lasttoken === true) modes.push('lasttoken');
  if (cfg.pooling_mode_mean_sqrt_len_tokens === true) modes.push('mean_sqrt_len');
  if (cfg.pooling_mode_weightedmean_tokens === true) {
    throw new UnsupportedError(`weighted-mean pooling is not supported (${path}); pass a pooling option to override`);
  }
  if (modes.length > 1) {
    throw new UnsupportedError(`several pooling modes at once (${modes.join(' + ')}) are not supported (${path}); pass a pooling option`);
  }
  return { pooling: modes[0] ?? 'mean', excludePrompt: cfg.include_prompt === false };
}

function promptsFrom(st: Json | undefined, name: string): PromptPair | undefined {
  const p = st?.prompts;
  if (p && typeof p === 'object' && !Array.isArray(p)) {
    const prompts = p as Record<string, unknown>;
    const pick = (...keys: string[]): string | undefined => {
      for (const k of keys) if (typeof prompts[k] === 'string') return prompts[k] as string;
      return undefined;
    };
    const query = pick('query', 'search_query');
    const document = pick('document', 'passage', 'search_document', 'corpus', 'doc');
    if (query !== undefined || document !== undefined) return { query: query ?? '', document: document ?? '' };
  }
  return KNOWN_PROMPTS.find((k) => k.pattern.test(name))?.prompts;
}

/**
 * Reads a model folder: config.json, tokenizer.json (+ tokenizer_config.json), the ONNX file for the dtype, and the
 * sentence-transformers files when present (modules.json, the Pooling config, sentence_bert_config.json,
 * config_sentence_transformers.json). Reads small JSON files only; the ONNX file is opened later.
 *
 * @param dir - the model folder
 * @param options - dtype, ONNX file override, max length override
 * @returns the folder's description
 * @throws {ModelLoadError} when the folder, config.json, tokenizer.json or the ONNX file is missing or a JSON file does not parse
 * @throws {UnsupportedError} for sentence-transformers modules the engine cannot apply (Dense layers, weighted-mean pooling)
 * @throws {ValidationError} for a bad dtype or maxLength
 */
export function readModelFolder(dir: string, options: ModelFolderOptions = {}): ModelFolderInfo {
  if (typeof dir !== 'string' || dir.trim() === '') throw new ValidationError('model folder path must be a non-empty string');
  const abs = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch (err) {
    throw new ModelLoadError('model folder does not exist', abs, { cause: err });
  }
  if (!isDir) throw new ModelLoadError('model path is not a folder', abs);
  if (options.maxLength !== undefined && positiveInt(options.maxLength) === undefined) {
    throw new ValidationError(`maxLength must be a positive integer, got ${String(options.maxLength)}`);
  }

  const config = readJson(abs, 'config.json', true)!;
  const tokenizerFile = join(abs, 'tokenizer.json');
  if (fileSize(tokenizerFile) === undefined) throw new ModelLoadError('tokenizer.json is missing', tokenizerFile);
  const tokCfg = readJson(abs, 'tokenizer_config.json', false) ?? {};
  const modules = readJson(abs, 'modules.json', false);
  const sbert = readJson(abs, 'sentence_bert_config.json', false);
  const stCfg = readJson(abs, 'config_sentence_transformers.json', false);
  const { file: onnxFile, dtype } = chooseOnnx(abs, options);
  const dataBytes = EXTERNAL_DATA_SUFFIXES.map((s) => fileSize(`${onnxFile}${s}`)).find((n) => n !== undefined) ?? 0;
  const weightBytes = (fileSize(onnxFile) ?? 0) + dataBytes;

  let pooling: PoolingStrategy | undefined;
  let excludePrompt = false;
  let normalize: boolean | undefined;
  if (modules) {
    if (!Array.isArray(modules)) throw new ModelLoadError('modules.json is not an array', join(abs, 'modules.json'));
    normalize = false;
    for (const m of modules as Json[]) {
      const type = typeof m?.type === 'string' ? m.type : '';
      const path = typeof m?.path === 'string' ? m.path : '';
      if (type.endsWith('.Pooling')) {
        const rel = join(path || '1_Pooling', 'config.json');
        ({ pooling, excludePrompt } = poolingFrom(readJson(abs, rel, true)!, join(abs, rel)));
      } else if (type.endsWith('.Normalize')) normalize = true;
      else if (type.endsWith('.Dense')) {
        throw new UnsupportedError(`modules.json has a Dense module (${path}) that the ONNX engine cannot apply; ` +
          'export the model with it inside the graph (output "sentence_embedding")');
      }
    }
  }

  const positions = positiveInt(config.max_position_embeddings);
  const fromFolder = positiveInt(sbert?.max_seq_length) ?? positiveInt(tokCfg.model_max_length) ?? positions ?? 512;
  const maxLength = options.maxLength ?? (positions !== undefined ? Math.min(fromFolder, positions) : fromFolder);
  const id2label = config.id2label as Record<string, unknown> | undefined;
  const labels = id2label && typeof id2label === 'object'
    ? Object.keys(id2label).sort((a, b) => Number(a) - Number(b)).map((k) => String(id2label[k]))
    : undefined;
  const name = typeof config._name_or_path === 'string' && config._name_or_path.trim() ? config._name_or_path : basename(abs);
  const architectures = Array.isArray(config.architectures) ? (config.architectures as unknown[]).map(String) : [];

  return {
    dir: abs,
    name,
    onnxFile,
    dtype,
    weightBytes,
    tokenizerFile,
    modelType: typeof config.model_type === 'string' ? config.model_type : undefined,
    isClassifier: architectures.some((a) => a.endsWith('ForSequenceClassification')),
    hiddenSize: positiveInt(config.hidden_size),
    labels,
    maxLength,
    paddingSide: tokCfg.padding_side === 'left' ? 'left' : 'right',
    pooling,
    excludePrompt,
    normalize,
    prompts: promptsFrom(stCfg, `${name} ${basename(abs)}`),
  };
}
