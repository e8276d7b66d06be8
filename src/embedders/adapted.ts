/**
 * `AdaptedEmbedder`: a base {@link Embedder} (local engine, remote connector, scheduler, hashing) followed by a
 * trained {@link Adapter}. It implements the same contract, so it goes wherever an embedder goes: the vector store,
 * `Retriever`, `CachedEmbedder`, the LangChain and LlamaIndex integrations, `serve`. Outputs are L2-normalized;
 * Matryoshka truncation (`dimensions`) is applied after the adapter and renormalized.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { BaseEmbedder } from '../core/base-embedder.js';
import type { CallOptions, EmbedOptions, Embedder, EmbedderFingerprint } from '../core/contracts.js';
import { ModelMismatchError, ValidationError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';
import type { Adapter } from '../training/adapter.js';
import { loadAdapter } from '../training/adapter-file.js';
import { assertSameBase, assertSameProbe, type BaseModelInfo } from '../training/base-model.js';
import { normalizeRows } from '../training/linalg.js';

/** Options for {@link AdaptedEmbedder}. */
export interface AdaptedEmbedderOptions {
  /**
   * Matryoshka truncation: keep the first `dimensions` values of each adapted vector, then renormalize.
   * @defaultValue the adapter's full dimension
   */
  dimensions?: number;
  /** The base model the adapter was trained on; checked against `base` (as {@link AdaptedEmbedder.load} does). */
  expectedBase?: BaseModelInfo;
}

/** Options for {@link AdaptedEmbedder.load}. */
export interface LoadAdaptedEmbedderOptions extends CallOptions {
  /** Matryoshka truncation, as {@link AdaptedEmbedderOptions.dimensions}. */
  dimensions?: number;
  /**
   * Embed the recorded probe text once and compare it with the vector stored in the file, so a base model that kept
   * its name but changed its weights is caught.
   * @defaultValue true
   */
  verifyBase?: boolean;
}

/**
 * An embedder with a trained adapter on top.
 *
 * @example
 * ```ts
 * const embedder = await AdaptedEmbedder.load(new HashingEmbedder({ dimension: 256 }), 'domain.adapter');
 * const store = await VectorStore.open('kb.abi', { dimension: embedder.dimension });
 * const q = await embedder.embedQuery('how do I reset my password?');
 * ```
 */
export class AdaptedEmbedder extends BaseEmbedder {
  /** Output vector length (the Matryoshka `dimensions`, or the adapter's). */
  readonly dimension: number;
  /** `<base model>+adapter-<first 12 hex of the parameters' SHA-256>`: distinct per adapter, for caches and stores. */
  readonly model: string;
  /** The wrapped base embedder. */
  readonly base: Embedder;
  /** The adapter. */
  readonly adapter: Adapter;

  /**
   * Wraps `base` with `adapter`.
   *
   * @param base - the frozen base embedder the adapter was trained on
   * @param adapter - the trained adapter
   * @param options - Matryoshka dimensions, the expected base model
   * @throws {@link ModelMismatchError} when the base's dimension or identity differs from the adapter's
   * @throws {@link ValidationError} when `dimensions` is out of range
   */
  constructor(base: Embedder, adapter: Adapter, options: AdaptedEmbedderOptions = {}) {
    super();
    const d = adapter.config.dimension;
    if (options.expectedBase) assertSameBase(options.expectedBase, base);
    if (base.dimension !== undefined && base.dimension !== d) {
      throw new ModelMismatchError(`adapter takes ${d}-d vectors; base embedder ${base.model} gives ${base.dimension}-d`, `${d}-d`, `${base.dimension}-d`);
    }
    const dims = options.dimensions ?? d;
    if (!Number.isInteger(dims) || dims < 1 || dims > d) throw new ValidationError(`dimensions must be an integer in [1, ${d}], got ${dims}`);
    this.base = base;
    this.adapter = adapter;
    this.dimension = dims;
    this.model = `${base.model}+${adapterId(adapter)}${dims < d ? `@${dims}` : ''}`;
  }

  /**
   * Loads an adapter file and wraps `base` with it, checking that `base` is the model the adapter was trained on.
   *
   * @param base - the base embedder
   * @param path - the adapter file
   * @param options - Matryoshka dimensions, probe verification, signal and timeout for the probe call
   * @returns the adapted embedder
   * @throws {@link ModelMismatchError} when `base` is not the adapter's base model (id, dimension, fingerprint or probe)
   * @throws {@link CorruptDataError} / {@link NotFoundError} / {@link UnsupportedError} for a bad file
   * @example
   * ```ts
   * const embedder = await AdaptedEmbedder.load(base, 'out/adapter.abi-adapter', { dimensions: 128 });
   * ```
   */
  static async load(base: Embedder, path: string, options: LoadAdaptedEmbedderOptions = {}): Promise<AdaptedEmbedder> {
    const file = await loadAdapter(path);
    const embedder = new AdaptedEmbedder(base, file.adapter, { dimensions: options.dimensions, expectedBase: file.base });
    // Only the call options reach the probe: `dimensions` is this embedder's truncation, not the base's.
    if (options.verifyBase !== false) await assertSameProbe(file.base, base, { signal: options.signal, timeout: options.timeout });
    return embedder;
  }

