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
import { Encoder, EncodePool, defaultEncodeThreads } from './encode-pool.js';
import { NearestCentroids, trainKMeans } from './kmeans.js';
import { PQ_CENTROIDS, ProductQuantizer } from './pq.js';
import { MaxHeap } from '../heap.js';

/** The metric the index ranks by. */
export type IvfMetric = 'dot' | 'l2';

/** Options of {@link IvfPqIndex.train}. */
export interface IvfPqTrainOptions {
  /** Coarse cells. Rule of thumb: about `4·√n`. */
  nlist: number;
  /** PQ sub-spaces (bytes per vector); must divide the dimension. */
  m: number;
  /** Ranking metric. */
  metric: IvfMetric;
  /** k-means iterations (coarse and PQ). @defaultValue 15 */
  iterations?: number;
  /** Seed. @defaultValue 99 */
  seed?: number;
  /** Cancels training. */
  signal?: AbortSignal;
  /** Kernel backend, for tests. @defaultValue 'auto' */
  backend?: KernelBackend;
  /**
   * Worker threads for the k-means assignment steps (1 = the calling thread only). Results do not depend on it.
   * @defaultValue every available core (at most 16) for large samples, else 1
   */
  threads?: number;
  /** A pool to use instead of starting one (it is not closed). */
  pool?: EncodePool;
}

/** Options of {@link IvfPqIndex.addBatch}. */
export interface IvfPqAddOptions {
  /** Worker pool; without one the batch is encoded on the calling thread (same results). */
  pool?: EncodePool;
  /** Cancels between slices of the batch (nothing is added then). */
  signal?: AbortSignal;
}

