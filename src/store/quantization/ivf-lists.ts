/**
 * What every IVF index here shares, whatever codes its inverted lists hold (IVF-PQ in `ivf.ts`, RaBitQ or binary
 * in `ivf-bits.ts`): coarse training and cell ranking, the slot → (cell, position) map with swap-remove, the drift
 * statistics, the candidate heap → hits step, and the little-endian byte reader and writer of their snapshots.
 * The code arrays themselves stay with each index: their layouts differ (plain bytes vs a kernel arena).
 *
 * @internal
 * @module
 */
import { CorruptDataError, ValidationError } from '../../core/errors.js';
import type { KernelBackend } from '../../kernels/index.js';
import { MaxHeap } from '../heap.js';
import { defaultWorkerThreads } from '../../internal/worker-supervisor.js';
import { Encoder, type EncodePool } from './encode-pool.js';
import type { IvfMetric, IvfPqHits } from './ivf.js';
import { type NearestCentroids, trainKMeans } from './kmeans.js';

/** Distance computations (points × centroids × dim) above which training starts a worker pool by default. */
const POOL_WORK = 2e9;
/** `SlotMap` cell of an absent slot. */
const NONE = -1;

/** The part of an inverted list the slot map maintains: its slots and how many are live. @internal */
export interface SlotList {
  /** Slots, `length` of them live. */
  slots: Uint32Array;
  /** Live entries. */
  length: number;
}

/**
 * Checks a training sample against the cell count and metric.
 *
 * @param sample - `n × dim` floats
 * @param dim - vector length
 * @param nlist - cells wanted
 * @param metric - ranking metric
 * @returns n
 * @throws {@link ValidationError} for too few vectors or an unknown metric
 * @internal
 */
export function checkTrainSample(sample: Float32Array, dim: number, nlist: number, metric: IvfMetric): number {
  const n = sample.length / dim;
  if (!Number.isInteger(n) || n < nlist) throw new ValidationError(`IVF training needs at least nlist (${nlist}) vectors, got ${n}`);
  if (metric !== 'dot' && metric !== 'l2') throw new ValidationError(`unknown IVF metric ${String(metric)}`);
  return n;
}

/**
 * Default training threads: every available core when the k-means work is large, else 1.
 *
 * @param n - sample vectors
 * @param nlist - cells
 * @param dim - vector length
 * @returns thread count
 * @internal
 */
export function defaultTrainThreads(n: number, nlist: number, dim: number): number {
  return n * nlist * dim > POOL_WORK ? defaultWorkerThreads() : 1;
}

/** Options of {@link trainCoarse}. @internal */
export interface CoarseTrainOptions {
  /** Coarse cells. */
  nlist: number;
  /** k-means iterations. @defaultValue 15 */
  iterations?: number;
  /** k-means seed. @defaultValue 99 */
  seed?: number;
  /** Cancels training. */
  signal?: AbortSignal;
  /** Kernel backend, for tests. @defaultValue 'auto' */
  backend?: KernelBackend;
}

/** Training options every IVF index takes. @internal */
export interface IvfTrainOptions extends CoarseTrainOptions {
  /** Ranking metric. */
  metric: IvfMetric;
  /**
   * Worker threads for the k-means assignment steps (1 = the calling thread only). Results do not depend on it.
   * @defaultValue every available core (at most 16) for large samples, else 1
   */
  threads?: number;
  /** A pool to use instead of starting one (it is not closed). */
  pool?: EncodePool;
}

/** Coarse quantizer and the sample's assignment to it. @internal */
export interface CoarseTraining {
  /** `nlist × dim` centroids. */
  centroids: Float32Array;
  /** Each sample vector's cell. */
  cells: Int32Array;
  /** Each sample vector's squared distance to its centroid. */
  dists: Float32Array;
}

/**
 * Trains the coarse k-means quantizer and assigns the sample to it.
 *
 * @param sample - `n × dim` training vectors
 * @param dim - vector length
 * @param n - vectors in the sample
 * @param options - nlist, iterations, seed, signal, backend
 * @param pool - worker pool for the assignment steps, if any
 * @returns centroids, cells and distances
 * @throws {@link AbortError} when the signal fires
 * @internal
 */
