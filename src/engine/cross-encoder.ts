// Cross-encoder scoring and reranking on a local model folder (BertForSequenceClassification-style graphs with a
// `logits` output): (query, document) pairs cut longest-first, logits → optional sigmoid/softmax.
import type { CallOptions } from '../core/contracts.js';
import type { Reranker, RerankOptions, RerankResult } from '../retrieval/reranker.js';
import { ClosedError, ModelLoadError, ValidationError } from '../core/errors.js';
import { linkedSignal, throwIfAborted } from '../internal/abort.js';
import { resolveLimits, type LocalBatchingOptions } from './batcher.js';
import { pickLoadOptions } from './local-embedder.js';
import type { LoadedModel, ModelLoadOptions } from './loaded-model.js';
import { pullPretrained, type PretrainedOptions } from './pretrained.js';
import { ModelRegistry } from './registry.js';
import { concatTokenized, type TokenizedTexts } from './tokenizer.js';

/** How logits become scores: `sigmoid` (one-label rerankers), `softmax` over labels, or raw logits (`none`). */
export type ScoreActivation = 'sigmoid' | 'softmax' | 'none';

/** Options of {@link LocalCrossEncoder.fromFolder}. */
export interface LocalCrossEncoderOptions extends ModelLoadOptions, LocalBatchingOptions {
  /** Share loaded models; without one the cross-encoder owns a private registry. */
  registry?: ModelRegistry;
  /**
   * Score activation. Higher is better either way; sigmoid maps one logit into (0, 1) as sentence-transformers does.
   * @defaultValue `'sigmoid'` for one label, `'softmax'` for several
   */
  activation?: ScoreActivation;
  /**
   * Which label's score to report when the classifier has several outputs.
   * @defaultValue the last label
   */
  labelIndex?: number;
  /** Model identifier; defaults to the folder's `_name_or_path` or name. */
  name?: string;
}

/** Per-call options of {@link LocalCrossEncoder.score}. */
export interface ScoreOptions extends CallOptions {
  /** Overrides the activation for this call. */
  activation?: ScoreActivation;
  /** Pairs per model call (at most the configured `maxBatchSize`). */
  batchSize?: number;
}

/** Scores of a batch: the chosen label's logit and its activated value, one per pair. @internal */
interface Scores {
  logits: Float32Array;
  scores: Float32Array;
}

/**
 * Scores (query, document) pairs with a local cross-encoder and reranks documents; implements {@link Reranker}
 * (results best first, stable on ties: lower index first).
 *
 * @example
 * ```ts
 * const reranker = await LocalCrossEncoder.fromFolder('./models/ms-marco-MiniLM-L-6-v2');
 * const ranked = await reranker.rerank('capital of France', ['Berlin is in Germany.', 'Paris is in France.'], { topN: 1 });
 * // [{ index: 1, score: 0.97 }]
 * ```
 */
export class LocalCrossEncoder implements Reranker {
  /** Model identifier. */
  readonly model: string;
  /** Token limit per pair; longer pairs lose tokens from their longer member first. */
  readonly maxLength: number;
  /** Number of classifier outputs. */
  readonly numLabels: number;
  /** Default activation. */
  readonly activation: ScoreActivation;
  /** Where the model runs. */
  readonly device: string;
  private readonly registry: ModelRegistry;
  private readonly ownsRegistry: boolean;
  private readonly dir: string;
  private readonly loadOptions: ModelLoadOptions;
  private readonly limits: Required<LocalBatchingOptions>;
  private readonly labelIndex: number;
  private closed = false;

  private constructor(model: LoadedModel, dir: string, options: LocalCrossEncoderOptions, registry: ModelRegistry, owns: boolean) {
    this.registry = registry;
    this.ownsRegistry = owns;
    this.dir = dir;
    this.loadOptions = pickLoadOptions(options);
    this.limits = resolveLimits(options);
    model.output('score', false);
    const labels = model.session.outputLastDim('logits') ?? model.info.labels?.length ?? 1;
    this.numLabels = labels;
    this.labelIndex = options.labelIndex ?? labels - 1;
    if (!Number.isInteger(this.labelIndex) || this.labelIndex < 0 || this.labelIndex >= labels) {
      throw new ValidationError(`labelIndex must be an integer from 0 to ${labels - 1}, got ${String(options.labelIndex)}`);
    }
    this.activation = checkActivation(options.activation) ?? (labels === 1 ? 'sigmoid' : 'softmax');
    this.maxLength = model.info.maxLength;
    this.model = options.name ?? model.info.name;
    this.device = model.device;
  }

