/**
 * The contract of an embedding cache tier.
 *
 * @module
 */

/**
 * A store of vectors by key: the in-memory LRU, Redis, or your own. Used by `CachedEmbedder`, which puts the
 * tiers in order (fastest first). A tier should not throw for an unavailable backend: answer misses and skip writes.
 *
 * @example
 * ```ts
 * const tiers: EmbeddingCache[] = [new LruEmbeddingCache({ maxBytes: 64 << 20 }), new RedisEmbeddingCache()];
 * ```
 */
export interface EmbeddingCache {
  /** A short name for warnings and stats, e.g. `lru`, `redis`. */
  readonly name: string;
  /**
   * Looks keys up.
   *
   * @param keys - cache keys
   * @param options - `signal` aborts the lookup
   * @returns one entry per key: the vector, or `undefined` on a miss
   */
  getMany(keys: readonly string[], options?: { signal?: AbortSignal }): Promise<(Float32Array | undefined)[]>;
  /**
   * Stores vectors.
   *
   * @param entries - key and vector pairs
   * @returns when stored (or given up on)
   */
  setMany(entries: ReadonlyArray<readonly [string, Float32Array]>): Promise<void>;
}
