/**
 * {@link CachedEmbedder}: wraps any {@link Embedder} with one or more cache tiers.
 *
 * @module
 */
import { BaseEmbedder } from '../core/base-embedder.js';
import type { EmbedOptions, Embedder } from '../core/contracts.js';
import { InvalidResponseError, UnsupportedError, ValidationError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';
import type { EmbedderFingerprint } from '../core/contracts.js';
import { embeddingCacheKeys } from '../cache/key.js';
import type { EmbeddingCache } from '../cache/types.js';

/** Options for {@link CachedEmbedder}. */
export interface CachedEmbedderOptions {
  /** The embedder to cache. */
  embedder: Embedder;
  /** One tier, or several checked in order (fastest first); hits in a later tier are copied into earlier ones. */
  cache: EmbeddingCache | readonly EmbeddingCache[];
  /**
   * What determines the embedder's output for an input type (the key's provider, model, dimensions and prompt).
   * @defaultValue the embedder's own `fingerprint()` when it has one (every connector's embedder does); else its
   *   class name, `model`, `dimension` and the input type
   */
  fingerprint?: (inputType: 'query' | 'document') => EmbedderFingerprint;
  /**
   * Receives a warning the first time a tier fails (its lookups then count as misses).
   * @defaultValue `process.emitWarning` with code `ABI_CACHE_UNAVAILABLE`
   */
  onWarning?: (message: string) => void;
}

/** Hit and miss counts of a {@link CachedEmbedder}. */
export interface EmbeddingCacheStats {
  /** Texts answered from a cache tier. */
  hits: number;
  /** Texts sent to the embedder. */
  misses: number;
}

/**
 * Embeds through a cache: each text's key is a hash of (provider, model, dimensions, prompt, text); texts found in
 * a tier are not sent; the misses go to the wrapped embedder in one call (a text repeated within a call is sent
 * once) and are written to every tier. Results keep the caller's order. A tier that fails counts as a miss, so a
 * cache outage slows embedding down but never fails it (a missing optional dependency such as `ioredis` is still
 * thrown, with the package to install).
 *
 * @example
 * ```ts
 * const embedder = new CachedEmbedder({
 *   embedder: new OpenAIConnector().embedder('text-embedding-3-small'),
 *   cache: [new LruEmbeddingCache({ maxBytes: 64 << 20 }), new RedisEmbeddingCache({ ttlSeconds: 86_400 })],
 * });
 * await embedder.embed(['a', 'b']);   // 2 misses
 * await embedder.embed(['b', 'c']);   // 1 hit, 1 miss: only 'c' reaches the provider
 * ```
 */
export class CachedEmbedder extends BaseEmbedder {
  readonly #inner: Embedder;
  readonly #tiers: readonly EmbeddingCache[];
  readonly #fingerprint: (inputType: 'query' | 'document') => EmbedderFingerprint;
  readonly #stats: EmbeddingCacheStats = { hits: 0, misses: 0 };
  readonly #warn: (message: string) => void;
  readonly #warned = new Set<EmbeddingCache>();

  /**
   * @param options - the embedder, the tiers, an optional fingerprint
   * @throws {@link ValidationError} when no tier is given
   */
  constructor(options: CachedEmbedderOptions) {
    super();
    this.#inner = options.embedder;
    this.#tiers = Array.isArray(options.cache) ? [...options.cache] : [options.cache as EmbeddingCache];
    if (this.#tiers.length === 0) throw new ValidationError('CachedEmbedder needs at least one cache tier');
    this.#warn = options.onWarning ?? ((m) => process.emitWarning(m, { code: 'ABI_CACHE_UNAVAILABLE' }));
    const own = (this.#inner as { fingerprint?: (t: 'query' | 'document') => EmbedderFingerprint }).fingerprint;
    this.#fingerprint = options.fingerprint ?? (typeof own === 'function'
      ? (t) => own.call(this.#inner, t)
      : (t) => ({ provider: this.#inner.constructor.name, model: this.#inner.model, dimensions: this.#inner.dimension, prompt: `inputType=${t}` }));
  }

  /** {@inheritDoc Embedder.dimension} */
  get dimension(): number | undefined {
    return this.#inner.dimension;
  }

  /** {@inheritDoc Embedder.model} */
  get model(): string {
    return this.#inner.model;
  }

  /** Hits and misses so far (a copy). */
  get stats(): EmbeddingCacheStats {
    return { ...this.#stats };
  }

  /**
   * {@inheritDoc Embedder.embed}
   * @throws whatever the wrapped embedder throws for the misses (cache failures are never thrown)
   */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    if (!Array.isArray(texts)) throw new ValidationError('embed() takes an array of strings');
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new ValidationError(`Input ${i} is not a string`);
    });
    throwIfAborted(options.signal);
    if (texts.length === 0) return [];
    const fp = this.#fingerprint(options.inputType ?? 'document');
    const keys = embeddingCacheKeys(fp, texts);
    const out = new Array<Float32Array | undefined>(texts.length);
    let pending = keys.map((_, i) => i);
    for (let t = 0; t < this.#tiers.length && pending.length > 0; t++) {
      const found = await this.#lookup(this.#tiers[t], pending.map((i) => keys[i]), options.signal);
      const refill: [string, Float32Array][] = [];
      const dim = this.#inner.dimension;
      pending = pending.filter((i, j) => {
        const v = found[j];
        // A stored vector of the wrong length (a foreign writer under the same key) is a miss, not an answer.
        if (!(v instanceof Float32Array) || (dim !== undefined && v.length !== dim)) return true;
        out[i] = v;
        refill.push([keys[i], v]);
        return false;
      });
      if (t > 0 && refill.length) await this.#store(this.#tiers.slice(0, t), refill);
    }
    this.#stats.hits += texts.length - pending.length;
    if (pending.length > 0) {
      // One request for the distinct missing texts.
      const unique = new Map<string, number[]>();
      for (const i of pending) {
        const at = unique.get(keys[i]);
        if (at) at.push(i);
        else unique.set(keys[i], [i]);
      }
      const groups = [...unique.values()];
      const vectors = await this.#inner.embed(groups.map((g) => texts[g[0]]), options);
      if (!Array.isArray(vectors) || vectors.length !== groups.length) {
        throw new InvalidResponseError(`${String(this.#inner)} returned ${vectors?.length} vectors for ${groups.length} texts`, { provider: fp.provider });
      }
      this.#stats.misses += pending.length;
      const writes: [string, Float32Array][] = [];
      groups.forEach((g, j) => {
        writes.push([keys[g[0]], vectors[j]]);
        g.forEach((i, n) => { out[i] = n === 0 ? vectors[j] : vectors[j].slice(); });
      });
      await this.#store(this.#tiers, writes);
    }
    return out as Float32Array[];
  }

  /**
   * A short description.
   *
   * @returns e.g. `CachedEmbedder(RemoteEmbedder(openai:text-embedding-3-small); lru, redis)`
   */
  override toString(): string {
    return `CachedEmbedder(${String(this.#inner)}; ${this.#tiers.map((t) => t.name).join(', ')})`;
  }

  async #lookup(tier: EmbeddingCache, keys: string[], signal: AbortSignal | undefined): Promise<(Float32Array | undefined)[]> {
    try {
      const got = await tier.getMany(keys, { signal });
      return Array.isArray(got) && got.length === keys.length ? got : keys.map(() => undefined);
    } catch (err) {
      this.#tierFailed(tier, err);
      return keys.map(() => undefined);
    } finally {
      throwIfAborted(signal);
    }
  }

  async #store(tiers: readonly EmbeddingCache[], entries: [string, Float32Array][]): Promise<void> {
    await Promise.all(tiers.map((t) => t.setMany(entries).catch((err: unknown) => this.#tierFailed(t, err))));
  }

  /** A missing optional dependency is a deployment error and is thrown; anything else degrades to a miss. */
  #tierFailed(tier: EmbeddingCache, err: unknown): void {
    if (err instanceof UnsupportedError) throw err;
    if (this.#warned.has(tier)) return;
    this.#warned.add(tier);
    this.#warn(`Embedding cache tier "${tier.name}" failed; continuing without it: ${err instanceof Error ? err.message : String(err)}`);
  }
}
