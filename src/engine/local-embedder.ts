// Text embeddings from a local model folder on onnxruntime-node: prompts → tokens → length-sorted batches → pooling →
// Matryoshka truncation → L2 normalization, in the caller's order.
import { BaseEmbedder } from '../core/base-embedder.js';
import type { CallOptions, EmbedOptions } from '../core/contracts.js';
import { ClosedError, ValidationError } from '../core/errors.js';
import { linkedSignal, throwIfAborted } from '../internal/abort.js';
import { resolveLimits, type LocalBatchingOptions } from './batcher.js';
import type { LoadedModel, ModelLoadOptions } from './loaded-model.js';
import type { EmbedderFingerprint, EmbeddingPrompts } from '../core/contracts.js';
import type { ModelDtype, PoolingStrategy, PromptPair } from './model-folder.js';
import { l2NormalizeInPlace, poolRow } from './pooling.js';
import { pullPretrained, type PretrainedOptions } from './pretrained.js';
import { ModelRegistry } from './registry.js';
import type { TokenizedTexts } from './tokenizer.js';

/** Options of {@link LocalEmbedder.fromFolder}. */
export interface LocalEmbedderOptions extends ModelLoadOptions, LocalBatchingOptions {
  /** Share loaded models with other embedders and cross-encoders; without one the embedder owns a private registry. */
  registry?: ModelRegistry;
  /**
   * Pooling; defaults to the folder's sentence-transformers Pooling config, else `mean`. A graph with a
   * `sentence_embedding` output is used as is unless a pooling is given here.
   */
  pooling?: Exclude<PoolingStrategy, 'none'>;
  /** L2-normalize vectors; defaults to whether modules.json lists a Normalize module (false without modules.json). */
  normalize?: boolean;
  /**
   * Matryoshka truncation: keep the first `dimensions` values of each vector (before normalization). Defaults to the
   * model's full width.
   */
  dimensions?: number;
  /**
   * Query/document prefixes; defaults to config_sentence_transformers.json's `prompts`, else the family's convention
   * (e5, nomic, bge-v1.5), else none. `false` turns prompts off.
   */
  prompts?: EmbeddingPrompts | false;
  /** Model identifier reported by {@link LocalEmbedder.model}; defaults to the folder's `_name_or_path` or name. */
  name?: string;
}

/** Per-call options of {@link LocalEmbedder.embed}. */
export interface LocalEmbedOptions extends EmbedOptions {
  /** Matryoshka truncation for this call (at most the embedder's `dimension`). */
  dimensions?: number;
}

