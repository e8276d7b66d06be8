/**
 * Product quantization (Jégou et al., 2011): a vector is cut into `m` sub-vectors, each replaced by the index of its
 * nearest of 256 sub-centroids, so it is stored in `m` bytes. Distances to a query are computed asymmetrically: the
 * query stays exact and a per-query table of `m × 256` sub-distances turns each code into `m` table lookups.
 *
 * Table layout `table[j * 256 + c]` and codes `m` bytes per vector match the `pqAdc*` kernels in `src/kernels`.
 *
 * @module
 */
import { CorruptDataError, ValidationError } from '../../core/errors.js';
import type { KernelBackend } from '../../kernels/index.js';
import type { EncodePool } from './encode-pool.js';
import { NearestCentroids, trainKMeans } from './kmeans.js';

/** Centroids per sub-space (one byte per code). */
export const PQ_CENTROIDS = 256;

/** Options of {@link ProductQuantizer.train}. */
export interface PqTrainOptions {
  /** Number of sub-spaces; must divide the dimension. Bytes per vector = `m`. */
  m: number;
  /** k-means iterations per sub-space. @defaultValue 15 */
  iterations?: number;
  /** Training points per sub-space. @defaultValue 65536 */
  maxSamples?: number;
  /** Seed. @defaultValue 7 */
  seed?: number;
  /** Cancels training. */
  signal?: AbortSignal;
  /** Kernel backend, for tests. @defaultValue 'auto' */
  backend?: KernelBackend;
  /** Worker threads for the k-means assignment steps (same results as without). */
  pool?: EncodePool;
}

/** How a distance table scores: `dot` gives inner products (higher is closer), `l2` squared distances (lower is closer). */
export type PqTableKind = 'dot' | 'l2';

const MAGIC = 0x31305150; // "PQ01"

/** A trained product quantizer. */
export class ProductQuantizer {
  /** Vector length. */
  readonly dim: number;
  /** Sub-spaces (= bytes per code). */
  readonly m: number;
  /** Sub-vector length (`dim / m`). */
  readonly dsub: number;
  /** `m × 256 × dsub` sub-centroids. */
  readonly codebooks: Float32Array;
  readonly #searchers: NearestCentroids[];

