/**
 * Growable `SharedArrayBuffer`s for the index arrays that search workers read (graph links, levels, tombstones,
 * int8 norms). `new SharedArrayBuffer(n, { maxByteLength })` reserves address space up to the maximum and grows in
 * place with `.grow()` (Node ≥ 20); other threads holding the same buffer see the new length on their next read of
 * `byteLength`. Past the maximum a new buffer is made and the contents copied: the owner then tells its readers
 * (the search pool re-sends buffers whose identity changed).
 *
 * Views are fixed-length typed arrays re-made after growth, never length-tracking ones: in Node 20 a length-tracking
 * view over a growable buffer reads ~3x slower in a hot loop, a fixed one as fast as over a plain ArrayBuffer.
 *
 * @internal
 * @module
 */

/** The ES2024 growable-SharedArrayBuffer surface (the project compiles against ES2023 typings). @internal */
interface GrowableSab extends SharedArrayBuffer {
  readonly growable: boolean;
  readonly maxByteLength: number;
  grow(newLength: number): void;
}

type SabCtor = new (length: number, options?: { maxByteLength?: number }) => GrowableSab;

/** Address space each growable buffer reserves by default: 1 GiB (only touched pages cost memory). @internal */
export const DEFAULT_MAX_SHARED_BYTES = 1 << 30;

/**
 * A growable shared buffer of at least `bytes` bytes that may grow in place up to `maxBytes`.
 *
 * @internal
 */
export function growableShared(bytes: number, maxBytes = DEFAULT_MAX_SHARED_BYTES): SharedArrayBuffer {
  const Ctor = SharedArrayBuffer as unknown as SabCtor;
  return new Ctor(bytes, { maxByteLength: Math.max(bytes, maxBytes) });
}

/**
 * Makes `sab` at least `bytes` long: in place when its maximum allows, else a new growable buffer (maximum doubled)
 * holding a copy of the old contents.
 *
 * @returns `sab` itself, or the new buffer when it had to move
 * @internal
 */
export function growShared(sab: SharedArrayBuffer, bytes: number): SharedArrayBuffer {
  if (bytes <= sab.byteLength) return sab;
  const g = sab as GrowableSab;
  if (g.growable === true && bytes <= g.maxByteLength) {
    g.grow(bytes);
    return sab;
  }
  const next = growableShared(bytes, Math.max(bytes * 2, g.maxByteLength ?? 0));
  new Uint8Array(next).set(new Uint8Array(sab));
  return next;
}