function checkDimensions(value: unknown, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError(`${what} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Embeds texts with a local ONNX model folder in the Hugging Face layout (sentence-transformers exports,
 * `onnx/model.onnx`, …). Implements {@link Embedder}; `embedQuery`/`embedDocuments` apply the model's prompts.
 *
 * @example
 * ```ts
 * const embedder = await LocalEmbedder.fromFolder('./models/all-MiniLM-L6-v2', { dtype: 'int8', threads: 4 });
 * const [doc] = await embedder.embedDocuments(['Paris is the capital of France.']);
 * const query = await embedder.embedQuery('capital of France');
 * await embedder.close();
 * ```
 */
export class LocalEmbedder extends BaseEmbedder {
  /** Vector length after Matryoshka truncation. */
  readonly dimension: number;
  /** Model identifier. */
  readonly model: string;
  /** Pooling in use (`none` when the graph outputs sentence vectors). */
  readonly pooling: PoolingStrategy;
  /** Whether vectors are L2-normalized. */
  readonly normalize: boolean;
  /** Prompts in use (empty strings when none). */
  readonly prompts: PromptPair;
  /** Token limit per text; longer texts are truncated. */
  readonly maxLength: number;
  /** Where the model runs (`cpu` or `cuda:N`), as loaded first. */
  readonly device: string;
  /** Weight precision of the loaded ONNX file. */
  readonly dtype: ModelDtype;
  private readonly registry: ModelRegistry;
  private readonly ownsRegistry: boolean;
  private readonly dir: string;
  private readonly loadOptions: ModelLoadOptions;
  private readonly limits: Required<LocalBatchingOptions>;
  private readonly outputName: string;
  private readonly modelWidth: number;
  private readonly excludePrompt: boolean;
  private closed = false;

  private constructor(model: LoadedModel, dir: string, options: LocalEmbedderOptions, registry: ModelRegistry, owns: boolean) {
    super();
    const info = model.info;
    this.registry = registry;
    this.ownsRegistry = owns;
    this.dir = dir;
    this.loadOptions = pickLoadOptions(options);
    this.limits = resolveLimits(options);
    const out = model.output('embed', options.pooling !== undefined);
    this.outputName = out.name;
    this.pooling = out.kind === 'sentence' ? 'none' : options.pooling ?? info.pooling ?? 'mean';
    this.normalize = options.normalize ?? info.normalize ?? false;
    const width = model.session.outputLastDim(out.name) ?? info.hiddenSize;
    if (width === undefined) throw new ValidationError(`cannot tell the vector width of ${info.onnxFile}`);
    this.modelWidth = width;
    this.dimension = options.dimensions === undefined ? width : checkDimensions(options.dimensions, width, 'dimensions');
    this.prompts = options.prompts === false
      ? { query: '', document: '' }
      : { query: options.prompts?.query ?? info.prompts?.query ?? '', document: options.prompts?.document ?? info.prompts?.document ?? '' };
    this.excludePrompt = info.excludePrompt;
    this.maxLength = info.maxLength;
    this.model = options.name ?? info.name;
    this.device = model.device;
    this.dtype = info.dtype;
  }

  /**
   * Loads a model folder and returns an embedder over it.
   *
   * @param dir - folder with config.json, tokenizer.json and an ONNX file (`onnx/model.onnx` or `model.onnx`)
   * @param options - dtype, device, threads, pooling, normalization, dimensions, prompts, batching, registry
   * @returns the embedder, with the model loaded
   * @throws {ModelLoadError} for a missing folder or file, unparsable JSON or tokenizer, or a graph without the expected inputs/outputs
   * @throws {UnsupportedError} when CUDA is asked for and absent, or onnxruntime-node / tokenizers is not installed
   * @throws {ValidationError} for bad options (dimensions, batch limits, device)
   */
  static async fromFolder(dir: string, options: LocalEmbedderOptions = {}): Promise<LocalEmbedder> {
    resolveLimits(options);
    const owns = options.registry === undefined;
    const registry = options.registry ?? new ModelRegistry({ onWarning: options.onWarning });
    try {
      const model = await registry.load(dir, pickLoadOptions(options));
      return new LocalEmbedder(model, dir, options, registry, owns);
    } catch (err) {
      if (owns) await registry.close();
      throw err;
    }
  }

  /**
   * Loads a model by its Hugging Face Hub name: fetches the files the engine reads (config, tokenizer,
   * sentence-transformers files, the one ONNX file the dtype picks) into the shared Hugging Face cache, or finds
   * them there, and returns an embedder over the snapshot. Offline (`HF_HUB_OFFLINE=1` or no network) a cached
   * model loads with no request.
   *
   * @param name - `owner/name`, optionally `hf:` prefixed and `@revision` suffixed
   * @param options - the {@link LocalEmbedder.fromFolder} options plus revision, cacheDir, offline, endpoint, token, signal, onProgress
   * @returns the embedder, with the model loaded; its `model` is the repository id unless `name` is given
   * @throws {ModelNotCachedError} offline and the model is not cached (the message names `npx abi-sdk models pull`)
   * @throws {RepoNotFoundError} {@link RevisionNotFoundError} {@link EntryNotFoundError} {@link GatedRepoError} {@link HubError} for Hub refusals
   * @throws {CorruptDataError} when a download fails verification
   * @throws {AbortError} when `signal` fires
   * @throws {ModelLoadError} {@link UnsupportedError} {@link ValidationError} as {@link LocalEmbedder.fromFolder}
   * @example
   * ```ts
   * const embedder = await LocalEmbedder.fromPretrained('BAAI/bge-small-en-v1.5', { dtype: 'int8' });
   * const [v] = await embedder.embedDocuments(['hello']);
   * ```
   */
  static async fromPretrained(name: string, options: LocalEmbedderOptions & PretrainedOptions = {}): Promise<LocalEmbedder> {
    const pulled = await pullPretrained(name, options);
    return LocalEmbedder.fromFolder(pulled.dir, { ...options, name: options.name ?? pulled.repoId });
  }

  /**
   * Embeds texts in order. Texts longer than {@link LocalEmbedder.maxLength} tokens are truncated; an empty string
   * embeds the special tokens alone; unpaired surrogates are read as U+FFFD.
   *
   * @param texts - the texts; an empty array gives an empty array
   * @param options - input type (prompt), per-call dimensions, signal, timeout
   * @returns one vector per text
   * @throws {ValidationError} when `texts` is not an array of strings or `dimensions` is out of range
   * @throws {AbortError} when the signal fires (checked between batches)
   * @throws {TimeoutError} when `timeout` elapses
   * @throws {ClosedError} after {@link LocalEmbedder.close}
   */
  async embed(texts: readonly string[], options: LocalEmbedOptions = {}): Promise<Float32Array[]> {
    if (!Array.isArray(texts)) throw new ValidationError('texts must be an array of strings');
    const dims = options.dimensions === undefined ? this.dimension : checkDimensions(options.dimensions, this.modelWidth, 'dimensions');
    if (texts.length === 0) return [];
    const { signal, dispose } = linkedSignal(options.signal, options.timeout, 'embed');
    try {
      this.assertOpen();
      throwIfAborted(signal);
      // One hold on the model for tokenizing and running, so an unload cannot slip in between.
      return await this.registry.use(this.dir, this.loadOptions, async (model) =>
        this.run(model, await this.tokenizeOn(model, texts, options.inputType), dims, signal), signal);
    } finally {
      dispose();
    }
  }

  /**
   * Applies the prompt for `inputType` and tokenizes (the first half of {@link LocalEmbedder.embed}; a scheduler can
   * tokenize requests separately, join them and run them as one).
   *
   * @param texts - the texts
   * @param inputType - `query` or `document` (default)
   * @param options - signal
   * @returns the packed token ids
   * @throws {ValidationError} when an element is not a string
   */
  async tokenize(texts: readonly string[], inputType: 'query' | 'document' = 'document', options: CallOptions = {}): Promise<TokenizedTexts> {
    this.assertOpen();
    throwIfAborted(options.signal);
    return this.registry.use(this.dir, this.loadOptions, (model) => this.tokenizeOn(model, texts, inputType), options.signal);
  }

  /**
   * Runs tokenized texts through the model (the second half of {@link LocalEmbedder.embed}).
   *
   * @param tokens - from {@link LocalEmbedder.tokenize} (or several joined)
   * @param options - signal, per-call dimensions
   * @returns one vector per sequence, in order
   * @throws {AbortError} when the signal fires between batches
   */
  async embedTokenized(tokens: TokenizedTexts, options: { signal?: AbortSignal; dimensions?: number } = {}): Promise<Float32Array[]> {
    this.assertOpen();
    const dims = options.dimensions === undefined ? this.dimension : checkDimensions(options.dimensions, this.modelWidth, 'dimensions');
    return this.registry.use(this.dir, this.loadOptions, (model) => this.run(model, tokens, dims, options.signal), options.signal);
  }

  /**
   * What determines this embedder's vectors for an input type; `CachedEmbedder` keys its cache on it.
   *
   * @param inputType - query or document
   * @returns provider `local`, the model with dtype, pooling, normalization and max length, dimensions, prompt
   */
  fingerprint(inputType: 'query' | 'document'): EmbedderFingerprint {
    const norm = this.normalize ? ', normalized' : '';
    return {
      provider: 'local',
      model: `${this.model} (${this.dtype}, ${this.pooling}${norm}, max ${this.maxLength})`,
      dimensions: this.dimension,
      prompt: inputType === 'query' ? this.prompts.query : this.prompts.document,
    };
  }

  /**
   * Frees the model when this embedder owns it (no `registry` option); with a shared registry the model stays for
   * others (use {@link ModelRegistry.unload}). Later calls throw {@link ClosedError}.
   *
   * @returns when freed
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsRegistry) await this.registry.close();
  }

  private async tokenizeOn(model: LoadedModel, texts: readonly string[], inputType: 'query' | 'document' = 'document'): Promise<TokenizedTexts> {
    const prompt = inputType === 'query' ? this.prompts.query : this.prompts.document;
    const input = prompt ? texts.map((t) => (typeof t === 'string' ? prompt + t : t)) : texts;
    const skip = prompt && this.excludePrompt ? Math.max(0, (await model.tokenizer.countTokens(prompt)) - 1) : 0;
    return model.tokenizer.encode(input, { skipTokens: skip });
  }

  private async run(model: LoadedModel, tokens: TokenizedTexts, dims: number, signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const result = new Array<Float32Array>(tokens.count);
    if (tokens.count === 0) return result;
    const width = this.modelWidth;
    const pooling = this.pooling;
    const pooled = new Float32Array(width);
    await model.forEachBatch(tokens, this.outputName, this.limits, signal, (out, feeds, order, from) => {
      for (let r = 0; r < feeds.rows; r++) {
        if (pooling === 'none') pooled.set(out.data.subarray(r * width, (r + 1) * width));
        else poolRow(pooling, out.data, r, feeds.seqLen, width, feeds, pooled);
        const v = pooled.slice(0, dims);
        result[order[from + r]] = this.normalize ? l2NormalizeInPlace(v) : v;
      }
    });
    return result;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('LocalEmbedder');
  }
}

/** The subset of options that decides which model is loaded (the registry key). @internal */
export function pickLoadOptions(o: ModelLoadOptions): ModelLoadOptions {
  return {
    dtype: o.dtype, modelFile: o.modelFile, maxLength: o.maxLength, device: o.device, threads: o.threads, spinning: o.spinning,
    onWarning: o.onWarning,
  };
}