  /**
   * @param dim - vector length
   * @param m - sub-spaces
   * @param codebooks - `m × 256 × (dim / m)` floats
   * @param backend - kernel backend used for encoding
   */
  constructor(dim: number, m: number, codebooks: Float32Array, backend: KernelBackend = 'auto') {
    if (!Number.isInteger(m) || m < 1 || dim % m !== 0) throw new ValidationError(`m (${m}) must divide the dimension (${dim})`);
    if (codebooks.length !== dim * PQ_CENTROIDS) throw new ValidationError(`codebooks must hold ${dim * PQ_CENTROIDS} floats`);
    this.dim = dim;
    this.m = m;
    this.dsub = dim / m;
    this.codebooks = codebooks;
    const block = PQ_CENTROIDS * this.dsub;
    this.#searchers = Array.from({ length: m }, (_, j) =>
      new NearestCentroids(codebooks.subarray(j * block, (j + 1) * block), PQ_CENTROIDS, this.dsub, backend));
  }

  /**
   * Trains the sub-space codebooks with k-means.
   *
   * @param data - `n × dim` training vectors (e.g. residuals for IVF-PQ)
   * @param dim - vector length
   * @param options - `m`, iterations, sample size, seed
   * @returns the quantizer
   * @throws {@link ValidationError} when `m` does not divide `dim` or there is no data
   */
  static async train(data: Float32Array, dim: number, options: PqTrainOptions): Promise<ProductQuantizer> {
    const { m } = options;
    if (!Number.isInteger(m) || m < 1 || dim % m !== 0) throw new ValidationError(`m (${m}) must divide the dimension (${dim})`);
    const n = data.length / dim;
    if (!Number.isInteger(n) || n < 1) throw new ValidationError('PQ training needs at least one vector');
    const dsub = dim / m;
    const codebooks = new Float32Array(dim * PQ_CENTROIDS);
    const sub = new Float32Array(n * dsub);
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < n; i++) sub.set(data.subarray(i * dim + j * dsub, i * dim + (j + 1) * dsub), i * dsub);
      const k = Math.min(PQ_CENTROIDS, n);
      const { centroids } = await trainKMeans(sub, dsub, {
        k, iterations: options.iterations ?? 15, maxSamples: options.maxSamples ?? 65536,
        seed: (options.seed ?? 7) + j, signal: options.signal, backend: options.backend, pool: options.pool,
      });
      const block = codebooks.subarray(j * PQ_CENTROIDS * dsub, (j + 1) * PQ_CENTROIDS * dsub);
      block.set(centroids);
      // With fewer than 256 training points the spare entries repeat centroid 0; ties pick the lower index.
      for (let c = k; c < PQ_CENTROIDS; c++) block.set(centroids.subarray(0, dsub), c * dsub);
    }
    return new ProductQuantizer(dim, m, codebooks, options.backend);
  }

  /**
   * Encodes one vector.
   *
   * @param vector - `dim` floats
   * @param out - destination
   * @param offset - where in `out` the `m` code bytes go
   */
  encode(vector: Float32Array, out: Uint8Array, offset = 0): void {
    for (let j = 0; j < this.m; j++) {
      out[offset + j] = this.#searchers[j].nearest(vector.subarray(j * this.dsub, (j + 1) * this.dsub))[0];
    }
  }

  /**
   * Reconstructs the approximation of an encoded vector.
   *
   * @param codes - code bytes
   * @param offset - where the vector's `m` bytes start
   * @param out - `dim` floats to fill
   * @returns `out`
   */
  decode(codes: Uint8Array, offset: number, out: Float32Array = new Float32Array(this.dim)): Float32Array {
    const { dsub } = this;
    for (let j = 0; j < this.m; j++) {
      const c = codes[offset + j];
      out.set(this.codebooks.subarray((j * PQ_CENTROIDS + c) * dsub, (j * PQ_CENTROIDS + c + 1) * dsub), j * dsub);
    }
    return out;
  }

  /**
   * The asymmetric distance table of a query: `table[j * 256 + c]` is the inner product (`dot`) or squared
   * distance (`l2`) between the query's `j`-th sub-vector and sub-centroid `c`. Summing `table[j*256 + code[j]]`
   * over `j` gives the query's dot product with (or squared distance to) the decoded vector, exactly.
   *
   * @param query - `dim` floats
   * @param kind - `dot` or `l2`
   * @param out - optional destination of `m × 256` floats
   * @returns the table
   */
  distanceTable(query: Float32Array, kind: PqTableKind, out: Float32Array = new Float32Array(this.m * PQ_CENTROIDS)): Float32Array {
    const { dsub } = this;
    for (let j = 0; j < this.m; j++) {
      const q = query.subarray(j * dsub, (j + 1) * dsub);
      if (kind === 'l2') {
        out.set(this.#searchers[j].distances(q), j * PQ_CENTROIDS);
        continue;
      }
      const base = j * PQ_CENTROIDS * dsub;
      for (let c = 0; c < PQ_CENTROIDS; c++) {
        let s = 0;
        const row = base + c * dsub;
        for (let t = 0; t < dsub; t++) s += q[t] * this.codebooks[row + t];
        out[j * PQ_CENTROIDS + c] = s;
      }
    }
    return out;
  }

  /**
   * Serializes the quantizer.
   *
   * @returns versioned bytes
   */
  serialize(): Uint8Array {
    const out = new Uint8Array(12 + this.codebooks.byteLength);
    const view = new DataView(out.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, this.dim, true);
    view.setUint32(8, this.m, true);
    out.set(new Uint8Array(this.codebooks.buffer, this.codebooks.byteOffset, this.codebooks.byteLength), 12);
    return out;
  }

  /**
   * Reads {@link ProductQuantizer.serialize}'s bytes.
   *
   * @param bytes - the bytes
   * @param backend - kernel backend
   * @returns the quantizer
   * @throws {@link CorruptDataError} for bytes that are not a quantizer
   */
  static deserialize(bytes: Uint8Array, backend: KernelBackend = 'auto'): ProductQuantizer {
    if (bytes.length < 12) throw new CorruptDataError('PQ codebook is truncated');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0, true) !== MAGIC) throw new CorruptDataError('not a PQ codebook (bad magic)');
    const dim = view.getUint32(4, true);
    const m = view.getUint32(8, true);
    if (m < 1 || dim % m !== 0 || bytes.length !== 12 + dim * PQ_CENTROIDS * 4) {
      throw new CorruptDataError('PQ codebook has inconsistent sizes');
    }
    const codebooks = new Float32Array(dim * PQ_CENTROIDS);
    new Uint8Array(codebooks.buffer).set(bytes.subarray(12));
    return new ProductQuantizer(dim, m, codebooks, backend);
  }
}