  /**
   * Loads a cross-encoder folder (a graph with a `logits` output).
   *
   * @param dir - the model folder
   * @param options - dtype, device, threads, activation, label, batching, registry
   * @returns the cross-encoder, with the model loaded
   * @throws {ModelLoadError} for missing files or a graph without `logits`
   * @throws {UnsupportedError} when CUDA is asked for and absent, or a package is not installed
   * @throws {ValidationError} for bad options
   */
  static async fromFolder(dir: string, options: LocalCrossEncoderOptions = {}): Promise<LocalCrossEncoder> {
    resolveLimits(options);
    checkActivation(options.activation);
    const owns = options.registry === undefined;
    const registry = options.registry ?? new ModelRegistry({ onWarning: options.onWarning });
    try {
      const model = await registry.load(dir, pickLoadOptions(options));
      return new LocalCrossEncoder(model, dir, options, registry, owns);
    } catch (err) {
      if (owns) await registry.close();
      throw err;
    }
  }
  /**
   * Loads a cross-encoder by its Hugging Face Hub name, fetching only the files the engine reads into the shared
   * Hugging Face cache (or finding them there); see {@link LocalEmbedder.fromPretrained}.
   *
   * @param name - `owner/name`, optionally `hf:` prefixed and `@revision` suffixed
   * @param options - the {@link LocalCrossEncoder.fromFolder} options plus revision, cacheDir, offline, endpoint, token, signal, onProgress
   * @returns the cross-encoder, with the model loaded
   * @throws {ModelNotCachedError} offline and the model is not cached
   * @throws {RepoNotFoundError} {@link RevisionNotFoundError} {@link EntryNotFoundError} {@link GatedRepoError} {@link HubError} for Hub refusals
   * @throws {CorruptDataError} when a download fails verification
   * @throws {AbortError} when `signal` fires
   * @throws {ModelLoadError} {@link UnsupportedError} {@link ValidationError} as {@link LocalCrossEncoder.fromFolder}
   * @example
   * ```ts
   * const reranker = await LocalCrossEncoder.fromPretrained('Xenova/ms-marco-MiniLM-L-6-v2');
   * ```
   */
  static async fromPretrained(name: string, options: LocalCrossEncoderOptions & PretrainedOptions = {}): Promise<LocalCrossEncoder> {
    const pulled = await pullPretrained(name, options);
    return LocalCrossEncoder.fromFolder(pulled.dir, { ...options, name: options.name ?? pulled.repoId });
  }


  /**
   * Scores each document against the query, in document order.
   *
   * @param query - the query
   * @param documents - the documents; an empty array gives an empty result
   * @param options - activation, batch size, signal, timeout
   * @returns one score per document (higher is more relevant)
   * @throws {ValidationError} for non-string input or bad options
   * @throws {AbortError} when the signal fires (checked between batches)
   * @throws {TimeoutError} when `timeout` elapses
   */
  async score(query: string, documents: readonly string[], options: ScoreOptions = {}): Promise<Float32Array> {
    const { scores } = await this.run([[query, documents]], options);
    return scores;
  }

