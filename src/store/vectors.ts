/**
 * Contiguous vector storage inside a {@link KernelArena} (a growable `WebAssembly.Memory`), so the WASM SIMD kernels
 * compute distances in place: slot `s` is the float32 row at byte `base + s * dim * 4`. Every distance the store
 * computes goes through {@link VectorStorage.gather} (a query against listed slots).
 *
 * Growing the arena detaches old typed-array views: read {@link VectorStorage.data} afresh after any call that may
 * grow (append, reserve, resetTo) and never hold it across an `await`. Searches allocate nothing, so a view taken at
 * the start of a search stays valid for its whole (synchronous) run.
 *
 * The arena's memory is shared (a SharedArrayBuffer) where the runtime allows: search workers attach to it
 * ({@link VectorStorage.attach}) with their own scratch rows and read the vectors in place. The writer calls
 * {@link VectorStorage.publish} so readers see where the rows are and how many there are.
 *
 * wasm32 memories stop at 4 GiB: about 2.7 million 384-d vectors per store. Past that, writes fail with a
 * `CapacityError` that says so.
 *
 * @internal
 * @module
 */
import { CapacityError } from '../core/errors.js';
import { KernelArena, type KernelBackend, type WasmMemory } from '../kernels/index.js';
import { normalizeInPlace } from './distance.js';
import type { DistanceSpace } from './space.js';

const MIN_CAPACITY = 64;
/** Slots per kernel call; callers with more split their work. @internal */
export const MAX_GATHER = 1024;

/** Whether shared WebAssembly memories can be made here (they back the stores' vectors so workers can search). @internal */
export const SHARED_MEMORY = typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';

/** Offsets of a search worker's own query row and gather buffers inside a shared arena. @internal */
export interface StorageScratch {
  query: number;
  ids: number;
  out: number;
}

/** What a worker needs to attach to a {@link VectorStorage}. @internal */
export interface SharedStorage {
  memory: WasmMemory;
  /** Int32 words: row block offset, capacity, count (as of the last publish). */
  meta: SharedArrayBuffer;
  dimension: number;
  isL2: boolean;
}

/** Growable, contiguous storage of fixed-dimension float vectors, with distance kernels over it. @internal */
export class VectorStorage implements DistanceSpace {
  /** Elements per vector. */
  readonly dimension: number;
  /** Whether distances are squared L2 (else `1 - dot`). */
  readonly isL2: boolean;
  /** Slots in use: `[0, count)`. */
  count = 0;
  readonly #arena: KernelArena;
  readonly #rowBytes: number;
  readonly #query: number;
  readonly #ids: number;
  readonly #out: number;
  #base: number;
  #capacity: number;
  #generation = -1;
  #data: Float32Array = new Float32Array(0);
  #u32: Uint32Array = new Uint32Array(0);
  #f32: Float32Array = new Float32Array(0);
  /** Shared scalars for readers: row block offset, capacity, count. */
  readonly #meta: Int32Array;

