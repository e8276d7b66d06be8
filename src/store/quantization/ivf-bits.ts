/**
 * IVF with bit codes: the coarse k-means cells of IVF-PQ, with each cell's inverted list holding either
 * - RaBitQ codes (1, 2 or 4 bits per dimension) of the rotated residual `P·(o − c)` with two bfloat16 factors
 *   (scale and error width; plus a float32 additive term for `l2`), read by an unbiased distance estimator with an
 *   error bound (see `rabitq.ts`), the bound widened by the factors' rounding; the query is rotated and quantised
 *   once per search. A search keeps, per candidate, the
 *   estimate and its lower bound; candidates whose lower bound cannot beat the k-th smallest upper bound are dropped
 *   during the scan, and the rest are re-ranked on float vectors in order of their lower bound until the next lower
 *   bound cannot beat the k-th exact distance. The re-rank depth follows from the bound, not from a setting.
 * - binary (sign) codes of the vector itself, one bit per dimension, ranked by Hamming distance, the best `rerank`
 *   of them re-ranked exactly: the cheap first stage for embedding models trained for binary retrieval (their
 *   signs are what they were trained to make meaningful, so no rotation or residual is applied).
 *
 * Codes live in a kernel arena (one block per list) and are scanned a list at a time by the WebAssembly SIMD kernels
 * `andPop4Block` (1-bit RaBitQ), `bitsDotI8Block` (2/4-bit) and `hammingBlock` (binary).
 *
 * Memory per vector: the code, a u32 slot, 4 bytes of factors (RaBitQ; 8 for `l2`) and 2 bytes in the slot map;
 * lists, slot map and arena are cut to their exact sizes after a bulk build ({@link IvfBitsIndex.trim}, which the
 * store calls after training and compaction) and on load, and appends grow a list by a quarter.
 *
 * Internal distances: squared L2 for `l2`, minus the inner product for `dot`.
 *
 * @internal
 * @module
 */
import { CorruptDataError, UnsupportedError, ValidationError } from '../../core/errors.js';
import { seededRandom } from '../../internal/random.js';
import { yieldToLoop } from '../../internal/yield.js';
import { KernelArena, type KernelBackend } from '../../kernels/index.js';
import { MaxHeap } from '../heap.js';
import { BF16_REL, bf16Table, toBf16, toBf16Up } from './bfloat16.js';
import { Encoder, EncodePool } from './encode-pool.js';
import type { IvfIndex } from './ivf-index.js';
import {
  ByteReader, ByteWriter, centroidNorms, checkTrainSample, defaultTrainThreads, DriftMeter, heapHits, type IvfTrainOptions, grownCapacity, probeOrder, SlotMap,
  takeTop, trainCoarse,
} from './ivf-lists.js';
import type { IvfMetric, IvfPqAddOptions, IvfPqHits, IvfPqSearchOptions } from './ivf.js';
import { NearestCentroids } from './kmeans.js';
import { DEFAULT_EPSILON, encodeRotated, estimateDot, quantizeQuery, type QuantizedQuery, type RabitqBits } from './rabitq.js';
import { paddedDim, Rotation } from './rotation.js';

/** Which codes the lists hold. */
export type IvfCodeKind = 'rabitq' | 'binary';

/** Options of {@link IvfBitsIndex.train}. */
export interface IvfBitsTrainOptions extends IvfTrainOptions {
  /** Codes. */
  kind: IvfCodeKind;
  /** Bits per dimension (RaBitQ only). @defaultValue 1 */
  bits?: RabitqBits;
  /** Confidence parameter ε0 of the RaBitQ error bound. @defaultValue 1.9 */
  epsilon?: number;
  /** Seed of k-means and of the rotation. @defaultValue 99 */
  seed?: number;
}

const MAGIC = 0x31514252; // "RBQ1"
/**
 * Section body version this build writes; it reads this one and version 1 (three float32 factors per vector, cut
 * to bfloat16 on load); a newer one is refused with UnsupportedError.
 */