/** Distance computations (points × centroids × dim) above which training starts a worker pool by default. */
const POOL_WORK = 2e9;

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
const NONE = -1;

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
  #slotList = new Int32Array(0);
  #slotPos = new Uint32Array(0);
  #size = 0;
  #addedError = 0;
  #addedCount = 0;

  private constructor(metric: IvfMetric, centroids: Float32Array, pq: ProductQuantizer, trainingError: number, backend?: KernelBackend) {
    this.dim = pq.dim;
    this.metric = metric;
    this.nlist = centroids.length / pq.dim;
    this.pq = pq;
    this.centroids = centroids;
    this.trainingError = trainingError;
    this.#coarse = new NearestCentroids(centroids, this.nlist, this.dim, backend);
    this.#backend = backend;
    this.#centroidNorms = new Float32Array(this.nlist);
    for (let c = 0; c < this.nlist; c++) {
      let s = 0;
      for (let j = 0; j < this.dim; j++) s += centroids[c * this.dim + j] ** 2;
      this.#centroidNorms[c] = s;
    }
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
    const n = sample.length / dim;
    if (!Number.isInteger(n) || n < options.nlist) {
      throw new ValidationError(`IVF training needs at least nlist (${options.nlist}) vectors, got ${n}`);
    }
    if (options.metric !== 'dot' && options.metric !== 'l2') throw new ValidationError(`unknown IVF metric ${String(options.metric)}`);
    const threads = options.threads ?? (n * options.nlist * dim > POOL_WORK ? defaultEncodeThreads() : 1);
    if (!Number.isInteger(threads) || threads < 1) throw new ValidationError(`threads must be a positive integer, got ${threads}`);
    const pool = options.pool ?? (threads > 1 ? new EncodePool(threads, options.backend) : undefined);
    try {
      const seed = options.seed ?? 99;
      const coarse = await trainKMeans(sample, dim, {
        k: options.nlist, iterations: options.iterations ?? 15, seed, signal: options.signal, backend: options.backend, pool,
      });
      const cells = new Int32Array(n);
      const dists = new Float32Array(n);
      await new Encoder({ centroids: coarse.centroids, k: options.nlist, dim }, pool, options.backend)
        .run(sample, n, { cells, dists }, options.signal);
      const residuals = new Float32Array(sample.length);
      let error = 0;
      for (let i = 0; i < n; i++) {
        error += dists[i];
        const c = cells[i] * dim;
        for (let j = 0, o = i * dim; j < dim; j++) residuals[o + j] = sample[o + j] - coarse.centroids[c + j];
      }
      const pq = await ProductQuantizer.train(residuals, dim, {
        m: options.m, iterations: options.iterations ?? 15, seed: seed + 1, signal: options.signal, backend: options.backend, pool,
      });
      return new IvfPqIndex(options.metric, coarse.centroids, pq, error / n, options.backend);
    } finally {
      if (options.pool === undefined) await pool?.close();
    }
  }

  /** Number of indexed vectors. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held by the inverted lists, codebooks and centroids. */
  get memoryBytes(): number {
    let bytes = this.centroids.byteLength + this.pq.codebooks.byteLength + this.#slotList.byteLength + this.#slotPos.byteLength;
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
    if (this.#addedCount === 0 || this.trainingError === 0) return 1;
    return this.#addedError / this.#addedCount / this.trainingError;
  }

  /** Vectors added since training (or since the index was loaded): how much evidence {@link drift} rests on. */
  get addedSinceTraining(): number {
    return this.#addedCount;
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
    this.#addedError += d;
    this.#addedCount++;
    const { m } = this.pq;
    const list = this.#lists[cell];
    this.#reserve(list, list.length + 1);
    list.codes.set(code.subarray(offset, offset + m), list.length * m);
    list.slots[list.length] = slot;
    this.#setSlot(slot, cell, list.length);
    list.length++;
    this.#size++;
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
      list.codes.copyWithin(pos * this.pq.m, last * this.pq.m, (last + 1) * this.pq.m);
      this.#slotPos[moved] = pos;
    }
    list.length--;
    this.#slotList[slot] = NONE;
    this.#size--;
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
    const nprobe = Math.min(this.nlist, Math.max(1, Math.floor(options.nprobe)));
    const keep = Math.max(k, options.rerank ?? Math.max(4 * k, 64));
    if (k === 0 || this.#size === 0) return { slots: new Uint32Array(0), scores: new Float32Array(0) };
    const { m } = this.pq;
    // Rank cells: squared distance for l2, inner product for dot (q·c = (|q|² + |c|² − ‖q−c‖²) / 2).
    const dist = this.#coarse.distances(query);
    let qNorm = 0;
    for (let j = 0; j < this.dim; j++) qNorm += query[j] * query[j];
    const cellScore = new Float32Array(this.nlist);
    for (let c = 0; c < this.nlist; c++) {
      cellScore[c] = this.metric === 'l2' ? -dist[c] : (qNorm + this.#centroidNorms[c] - dist[c]) / 2;
    }
    const cells = topIndices(cellScore, nprobe);
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
    const slots = heap.vals.slice(0, heap.size);
    const scores = options.exactScores === undefined
      ? Float32Array.from(heap.keys.subarray(0, heap.size), (key) => -key)
      : options.exactScores(slots);
    return takeTop(slots, scores, k);
  }

  #reserve(list: InvertedList, n: number): void {
    if (n <= list.slots.length) return;
    const cap = Math.max(n, list.slots.length * 2);
    const slots = new Uint32Array(cap);
    slots.set(list.slots.subarray(0, list.length));
    const codes = new Uint8Array(cap * this.pq.m);
    codes.set(list.codes.subarray(0, list.length * this.pq.m));
    list.slots = slots;
    list.codes = codes;
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
   * Serializes centroids, codebooks and inverted lists.
   *
   * @returns versioned bytes
   */
  serialize(): Uint8Array {
    const pqBytes = this.pq.serialize();
    const { m } = this.pq;
    let size = 24 + this.centroids.byteLength + 4 + pqBytes.length;
    for (const l of this.#lists) size += 4 + l.length * (4 + m);
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    let o = 0;
    view.setUint32(o, MAGIC, true); o += 4;
    view.setUint32(o, this.metric === 'dot' ? 0 : 1, true); o += 4;
    view.setUint32(o, this.dim, true); o += 4;
    view.setUint32(o, this.nlist, true); o += 4;
    view.setFloat64(o, this.trainingError, true); o += 8;
    out.set(new Uint8Array(this.centroids.buffer, this.centroids.byteOffset, this.centroids.byteLength), o);
    o += this.centroids.byteLength;
    view.setUint32(o, pqBytes.length, true); o += 4;
    out.set(pqBytes, o); o += pqBytes.length;
    for (const l of this.#lists) {
      view.setUint32(o, l.length, true); o += 4;
      for (let i = 0; i < l.length; i++, o += 4) view.setUint32(o, l.slots[i], true);
      out.set(l.codes.subarray(0, l.length * m), o);
      o += l.length * m;
    }
    return out;
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
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let o = 0;
    const need = (n: number): void => { if (o + n > bytes.length) throw new CorruptDataError('IVF-PQ index is truncated'); };
    const u32 = (): number => { need(4); const v = view.getUint32(o, true); o += 4; return v; };
    if (u32() !== MAGIC) throw new CorruptDataError('not an IVF-PQ index (bad magic)');
    const metricCode = u32();
    if (metricCode > 1) throw new CorruptDataError('IVF-PQ index has an unknown metric');
    const dim = u32();
    const nlist = u32();
    need(8);
    const trainingError = view.getFloat64(o, true); o += 8;
    need(nlist * dim * 4);
    const centroids = new Float32Array(nlist * dim);
    new Uint8Array(centroids.buffer).set(bytes.subarray(o, o + centroids.byteLength));
    o += centroids.byteLength;
    const pqLen = u32();
    need(pqLen);
    const pq = ProductQuantizer.deserialize(bytes.subarray(o, o + pqLen), backend);
    o += pqLen;
    if (pq.dim !== dim) throw new CorruptDataError('IVF-PQ codebook dimension differs from the index');
    const index = new IvfPqIndex(metricCode === 0 ? 'dot' : 'l2', centroids, pq, trainingError, backend);
    for (let cell = 0; cell < nlist; cell++) {
      const len = u32();
      need(len * (4 + pq.m));
      const list = index.#lists[cell];
      index.#reserve(list, len);
      for (let i = 0; i < len; i++, o += 4) {
        const slot = view.getUint32(o, true);
        if (index.has(slot)) throw new CorruptDataError('IVF-PQ index lists a slot twice');
        list.slots[i] = slot;
        index.#setSlot(slot, cell, i);
      }
      list.codes.set(bytes.subarray(o, o + len * pq.m));
      o += len * pq.m;
      list.length = len;
      index.#size += len;
    }
    if (o !== bytes.length) throw new CorruptDataError('IVF-PQ index has trailing bytes');
    return index;
  }
}

/** Indices of the `n` largest values, best first (ties: lower index). */
/** The `n` largest values' indices, best first (ties: lower index first); a bounded heap, not a full sort. */
function topIndices(values: Float32Array, n: number): number[] {
  const heap = new MaxHeap(n);
  for (let i = 0; i < values.length; i++) {
    const key = -values[i];
    if (heap.size < n) heap.push(key, i);
    else if (key < heap.topKey()) heap.replaceTop(key, i);
  }
  const order = Array.from(heap.vals.subarray(0, heap.size));
  return order.sort((a, b) => values[b] - values[a] || a - b);
}

function takeTop(slots: Uint32Array, scores: Float32Array, k: number): IvfPqHits {
  const order = Array.from({ length: slots.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || slots[a] - slots[b]);
  const n = Math.min(k, order.length);
  return { slots: Uint32Array.from(order.slice(0, n), (i) => slots[i]), scores: Float32Array.from(order.slice(0, n), (i) => scores[i]) };
}
