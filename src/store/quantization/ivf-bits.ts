/**
 * IVF with bit codes: the coarse k-means cells of IVF-PQ, with each cell's inverted list holding either
 * - RaBitQ codes (1, 2 or 4 bits per dimension) of the rotated residual `P·(o − c)` with three float factors, read
 *   by an unbiased distance estimator with an error bound (see `rabitq.ts`); the query is rotated and quantised once
 *   per search. A search keeps, per candidate, the
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
import { Encoder, EncodePool, defaultEncodeThreads } from './encode-pool.js';
import type { IvfIndex } from './ivf-index.js';
import type { IvfMetric, IvfPqAddOptions, IvfPqHits, IvfPqSearchOptions } from './ivf.js';
import { NearestCentroids, trainKMeans } from './kmeans.js';
import { DEFAULT_EPSILON, encodeRotated, estimateDot, quantizeQuery, type QuantizedQuery, type RabitqBits } from './rabitq.js';
import { paddedDim, Rotation } from './rotation.js';

/** Which codes the lists hold. */
export type IvfCodeKind = 'rabitq' | 'binary';

/** Options of {@link IvfBitsIndex.train}. */
export interface IvfBitsTrainOptions {
  /** Coarse cells. */
  nlist: number;
  /** Ranking metric. */
  metric: IvfMetric;
  /** Codes. */
  kind: IvfCodeKind;
  /** Bits per dimension (RaBitQ only). @defaultValue 1 */
  bits?: RabitqBits;
  /** Confidence parameter ε0 of the RaBitQ error bound. @defaultValue 1.9 */
  epsilon?: number;
  /** k-means iterations. @defaultValue 15 */
  iterations?: number;
  /** Seed of k-means and of the rotation. @defaultValue 99 */
  seed?: number;
  /** Cancels training. */
  signal?: AbortSignal;
  /** Kernel backend, for tests. @defaultValue 'auto' */
  backend?: KernelBackend;
  /** Worker threads for k-means assignment. @defaultValue every core for large samples, else 1 */
  threads?: number;
  /** A pool to use instead of starting one (not closed). */
  pool?: EncodePool;
}

const MAGIC = 0x31514252; // "RBQ1"
/** Section body version this build writes and reads; a newer one is refused with UnsupportedError. */
const VERSION = 1;
const NONE = -1;
/** RaBitQ floats per vector: scale, additive term, error width. */
const FACTORS = 3;
/** Candidates re-ranked per exact-score call (the bound is checked between calls). */
const RERANK_CHUNK = 16;
/** Distance computations above which training starts a worker pool by default. */
const POOL_WORK = 2e9;
/** Seed of the query's randomised rounding: a fixed seed per search keeps results reproducible. */
const QUERY_SEED = 0x5eed_51;