const VERSION = 2;
/** RaBitQ bfloat16 factors per vector: scale, error width (the additive term of `l2` is kept apart, in float32). */
const FACTORS = 2;
/** Float32 factors per vector in a version-1 body: scale, additive term, error width. */
const V1_FACTORS = 3;
/** Arena bytes a trimmed index keeps above its lists (query and scan-output scratch grow into it). */
const ARENA_HEADROOM = 1 << 16;
/** Candidates re-ranked per exact-score call (the bound is checked between calls). */
const RERANK_CHUNK = 16;
/** Seed of the query's randomised rounding: a fixed seed per search keeps results reproducible. */
const QUERY_SEED = 0x5eed_51;

/** One growable inverted list; codes in the arena. */
interface BitList {
  slots: Uint32Array;
  /** RaBitQ: bfloat16 scale and error width per vector. */
  factors: Uint16Array;
  /** RaBitQ with `l2`: the additive term ‖r‖² + 2<r, c> per vector (float32: it can be large next to the bound). */
  adds: Float32Array;
  /** Arena offset of the codes (0 = none yet). */
  codes: number;
  capacity: number;
  length: number;
}

/** An IVF index with RaBitQ or binary codes. @internal */
export class IvfBitsIndex implements IvfIndex {
  /** Vector length. */
  readonly dim: number;
  /** Code length in dims (a multiple of 128). */
  readonly padded: number;
  /** Ranking metric. */
  readonly metric: IvfMetric;
  /** Codes. */
  readonly kind: IvfCodeKind;
  /** Bits per dimension (1 for binary). */
  readonly bits: RabitqBits;
  /** Confidence parameter of the bound. */
  readonly epsilon: number;
  /** Number of cells. */
  readonly nlist: number;
  /** `nlist × dim` coarse centroids. */
  readonly centroids: Float32Array;
  /** Mean squared residual of the training sample (the drift baseline). */
  readonly trainingError: number;
  /** The rotation (RaBitQ only). */
  readonly rotation: Rotation | null;
  /** Bytes of code per vector. */
  readonly codeBytes: number;
  readonly #coarse: NearestCentroids;
  readonly #backend: KernelBackend | undefined;
  readonly #centroidNorms: Float32Array;
  #arena: KernelArena;
  readonly #lists: BitList[];
  /** Arena scratch: the query (planes or int8 or sign bits) and the kernel's int32 output. */
  #queryBuf: number;
  #outBuf = 0;
  #outCap = 0;
  readonly #slots: SlotMap;
  readonly #drift = new DriftMeter();