export async function trainCoarse(
  sample: Float32Array, dim: number, n: number, options: CoarseTrainOptions, pool: EncodePool | undefined,
): Promise<CoarseTraining> {
  const coarse = await trainKMeans(sample, dim, {
    k: options.nlist, iterations: options.iterations ?? 15, seed: options.seed ?? 99, signal: options.signal, backend: options.backend, pool,
  });
  const cells = new Int32Array(n);
  const dists = new Float32Array(n);
  await new Encoder({ centroids: coarse.centroids, k: options.nlist, dim }, pool, options.backend)
    .run(sample, n, { cells, dists }, options.signal);
  return { centroids: coarse.centroids, cells, dists };
}

/**
 * Squared norms of the centroids (for ranking cells by inner product).
 *
 * @param centroids - `nlist × dim` floats
 * @param nlist - cells
 * @param dim - vector length
 * @returns one norm per cell
 * @internal
 */
export function centroidNorms(centroids: Float32Array, nlist: number, dim: number): Float32Array {
  const norms = new Float32Array(nlist);
  for (let c = 0; c < nlist; c++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += centroids[c * dim + j] ** 2;
    norms[c] = s;
  }
  return norms;
}

/** Cells to probe, best first, and every cell's score. @internal */
export interface ProbeOrder {
  /** Per cell: −‖q − c‖² for l2, `<q, c>` for dot. */
  cellScore: Float32Array;
  /** The `nprobe` best cells, best first (ties: lower cell first). */
  cells: number[];
}

/**
 * Ranks the cells for a query: squared distance for l2, inner product for dot (q·c = (|q|² + |c|² − ‖q−c‖²) / 2).
 *
 * @param coarse - the coarse quantizer
 * @param norms - {@link centroidNorms} of its centroids
 * @param metric - ranking metric
 * @param query - `dim` floats
 * @param nprobe - cells wanted (clamped to 1..nlist)
 * @returns cell scores and the cells to probe
 * @internal
 */
export function probeOrder(coarse: NearestCentroids, norms: Float32Array, metric: IvfMetric, query: Float32Array, nprobe: number): ProbeOrder {
  const nlist = norms.length;
  const probe = Math.min(nlist, Math.max(1, Math.floor(nprobe)));
  const dist = coarse.distances(query);
  let qNorm = 0;
  for (let j = 0; j < query.length; j++) qNorm += query[j] * query[j];
  const cellScore = new Float32Array(nlist);
  for (let c = 0; c < nlist; c++) {
    cellScore[c] = metric === 'l2' ? -dist[c] : (qNorm + norms[c] - dist[c]) / 2;
  }
  return { cellScore, cells: topIndices(cellScore, probe) };
}

/** The `n` largest values' indices, best first (ties: lower index first); a bounded heap, not a full sort. */
function topIndices(values: Float32Array, n: number): number[] {
  const heap = new MaxHeap(n);
  for (let i = 0; i < values.length; i++) {
    const key = -values[i];
    if (heap.size < n) heap.push(key, i);
    else if (key < heap.topKey()) heap.replaceTop(key, i);
  }
  return Array.from(heap.vals.subarray(0, heap.size)).sort((a, b) => values[b] - values[a] || a - b);
}

/**
 * The best `k` of scored slots, best first (ties: lower slot first).
 *
 * @param slots - candidates
 * @param scores - their scores, higher is better
 * @param k - results wanted
 * @returns hits
 * @internal
 */
