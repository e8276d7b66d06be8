/**
 * IVF-PQ (Jégou et al., 2011): a coarse k-means quantizer splits the space into `nlist` cells; each vector is stored
 * in its cell's inverted list as the PQ code of its residual (vector − cell centroid). A query scans the `nprobe`
 * nearest cells with asymmetric distances, keeps the best candidates, and re-ranks them on exact vectors supplied by
 * the caller, so the index itself holds `m` bytes + a 4-byte slot per vector.
 *
 * Scores follow the store: `dot` (cosine = dot on normalized vectors) is higher-is-better, `l2` is a squared distance
 * turned into `-d` during the scan.
 *
 * @module
 */
import { CorruptDataError, ValidationError } from '../../core/errors.js';
import type { KernelBackend } from '../../kernels/index.js';
import { Encoder, EncodePool } from './encode-pool.js';
import {
  ByteReader, ByteWriter, centroidNorms, checkTrainSample, defaultTrainThreads, DriftMeter, heapHits, type IvfTrainOptions, grownCapacity, probeOrder, SlotMap,
  trainCoarse,
} from './ivf-lists.js';
import { NearestCentroids } from './kmeans.js';
import { PQ_CENTROIDS, ProductQuantizer } from './pq.js';
import { MaxHeap } from '../heap.js';

/** The metric the index ranks by. */
export type IvfMetric = 'dot' | 'l2';

/** Options of {@link IvfPqIndex.train}. */
export interface IvfPqTrainOptions extends IvfTrainOptions {
  /** Coarse cells. Rule of thumb: about `4·√n`. */
  nlist: number;
  /** PQ sub-spaces (bytes per vector); must divide the dimension. */
  m: number;
  /** k-means iterations (coarse and PQ). @defaultValue 15 */
  iterations?: number;
}

/** Options of {@link IvfPqIndex.addBatch}. */
export interface IvfPqAddOptions {
  /** Worker pool; without one the batch is encoded on the calling thread (same results). */
  pool?: EncodePool;
  /** Cancels between slices of the batch (nothing is added then). */
  signal?: AbortSignal;
}

/** Options of {@link IvfPqIndex.search}. */
export interface IvfPqSearchOptions {
  /** Results wanted. */
  k: number;
  /** Cells scanned. */
  nprobe: number;
  /** Candidates kept from the PQ scan and re-ranked exactly. @defaultValue max(4k, 64) */
  rerank?: number;
  /** Only slots for which this returns true are considered (a metadata filter). */
  accept?: (slot: number) => boolean;
  /**
   * Exact scores of candidate slots (higher is better), computed from the float vectors the caller keeps.
   * Without it, PQ scores are returned as they are.
   */
  exactScores?: (slots: Uint32Array) => Float32Array;
}

/** Search result, best first. */
export interface IvfPqHits {
  /** Slots. */
  slots: Uint32Array;
  /** Scores (exact when `exactScores` was given), higher is better. */
  scores: Float32Array;
}

/** One growable inverted list. */
interface InvertedList {
  slots: Uint32Array;
  codes: Uint8Array;
  length: number;
}

const MAGIC = 0x31464956; // "IVF1"

/** An IVF-PQ index over integer slots. */
export class IvfPqIndex {
  /** Vector length. */
  readonly dim: number;
  /** Ranking metric. */
  readonly metric: IvfMetric;
  /** Number of cells. */
  readonly nlist: number;
  /** The residual quantizer. */
  readonly pq: ProductQuantizer;
  /** `nlist × dim` coarse centroids. */
  readonly centroids: Float32Array;
  /** Mean squared residual norm of the training sample: the baseline for {@link IvfPqIndex.drift}. */
  readonly trainingError: number;
  readonly #coarse: NearestCentroids;
  readonly #backend: KernelBackend | undefined;
  readonly #centroidNorms: Float32Array;
  readonly #lists: InvertedList[];
  readonly #slots: SlotMap;
  readonly #drift = new DriftMeter();

