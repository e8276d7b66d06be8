/**
 * An in-memory LRU embedding cache bounded by bytes.
 *
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { EmbeddingCache } from './types.js';

/** Options for {@link LruEmbeddingCache}. */
export interface LruEmbeddingCacheOptions {
  /**
   * Upper bound of the memory held (vectors, keys and per-entry overhead), in bytes.
   * @defaultValue 67108864 (64 MiB)
   */
  maxBytes?: number;
}

/** Approximate per-entry bookkeeping (Map entry, typed-array header). */
const ENTRY_OVERHEAD = 96;

/**
 * Least-recently-used cache of vectors, evicting the oldest entries once the byte budget is exceeded. Vectors are
 * copied in and out, so callers may mutate what they get without corrupting the cache.
 *
 * @example
 * ```ts
 * const lru = new LruEmbeddingCache({ maxBytes: 32 * 1024 * 1024 });
 * const embedder = new CachedEmbedder({ embedder: inner, cache: lru });
 * ```
 */
export class LruEmbeddingCache implements EmbeddingCache {
  /** `lru`. */
  readonly name = 'lru';
  readonly #maxBytes: number;
  readonly #map = new Map<string, Float32Array>();
  #bytes = 0;

  /**
   * @param options - byte budget
   * @throws {@link ValidationError} when `maxBytes` is not a positive number
   */
  constructor(options: LruEmbeddingCacheOptions = {}) {
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    if (!(this.#maxBytes > 0)) throw new ValidationError('maxBytes must be a positive number');
  }

  /** Entries held. */
  get size(): number {
    return this.#map.size;
  }

  /** Bytes accounted for (≤ `maxBytes`). */
  get bytes(): number {
    return this.#bytes;
  }

  /** {@inheritDoc EmbeddingCache.getMany} */
  async getMany(keys: readonly string[]): Promise<(Float32Array | undefined)[]> {
    return keys.map((k) => {
      const v = this.#map.get(k);
      if (!v) return undefined;
      this.#map.delete(k); // re-insert: Map order is recency order
      this.#map.set(k, v);
      return v.slice();
    });
  }

  /** {@inheritDoc EmbeddingCache.setMany} */
  async setMany(entries: ReadonlyArray<readonly [string, Float32Array]>): Promise<void> {
    for (const [k, v] of entries) {
      const cost = LruEmbeddingCache.#cost(k, v);
      if (cost > this.#maxBytes) continue;
      const old = this.#map.get(k);
      if (old) {
        this.#bytes -= LruEmbeddingCache.#cost(k, old);
        this.#map.delete(k);
      }
      this.#map.set(k, v.slice());
      this.#bytes += cost;
      for (const [oldest, ov] of this.#map) {
        if (this.#bytes <= this.#maxBytes) break;
        this.#map.delete(oldest);
        this.#bytes -= LruEmbeddingCache.#cost(oldest, ov);
      }
    }
  }

  /** Drops every entry. */
  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }

  static #cost(key: string, v: Float32Array): number {
    return v.byteLength + key.length * 2 + ENTRY_OVERHEAD;
  }
}