export function takeTop(slots: Uint32Array, scores: Float32Array, k: number): IvfPqHits {
  const order = Array.from({ length: slots.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || slots[a] - slots[b]);
  const n = Math.min(k, order.length);
  return { slots: Uint32Array.from(order.slice(0, n), (i) => slots[i]), scores: Float32Array.from(order.slice(0, n), (i) => scores[i]) };
}

/**
 * The top `k` of a candidate heap keyed by −score: exact scores when a scorer is given, else −key.
 *
 * @param heap - candidates (key = −estimated score)
 * @param exactScores - exact scorer, if any
 * @param k - results wanted
 * @returns hits best first
 * @internal
 */
export function heapHits(heap: MaxHeap, exactScores: ((slots: Uint32Array) => Float32Array) | undefined, k: number): IvfPqHits {
  const slots = heap.vals.slice(0, heap.size);
  const scores = exactScores === undefined
    ? Float32Array.from(heap.keys.subarray(0, heap.size), (key) => -key)
    : exactScores(slots);
  return takeTop(slots, scores, k);
}

/** Mean squared coarse residual of added vectors, against the training sample's. @internal */
export class DriftMeter {
  #error = 0;
  #count = 0;

  /** Vectors recorded. */
  get count(): number {
    return this.#count;
  }

  /**
   * Records one added vector.
   *
   * @param d - its squared distance to its centroid
   */
  add(d: number): void {
    this.#error += d;
    this.#count++;
  }

  /**
   * Mean recorded residual over the training one.
   *
   * @param trainingError - the training sample's mean squared residual
   * @returns the ratio (1 when nothing was added or the baseline is 0)
   */
  ratio(trainingError: number): number {
    if (this.#count === 0 || trainingError === 0) return 1;
    return this.#error / this.#count / trainingError;
  }
}

/**
 * Which list each slot sits at (2 bytes a slot below 65,535 cells, else 4), grown geometrically and trimmed to the
 * highest slot by {@link SlotMap.trim}; keeps the count of indexed slots. A slot's position in its list is found by
 * scanning that list (removal is rare next to search, and a list holds about n / nlist slots), so no position array
 * is kept. The code arrays stay with the caller, which moves them alongside {@link SlotMap.append} and
 * {@link SlotMap.detach}.
 *
 * @internal
 */
export class SlotMap {
  readonly #wide: boolean;
  readonly #none: number;
  #cell: Uint16Array | Int32Array;
  #size = 0;

  /**
   * @param nlist - cells of the index (decides the width of the map)
   */
  constructor(nlist: number) {
    this.#wide = nlist >= 0xffff;
    this.#none = this.#wide ? NONE : 0xffff;
    this.#cell = this.#wide ? new Int32Array(0) : new Uint16Array(0);
  }

  /** Indexed slots. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.#cell.byteLength;
  }

  /**
   * Whether a slot is indexed.
   *
   * @param slot - the slot
   * @returns true when present
   */
  has(slot: number): boolean {
    return slot < this.#cell.length && this.#cell[slot] !== this.#none;
  }

  /**
   * The cell of an indexed slot.
   *
   * @param slot - an indexed slot
   * @returns its cell
   */
  cell(slot: number): number {
    return this.#cell[slot];
  }

  /**
   * Appends an absent slot to a list (whose capacity the caller has reserved) and records where it went.
   *
   * @param list - the cell's list
   * @param slot - the slot
   * @param cell - the cell
   * @returns the position it took
   */
  append(list: SlotList, slot: number, cell: number): number {
    const pos = list.length;
    list.slots[pos] = slot;
    this.#set(slot, cell);
    list.length++;
    return pos;
  }

  /**
   * Removes an indexed slot from its list by moving the list's last slot into its place; the caller then moves the
   * codes of position `list.length` (the old last entry) to the returned position when the two differ.
   *
   * @param list - the slot's list
   * @param slot - an indexed slot
   * @returns the position the slot had
   * @throws {@link CorruptDataError} when the list does not hold the slot (the map and the lists disagree)
   */
  detach(list: SlotList, slot: number): number {
    const last = list.length - 1;
    const pos = list.slots.subarray(0, list.length).lastIndexOf(slot);
    if (pos < 0) throw new CorruptDataError('IVF slot map and inverted list disagree');
    if (pos !== last) list.slots[pos] = list.slots[last];
    list.length--;
    this.#cell[slot] = this.#none;
    this.#size--;
    return pos;
  }

  /** Shrinks the map to the highest indexed slot (after a bulk build or a load). */
  trim(): void {
    let end = this.#cell.length;
    while (end > 0 && this.#cell[end - 1] === this.#none) end--;
    if (end < this.#cell.length) this.#cell = this.#cell.slice(0, end);
  }

  /**
   * Reads a list's `len` slots (u32 each) into `list.slots[0..len)`, which the caller has reserved; the caller sets
   * `list.length` once the codes are in.
   *
   * @param reader - positioned at the slots
   * @param list - the cell's list
   * @param cell - the cell
   * @param len - slots to read (the caller has checked they are there)
   * @throws {@link CorruptDataError} when a slot is listed twice
   */
  readList(reader: ByteReader, list: SlotList, cell: number, len: number): void {
    const view = reader.view;
    let o = reader.o;
    for (let i = 0; i < len; i++, o += 4) {
      const slot = view.getUint32(o, true);
      if (this.has(slot)) throw new CorruptDataError(`${reader.label} lists a slot twice`);
      list.slots[i] = slot;
      this.#set(slot, cell);
    }
    reader.o = o;
  }

  #set(slot: number, cell: number): void {
    if (slot >= this.#cell.length) {
      const cap = Math.max(slot + 1, grownCapacity(this.#cell.length, 0), 64);
      const next = this.#wide ? new Int32Array(cap) : new Uint16Array(cap);
      next.fill(this.#none);
      next.set(this.#cell);
      this.#cell = next;
    }
    this.#cell[slot] = cell;
    this.#size++;
  }
}

/**
 * The capacity a list grows to when it must hold `n` entries: a quarter more than it had (not double), so a list
 * trimmed to its exact size after a bulk build gains little slack from the appends that follow.
 *
 * @param capacity - current capacity
 * @param n - entries needed
 * @returns the new capacity
 * @internal
 */
export function grownCapacity(capacity: number, n: number): number {
  return Math.max(n, capacity + (capacity >> 2), 8);
}

/** Little-endian writer over a buffer sized in advance. @internal */
export class ByteWriter {
  /** The bytes. */
  readonly out: Uint8Array;
  /** View of {@link ByteWriter.out}. */
  readonly view: DataView;
  /** Write position. */
  o = 0;

  /**
   * @param size - total bytes
   */
  constructor(size: number) {
    this.out = new Uint8Array(size);
    this.view = new DataView(this.out.buffer);
  }

  /** @param v - a byte */
  u8(v: number): void {
    this.out[this.o++] = v;
  }

  /** @param v - a u32 */
  u32(v: number): void {
    this.view.setUint32(this.o, v, true);
    this.o += 4;
  }

  /** @param v - a float64 */
  f64(v: number): void {
    this.view.setFloat64(this.o, v, true);
    this.o += 8;
  }

  /** @param b - raw bytes (a float array's, for centroids) */
  bytes(b: Uint8Array | Float32Array): void {
    this.out.set(b instanceof Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength), this.o);
    this.o += b.byteLength;
  }

  /**
   * Writes a list: u32 length, then its slots as u32.
   *
   * @param list - the list
   */
  slotList(list: SlotList): void {
    this.u32(list.length);
    for (let i = 0; i < list.length; i++, this.o += 4) this.view.setUint32(this.o, list.slots[i], true);
  }
}

/** Little-endian reader that names the structure in its {@link CorruptDataError}s. @internal */
export class ByteReader {
  /** View of the bytes. */
  readonly view: DataView;
  /** Read position. */
  o = 0;

  /**
   * @param bytes - the bytes
   * @param label - the structure, as errors name it ("IVF-PQ index")
   */
  constructor(readonly bytes: Uint8Array, readonly label: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * @param n - bytes the next read needs
   * @throws {@link CorruptDataError} when fewer remain
   */
  need(n: number): void {
    if (this.o + n > this.bytes.length) throw new CorruptDataError(`${this.label} is truncated`);
  }

  /** @returns the next u32 */
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.o, true);
    this.o += 4;
    return v;
  }

  /** @returns the next float64 (the caller has checked it is there) */
  f64(): number {
    const v = this.view.getFloat64(this.o, true);
    this.o += 8;
    return v;
  }

  /**
   * @param n - floats
   * @returns a copy of the next `n` float32s
   */
  f32s(n: number): Float32Array {
    this.need(n * 4);
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(this.bytes.subarray(this.o, this.o + out.byteLength));
    this.o += out.byteLength;
    return out;
  }

  /**
   * @param n - bytes
   * @returns a view of the next `n` bytes (the caller has checked they are there)
   */
  take(n: number): Uint8Array {
    const b = this.bytes.subarray(this.o, this.o + n);
    this.o += n;
    return b;
  }

  /** @throws {@link CorruptDataError} unless every byte was read */
  end(): void {
    if (this.o !== this.bytes.length) throw new CorruptDataError(`${this.label} has trailing bytes`);
  }
}