  /**
   * @param dimension - elements per vector
   * @param isL2 - squared-L2 distances (else `1 - dot`)
   * @param initialCapacity - slots to allocate up front
   * @param backend - kernel backend (`'js'` forces the scalar fallback)
   * @param attachTo - a worker's view of another thread's storage (internal: use {@link VectorStorage.attach})
   */
  constructor(
    dimension: number, isL2: boolean, initialCapacity = MIN_CAPACITY, backend: KernelBackend = 'auto',
    attachTo?: { shared: SharedStorage; scratch: StorageScratch },
  ) {
    this.dimension = dimension;
    this.isL2 = isL2;
    this.#rowBytes = dimension * 4;
    if (attachTo !== undefined) {
      this.#arena = KernelArena.attach(attachTo.shared.memory, backend);
      this.#meta = new Int32Array(attachTo.shared.meta);
      ({ query: this.#query, ids: this.#ids, out: this.#out } = attachTo.scratch);
      this.#base = 0;
      this.#capacity = 0;
      this.refresh();
      return;
    }
    this.#capacity = Math.max(MIN_CAPACITY, initialCapacity);
    const scratch = this.#rowBytes + MAX_GATHER * 8 + 64;
    this.#arena = new KernelArena({ initialBytes: this.#capacity * this.#rowBytes + scratch + 65536, backend, shared: SHARED_MEMORY });
    this.#meta = new Int32Array(SHARED_MEMORY ? new SharedArrayBuffer(12) : new ArrayBuffer(12));
    // Scratch first: it never moves, so only the vector block is ever reallocated.
    this.#query = this.#arena.alloc(this.#rowBytes);
    this.#ids = this.#arena.alloc(MAX_GATHER * 4);
    this.#out = this.#arena.alloc(MAX_GATHER * 4);
    this.#base = this.#alloc(this.#capacity);
    this.publish();
  }

  /**
   * A worker thread's view of a storage another thread owns: same vectors, its own scratch. Call
   * {@link VectorStorage.refresh} before each use; never write through it.
   *
   * @param shared - the owner's {@link VectorStorage.shared}
   * @param scratch - scratch the owner allocated for this worker ({@link VectorStorage.allocScratch})
   * @param backend - kernel backend
   * @returns the attached storage
   */
  static attach(shared: SharedStorage, scratch: StorageScratch, backend: KernelBackend = 'auto'): VectorStorage {
    return new VectorStorage(shared.dimension, shared.isL2, 0, backend, { shared, scratch });
  }

  /** What a worker attaches to, or undefined where the memory is not shared. */
  get shared(): SharedStorage | undefined {
    if (!this.#arena.shared) return undefined;
    return { memory: this.#arena.memory, meta: this.#meta.buffer as SharedArrayBuffer, dimension: this.dimension, isL2: this.isL2 };
  }

  /** Allocates a query row and gather buffers for one search worker (owner side). */
  allocScratch(): StorageScratch {
    const query = this.#arena.alloc(this.#rowBytes);
    const ids = this.#arena.alloc(MAX_GATHER * 4);
    const out = this.#arena.alloc(MAX_GATHER * 4);
    this.#generation = -1;
    return { query, ids, out };
  }

  /** Writer side: makes the row block's place and the slot count visible to readers. */
  publish(): void {
    const m = this.#meta;
    Atomics.store(m, 0, this.#base);
    Atomics.store(m, 1, this.#capacity);
    Atomics.store(m, 2, this.count);
  }

  /** Reader side: takes the published place and count, and re-maps the memory if it grew. */
  refresh(): void {
    const m = this.#meta;
    const base = Atomics.load(m, 0), capacity = Atomics.load(m, 1);
    this.count = Atomics.load(m, 2);
    if (this.#arena.sync() || base !== this.#base || capacity !== this.#capacity) {
      this.#base = base;
      this.#capacity = capacity;
      this.#generation = -1;
    }
  }

  #alloc(slots: number, from?: number): number {
    const bytes = slots * this.#rowBytes;
    try {
      return from === undefined ? this.#arena.alloc(bytes) : this.#arena.realloc(from, bytes);
    } catch (err) {
      if (err instanceof CapacityError) {
        throw new CapacityError(
          `${slots} vectors of dimension ${this.dimension} need ${bytes} bytes: more than one store's 4 GiB ` +
          'WebAssembly memory holds (compact, shard into several stores, or use the ivfpq index)',
          { cause: err, requestedBytes: bytes, limitBytes: this.#arena.maxBytes },
        );
      }
      throw err;
    }
  }

  #refresh(): void {
    if (this.#generation === this.#arena.generation) return;
    this.#generation = this.#arena.generation;
    const { f32, u32 } = this.#arena.views;
    this.#f32 = f32;
    this.#u32 = u32;
    this.#data = f32.subarray(this.#base >>> 2, (this.#base >>> 2) + this.#capacity * this.dimension);
  }

  /** Slot `s` at elements `[s * dimension, (s + 1) * dimension)`; replaced when the storage grows. */
  get data(): Float32Array {
    this.#refresh();
    return this.#data;
  }

  /** Slots allocated. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Which implementation computes float distances (`wasm-simd` or `js`). */
  get kernelImpl(): string {
    return this.#arena.kernels.impl.dotF32Gather;
  }

  /** Byte offset of a slot's row in the arena (a query operand for {@link gather}). */
  offsetOf(slot: number): number {
    return this.#base + slot * this.#rowBytes;
  }

  /** The stored vector of `slot` as a query (all lanes share it: it is read in place). */
  slotQuery(slot: number): number {
    return this.offsetOf(slot);
  }

  /** Makes room for at least `slots` slots, growing geometrically (x1.5, at least +64) so appends stay amortized O(1). */
  reserve(slots: number): void {
    if (slots <= this.#capacity) return;
    const next = Math.max(slots, Math.ceil(this.#capacity * 1.5), this.#capacity + MIN_CAPACITY);
    this.#base = this.#alloc(next, this.#base);
    this.#capacity = next;
    this.#generation = -1;
    this.publish();
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
    this.publish();
    return slot;
  }

  /** Reads slot `slot` into `out[at .. at + dim)`. */
  read(slot: number, out: Float32Array, at = 0): void {
    const o = slot * this.dimension;
    out.set(this.data.subarray(o, o + this.dimension), at);
  }

  /** A copy of the vector in `slot`. */
  copyOf(slot: number): Float32Array {
    const o = slot * this.dimension;
    return this.data.slice(o, o + this.dimension);
  }

  /** A view of slots `[0, count)` (no copy), for persistence; valid until the storage grows. */
  view(): Float32Array {
    return this.data.subarray(0, this.count * this.dimension);
  }

  /** Holds `count` slots whose rows the caller then writes through {@link data} (their contents are undefined until then). */
  resetTo(count: number): void {
    this.count = 0;
    this.reserve(count);
    this.count = count;
    this.publish();
  }

  /** Bytes reserved for vectors. */
  get bytes(): number {
    return this.#capacity * this.#rowBytes;
  }

  /**
   * Copies a query into the arena's query row.
   *
   * @returns its byte offset, for {@link gather}
   */
  setQuery(query: Float32Array): number {
    this.#refresh();
    this.#f32.set(query, this.#query >>> 2);
    return this.#query;
  }

  /**
   * Distances ("lower is nearer": squared L2, or `1 - dot`) from the query at byte offset `query` to the `count`
   * slots listed in `ids`, written to `out`. One kernel call per {@link MAX_GATHER} slots.
   */
  gather(query: number, ids: Uint32Array, count: number, out: Float64Array | Float32Array): void {
    this.#refresh();
    const u32 = this.#u32, f32 = this.#f32;
    const idsAt = this.#ids >>> 2, outAt = this.#out >>> 2;
    const kernels = this.#arena.kernels;
    const kernel = this.isL2 ? kernels.l2sqF32Gather : kernels.dotF32Gather;
    for (let start = 0; start < count; start += MAX_GATHER) {
      const n = Math.min(MAX_GATHER, count - start);
      for (let i = 0; i < n; i++) u32[idsAt + i] = ids[start + i];
      kernel(query, this.#base, this.#rowBytes, this.#ids, n, this.dimension, this.#out);
      if (this.isL2) for (let i = 0; i < n; i++) out[start + i] = f32[outAt + i];
      else for (let i = 0; i < n; i++) out[start + i] = 1 - f32[outAt + i];
    }
  }

  /** Distance from the query at byte offset `query` to one slot. */
  distance(query: number, slot: number): number {
    const kernels = this.#arena.kernels;
    const at = this.offsetOf(slot);
    return this.isL2 ? kernels.l2sqF32(query, at, this.dimension) : 1 - kernels.dotF32(query, at, this.dimension);
  }
}
