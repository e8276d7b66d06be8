/**
 * k-means on flat Float32Arrays, with the distance work done by the WASM SIMD kernels (`src/kernels`).
 * Deterministic for a given seed: the same data and options always give the same centroids.
 *
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import { seededRandom } from '../../internal/random.js';
import { yieldToLoop } from '../../internal/yield.js';
import { KernelArena, type KernelBackend } from '../../kernels/index.js';
import { squaredDistance, squaredNorms } from './batch-encoder.js';
import { Encoder, sharedFloats, type EncodePool } from './encode-pool.js';

/** Options of {@link trainKMeans}. */
export interface KMeansOptions {
  /** Number of clusters. */
  k: number;
  /**
   * Lloyd iterations (stops earlier when no assignment changes).
   * @defaultValue 20
   */
  iterations?: number;
  /**
   * Train on at most this many points, sampled without replacement (faiss' rule of thumb: 39–256 per centroid).
   * @defaultValue 256 * k
   */
  maxSamples?: number;
  /**
   * PRNG seed for sampling, initialization and empty-cluster repair.
   * @defaultValue 1234
   */
  seed?: number;
  /**
   * `true` normalizes centroids to unit length after each update (spherical k-means, for cosine data).
   * @defaultValue false
   */
  spherical?: boolean;
  /** Cancels training between chunks of work. */
  signal?: AbortSignal;
  /** Kernel backend, for tests. @defaultValue 'auto' */
  backend?: KernelBackend;
  /** Worker threads for the assignment steps; without one they run on the calling thread (same results). */
  pool?: EncodePool;
}

/** Trained centroids. */
export interface KMeansResult {
  /** `k × dim` centroids, row-major. */
  centroids: Float32Array;
  /** Number of clusters. */
  k: number;
  /** Vector length. */
  dim: number;
  /** Iterations run. */
  iterations: number;
  /** Sum of squared distances of the training points to their centroids after the last assignment. */
  inertia: number;
}


/**
 * Finds the nearest of `k` centroids for many vectors, with one kernel call per vector.
 * Owns a {@link KernelArena} holding the centroids.
 */
export class NearestCentroids {
  /** Number of centroids. */
  readonly k: number;
  /** Vector length. */
  readonly dim: number;
  readonly #arena: KernelArena;
  readonly #stride: number;
  readonly #centroids: number;
  readonly #query: number;
  readonly #out: number;
  readonly #norms: number;
  readonly #best: number;

  /**
   * @param centroids - `k × dim` row-major
   * @param k - number of centroids
   * @param dim - vector length
   * @param backend - kernel backend
   */
  constructor(centroids: Float32Array, k: number, dim: number, backend: KernelBackend = 'auto') {
    this.k = k;
    this.dim = dim;
    this.#stride = Math.ceil((dim * 4) / 16) * 16;
    this.#arena = new KernelArena({ initialBytes: k * this.#stride + this.#stride + 2 * k * 4 + 4096, backend });
    this.#centroids = this.#arena.alloc(k * this.#stride);
    this.#query = this.#arena.alloc(this.#stride);
    this.#out = this.#arena.alloc(k * 4);
    this.#norms = this.#arena.alloc(k * 4);
    this.#best = this.#arena.alloc(16);
    this.update(centroids);
  }