  /**
   * Scores arbitrary (text, text) pairs, in order. Pairs sharing a first text tokenize it once.
   *
   * @param pairs - the pairs
   * @param options - activation, batch size, signal, timeout
   * @returns one score per pair
   * @throws {ValidationError} for malformed pairs
   */
  async scorePairs(pairs: readonly (readonly [string, string])[], options: ScoreOptions = {}): Promise<Float32Array> {
    if (!Array.isArray(pairs)) throw new ValidationError('pairs must be an array of [text, text]');
    const groups = new Map<string, { docs: string[]; at: number[] }>();
    pairs.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2) throw new ValidationError(`pairs[${i}] must be a [text, text] pair`);
      const [a, b] = p;
      if (typeof a !== 'string' || typeof b !== 'string') throw new ValidationError(`pairs[${i}] must hold two strings`);
      let g = groups.get(a);
      if (!g) groups.set(a, (g = { docs: [], at: [] }));
      g.docs.push(b);
      g.at.push(i);
    });
    const grouped = [...groups.entries()];
    const { scores } = await this.run(grouped.map(([q, g]) => [q, g.docs]), options);
    const out = new Float32Array(pairs.length);
    let k = 0;
    for (const [, g] of grouped) for (const i of g.at) out[i] = scores[k++];
    return out;
  }

  /**
   * Reranks documents for a query: best first, ties in document order, cut to `topN`.
   *
   * @param query - the query
   * @param documents - candidate texts
   * @param options - topN, batchSize, signal, timeout
   * @returns `{ index, score }` best first
   * @throws {ValidationError} for non-string input or a bad `topN`/`batchSize`
   * @throws {AbortError} when the signal fires
   */
  async rerank(query: string, documents: readonly string[], options: RerankOptions = {}): Promise<RerankResult[]> {
    const topN = options.topN;
    if (topN !== undefined && (!Number.isInteger(topN) || topN < 0)) {
      throw new ValidationError(`topN must be a non-negative integer, got ${String(topN)}`);
    }
    const { logits, scores } = await this.run([[query, documents]], options);
    const order = Array.from({ length: scores.length }, (_, i) => i);
    // Rank by the raw logit (activations saturate to equal floats), then by index for stable ties.
    order.sort((a, b) => logits[b] - logits[a] || scores[b] - scores[a] || a - b);
    const kept = topN === undefined ? order : order.slice(0, topN);
    return kept.map((index) => ({ index, score: scores[index] }));
  }

  /**
   * Tokenizes pairs of one query with many documents (for schedulers that batch across requests).
   *
   * @param query - the query
   * @param documents - the documents
   * @returns packed ids with segment ids
   * @throws {ValidationError} for non-string input
   */
  tokenizePairs(query: string, documents: readonly string[]): Promise<TokenizedTexts> {
    this.assertOpen();
    return this.registry.use(this.dir, this.loadOptions, (m) => m.tokenizer.encodePairs(query, documents));
  }

  /**
   * Scores tokenized pairs (from {@link LocalCrossEncoder.tokenizePairs}, possibly several joined).
   *
   * @param tokens - the pairs
   * @param options - activation, batch size, signal
   * @returns one score per pair, in order
   * @throws {AbortError} when the signal fires between batches
   */
  async scoreTokenized(tokens: TokenizedTexts, options: ScoreOptions = {}): Promise<Float32Array> {
    this.assertOpen();
    const { scores } = await this.registry.use(this.dir, this.loadOptions, (m) => this.runOn(m, tokens, options, options.signal), options.signal);
    return scores;
  }

  /**
   * Frees the model when this cross-encoder owns it; later calls throw {@link ClosedError}.
   *
   * @returns when freed
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsRegistry) await this.registry.close();
  }

  private async run(groups: [string, readonly string[]][], options: ScoreOptions): Promise<Scores> {
    this.assertOpen();
    for (const [q, docs] of groups) {
      if (typeof q !== 'string') throw new ValidationError('query must be a string');
      if (!Array.isArray(docs)) throw new ValidationError('documents must be an array of strings');
    }
    if (groups.every(([, d]) => d.length === 0)) return { logits: new Float32Array(0), scores: new Float32Array(0) };
    const { signal, dispose } = linkedSignal(options.signal, options.timeout, 'rerank');
    try {
      throwIfAborted(signal);
      // One hold on the model for tokenizing and running, so an unload cannot slip in between.
      return await this.registry.use(this.dir, this.loadOptions, async (m) => {
        const parts = await Promise.all(groups.map(([q, d]) => m.tokenizer.encodePairs(q, d)));
        return this.runOn(m, concatTokenized(parts), options, signal);
      }, signal);
    } finally {
      dispose();
    }
  }

  private async runOn(model: LoadedModel, tokens: TokenizedTexts, options: ScoreOptions, signal: AbortSignal | undefined): Promise<Scores> {
    const activation = checkActivation(options.activation) ?? this.activation;
    let limits = this.limits;
    if (options.batchSize !== undefined) {
      if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
        throw new ValidationError(`batchSize must be a positive integer, got ${String(options.batchSize)}`);
      }
      limits = { ...limits, maxBatchSize: Math.min(options.batchSize, limits.maxBatchSize) };
    }
    const logits = new Float32Array(tokens.count);
    const scores = new Float32Array(tokens.count);
    const L = this.numLabels;
    const label = this.labelIndex;
    await model.forEachBatch(tokens, 'logits', limits, signal, (out, feeds, order, from) => {
      if (out.data.length !== feeds.rows * L) {
        throw new ModelLoadError(`logits have ${out.data.length / feeds.rows} values per pair, expected ${L}`);
      }
      for (let r = 0; r < feeds.rows; r++) {
        const row = out.data.subarray(r * L, (r + 1) * L);
        const i = order[from + r];
        logits[i] = row[label];
        scores[i] = activate(row, label, activation);
      }
    });
    return { logits, scores };
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('LocalCrossEncoder');
  }
}

function checkActivation(a: unknown): ScoreActivation | undefined {
  if (a === undefined || a === 'sigmoid' || a === 'softmax' || a === 'none') return a;
  throw new ValidationError(`activation must be "sigmoid", "softmax" or "none", got ${JSON.stringify(a)}`);
}

function activate(row: Float32Array, label: number, activation: ScoreActivation): number {
  const x = row[label];
  if (activation === 'none') return x;
  if (activation === 'sigmoid') return 1 / (1 + Math.exp(-x));
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return Math.exp(x - max) / sum;
}
