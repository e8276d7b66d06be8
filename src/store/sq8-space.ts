/**
 * The int8 distance space: one code byte per dimension in a {@link KernelArena}, distances from the
 * `dotI16I8Gather` kernel (a query scaled per dimension and rounded to int16, against int8 codes). Four times less
 * memory and memory traffic than float vectors; HNSW walks it and the store re-ranks the final candidates on floats.
 *
 * For `q` and a stored `x̂ = scale ⊙ c + offset`: `q · x̂ = (Σ round(α q_i scale_i) c_i) / α + q · offset`, and for L2
 * `‖q − x̂‖² = ‖q‖² − 2 q · x̂ + ‖x̂‖²` with `‖x̂‖²` kept per slot.
 *
 * Like {@link VectorStorage}, the codes live in a shared memory where the runtime allows, and the per-slot norms on
 * a growable SharedArrayBuffer, so search workers attach ({@link Sq8Space.attach}) and walk the same codes.
 *
 * @internal
 * @module
 */
import { CapacityError } from '../core/errors.js';
import { KernelArena, maxI16QueryMagnitude, type KernelBackend, type WasmMemory } from '../kernels/index.js';
import { ScalarQuantizer } from './quantization/scalar.js';
import { growableShared, growShared } from './shared-buffer.js';
import type { DistanceSpace, QueryLane } from './space.js';
import { MAX_GATHER, SHARED_MEMORY } from './vectors.js';

/** What a worker needs to attach to an {@link Sq8Space}. @internal */
export interface SharedSq8 {
  memory: WasmMemory;
  /** Int32 words: code block offset, capacity, count. */
  meta: SharedArrayBuffer;
  /** ‖x̂‖² per slot (float32), growable. */
  norms: SharedArrayBuffer;
  scale: Float32Array;
  offset: Float32Array;
  isL2: boolean;
}

/** Offsets of a search worker's query lane and gather buffers inside the shared arena. @internal */
export interface Sq8Scratch {
  lane: number;
  ids: number;
  out: number;
}

const MIN_CAPACITY = 64;
const LANES = 3;

/** @internal */
export class Sq8Space implements DistanceSpace {
  readonly dimension: number;
  readonly isL2: boolean;
  readonly quantizer: ScalarQuantizer;
  count = 0;
  readonly #arena: KernelArena;
  readonly #lanes: number[];
  readonly #laneAlpha = new Float64Array(LANES);
  readonly #laneConst = new Float64Array(LANES);
  readonly #laneNorm = new Float64Array(LANES);
  readonly #ids: number;
  readonly #out: number;
  readonly #maxMag: number;
  readonly #decoded: Float32Array;
  readonly #scaled: Float32Array;
  #codes: number;
  #capacity: number;
  /** ‖x̂‖² per slot (L2 only). */
  #norms: Float32Array;
  #normsBuf: SharedArrayBuffer | ArrayBuffer;
  /** Shared scalars for readers: code block offset, capacity, count. */
  readonly #meta: Int32Array;

  /**
   * @param quantizer - trained ranges
   * @param isL2 - squared-L2 distances (else `1 - dot`)
   * @param initialCapacity - slots to allocate up front
   * @param backend - kernel backend
   * @param attachTo - a worker's view of another thread's space (internal: use {@link Sq8Space.attach})
   */
  constructor(
    quantizer: ScalarQuantizer, isL2: boolean, initialCapacity = MIN_CAPACITY, backend: KernelBackend = 'auto',
    attachTo?: { shared: SharedSq8; scratch: Sq8Scratch },
  ) {
    this.quantizer = quantizer;
    this.dimension = quantizer.dim;
    this.isL2 = isL2;
    const dim = this.dimension;
    this.#maxMag = maxI16QueryMagnitude(dim);
    this.#decoded = new Float32Array(dim);
    this.#scaled = new Float32Array(dim);
    if (attachTo !== undefined) {
      const { shared, scratch } = attachTo;
      this.#arena = KernelArena.attach(shared.memory, backend);
      this.#meta = new Int32Array(shared.meta);
      this.#lanes = [scratch.lane, scratch.lane, scratch.lane];
      this.#ids = scratch.ids;
      this.#out = scratch.out;
      this.#codes = 0;
      this.#capacity = 0;
      this.#normsBuf = shared.norms;
      this.#norms = new Float32Array(0);
      this.refresh();
      return;
    }
    this.#capacity = Math.max(MIN_CAPACITY, initialCapacity);
    this.#arena = new KernelArena({ initialBytes: this.#capacity * dim + LANES * dim * 2 + MAX_GATHER * 8 + 65536, backend, shared: SHARED_MEMORY });
    this.#meta = new Int32Array(SHARED_MEMORY ? new SharedArrayBuffer(12) : new ArrayBuffer(12));
    this.#lanes = Array.from({ length: LANES }, () => this.#arena.alloc(dim * 2));
    this.#ids = this.#arena.alloc(MAX_GATHER * 4);
    this.#out = this.#arena.alloc(MAX_GATHER * 4);
    this.#codes = this.#alloc(this.#capacity);
    this.#normsBuf = SHARED_MEMORY ? growableShared(this.#capacity * 4) : new ArrayBuffer(this.#capacity * 4);
    this.#norms = new Float32Array(this.#normsBuf, 0, this.#capacity);
    this.publish();
  }