  /**
   * Replaces the centroids (same `k` and `dim`).
   *
   * @param centroids - `k × dim` row-major
   */
  update(centroids: Float32Array): void {
    const f32 = this.#arena.views.f32;
    const rowFloats = this.#stride >>> 2;
    for (let c = 0; c < this.k; c++) {
      f32.set(centroids.subarray(c * this.dim, (c + 1) * this.dim), (this.#centroids >>> 2) + c * rowFloats);
    }
    squaredNorms(centroids, this.k, this.dim, f32, this.#norms >>> 2);
  }

  /**
   * Squared L2 distances from one vector to every centroid.
   *
   * @param vector - the vector (length `dim`); a subarray view is fine
   * @returns a view of `k` distances, valid until the next call
   */
  distances(vector: Float32Array): Float32Array {
    const { f32 } = this.#arena.views;
    f32.set(vector, this.#query >>> 2);
    this.#arena.kernels.l2sqF32Block(this.#query, this.#centroids, this.#stride, this.k, this.dim, this.#out);
    return f32.subarray(this.#out >>> 2, (this.#out >>> 2) + this.k);
  }

  /**
   * The nearest centroid of one vector: the batched kernel ({@link BatchEncoder}'s) on one point, so the result
   * equals the batched path's bit for bit.
   *
   * @param vector - the vector
   * @returns `[index, squaredDistance]`
   */
  nearest(vector: Float32Array): [number, number] {
    const { f32, i32 } = this.#arena.views;
    const q = this.#query >>> 2;
    f32.set(vector, q);
    this.#arena.kernels.l2ArgminF32(this.#query, this.#stride, 1, this.#centroids, this.#stride, this.k, this.dim, this.#norms, this.#best, this.#best + 4);
    return [i32[this.#best >>> 2], Math.fround(squaredDistance(f32, q, this.dim, f32[(this.#best >>> 2) + 1]))];
  }
}

/** Picks `count` distinct indices of `[0, n)` with a partial Fisher–Yates shuffle, returned in ascending order. */
export function sampleIndices(n: number, count: number, random: () => number): Uint32Array {
  if (count >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, count).sort();
}

function normalizeRows(m: Float32Array, rows: number, dim: number): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += m[r * dim + j] ** 2;
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) m[r * dim + j] *= inv;
  }
}

/**
 * Trains k-means (random distinct initial points, Lloyd iterations, empty clusters split off the largest ones) on
 * at most `maxSamples` points sampled from `data`. Each assignment step is one batched kernel pass
 * ({@link Encoder}), on worker threads when `pool` is given, else on the calling thread in slices that yield to the
 * event loop; the results are the same either way.
 *
 * @param data - `n × dim` row-major training vectors
 * @param dim - vector length
 * @param options - `k`, iterations, sample size, seed, spherical, signal
 * @returns the centroids
 * @throws {@link ValidationError} when `k` is not in `[1, n]` or the data length is not a multiple of `dim`
 * @throws {@link AbortError} when the signal fires
 */
export async function trainKMeans(data: Float32Array, dim: number, options: KMeansOptions): Promise<KMeansResult> {
  const { k } = options;
  if (!Number.isInteger(dim) || dim < 1 || data.length % dim !== 0) {
    throw new ValidationError(`data length ${data.length} is not a multiple of dim ${dim}`);
  }
  const n = data.length / dim;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new ValidationError(`k must be an integer in [1, ${n}], got ${k}`);
  const iterations = options.iterations ?? 20;
  const random = seededRandom(options.seed ?? 1234);
  const sample = sampleIndices(n, Math.max(k, options.maxSamples ?? 256 * k), random);
  const m = sample.length;
  const points = options.pool ? sharedFloats(m * dim) : new Float32Array(m * dim);
  for (let i = 0; i < m; i++) points.set(data.subarray(sample[i] * dim, (sample[i] + 1) * dim), i * dim);

  const centroids = new Float32Array(k * dim);
  const init = sampleIndices(m, k, random);
  for (let c = 0; c < k; c++) centroids.set(points.subarray(init[c] * dim, (init[c] + 1) * dim), c * dim);
  if (options.spherical) normalizeRows(centroids, k, dim);

  const encoder = new Encoder({ centroids, k, dim }, options.pool, options.backend);
  const assign = new Int32Array(m).fill(-1);
  const cells = new Int32Array(m);
  const dists = new Float32Array(m);
  const sums = new Float64Array(k * dim);
  const counts = new Uint32Array(k);
  let inertia = 0;
  let ran = 0;
  for (let it = 0; it < iterations; it++) {
    throwIfAborted(options.signal);
    await encoder.run(points, m, { cells, dists }, options.signal);
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < m; i++) {
      inertia += dists[i];
      if (assign[i] !== cells[i]) {
        assign[i] = cells[i];
        changed++;
      }
    }
    ran = it + 1;
    if (changed === 0) break;
    await yieldToLoop();
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < m; i++) {
      const c = assign[i];
      counts[c]++;
      const base = c * dim;
      for (let j = 0; j < dim; j++) sums[base + j] += points[i * dim + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j] / counts[c];
    }
    splitEmptyClusters(centroids, counts, k, dim, random);
    if (options.spherical) normalizeRows(centroids, k, dim);
    encoder.setCentroids(centroids);
  }
  return { centroids, k, dim, iterations: ran, inertia };
}

/**
 * Gives each empty cluster half of a large cluster (faiss' repair): copy a centroid chosen with probability
 * proportional to its size, then push the two copies slightly apart.
 */
function splitEmptyClusters(centroids: Float32Array, counts: Uint32Array, k: number, dim: number, random: () => number): void {
  const total = counts.reduce((a, b) => a + b, 0);
  for (let c = 0; c < k; c++) {
    if (counts[c] > 0) continue;
    let donor = 0;
    for (let r = random() * total, acc = 0; donor < k; donor++) {
      acc += counts[donor];
      if (acc > r && counts[donor] > 1) break;
    }
    if (donor >= k) donor = counts.indexOf(Math.max(...counts));
    const eps = 1 / 1024;
    for (let j = 0; j < dim; j++) {
      const v = centroids[donor * dim + j];
      const sign = j % 2 === 0 ? 1 : -1;
      centroids[c * dim + j] = v * (1 + sign * eps);
      centroids[donor * dim + j] = v * (1 - sign * eps);
    }
    counts[c] = counts[donor] >> 1;
    counts[donor] -= counts[c];
  }
}