/** One growable inverted list; codes in the arena. */
interface BitList {
  slots: Uint32Array;
  factors: Float32Array;
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
  readonly #arena: KernelArena;
  readonly #lists: BitList[];
  /** Arena scratch: the query (planes or int8 or sign bits) and the kernel's int32 output. */
  #queryBuf: number;
  #outBuf = 0;
  #outCap = 0;
  #slotList = new Int32Array(0);
  #slotPos = new Uint32Array(0);
  #size = 0;
  #addedError = 0;
  #addedCount = 0;

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
    this.#centroidNorms = new Float32Array(this.nlist);
    for (let c = 0; c < this.nlist; c++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += centroids[c * dim + j] ** 2;
      this.#centroidNorms[c] = s;
    }
    this.#arena = new KernelArena({ initialBytes: 1 << 20, backend });
    this.#queryBuf = this.#arena.alloc(this.padded);
    this.#lists = Array.from({ length: this.nlist }, () => ({ slots: new Uint32Array(0), factors: new Float32Array(0), codes: 0, capacity: 0, length: 0 }));
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
    const n = sample.length / dim;
    if (!Number.isInteger(n) || n < options.nlist) {
      throw new ValidationError(`IVF training needs at least nlist (${options.nlist}) vectors, got ${n}`);
    }
    if (options.metric !== 'dot' && options.metric !== 'l2') throw new ValidationError(`unknown IVF metric ${String(options.metric)}`);
    const bits = options.bits ?? 1;
    if (bits !== 1 && bits !== 2 && bits !== 4) throw new ValidationError(`RaBitQ bits must be 1, 2 or 4, got ${String(bits)}`);
    if (options.kind !== 'rabitq' && options.kind !== 'binary') throw new ValidationError(`unknown IVF codes ${String(options.kind)}`);
    const epsilon = options.epsilon ?? DEFAULT_EPSILON;
    if (!(epsilon > 0)) throw new ValidationError('epsilon must be positive');
    const threads = options.threads ?? (n * options.nlist * dim > POOL_WORK ? defaultEncodeThreads() : 1);
    const pool = options.pool ?? (threads > 1 ? new EncodePool(threads, options.backend) : undefined);
    try {
      const seed = options.seed ?? 99;
      const coarse = await trainKMeans(sample, dim, {
        k: options.nlist, iterations: options.iterations ?? 15, seed, signal: options.signal, backend: options.backend, pool,
      });
      const cells = new Int32Array(n);
      const dists = new Float32Array(n);
      await new Encoder({ centroids: coarse.centroids, k: options.nlist, dim }, pool, options.backend).run(sample, n, { cells, dists }, options.signal);
      let error = 0;
      for (let i = 0; i < n; i++) error += dists[i];
      const rotation = options.kind === 'rabitq' ? Rotation.create(dim, seed + 7, options.backend) : null;
      return new IvfBitsIndex(options.metric, options.kind, bits, epsilon, coarse.centroids, dim, rotation, error / n, options.backend);
    } finally {
      if (options.pool === undefined) await pool?.close();
    }
  }

  /** Number of indexed vectors. */
  get size(): number {
    return this.#size;
  }

  /** Vectors added since training or loading. */
  get addedSinceTraining(): number {
    return this.#addedCount;
  }

  /** Bytes held: centroids (and their rotations), the rotation, lists (slots, factors, codes) and the slot map. */
  get memoryBytes(): number {
    let bytes = this.centroids.byteLength + (this.rotation?.bytes ?? 0)
      + this.#slotList.byteLength + this.#slotPos.byteLength;
    for (const l of this.#lists) bytes += l.slots.byteLength + l.factors.byteLength + l.capacity * this.codeBytes;
    return bytes;
  }

  /**
   * Mean squared coarse residual of vectors added since training over the training sample's (1 when nothing was
   * added).
   *
   * @returns the ratio
   */
  drift(): number {
    if (this.#addedCount === 0 || this.trainingError === 0) return 1;
    return this.#addedError / this.#addedCount / this.trainingError;
  }

  /**
   * Whether a slot is indexed.
   *
   * @param slot - the slot
   * @returns true when present
   */
  has(slot: number): boolean {
    return slot < this.#slotList.length && this.#slotList[slot] !== NONE;
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
    this.#addedError += d;
    this.#addedCount++;
    const list = this.#lists[cell];
    this.#reserve(list, list.length + 1);
    const pos = list.length;
    this.#arena.views.u8.set(code, list.codes + pos * this.codeBytes);
    list.slots[pos] = slot;
    if (this.kind === 'rabitq') {
      list.factors[pos * FACTORS] = f0;
      list.factors[pos * FACTORS + 1] = f1;
      list.factors[pos * FACTORS + 2] = f2;
    }
    this.#setSlot(slot, cell, pos);
    list.length++;
    this.#size++;
  }

  /**
   * Removes a slot (swap with the last entry of its list).
   *
   * @param slot - the slot
   * @returns true when it was indexed
   */
  remove(slot: number): boolean {
    if (!this.has(slot)) return false;
    const list = this.#lists[this.#slotList[slot]];
    const pos = this.#slotPos[slot];
    const last = list.length - 1;
    if (pos !== last) {
      const moved = list.slots[last];
      list.slots[pos] = moved;
      const b = this.codeBytes;
      this.#arena.views.u8.copyWithin(list.codes + pos * b, list.codes + last * b, list.codes + (last + 1) * b);
      if (this.kind === 'rabitq') list.factors.copyWithin(pos * FACTORS, last * FACTORS, (last + 1) * FACTORS);
      this.#slotPos[moved] = pos;
    }
    list.length--;
    this.#slotList[slot] = NONE;
    this.#size--;
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
    if (k === 0 || this.#size === 0) return { slots: new Uint32Array(0), scores: new Float32Array(0) };
    const nprobe = Math.min(this.nlist, Math.max(1, Math.floor(options.nprobe)));
    const dist = this.#coarse.distances(query);
    let qNorm = 0;
    for (let j = 0; j < this.dim; j++) qNorm += query[j] * query[j];
    const cellScore = new Float32Array(this.nlist);
    for (let c = 0; c < this.nlist; c++) {
      cellScore[c] = this.metric === 'l2' ? -dist[c] : (qNorm + this.#centroidNorms[c] - dist[c]) / 2;
    }
    const cells = topIndices(cellScore, nprobe);
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
    const slots = heap.vals.slice(0, heap.size);
    const scores = options.exactScores === undefined
      ? Float32Array.from(heap.keys.subarray(0, heap.size), (key) => -key)
      : options.exactScores(slots);
    return takeTop(slots, scores, k);
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
      const f = list.factors;
      for (let i = 0, fo = 0; i < list.length; i++, fo += FACTORS) {
        const slot = list.slots[i];
        if (accept !== undefined && !accept(slot)) continue;
        const e = estimateDot(out[ob + i], qq, bits, f[fo]);
        // l2: ‖o−q‖² = ‖q−c‖² + (‖r‖² + 2<r,c>) − 2<r,q>; dot: −<o,q> = −<c,q> − <r,q>.
        const est = l2 ? base + f[fo + 1] - 2 * e : base - e;
        const bound = width * f[fo + 2];
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
    const cap = Math.max(n, list.capacity * 2, 8);
    const slots = new Uint32Array(cap);
    slots.set(list.slots.subarray(0, list.length));
    list.slots = slots;
    if (this.kind === 'rabitq') {
      const factors = new Float32Array(cap * FACTORS);
      factors.set(list.factors.subarray(0, list.length * FACTORS));
      list.factors = factors;
    }
    list.codes = list.codes === 0 ? this.#arena.alloc(cap * this.codeBytes) : this.#arena.realloc(list.codes, cap * this.codeBytes);
    list.capacity = cap;
  }

  #setSlot(slot: number, cell: number, pos: number): void {
    if (slot >= this.#slotList.length) {
      const cap = Math.max(slot + 1, this.#slotList.length * 2, 64);
      const l = new Int32Array(cap).fill(NONE);
      l.set(this.#slotList);
      const p = new Uint32Array(cap);
      p.set(this.#slotPos);
      this.#slotList = l;
      this.#slotPos = p;
    }
    this.#slotList[slot] = cell;
    this.#slotPos[slot] = pos;
  }

  /**
   * Serializes the index: u32 magic "RBQ1", u32 version, u8 kind (0 RaBitQ, 1 binary), u8 bits, u8 metric (0 dot,
   * 1 l2), u8 0, u32 dim, u32 nlist, f64 epsilon, f64 training error, the centroids, u32 rotation length + the
   * rotation (RaBitQ), then per cell: u32 length, the slots, the factors (RaBitQ), the codes.
   *
   * @returns versioned bytes
   */
  serialize(): Uint8Array {
    const rot = this.rotation?.serialize() ?? new Uint8Array(0);
    const per = 4 + (this.kind === 'rabitq' ? FACTORS * 4 : 0) + this.codeBytes;
    let size = 36 + this.centroids.byteLength + 4 + rot.length;
    for (const l of this.#lists) size += 4 + l.length * per;
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    let o = 0;
    view.setUint32(o, MAGIC, true); o += 4;
    view.setUint32(o, VERSION, true); o += 4;
    out[o++] = this.kind === 'rabitq' ? 0 : 1;
    out[o++] = this.bits;
    out[o++] = this.metric === 'dot' ? 0 : 1;
    out[o++] = 0;
    view.setUint32(o, this.dim, true); o += 4;
    view.setUint32(o, this.nlist, true); o += 4;
    view.setFloat64(o, this.epsilon, true); o += 8;
    view.setFloat64(o, this.trainingError, true); o += 8;
    out.set(new Uint8Array(this.centroids.buffer, this.centroids.byteOffset, this.centroids.byteLength), o);
    o += this.centroids.byteLength;
    view.setUint32(o, rot.length, true); o += 4;
    out.set(rot, o); o += rot.length;
    const u8 = this.#arena.views.u8;
    for (const l of this.#lists) {
      view.setUint32(o, l.length, true); o += 4;
      for (let i = 0; i < l.length; i++, o += 4) view.setUint32(o, l.slots[i], true);
      if (this.kind === 'rabitq') {
        for (let i = 0; i < l.length * FACTORS; i++, o += 4) view.setFloat32(o, l.factors[i], true);
      }
      out.set(u8.subarray(l.codes, l.codes + l.length * this.codeBytes), o);
      o += l.length * this.codeBytes;
    }
    return out;
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
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let o = 0;
    const need = (n: number): void => { if (o + n > bytes.length) throw new CorruptDataError('IVF bit-code index is truncated'); };
    const u32 = (): number => { need(4); const v = view.getUint32(o, true); o += 4; return v; };
    if (u32() !== MAGIC) throw new CorruptDataError('not an IVF bit-code index (bad magic)');
    const version = u32();
    if (version > VERSION) throw new UnsupportedError(`IVF bit-code index version ${version} is newer than this build reads (${VERSION})`);
    if (version < 1) throw new CorruptDataError('IVF bit-code index has version 0');
    need(4);
    const kindCode = bytes[o++], bits = bytes[o++], metricCode = bytes[o++];
    o++;
    if (kindCode > 1 || metricCode > 1 || (bits !== 1 && bits !== 2 && bits !== 4) || (kindCode === 1 && bits !== 1)) {
      throw new CorruptDataError('IVF bit-code index header is invalid');
    }
    const dim = u32();
    const nlist = u32();
    need(16);
    const epsilon = view.getFloat64(o, true); o += 8;
    const trainingError = view.getFloat64(o, true); o += 8;
    if (dim < 1 || nlist < 1 || !(epsilon > 0) || !Number.isFinite(trainingError)) throw new CorruptDataError('IVF bit-code index header is invalid');
    need(nlist * dim * 4);
    const centroids = new Float32Array(nlist * dim);
    new Uint8Array(centroids.buffer).set(bytes.subarray(o, o + centroids.byteLength));
    o += centroids.byteLength;
    const rotLen = u32();
    need(rotLen);
    const kind: IvfCodeKind = kindCode === 0 ? 'rabitq' : 'binary';
    if ((kind === 'rabitq') !== (rotLen > 0)) throw new CorruptDataError('IVF bit-code index rotation disagrees with its codes');
    const rotation = rotLen > 0 ? Rotation.deserialize(bytes.subarray(o, o + rotLen), backend) : null;
    o += rotLen;
    if (rotation !== null && rotation.dim !== dim) throw new CorruptDataError('IVF bit-code rotation dimension differs from the index');
    const index = new IvfBitsIndex(metricCode === 0 ? 'dot' : 'l2', kind, bits as RabitqBits, epsilon, centroids, dim, rotation, trainingError, backend);
    const f = kind === 'rabitq' ? FACTORS : 0;
    for (let cell = 0; cell < nlist; cell++) {
      const len = u32();
      need(len * (4 + f * 4 + index.codeBytes));
      const list = index.#lists[cell];
      index.#reserve(list, len);
      for (let i = 0; i < len; i++, o += 4) {
        const slot = view.getUint32(o, true);
        if (index.has(slot)) throw new CorruptDataError('IVF bit-code index lists a slot twice');
        list.slots[i] = slot;
        index.#setSlot(slot, cell, i);
      }
      for (let i = 0; i < len * f; i++, o += 4) {
        const v = view.getFloat32(o, true);
        if (!Number.isFinite(v)) throw new CorruptDataError('IVF bit-code index holds a non-finite factor');
        list.factors[i] = v;
      }
      index.#arena.views.u8.set(bytes.subarray(o, o + len * index.codeBytes), list.codes);
      o += len * index.codeBytes;
      list.length = len;
      index.#size += len;
    }
    if (o !== bytes.length) throw new CorruptDataError('IVF bit-code index has trailing bytes');
    return index;
  }
}

function grow<T extends Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** The `n` largest values' indices, best first (ties: lower index first). */
function topIndices(values: Float32Array, n: number): number[] {
  const heap = new MaxHeap(n);
  for (let i = 0; i < values.length; i++) {
    const key = -values[i];
    if (heap.size < n) heap.push(key, i);
    else if (key < heap.topKey()) heap.replaceTop(key, i);
  }
  return Array.from(heap.vals.subarray(0, heap.size)).sort((a, b) => values[b] - values[a] || a - b);
}

function takeTop(slots: Uint32Array, scores: Float32Array, k: number): IvfPqHits {
  const order = Array.from({ length: slots.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || slots[a] - slots[b]);
  const n = Math.min(k, order.length);
  return { slots: Uint32Array.from(order.slice(0, n), (i) => slots[i]), scores: Float32Array.from(order.slice(0, n), (i) => scores[i]) };
}