  /**
   * A worker thread's view of a space another thread owns: same codes, its own query lane (lanes 0-2 all map to
   * it: a reader only ever prepares one query). Call {@link Sq8Space.refresh} before each use; never append.
   *
   * @param shared - the owner's {@link Sq8Space.shared}
   * @param scratch - scratch the owner allocated for this worker ({@link Sq8Space.allocScratch})
   * @param backend - kernel backend
   * @returns the attached space
   */
  static attach(shared: SharedSq8, scratch: Sq8Scratch, backend: KernelBackend = 'auto'): Sq8Space {
    return new Sq8Space(new ScalarQuantizer(shared.scale, shared.offset), shared.isL2, 0, backend, { shared, scratch });
  }

  /** What a worker attaches to, or undefined where the memory is not shared. */
  get shared(): SharedSq8 | undefined {
    if (!this.#arena.shared || !(this.#normsBuf instanceof SharedArrayBuffer)) return undefined;
    return {
      memory: this.#arena.memory, meta: this.#meta.buffer as SharedArrayBuffer, norms: this.#normsBuf,
      scale: this.quantizer.scale, offset: this.quantizer.offset, isL2: this.isL2,
    };
  }

  /** Allocates a query lane and gather buffers for one search worker (owner side). */
  allocScratch(): Sq8Scratch {
    return { lane: this.#arena.alloc(this.dimension * 2), ids: this.#arena.alloc(MAX_GATHER * 4), out: this.#arena.alloc(MAX_GATHER * 4) };
  }

  /** Writer side: makes the code block's place and the slot count visible to readers. */
  publish(): void {
    const m = this.#meta;
    Atomics.store(m, 0, this.#codes);
    Atomics.store(m, 1, this.#capacity);
    Atomics.store(m, 2, this.count);
  }

  /** Reader side: takes the published place and count, and re-maps memory and norms that grew. */
  refresh(): void {
    const m = this.#meta;
    this.#codes = Atomics.load(m, 0);
    this.#capacity = Atomics.load(m, 1);
    this.count = Atomics.load(m, 2);
    this.#arena.sync();
    if (this.#norms.byteLength !== this.#normsBuf.byteLength) this.#norms = new Float32Array(this.#normsBuf, 0, this.#normsBuf.byteLength >>> 2);
  }

  #alloc(slots: number, from?: number): number {
    try {
      return from === undefined ? this.#arena.alloc(slots * this.dimension) : this.#arena.realloc(from, slots * this.dimension);
    } catch (err) {
      if (err instanceof CapacityError) {
        throw new CapacityError(`${slots} int8 codes of dimension ${this.dimension} exceed one store's 4 GiB WebAssembly memory`, {
          cause: err, requestedBytes: slots * this.dimension, limitBytes: this.#arena.maxBytes,
        });
      }
      throw err;
    }
  }

  /** Bytes held by codes and per-slot norms. */
  get bytes(): number {
    return this.#capacity * this.dimension + this.#norms.byteLength;
  }

  /** Which implementation computes the int8 distances. */
  get kernelImpl(): string {
    return this.#arena.kernels.impl.dotI16I8Gather;
  }

  #reserve(slots: number): void {
    if (slots <= this.#capacity) return;
    const next = Math.max(slots, Math.ceil(this.#capacity * 1.5), this.#capacity + MIN_CAPACITY);
    this.#codes = this.#alloc(next, this.#codes);
    if (this.#normsBuf instanceof SharedArrayBuffer) {
      this.#normsBuf = growShared(this.#normsBuf, next * 4);
      this.#norms = new Float32Array(this.#normsBuf, 0, next);
    } else {
      const norms = new Float32Array(next);
      norms.set(this.#norms);
      this.#normsBuf = norms.buffer;
      this.#norms = norms;
    }
    this.#capacity = next;
    this.publish();
  }

  /**
   * Encodes and appends a vector (already normalized for cosine).
   *
   * @returns the new slot
   */
  append(vector: ArrayLike<number>, from = 0): number {
    const slot = this.count;
    this.#reserve(slot + 1);
    const i8 = this.#arena.views.i8;
    const at = this.#codes + slot * this.dimension;
    this.quantizer.encode(vector, i8, at, from);
    if (this.isL2) {
      const d = this.quantizer.decode(i8, at, this.#decoded);
      let s = 0;
      for (let j = 0; j < d.length; j++) s += d[j] * d[j];
      this.#norms[slot] = s;
    }
    this.count = slot + 1;
    this.publish();
    return slot;
  }

  /** The codes of slots `[0, count)` (a copy), for persistence. */
  codes(): Int8Array {
    return this.#arena.views.i8.slice(this.#codes, this.#codes + this.count * this.dimension);
  }

  /** Replaces the content with `count` encoded vectors (as {@link codes} returned them). */
  loadCodes(codes: Int8Array, count: number): void {
    this.count = 0;
    this.#reserve(count);
    this.#arena.views.i8.set(codes.subarray(0, count * this.dimension), this.#codes);
    if (this.isL2) {
      for (let s = 0; s < count; s++) {
        const d = this.quantizer.decode(codes, s * this.dimension, this.#decoded);
        let n = 0;
        for (let j = 0; j < d.length; j++) n += d[j] * d[j];
        this.#norms[s] = n;
      }
    }
    this.count = count;
    this.publish();
  }

  #prepare(query: Float32Array, lane: QueryLane): number {
    const { scale, offset } = this.quantizer;
    const scaled = this.#scaled;
    let max = 0, c = 0, norm = 0;
    for (let j = 0; j < this.dimension; j++) {
      const v = query[j] * scale[j];
      scaled[j] = v;
      const a = Math.abs(v);
      if (a > max) max = a;
      c += query[j] * offset[j];
      norm += query[j] * query[j];
    }
    const alpha = max > 0 ? this.#maxMag / max : 1;
    const i16 = this.#arena.views.i16;
    const at = this.#lanes[lane] >>> 1;
    for (let j = 0; j < this.dimension; j++) i16[at + j] = Math.round(scaled[j] * alpha);
    this.#laneAlpha[lane] = alpha;
    this.#laneConst[lane] = c;
    this.#laneNorm[lane] = norm;
    return lane;
  }

  /** {@inheritDoc DistanceSpace.setQuery} */
  setQuery(query: Float32Array): number {
    return this.#prepare(query, 0);
  }

  /** {@inheritDoc DistanceSpace.slotQuery} */
  slotQuery(slot: number, lane: QueryLane): number {
    return this.#prepare(this.quantizer.decode(this.#arena.views.i8, this.#codes + slot * this.dimension, this.#decoded), lane);
  }

  /** {@inheritDoc DistanceSpace.gather} */
  gather(q: number, ids: Uint32Array, count: number, out: Float64Array | Float32Array): void {
    const { u32, i32 } = this.#arena.views;
    const idsAt = this.#ids >>> 2, outAt = this.#out >>> 2;
    const inv = 1 / this.#laneAlpha[q], c = this.#laneConst[q];
    const kernel = this.#arena.kernels.dotI16I8Gather;
    for (let start = 0; start < count; start += MAX_GATHER) {
      const n = Math.min(MAX_GATHER, count - start);
      for (let i = 0; i < n; i++) u32[idsAt + i] = ids[start + i];
      kernel(this.#lanes[q], this.#codes, this.dimension, this.#ids, n, this.dimension, this.#out);
      if (this.isL2) {
        const qn = this.#laneNorm[q], norms = this.#norms;
        for (let i = 0; i < n; i++) out[start + i] = qn - 2 * (i32[outAt + i] * inv + c) + norms[ids[start + i]];
      } else {
        for (let i = 0; i < n; i++) out[start + i] = 1 - (i32[outAt + i] * inv + c);
      }
    }
  }

  /** {@inheritDoc DistanceSpace.distance} */
  distance(q: number, slot: number): number {
    const dot = this.#arena.kernels.dotI16I8(this.#lanes[q], this.#codes + slot * this.dimension, this.dimension) / this.#laneAlpha[q] + this.#laneConst[q];
    return this.isL2 ? this.#laneNorm[q] - 2 * dot + this.#norms[slot] : 1 - dot;
  }
}