  private constructor(
    metric: IvfMetric, kind: IvfCodeKind, bits: RabitqBits, epsilon: number, centroids: Float32Array, dim: number,
    rotation: Rotation | null, trainingError: number, backend?: KernelBackend,
  ) {
    this.dim = dim;
    this.padded = paddedDim(dim);
    this.metric = metric;
    this.kind = kind;
    this.bits = kind === 'binary' ? 1 : bits;
    this.epsilon = epsilon;
    this.nlist = centroids.length / dim;
    this.centroids = centroids;
    this.trainingError = trainingError;
    this.rotation = rotation;
    this.codeBytes = (this.padded * this.bits) / 8;
    this.#backend = backend;
    this.#coarse = new NearestCentroids(centroids, this.nlist, dim, backend);
    this.#centroidNorms = centroidNorms(centroids, this.nlist, dim);
    this.#arena = new KernelArena({ initialBytes: 1 << 20, backend });
    this.#queryBuf = this.#arena.alloc(this.padded);
    this.#slots = new SlotMap(this.nlist);
    this.#lists = Array.from({ length: this.nlist }, () => ({
      slots: new Uint32Array(0), factors: new Uint16Array(0), adds: new Float32Array(0), codes: 0, capacity: 0, length: 0,
    }));
  }

  /**
   * Trains the coarse quantizer on a sample and draws the rotation.
   *
   * @param sample - `n × dim` training vectors (n ≥ nlist)
   * @param dim - vector length
   * @param options - nlist, metric, codes, bits, seed
   * @returns an empty index
   * @throws {@link ValidationError} for inconsistent sizes or options
   */
  static async train(sample: Float32Array, dim: number, options: IvfBitsTrainOptions): Promise<IvfBitsIndex> {
    const n = checkTrainSample(sample, dim, options.nlist, options.metric);
    const bits = options.bits ?? 1;
    if (bits !== 1 && bits !== 2 && bits !== 4) throw new ValidationError(`RaBitQ bits must be 1, 2 or 4, got ${String(bits)}`);
    if (options.kind !== 'rabitq' && options.kind !== 'binary') throw new ValidationError(`unknown IVF codes ${String(options.kind)}`);
    const epsilon = options.epsilon ?? DEFAULT_EPSILON;
    if (!(epsilon > 0)) throw new ValidationError('epsilon must be positive');
    const threads = options.threads ?? defaultTrainThreads(n, options.nlist, dim);
    const pool = options.pool ?? (threads > 1 ? new EncodePool(threads, options.backend) : undefined);
    try {
      const seed = options.seed ?? 99;
      const { centroids, dists } = await trainCoarse(sample, dim, n, options, pool);
      let error = 0;
      for (let i = 0; i < n; i++) error += dists[i];
      const rotation = options.kind === 'rabitq' ? Rotation.create(dim, seed + 7, options.backend) : null;
      return new IvfBitsIndex(options.metric, options.kind, bits, epsilon, centroids, dim, rotation, error / n, options.backend);
    } finally {
      if (options.pool === undefined) await pool?.close();
    }
  }

  /** Number of indexed vectors. */
  get size(): number {
    return this.#slots.size;
  }

  /** Vectors added since training or loading. */
  get addedSinceTraining(): number {
    return this.#drift.count;
  }

  /**
   * Bytes held: centroids, the rotation, the slot map, the lists' slots and factors, and the whole kernel arena
   * holding the codes (its size, free space included: what the process holds, not what the codes need).
   */
  get memoryBytes(): number {
    let bytes = this.centroids.byteLength + (this.rotation?.bytes ?? 0) + this.#slots.byteLength + this.#arena.byteLength;
    for (const l of this.#lists) bytes += l.slots.byteLength + l.factors.byteLength + l.adds.byteLength;
    return bytes;
  }

  /** Bytes each indexed vector takes once trimmed: code, slot, factors and its slot-map entry. */
  get bytesPerVector(): number {
    const factors = this.kind === 'binary' ? 0 : FACTORS * 2 + (this.metric === 'l2' ? 4 : 0);
    return this.codeBytes + 4 + factors + (this.nlist >= 0xffff ? 4 : 2);
  }

  /**
   * Mean squared coarse residual of vectors added since training over the training sample's (1 when nothing was
   * added).
   *
   * @returns the ratio
   */
  drift(): number {
    return this.#drift.ratio(this.trainingError);
  }

  /**
   * Whether a slot is indexed.
   *
   * @param slot - the slot
   * @returns true when present
   */
  has(slot: number): boolean {
    return this.#slots.has(slot);
  }

  /**
   * Indexes a vector under a slot (replacing what the slot held).
   *
   * @param slot - non-negative integer
   * @param vector - `dim` floats
   * @throws {@link ValidationError} for a vector of the wrong length
   */
  add(slot: number, vector: Float32Array): void {
    if (vector.length !== this.dim) throw new ValidationError(`vector has length ${vector.length}, expected ${this.dim}`);
    const [cell, d] = this.#coarse.nearest(vector);
    this.#encodeAndInsert(slot, vector, cell, d, new Float32Array(this.padded), new Uint8Array(this.codeBytes));
  }

  /**
   * Indexes many vectors: cells found in batched kernel passes (on the pool's threads when one is given), codes
   * computed here, yielding to the event loop every few milliseconds. Same result as {@link IvfBitsIndex.add} for
   * each, in order.
   *
   * @param slots - one slot per vector
   * @param vectors - `slots.length × dim` floats
   * @param options - pool, signal
   * @throws {@link ValidationError} when the sizes disagree
   * @throws {@link AbortError} when the signal fires (the vectors before it stay added)
   */
  async addBatch(slots: Uint32Array, vectors: Float32Array, options: IvfPqAddOptions = {}): Promise<void> {
    const n = slots.length;
    if (vectors.length < n * this.dim) throw new ValidationError(`addBatch needs ${n * this.dim} floats, got ${vectors.length}`);
    const cells = new Int32Array(n);
    const dists = new Float32Array(n);
    await new Encoder({ centroids: this.centroids, k: this.nlist, dim: this.dim }, options.pool, this.#backend)
      .run(vectors, n, { cells, dists }, options.signal);
    const scratch = new Float32Array(this.padded);
    const code = new Uint8Array(this.codeBytes);
    let slice = performance.now();
    for (let i = 0; i < n; i++) {
      this.#encodeAndInsert(slots[i], vectors.subarray(i * this.dim, (i + 1) * this.dim), cells[i], dists[i], scratch, code);
      if (performance.now() - slice > 10) {
        await yieldToLoop();
        options.signal?.throwIfAborted();
        slice = performance.now();
      }
    }
  }

  #encodeAndInsert(slot: number, vector: Float32Array, cell: number, d: number, scratch: Float32Array, code: Uint8Array): void {
    if (this.has(slot)) this.remove(slot);
    const dim = this.dim;
    let f0 = 0, f1 = 0, f2 = 0;
    if (this.kind === 'binary') {
      code.fill(0);
      for (let j = 0; j < dim; j++) if (vector[j] > 0) code[j >> 3] |= 1 << (j & 7);
    } else {
      const c = cell * dim;
      let rc = 0, r2 = 0;
      for (let j = 0; j < dim; j++) {
        const r = vector[j] - this.centroids[c + j];
        scratch[j] = r;
        rc += r * this.centroids[c + j];
        r2 += r * r;
      }
      this.rotation!.rotate(scratch.subarray(0, dim), scratch, 0);
      const f = encodeRotated(scratch, this.bits, code, 0);
      f0 = f.scale;
      // The additive term of the estimate: ‖r‖² + 2<r,c> for L2, <r,c> for inner product (kept for the record).
      f1 = this.metric === 'l2' ? r2 + 2 * rc : rc;
      f2 = f.err;
    }
    this.#drift.add(d);
    const list = this.#lists[cell];
    this.#reserve(list, list.length + 1);
    const pos = this.#slots.append(list, slot, cell);
    this.#arena.views.u8.set(code, list.codes + pos * this.codeBytes);
    if (this.kind === 'rabitq') {
      list.factors[pos * FACTORS] = toBf16(f0);
      // Rounded up: a wider bound is still a bound.
      list.factors[pos * FACTORS + 1] = toBf16Up(f2);
      if (this.metric === 'l2') list.adds[pos] = f1;
    }
  }

  /**
   * Removes a slot (swap with the last entry of its list).
   *
   * @param slot - the slot
   * @returns true when it was indexed
   */
  remove(slot: number): boolean {
    if (!this.has(slot)) return false;
    const list = this.#lists[this.#slots.cell(slot)];
    const pos = this.#slots.detach(list, slot);
    const last = list.length;
    if (pos !== last) {
      const b = this.codeBytes;
      this.#arena.views.u8.copyWithin(list.codes + pos * b, list.codes + last * b, list.codes + (last + 1) * b);
      if (this.kind === 'rabitq') {
        list.factors.copyWithin(pos * FACTORS, last * FACTORS, (last + 1) * FACTORS);
        if (this.metric === 'l2') list.adds[pos] = list.adds[last];
      }
    }
    return true;
  }

  /**
   * Approximate top-k over the `nprobe` nearest cells, re-ranked on exact scores (see the module comment).
   *
   * @param query - `dim` floats (normalized, for cosine data)
   * @param options - k, nprobe, rerank (binary codes only: candidates kept from the Hamming scan), accept, exact scorer
   * @returns hits best first (scores: exact where re-ranked, else estimated; higher is better)
   * @throws {@link ValidationError} for a bad k
   */
  search(query: Float32Array, options: IvfPqSearchOptions): IvfPqHits {
    const { k } = options;
    if (!Number.isInteger(k) || k < 0) throw new ValidationError(`k must be a non-negative integer, got ${k}`);
    if (k === 0 || this.#slots.size === 0) return { slots: new Uint32Array(0), scores: new Float32Array(0) };
    const { cellScore, cells } = probeOrder(this.#coarse, this.#centroidNorms, this.metric, query, options.nprobe);
    return this.kind === 'binary'
      ? this.#searchBinary(query, cells, k, Math.max(k, options.rerank ?? Math.max(4 * k, 64)), options)
      : this.#searchRabitq(query, cells, cellScore, k, options);
  }

  #ensureOut(n: number): void {
    if (n <= this.#outCap) return;
    const cap = Math.max(n, this.#outCap * 2, 256);
    if (this.#outBuf !== 0) this.#arena.free(this.#outBuf);
    this.#outBuf = this.#arena.alloc(cap * 4);
    this.#outCap = cap;
  }

  #searchBinary(query: Float32Array, cells: number[], k: number, keep: number, options: IvfPqSearchOptions): IvfPqHits {
    const u8 = this.#arena.views.u8;
    const qb = this.#queryBuf;
    u8.fill(0, qb, qb + this.codeBytes);
    for (let j = 0; j < this.dim; j++) if (query[j] > 0) u8[qb + (j >> 3)] |= 1 << (j & 7);
    const heap = new MaxHeap(keep);
    const accept = options.accept;
    for (const cell of cells) {
      const list = this.#lists[cell];
      if (list.length === 0) continue;
      this.#ensureOut(list.length);
      this.#arena.kernels.hammingBlock(qb, list.codes, this.codeBytes, list.length, this.padded, this.#outBuf);
      const out = this.#arena.views.i32;
      const o = this.#outBuf >>> 2;
      for (let i = 0; i < list.length; i++) {
        const slot = list.slots[i];
        if (accept !== undefined && !accept(slot)) continue;
        const key = out[o + i];
        if (heap.size < keep) heap.push(key, slot);
        else if (key < heap.topKey()) heap.replaceTop(key, slot);
      }
    }
    return heapHits(heap, options.exactScores, k);
  }

  #searchRabitq(query: Float32Array, cells: number[], cellScore: Float32Array, k: number, options: IvfPqSearchOptions): IvfPqHits {
    const P = this.padded;
    const rotatedQuery = new Float32Array(P);
    this.rotation!.rotate(query, rotatedQuery, 0);
    // Quantised once per search: <r, q> = <P·r, P·q> for every cell, so no per-cell rotation or rounding.
    const qq: QuantizedQuery = quantizeQuery(rotatedQuery, this.bits, new Uint8Array(this.#arena.memory.buffer, this.#queryBuf, P), seededRandom(QUERY_SEED));
    const l2 = this.metric === 'l2';
    const eps = this.epsilon;
    const bits = this.bits;
    const bf16 = bf16Table();
    const rounding = (l2 ? 2 : 1) * (BF16_REL / (1 - BF16_REL));
    // k smallest upper bounds seen: a candidate whose lower bound is above the k-th cannot be in the top k.
    const upper = new MaxHeap(k);
    let candSlot = new Uint32Array(256), candLow = new Float64Array(256), candEst = new Float64Array(256);
    let nCand = 0;
    const accept = options.accept;
    for (const cell of cells) {
      const list = this.#lists[cell];
      if (list.length === 0) continue;
      this.#ensureOut(list.length);
      if (bits === 1) this.#arena.kernels.andPop4Block(this.#queryBuf, list.codes, this.codeBytes, list.length, P, this.#outBuf);
      else this.#arena.kernels.bitsDotI8Block(this.#queryBuf, list.codes, this.codeBytes, list.length, P, bits, this.#outBuf);
      const out = this.#arena.views.i32;
      const ob = this.#outBuf >>> 2;
      // −cellScore is ‖q − c‖² for L2 and −<c,q> for inner product.
      const base = -cellScore[cell];
      const width = (l2 ? 2 : 1) * eps * qq.norm;
      const f = list.factors, adds = list.adds;
      for (let i = 0, fo = 0; i < list.length; i++, fo += FACTORS) {
        const slot = list.slots[i];
        if (accept !== undefined && !accept(slot)) continue;
        const e = estimateDot(out[ob + i], qq, bits, bf16[f[fo]]);
        // l2: ‖o−q‖² = ‖q−c‖² + (‖r‖² + 2<r,c>) − 2<r,q>; dot: −<o,q> = −<c,q> − <r,q>.
        const est = l2 ? base + adds[i] - 2 * e : base - e;
        // The scale's bfloat16 rounding moves the estimate by at most BF16_REL of the exact one: widen by that.
        const bound = width * bf16[f[fo + 1]] + rounding * (e < 0 ? -e : e);
        const low = est - bound;
        if (upper.size === k && low >= upper.topKey()) continue;
        const high = est + bound;
        if (upper.size < k) upper.push(high, slot);
        else if (high < upper.topKey()) upper.replaceTop(high, slot);
        if (nCand === candSlot.length) {
          candSlot = grow(candSlot, new Uint32Array(nCand * 2));
          candLow = grow(candLow, new Float64Array(nCand * 2));
          candEst = grow(candEst, new Float64Array(nCand * 2));
        }
        candSlot[nCand] = slot;
        candLow[nCand] = low;
        candEst[nCand] = est;
        nCand++;
      }
    }
    // Survivors of the final threshold, in order of their lower bound.
    const tau = upper.size === k ? upper.topKey() : Infinity;
    const order: number[] = [];
    for (let i = 0; i < nCand; i++) if (candLow[i] < tau) order.push(i);
    order.sort((a, b) => candLow[a] - candLow[b] || candSlot[a] - candSlot[b]);
    const exact = options.exactScores;
    if (exact === undefined) {
      order.sort((a, b) => candEst[a] - candEst[b] || candSlot[a] - candSlot[b]);
      const n = Math.min(k, order.length);
      return { slots: Uint32Array.from(order.slice(0, n), (i) => candSlot[i]), scores: Float32Array.from(order.slice(0, n), (i) => -candEst[i]) };
    }
    // Re-rank in lower-bound order; stop once the next lower bound cannot beat the k-th exact distance.
    const top = new MaxHeap(k);
    let at = 0;
    while (at < order.length) {
      if (top.size === k && candLow[order[at]] >= top.topKey()) break;
      const end = Math.min(order.length, at + RERANK_CHUNK);
      const chunk = Uint32Array.from(order.slice(at, end), (i) => candSlot[i]);
      const scores = exact(chunk);
      for (let i = 0; i < chunk.length; i++) {
        const d = -scores[i];
        if (top.size < k) top.push(d, chunk[i]);
        else if (d < top.topKey()) top.replaceTop(d, chunk[i]);
      }
      at = end;
    }
    this.lastReranked = at;
    const slots = top.vals.slice(0, top.size);
    const scores = Float32Array.from(top.keys.subarray(0, top.size), (d) => -d);
    return takeTop(slots, scores, k);
  }

  /** Candidates re-ranked on exact scores by the last RaBitQ search (for tests and benchmarks). */
  lastReranked = 0;

  #reserve(list: BitList, n: number): void {
    if (n <= list.capacity) return;
    this.#resize(list, grownCapacity(list.capacity, n));
  }

  /** Gives a list room for exactly `cap` entries (at least its length), codes included. */
  #resize(list: BitList, cap: number): void {
    const slots = new Uint32Array(cap);
    slots.set(list.slots.subarray(0, list.length));
    list.slots = slots;
    if (this.kind === 'rabitq') {
      const factors = new Uint16Array(cap * FACTORS);
      factors.set(list.factors.subarray(0, list.length * FACTORS));
      list.factors = factors;
      if (this.metric === 'l2') {
        const adds = new Float32Array(cap);
        adds.set(list.adds.subarray(0, list.length));
        list.adds = adds;
      }
    }
    if (list.codes !== 0) list.codes = this.#arena.realloc(list.codes, cap * this.codeBytes);
    else if (cap > 0) list.codes = this.#arena.alloc(cap * this.codeBytes);
    list.capacity = cap;
  }

  /**
   * Cuts every list, the slot map and the kernel arena to their exact sizes: the lists' codes are copied into a new
   * arena just large enough for them, the scan scratch and a little headroom (a WebAssembly memory cannot shrink).
   * Called after a bulk build and on load; later appends grow a list by a quarter.
   */
  trim(): void {
    for (const l of this.#lists) if (l.capacity !== l.length) this.#resizeArrays(l);
    this.#slots.trim();
    let longest = 0, need = 2 * ARENA_HEADROOM + this.padded;
    for (const l of this.#lists) {
      longest = Math.max(longest, l.length);
      need += Math.ceil((l.length * this.codeBytes) / 16) * 16 + 16;
    }
    need += longest * 4;
    const old = this.#arena;
    const arena = new KernelArena({ initialBytes: need, backend: this.#backend });
    for (const l of this.#lists) {
      if (l.length === 0) {
        l.codes = 0;
        continue;
      }
      const at = arena.alloc(l.length * this.codeBytes);
      arena.views.u8.set(old.views.u8.subarray(l.codes, l.codes + l.length * this.codeBytes), at);
      l.codes = at;
    }
    this.#arena = arena;
    this.#queryBuf = arena.alloc(this.padded);
    this.#outBuf = 0;
    this.#outCap = 0;
    this.#ensureOut(Math.max(longest, 1));
  }

  /** Cuts a list's slots and factors to its length (its codes move with the arena in {@link IvfBitsIndex.trim}). */
  #resizeArrays(list: BitList): void {
    list.slots = list.slots.slice(0, list.length);
    if (this.kind === 'rabitq') {
      list.factors = list.factors.slice(0, list.length * FACTORS);
      if (this.metric === 'l2') list.adds = list.adds.slice(0, list.length);
    }
    list.capacity = list.length;
  }

  /**
   * Serializes the index (body version 2): u32 magic "RBQ1", u32 version, u8 kind (0 RaBitQ, 1 binary), u8 bits,
   * u8 metric (0 dot, 1 l2), u8 0, u32 dim, u32 nlist, f64 epsilon, f64 training error, the centroids, u32 rotation
   * length + the rotation (RaBitQ), then per cell: u32 length, the slots (u32), the factors (RaBitQ: u16 bfloat16
   * scale and error width per vector, then for `l2` a float32 additive term per vector), the codes. Version 1 had
   * three float32 factors per vector (scale, additive term, error width) in their place.
   *
   * @returns versioned bytes
   */
  serialize(): Uint8Array {
    const rot = this.rotation?.serialize() ?? new Uint8Array(0);
    const per = this.bytesPerVector - (this.nlist >= 0xffff ? 4 : 2);
    let size = 36 + this.centroids.byteLength + 4 + rot.length;
    for (const l of this.#lists) size += 4 + l.length * per;
    const w = new ByteWriter(size);
    w.u32(MAGIC);
    w.u32(VERSION);
    w.u8(this.kind === 'rabitq' ? 0 : 1);
    w.u8(this.bits);
    w.u8(this.metric === 'dot' ? 0 : 1);
    w.u8(0);
    w.u32(this.dim);
    w.u32(this.nlist);
    w.f64(this.epsilon);
    w.f64(this.trainingError);
    w.bytes(this.centroids);
    w.u32(rot.length);
    w.bytes(rot);
    const u8 = this.#arena.views.u8;
    const view = w.view;
    for (const l of this.#lists) {
      w.slotList(l);
      if (this.kind === 'rabitq') {
        for (let i = 0; i < l.length * FACTORS; i++, w.o += 2) view.setUint16(w.o, l.factors[i], true);
        if (this.metric === 'l2') for (let i = 0; i < l.length; i++, w.o += 4) view.setFloat32(w.o, l.adds[i], true);
      }
      w.bytes(u8.subarray(l.codes, l.codes + l.length * this.codeBytes));
    }
    return w.out;
  }

  /**
   * Reads {@link IvfBitsIndex.serialize}'s bytes.
   *
   * @param bytes - the bytes
   * @param backend - kernel backend
   * @returns the index
   * @throws {@link UnsupportedError} for a newer body version or rotation kind
   * @throws {@link CorruptDataError} when the bytes are not a valid index
   */
  static deserialize(bytes: Uint8Array, backend?: KernelBackend): IvfBitsIndex {
    const r = new ByteReader(bytes, 'IVF bit-code index');
    if (r.u32() !== MAGIC) throw new CorruptDataError('not an IVF bit-code index (bad magic)');
    const version = r.u32();
    if (version > VERSION) throw new UnsupportedError(`IVF bit-code index version ${version} is newer than this build reads (${VERSION})`);
    if (version < 1) throw new CorruptDataError('IVF bit-code index has version 0');
    r.need(4);
    const kindCode = bytes[r.o++], bits = bytes[r.o++], metricCode = bytes[r.o++];
    r.o++;
    if (kindCode > 1 || metricCode > 1 || (bits !== 1 && bits !== 2 && bits !== 4) || (kindCode === 1 && bits !== 1)) {
      throw new CorruptDataError('IVF bit-code index header is invalid');
    }
    const dim = r.u32();
    const nlist = r.u32();
    r.need(16);
    const epsilon = r.f64();
    const trainingError = r.f64();
    if (dim < 1 || nlist < 1 || !(epsilon > 0) || !Number.isFinite(trainingError)) throw new CorruptDataError('IVF bit-code index header is invalid');
    const centroids = r.f32s(nlist * dim);
    const rotLen = r.u32();
    r.need(rotLen);
    const kind: IvfCodeKind = kindCode === 0 ? 'rabitq' : 'binary';
    if ((kind === 'rabitq') !== (rotLen > 0)) throw new CorruptDataError('IVF bit-code index rotation disagrees with its codes');
    const rotBytes = r.take(rotLen);
    const rotation = rotLen > 0 ? Rotation.deserialize(rotBytes, backend) : null;
    if (rotation !== null && rotation.dim !== dim) throw new CorruptDataError('IVF bit-code rotation dimension differs from the index');
    const index = new IvfBitsIndex(metricCode === 0 ? 'dot' : 'l2', kind, bits as RabitqBits, epsilon, centroids, dim, rotation, trainingError, backend);
    const rabitq = kind === 'rabitq', l2 = metricCode === 1;
    const factorBytes = !rabitq ? 0 : version === 1 ? V1_FACTORS * 4 : FACTORS * 2 + (l2 ? 4 : 0);
    const view = r.view;
    for (let cell = 0; cell < nlist; cell++) {
      const len = r.u32();
      r.need(len * (4 + factorBytes + index.codeBytes));
      const list = index.#lists[cell];
      index.#resize(list, len);
      index.#slots.readList(r, list, cell, len);
      if (rabitq && version === 1) {
        for (let i = 0; i < len; i++, r.o += 12) {
          const scale = view.getFloat32(r.o, true), add = view.getFloat32(r.o + 4, true), err = view.getFloat32(r.o + 8, true);
          if (!Number.isFinite(scale) || !Number.isFinite(add) || !(err >= 0) || !Number.isFinite(err)) {
            throw new CorruptDataError('IVF bit-code index holds an invalid factor');
          }
          list.factors[i * FACTORS] = toBf16(scale);
          list.factors[i * FACTORS + 1] = toBf16Up(err);
          if (l2) list.adds[i] = add;
        }
      } else if (rabitq) {
        for (let i = 0; i < len * FACTORS; i++, r.o += 2) {
          const h = view.getUint16(r.o, true);
          // Finite patterns only (exponent not all ones); the error width (odd entries) must not be negative.
          if ((h & 0x7f80) === 0x7f80 || (i & 1 && h & 0x8000)) throw new CorruptDataError('IVF bit-code index holds an invalid factor');
          list.factors[i] = h;
        }
        if (l2) {
          for (let i = 0; i < len; i++, r.o += 4) {
            const v = view.getFloat32(r.o, true);
            if (!Number.isFinite(v)) throw new CorruptDataError('IVF bit-code index holds a non-finite factor');
            list.adds[i] = v;
          }
        }
      }
      index.#arena.views.u8.set(r.take(len * index.codeBytes), list.codes);
      list.length = len;
    }
    r.end();
    index.trim();
    return index;
  }
}

function grow<T extends Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
