/**
 * Batched nearest-centroid assignment and PQ encoding on the WebAssembly kernels: the inner loop of k-means
 * training, of choosing IVF cells and of product-quantizing residuals. Points are copied into a kernel arena a
 * block at a time and sent through the `l2ArgminF32` kernel (one call per block, not one per point), which keeps a
 * tile of centroids in cache while the block streams past it. The kernel ranks centroids by `|c|² − 2 p·c` (the
 * centroid norms are computed here, once per model), and the squared distance is that plus `|p|²`.
 *
 * Results are a pure function of the model and each point (no state carried between points), so any split of the
 * points — over blocks, calls or worker threads ({@link EncodePool}) — gives bit-identical output, equal to
 * {@link NearestCentroids.nearest}'s (the same kernel on one point), so this path and the one-vector path agree.
 *
 * @internal
 * @module
 */
import { KernelArena, type KernelBackend } from '../../kernels/index.js';

/** Points per kernel call (a block of 384-d points is 384 KiB). */
export const ENCODE_BLOCK = 256;

/** What to encode against: coarse centroids, and optionally the PQ codebooks of the residuals. @internal */
export interface EncodeModel {
  /** `k × dim` row-major centroids. */
  centroids: Float32Array;
  k: number;
  dim: number;
  /** PQ sub-spaces; with `codebooks`, residuals (point − nearest centroid) are encoded to `m` bytes. */
  m?: number;
  /** `m × 256 × (dim / m)` sub-centroids. */
  codebooks?: Float32Array;
}

/** Where results go; arrays are indexed from the first point of the call. @internal */
export interface EncodeOutput {
  /** Nearest centroid of each point. */
  cells: Int32Array;
  /** Squared distance to it. */
  dists: Float32Array;
  /** `m` code bytes per point (when the model has codebooks). */
  codes?: Uint8Array;
}

const PQ_K = 256;
const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** A model laid out in one arena, with working blocks for {@link ENCODE_BLOCK} points. @internal */
export class BatchEncoder {
  readonly k: number;
  readonly dim: number;
  readonly m: number;
  readonly #arena: KernelArena;
  readonly #stride: number;
  readonly #centroids: number;
  readonly #codebooks: number;
  readonly #dsub: number;
  readonly #subStride: number;
  readonly #points: number;
  readonly #residuals: number;
  readonly #norms: number;
  readonly #cbNorms: number;
  readonly #idx: number;
  readonly #dist: number;
  readonly #hasPq: boolean;

