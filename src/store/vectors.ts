/**
 * Contiguous vector storage: every vector of a store lives in one `Float32Array`, addressed by dense slot id.
 *
 * Slot `s` occupies elements `[s * dimension, (s + 1) * dimension)`, i.e. bytes `byteOffsetOf(s)` onwards in
 * `buffer`. All vector reads and writes in the store go through this module, so the backing memory can later be a
 * `WebAssembly.Memory` (for SIMD kernels that address vectors by byte offset) without touching the index code.
 * Callers must re-read {@link VectorStorage.data} after any call that may grow the storage: growing replaces it.
 *
 * @internal
 * @module
 */
import { normalizeInPlace } from './distance.js';

const MIN_CAPACITY = 64;

/** Growable, contiguous storage of fixed-dimension float vectors. @internal */
export class VectorStorage {
  /** Elements per vector. */
  readonly dimension: number;
  /** The backing array; replaced (not resized) when the storage grows. */
  data: Float32Array;
  /** Slots in use: `[0, count)`. */
  count = 0;

  /**
   * @param dimension - elements per vector
   * @param initialCapacity - slots to allocate up front
   */
  constructor(dimension: number, initialCapacity = MIN_CAPACITY) {
    this.dimension = dimension;
    this.data = new Float32Array(Math.max(MIN_CAPACITY, initialCapacity) * dimension);
  }

  /** Slots allocated. */
  get capacity(): number {
    return this.data.length / this.dimension;
  }

  /** Element offset of slot `slot` in {@link data}. */
  offsetOf(slot: number): number {
    return slot * this.dimension;
  }

  /** Byte offset of slot `slot` in the backing buffer (for kernels addressing memory by byte). */
  byteOffsetOf(slot: number): number {
    return this.data.byteOffset + slot * this.dimension * 4;
  }

  /** Makes room for at least `slots` slots, growing geometrically (x1.5, at least +64) so appends stay amortized O(1). */
  reserve(slots: number): void {
    const cap = this.capacity;
    if (slots <= cap) return;
    const next = Math.max(slots, Math.ceil(cap * 1.5), cap + MIN_CAPACITY);
    const grown = new Float32Array(next * this.dimension);
    grown.set(this.data.subarray(0, this.count * this.dimension));
    this.data = grown;
  }

  /**
   * Appends a vector, optionally normalizing the stored copy to unit length.
   *
   * @returns the new slot
   */
  append(vector: ArrayLike<number>, normalize: boolean): number {
    const slot = this.count;
    this.reserve(slot + 1);
    const o = slot * this.dimension;
    const data = this.data;
    for (let i = 0; i < this.dimension; i++) data[o + i] = vector[i];
    if (normalize) normalizeInPlace(data, o, this.dimension);
    this.count = slot + 1;
    return slot;
  }

  /** A copy of the vector in `slot`. */
  copyOf(slot: number): Float32Array {
    const o = slot * this.dimension;
    return this.data.slice(o, o + this.dimension);
  }

  /** A view of slots `[0, count)` (no copy), for persistence. */
  view(): Float32Array {
    return this.data.subarray(0, this.count * this.dimension);
  }

  /** Replaces the content with `count` vectors taken from `source` (copied). */
  load(source: Float32Array, count: number): void {
    this.count = 0;
    this.reserve(count);
    this.data.set(source.subarray(0, count * this.dimension));
    this.count = count;
  }

  /** Bytes held by the backing array. */
  get bytes(): number {
    return this.data.byteLength;
  }
}