  private constructor(metric: IvfMetric, centroids: Float32Array, pq: ProductQuantizer, trainingError: number, backend?: KernelBackend) {
    this.dim = pq.dim;
    this.metric = metric;
    this.nlist = centroids.length / pq.dim;
    this.pq = pq;
    this.centroids = centroids;
    this.trainingError = trainingError;
    this.#coarse = new NearestCentroids(centroids, this.nlist, this.dim, backend);
    this.#backend = backend;
    this.#centroidNorms = centroidNorms(centroids, this.nlist, this.dim);
    this.#slots = new SlotMap(this.nlist);
    this.#lists = Array.from({ length: this.nlist }, () => ({ slots: new Uint32Array(8), codes: new Uint8Array(8 * pq.m), length: 0 }));
  }

  /**
   * Trains the coarse quantizer and the residual PQ on a sample.
   *
   * @param sample - `n × dim` training vectors (n ≥ nlist; 30–100 per cell trains well)
   * @param dim - vector length
   * @param options - nlist, m, metric, iterations, seed
   * @returns an empty index
   * @throws {@link ValidationError} for inconsistent sizes
   */
  static async train(sample: Float32Array, dim: number, options: IvfPqTrainOptions): Promise<IvfPqIndex> {
    const n = checkTrainSample(sample, dim, options.nlist, options.metric);
    const threads = options.threads ?? defaultTrainThreads(n, options.nlist, dim);
    if (!Number.isInteger(threads) || threads < 1) throw new ValidationError(`threads must be a positive integer, got ${threads}`);
    const pool = options.pool ?? (threads > 1 ? new EncodePool(threads, options.backend) : undefined);
    try {
      const seed = options.seed ?? 99;
      const { centroids, cells, dists } = await trainCoarse(sample, dim, n, options, pool);
      const residuals = new Float32Array(sample.length);
      let error = 0;
      for (let i = 0; i < n; i++) {
        error += dists[i];
        const c = cells[i] * dim;
        for (let j = 0, o = i * dim; j < dim; j++) residuals[o + j] = sample[o + j] - centroids[c + j];
      }
      const pq = await ProductQuantizer.train(residuals, dim, {
        m: options.m, iterations: options.iterations ?? 15, seed: seed + 1, signal: options.signal, backend: options.backend, pool,
      });
      return new IvfPqIndex(options.metric, centroids, pq, error / n, options.backend);
    } finally {
      if (options.pool === undefined) await pool?.close();
    }
  }

  /** Number of indexed vectors. */
  get size(): number {
    return this.#slots.size;
  }