  /**
   * @param model - centroids (and codebooks)
   * @param backend - kernel backend
   */
  constructor(model: EncodeModel, backend: KernelBackend = 'auto') {
    const { k, dim } = model;
    this.k = k;
    this.dim = dim;
    this.#hasPq = model.codebooks !== undefined && model.m !== undefined && model.m > 0;
    this.m = this.#hasPq ? model.m! : 0;
    this.#dsub = this.#hasPq ? dim / this.m : 0;
    this.#stride = align16(dim * 4);
    this.#subStride = this.#hasPq ? align16(this.#dsub * 4) : 0;
    const cbBytes = this.#hasPq ? this.m * PQ_K * this.#subStride : 0;
    const blockBytes = ENCODE_BLOCK * this.#stride;
    this.#arena = new KernelArena({
      initialBytes: k * this.#stride + cbBytes + 2 * blockBytes + 2 * ENCODE_BLOCK * 4 + (k + this.m * PQ_K) * 4 + 4096, backend,
    });
    this.#centroids = this.#arena.alloc(k * this.#stride);
    this.#codebooks = this.#hasPq ? this.#arena.alloc(cbBytes) : 0;
    this.#points = this.#arena.alloc(blockBytes);
    this.#residuals = this.#hasPq ? this.#arena.alloc(blockBytes) : 0;
    this.#norms = this.#arena.alloc(align16(k * 4));
    this.#cbNorms = this.#hasPq ? this.#arena.alloc(this.m * PQ_K * 4) : 0;
    this.#idx = this.#arena.alloc(ENCODE_BLOCK * 4);
    this.#dist = this.#arena.alloc(ENCODE_BLOCK * 4);
    this.setCentroids(model.centroids);
    if (this.#hasPq) {
      const f32 = this.#arena.views.f32;
      const cb = model.codebooks!;
      const rows = this.m * PQ_K;
      const rowFloats = this.#subStride >>> 2;
      for (let r = 0; r < rows; r++) {
        f32.set(cb.subarray(r * this.#dsub, (r + 1) * this.#dsub), (this.#codebooks >>> 2) + r * rowFloats);
      }
      squaredNorms(cb, rows, this.#dsub, f32, this.#cbNorms >>> 2);
    }
  }

  /**
   * Replaces the centroids (same `k` and `dim`), e.g. after a k-means update.
   *
   * @param centroids - `k × dim` row-major
   */
  setCentroids(centroids: Float32Array): void {
    const f32 = this.#arena.views.f32;
    const rowFloats = this.#stride >>> 2;
    for (let c = 0; c < this.k; c++) {
      f32.set(centroids.subarray(c * this.dim, (c + 1) * this.dim), (this.#centroids >>> 2) + c * rowFloats);
    }
    squaredNorms(centroids, this.k, this.dim, f32, this.#norms >>> 2);
  }

  /**
   * Assigns (and encodes) `count` points.
   *
   * @param points - `≥ (from + count) × dim` floats
   * @param from - first point
   * @param count - points to process
   * @param out - result arrays, written at `[0, count)` (`codes` at `[0, count·m)`)
   * @param at - index in `out` of the first result
   */
  encode(points: Float32Array, from: number, count: number, out: EncodeOutput, at = 0): void {
    const { dim } = this;
    const kernels = this.#arena.kernels;
    const rowFloats = this.#stride >>> 2;
    for (let s = 0; s < count; s += ENCODE_BLOCK) {
      const b = Math.min(ENCODE_BLOCK, count - s);
      const views = this.#arena.views;
      const f32 = views.f32;
      const pBase = this.#points >>> 2;
      for (let i = 0; i < b; i++) {
        const src = (from + s + i) * dim;
        f32.set(points.subarray(src, src + dim), pBase + i * rowFloats);
      }
      kernels.l2ArgminF32(this.#points, this.#stride, b, this.#centroids, this.#stride, this.k, dim, this.#norms, this.#idx, this.#dist);
      const idx = views.i32.subarray(this.#idx >>> 2, (this.#idx >>> 2) + b);
      out.cells.set(idx, at + s);
      const dist = this.#dist >>> 2;
      for (let i = 0; i < b; i++) out.dists[at + s + i] = squaredDistance(f32, pBase + i * rowFloats, dim, f32[dist + i]);
      if (!this.#hasPq || out.codes === undefined) continue;
      // Residuals in float32, as the one-vector path computes them.
      const rBase = this.#residuals >>> 2;
      const cBase = this.#centroids >>> 2;
      for (let i = 0; i < b; i++) {
        const p = pBase + i * rowFloats, r = rBase + i * rowFloats, c = cBase + idx[i] * rowFloats;
        for (let j = 0; j < dim; j++) f32[r + j] = f32[p + j] - f32[c + j];
      }
      const { m } = this;
      const dsub = this.#dsub;
      const codes = out.codes;
      for (let j = 0; j < m; j++) {
        kernels.l2ArgminF32(
          this.#residuals + j * dsub * 4, this.#stride, b, this.#codebooks + j * PQ_K * this.#subStride, this.#subStride,
          PQ_K, dsub, this.#cbNorms + j * PQ_K * 4, this.#idx, this.#dist,
        );
        for (let i = 0; i < b; i++) codes[(at + s + i) * m + j] = idx[i];
      }
    }
  }
}

/** Writes the float32 squared norms of `rows` rows of `dim` floats to `out[at …]`. @internal */
export function squaredNorms(rows: Float32Array, count: number, dim: number, out: Float32Array, at: number): void {
  for (let r = 0; r < count; r++) {
    let s = 0;
    for (let j = r * dim, end = j + dim; j < end; j++) s += rows[j] * rows[j];
    out[at + r] = s;
  }
}

/**
 * `|p|² + partial`, the squared distance from the kernel's `|c|² − 2 p·c`, for the point at `f[p …]`; at least 0
 * (the dot-product form can round a tiny distance below zero).
 * @internal
 */
export function squaredDistance(f: Float32Array, p: number, dim: number, partial: number): number {
  let s = 0;
  for (let j = p, end = p + dim; j < end; j++) s += f[j] * f[j];
  return Math.max(0, Math.fround(s) + partial);
}
