/**
 * The one seeded PRNG (mulberry32): HNSW level draws, k-means sampling, and the tests', benchmarks' and model
 * generator's data all come from it, so a seed means the same numbers everywhere.
 *
 * @module
 * @internal
 */

/**
 * Advances the mulberry32 state held in `state[0]` and returns the next 32-bit output. The state lives in a typed
 * array so an owner (an HNSW graph) can keep and persist it.
 *
 * @internal
 */
export function mulberry32Next(state: Uint32Array): number {
  let t = (state[0] = (state[0] + 0x6d2b79f5) >>> 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/**
 * A seeded uniform source in [0, 1).
 *
 * @internal
 */
export function seededRandom(seed: number): () => number {
  const state = Uint32Array.of(seed >>> 0);
  return () => mulberry32Next(state) / 4294967296;
}