  /** Bytes held by the inverted lists, codebooks and centroids. */
  get memoryBytes(): number {
    let bytes = this.centroids.byteLength + this.pq.codebooks.byteLength + this.#slots.byteLength;
    for (const l of this.#lists) bytes += l.slots.byteLength + l.codes.byteLength;
    return bytes;
  }

  /**
   * Mean squared coarse residual of vectors added since training divided by the training sample's: about 1 while
   * the data looks like the training sample, growing as it drifts. Retrain past ~1.5.
   *
   * @returns the ratio (1 when nothing was added)
   */
  drift(): number {
    return this.#drift.ratio(this.trainingError);
  }

  /** Vectors added since training (or since the index was loaded): how much evidence {@link drift} rests on. */
  get addedSinceTraining(): number {
    return this.#drift.count;
  }

  /**
   * Indexes a vector under a slot (replacing what the slot held).
   *
   * @param slot - non-negative integer
   * @param vector - `dim` floats
   */
  add(slot: number, vector: Float32Array): void {
    if (vector.length !== this.dim) throw new ValidationError(`vector has length ${vector.length}, expected ${this.dim}`);
    if (this.has(slot)) this.remove(slot);
    const [cell, d] = this.#coarse.nearest(vector);
    const residual = new Float32Array(this.dim);
    for (let j = 0; j < this.dim; j++) residual[j] = vector[j] - this.centroids[cell * this.dim + j];
    const code = new Uint8Array(this.pq.m);
    this.pq.encode(residual, code, 0);
    this.#insert(slot, cell, d, code, 0);
  }

  /**
   * Indexes many vectors at once: cells and codes computed in batched kernel passes (on the pool's worker threads
   * when one is given), then inserted in order. Same result as calling {@link IvfPqIndex.add} for each, in order.
   *
   * @param slots - one slot per vector
   * @param vectors - `slots.length × dim` floats (on a SharedArrayBuffer to spare a copy when a pool runs it)
   * @param options - pool, signal
   * @throws {@link ValidationError} when the sizes disagree
   * @throws {@link AbortError} when the signal fires (nothing added)
   */
  async addBatch(slots: Uint32Array, vectors: Float32Array, options: IvfPqAddOptions = {}): Promise<void> {
    const n = slots.length;
    if (vectors.length < n * this.dim) throw new ValidationError(`addBatch needs ${n * this.dim} floats, got ${vectors.length}`);
    const cells = new Int32Array(n);
    const dists = new Float32Array(n);
    const codes = new Uint8Array(n * this.pq.m);
    const model = { centroids: this.centroids, k: this.nlist, dim: this.dim, m: this.pq.m, codebooks: this.pq.codebooks };
    await new Encoder(model, options.pool, this.#backend).run(vectors, n, { cells, dists, codes }, options.signal);
    for (let i = 0; i < n; i++) {
      if (this.has(slots[i])) this.remove(slots[i]);
      this.#insert(slots[i], cells[i], dists[i], codes, i * this.pq.m);
    }
  }

  #insert(slot: number, cell: number, d: number, code: Uint8Array, offset: number): void {
    this.#drift.add(d);
    const { m } = this.pq;
    const list = this.#lists[cell];
    this.#reserve(list, list.length + 1);
    list.codes.set(code.subarray(offset, offset + m), list.length * m);
    this.#slots.append(list, slot, cell);
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
    if (pos !== last) list.codes.copyWithin(pos * this.pq.m, last * this.pq.m, (last + 1) * this.pq.m);
    return true;
  }

  /**
   * Approximate top-k: scan `nprobe` cells with PQ distances, keep `rerank` candidates, re-rank them exactly.
   *
   * @param query - `dim` floats (normalized, for cosine data)
   * @param options - k, nprobe, rerank size, accept predicate, exact scorer
   * @returns hits best first
   */
  search(query: Float32Array, options: IvfPqSearchOptions): IvfPqHits {
    const { k } = options;
    if (!Number.isInteger(k) || k < 0) throw new ValidationError(`k must be a non-negative integer, got ${k}`);
    const keep = Math.max(k, options.rerank ?? Math.max(4 * k, 64));
    if (k === 0 || this.#slots.size === 0) return { slots: new Uint32Array(0), scores: new Float32Array(0) };
    const { m } = this.pq;
    const { cellScore, cells } = probeOrder(this.#coarse, this.#centroidNorms, this.metric, query, options.nprobe);
    // Keyed by −score: the heap's top is the worst kept candidate.
    const heap = new MaxHeap(keep);
    const table = new Float32Array(m * PQ_CENTROIDS);
    if (this.metric === 'dot') this.pq.distanceTable(query, 'dot', table);
    const shifted = new Float32Array(this.dim);
    for (const cell of cells) {
      const list = this.#lists[cell];
      if (list.length === 0) continue;
      let base: number;
      if (this.metric === 'dot') {
        base = cellScore[cell];
      } else {
        for (let j = 0; j < this.dim; j++) shifted[j] = query[j] - this.centroids[cell * this.dim + j];
        this.pq.distanceTable(shifted, 'l2', table);
        base = 0;
      }
      const sign = this.metric === 'dot' ? 1 : -1;
      const { slots, codes } = list;
      const accept = options.accept;
      for (let i = 0, o = 0; i < list.length; i++, o += m) {
        const slot = slots[i];
        if (accept !== undefined && !accept(slot)) continue;
        let s = 0;
        for (let j = 0, t = 0; j < m; j++, t += PQ_CENTROIDS) s += table[t + codes[o + j]];
        const key = -(base + sign * s);
        if (heap.size < keep) heap.push(key, slot);
        else if (key < heap.topKey()) heap.replaceTop(key, slot);
      }
    }
    return heapHits(heap, options.exactScores, k);
  }

  #reserve(list: InvertedList, n: number): void {
    if (n <= list.slots.length) return;
    const cap = grownCapacity(list.slots.length, n);
    const slots = new Uint32Array(cap);
    slots.set(list.slots.subarray(0, list.length));
    const codes = new Uint8Array(cap * this.pq.m);
    codes.set(list.codes.subarray(0, list.length * this.pq.m));
    list.slots = slots;
    list.codes = codes;
  }

  /** Shrinks every list and the slot map to their exact sizes (after a bulk build or a load). */
  trim(): void {
    const { m } = this.pq;
    for (const l of this.#lists) {
      if (l.slots.length === l.length) continue;
      l.slots = l.slots.slice(0, l.length);
      l.codes = l.codes.slice(0, l.length * m);
    }
    this.#slots.trim();
  }

  /**
   * Serializes centroids, codebooks and inverted lists.
   *
   * @returns versioned bytes
   */
  serialize(): Uint8Array {
    const pqBytes = this.pq.serialize();
    const { m } = this.pq;
    let size = 24 + this.centroids.byteLength + 4 + pqBytes.length;
    for (const l of this.#lists) size += 4 + l.length * (4 + m);
    const w = new ByteWriter(size);
    w.u32(MAGIC);
    w.u32(this.metric === 'dot' ? 0 : 1);
    w.u32(this.dim);
    w.u32(this.nlist);
    w.f64(this.trainingError);
    w.bytes(this.centroids);
    w.u32(pqBytes.length);
    w.bytes(pqBytes);
    for (const l of this.#lists) {
      w.slotList(l);
      w.bytes(l.codes.subarray(0, l.length * m));
    }
    return w.out;
  }

  /**
   * Reads {@link IvfPqIndex.serialize}'s bytes.
   *
   * @param bytes - the bytes
   * @param backend - kernel backend
   * @returns the index
   * @throws {@link CorruptDataError} when the bytes are not a valid index
   */
  static deserialize(bytes: Uint8Array, backend?: KernelBackend): IvfPqIndex {
    const r = new ByteReader(bytes, 'IVF-PQ index');
    if (r.u32() !== MAGIC) throw new CorruptDataError('not an IVF-PQ index (bad magic)');
    const metricCode = r.u32();
    if (metricCode > 1) throw new CorruptDataError('IVF-PQ index has an unknown metric');
    const dim = r.u32();
    const nlist = r.u32();
    r.need(8);
    const trainingError = r.f64();
    const centroids = r.f32s(nlist * dim);
    const pqLen = r.u32();
    r.need(pqLen);
    const pq = ProductQuantizer.deserialize(r.take(pqLen), backend);
    if (pq.dim !== dim) throw new CorruptDataError('IVF-PQ codebook dimension differs from the index');
    const index = new IvfPqIndex(metricCode === 0 ? 'dot' : 'l2', centroids, pq, trainingError, backend);
    for (let cell = 0; cell < nlist; cell++) {
      const len = r.u32();
      r.need(len * (4 + pq.m));
      const list = index.#lists[cell];
      index.#reserve(list, len);
      index.#slots.readList(r, list, cell, len);
      list.codes.set(r.take(len * pq.m));
      list.length = len;
    }
    r.end();
    index.trim();
    return index;
  }
}
