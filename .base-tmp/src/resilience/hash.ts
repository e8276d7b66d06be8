/**
 * Fast non-cryptographic string hashing for endpoint selection (not for cache keys: see src/cache/key.ts).
 *
 * @internal
 * @module
 */

/** MurmurHash3's 32-bit finalizer: spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units, finalized with {@link fmix32}; `seed` picks an independent hash. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h ^ text.length);
}

/**
 * A uniform number in (0, 1) from a key hash pair and an endpoint hash pair (53 random bits), for rendezvous
 * hashing.
 */
export function unitFromPair(keyA: number, keyB: number, idA: number, idB: number): number {
  const hi = fmix32((keyA ^ idA) + 0x9e3779b9) >>> 11; // 21 bits
  const lo = fmix32(Math.imul(keyB ^ idB, 0x85ebca6b) + idA); // 32 bits
  return (hi * 4294967296 + lo + 0.5) / 9007199254740992;
}