  /**
   * {@inheritDoc Embedder.embed}
   * @throws {@link ModelMismatchError} when the base returns vectors of another dimension than the adapter's
   * @throws the base embedder's errors; {@link AbortError} when the signal fires
   */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(options.signal);
    const vectors = await this.base.embed(texts, options);
    return applyAdapter(this.adapter, vectors, { inputType: options.inputType, dimensions: this.dimension, source: this.base.model });
  }

  /**
   * What determines this embedder's vectors, for `CachedEmbedder`'s keys: the base's fingerprint with this
   * embedder's model id (which names the adapter) and dimension.
   *
   * @param inputType - query or document
   * @returns the fingerprint
   */
  fingerprint(inputType: 'query' | 'document' = 'document'): EmbedderFingerprint {
    type Fp = (t: 'query' | 'document') => { provider: string; prompt: string };
    const own = (this.base as { fingerprint?: Fp }).fingerprint;
    const b = typeof own === 'function' ? own.call(this.base, inputType) : { provider: 'custom', prompt: '' };
    return { provider: b.provider, model: this.model, dimensions: this.dimension, prompt: b.prompt };
  }
}

/**
 * A short id naming an adapter's parameters and shape, `adapter-<first 12 hex of their SHA-256>`: what
 * {@link AdaptedEmbedder.model} appends to the base model's id, and what the scheduler reports for a served adapter,
 * so caches never mix adapted and base vectors.
 *
 * @param adapter - the adapter
 * @returns the id
 * @example
 * ```ts
 * adapterId(adapter); // 'adapter-3f9c0a12b4de'
 * ```
 */
export function adapterId(adapter: Adapter): string {
  const p = adapter.parameters;
  return `adapter-${createHash('sha256').update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength)).update(JSON.stringify(adapter.config)).digest('hex').slice(0, 12)}`;
}

/** Options of {@link applyAdapter}. */
export interface ApplyAdapterOptions {
  /** Whether the vectors are queries or documents (an adapter with `apply: 'query'` leaves documents as they are). @defaultValue `'document'` */
  inputType?: 'query' | 'document';
  /** Matryoshka truncation after the adapter, renormalized. @defaultValue the adapter's dimension */
  dimensions?: number;
  /** Names the base embedder in error messages. */
  source?: string;
}

/**
 * Applies a trained adapter to base vectors exactly as {@link AdaptedEmbedder} does: the adapter (for queries, and
 * for documents when its `apply` is `'both'`; otherwise the base vector, L2-normalized), then Matryoshka truncation
 * to `dimensions` and renormalization. The scheduler (`serve --adapter`) uses it on a worker's outputs, so a served
 * adapter and an in-process `AdaptedEmbedder` give the same vectors.
 *
 * @param adapter - the trained adapter
 * @param vectors - the base embedder's vectors, full width (the adapter's dimension)
 * @param options - query or document, Matryoshka dimensions, the base's name for errors
 * @returns one L2-normalized vector of length `dimensions` per input
 * @throws {@link ModelMismatchError} when a vector's length differs from the adapter's dimension
 * @throws {@link ValidationError} when `dimensions` is out of range
 * @example
 * ```ts
 * const base = await scheduler.embed('tiny-bert', ['hello']);
 * const [v] = applyAdapter(adapter, base, { inputType: 'query', dimensions: 16 });
 * ```
 */
export function applyAdapter(adapter: Adapter, vectors: readonly Float32Array[], options: ApplyAdapterOptions = {}): Float32Array[] {
  const n = vectors.length;
  const d = adapter.config.dimension;
  const k = options.dimensions ?? d;
  if (!Number.isInteger(k) || k < 1 || k > d) throw new ValidationError(`dimensions must be an integer in [1, ${d}], got ${k}`);
  if (n === 0) return [];
  const x = new Float32Array(n * d);
  vectors.forEach((v, i) => {
    if (v.length !== d) throw new ModelMismatchError(`adapter takes ${d}-d vectors; base embedder ${options.source ?? ''} returned ${v.length}-d`, `${d}-d`, `${v.length}-d`);
    x.set(v, i * d);
  });
  const isQuery = (options.inputType ?? 'document') === 'query';
  let y: Float32Array;
  if (isQuery || adapter.config.apply === 'both') {
    y = adapter.transform(x, n);
  } else {
    y = x;
    normalizeRows(y, n, d);
  }
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = y.slice(i * d, i * d + k);
    if (k < d) normalizeRows(v, 1, k);
    out.push(v);
  }
  return out;
}
