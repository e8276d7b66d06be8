/**
 * The distance-kernel interface shared by the WebAssembly SIMD kernels and the plain-JS fallback.
 *
 * Every kernel works on data inside one {@link KernelArena}'s memory and takes **byte offsets** into it, never
 * typed arrays: WebAssembly can only read its own linear memory, and the JS fallback reads the same bytes through
 * the arena's views, so a caller never knows which one runs. Offsets and counts are not checked (this is the hot
 * path): a caller lays its data out once, validates it there, and then calls kernels freely. Out-of-range
 * offsets make the WebAssembly kernels throw a `WebAssembly.RuntimeError` and the JS kernels return `NaN`s.
 *
 * Conventions:
 * - `dim` is the number of elements per vector (float32: 4 bytes each; int8: 1 byte each).
 * - `strideBytes` is the distance in bytes between the starts of consecutive vectors in a block
 *   (`dim * 4` for tightly packed float32, or rounded up to 16 for aligned rows; padding is never read).
 * - `ids` is the byte offset of a `Uint32Array` of candidate slot numbers; candidate `i` starts at
 *   `base + ids[i] * strideBytes`.
 * - `out` is the byte offset of the result array: `Float32Array` for float results, `Int32Array` for the
 *   integer dot products. It must be 4-byte aligned and must not overlap the inputs.
 * - Natural alignment: float32 data (and float strides) at multiples of 4 bytes, int16 queries at multiples of
 *   2. WebAssembly would not care, but the JS fallback indexes typed arrays with `offset >>> 2` / `>>> 1`.
 * - `base + ids[i] * strideBytes` must stay below 2^32 (it wraps in wasm32 arithmetic).
 * - Prefer the block and gather forms: each JS → WebAssembly call costs tens of nanoseconds, a large share of one
 *   384-d distance.
 *
 * @module
 * @internal
 */

/** Which implementation runs an operation. @internal */
export type KernelImpl = 'wasm-simd' | 'wasm' | 'js';

/** The backend a caller asks for: `auto` picks per operation by measurement; `js` forces the fallback. @internal */
export type KernelBackend = 'auto' | 'wasm' | 'js';

/** Names of the kernel operations (keys of {@link DistanceKernels} that are functions). @internal */
export type KernelOp =
  | 'dotF32'
  | 'l2sqF32'
  | 'dotF32Block'
  | 'l2sqF32Block'
  | 'dotF32Gather'
  | 'l2sqF32Gather'
  | 'dotI8'
  | 'dotI8Block'
  | 'dotI8Gather'
  | 'dotF32I8'
  | 'dotF32I8Block'
  | 'dotF32I8Gather'
  | 'dotI16I8'
  | 'dotI16I8Block'
  | 'dotI16I8Gather'
  | 'pqAdc'
  | 'pqAdcBlock'
  | 'pqAdcGather'
  | 'l2ArgminF32'
  | 'bitsDotI8Block'
  | 'andPop4Block'
  | 'hammingBlock';

/** Every operation name, in a stable order. @internal */
export const KERNEL_OPS: readonly KernelOp[] = [
  'dotF32',
  'l2sqF32',
  'dotF32Block',
  'l2sqF32Block',
  'dotF32Gather',
  'l2sqF32Gather',
  'dotI8',
  'dotI8Block',
  'dotI8Gather',
  'dotF32I8',
  'dotF32I8Block',
  'dotF32I8Gather',
  'dotI16I8',
  'dotI16I8Block',
  'dotI16I8Gather',
  'pqAdc',
  'pqAdcBlock',
  'pqAdcGather',
  'l2ArgminF32',
  'bitsDotI8Block',
  'andPop4Block',
  'hammingBlock',
];

/** Largest `dim` for which the int8 × int8 dot product is exact in 32-bit integers (128·128·dim < 2^31). @internal */
export const MAX_I8_DOT_DIM = 131_071;

/**
 * Largest |query value| for which the int16 × int8 dot product of `dim` elements is exact in 32-bit integers
 * (`128 · max|q| · dim < 2^31`): scale an int16 query into ±this. 32767 up to dim 512, 21845 at 768, 4095 at 4096.
 *
 * @param dim - the dimension
 * @returns the bound
 * @internal
 */
export function maxI16QueryMagnitude(dim: number): number {
  return Math.min(32_767, Math.floor((2 ** 31 - 1) / (128 * Math.max(1, dim))));
}

/** One query against one vector: `(a, b, dim) → number`. @internal */
export type PairKernel = (a: number, b: number, dim: number) => number;
/** One query against `count` vectors stored contiguously from `base`, results to `out`. @internal */
export type BlockKernel = (
  query: number,
  base: number,
  strideBytes: number,
  count: number,
  dim: number,
  out: number,
) => void;
/** One query against the `count` vectors whose slot numbers are at `ids`, results to `out`. @internal */
export type GatherKernel = (
  query: number,
  base: number,
  strideBytes: number,
  ids: number,
  count: number,
  dim: number,
  out: number,
) => void;

/**
 * The kernels, bound to one arena's memory. Results are raw: dot products (higher = more similar) and squared
 * Euclidean distances (lower = more similar); cosine similarity is `dotF32` on vectors normalized beforehand.
 *
 * @internal
 */
export interface DistanceKernels {
  /** Which implementation each operation uses (decided once, when the arena is created). */
  readonly impl: Readonly<Record<KernelOp, KernelImpl>>;

  /** float32 dot product of the `dim` floats at `a` and at `b` (result rounded to float32). */
  readonly dotF32: PairKernel;
  /** float32 squared Euclidean distance. */
  readonly l2sqF32: PairKernel;
  /** `out[i] = dot(query, base + i*strideBytes)` as float32, `i < count`. */
  readonly dotF32Block: BlockKernel;
  /** `out[i] = l2sq(query, base + i*strideBytes)` as float32. */
  readonly l2sqF32Block: BlockKernel;
  /** `out[i] = dot(query, base + ids[i]*strideBytes)` as float32. */
  readonly dotF32Gather: GatherKernel;
  /** `out[i] = l2sq(query, base + ids[i]*strideBytes)` as float32. */
  readonly l2sqF32Gather: GatherKernel;

  /** Exact int32 dot product of two int8 vectors (`dim ≤` {@link MAX_I8_DOT_DIM}). */
  readonly dotI8: PairKernel;
  /** int8 block form; `out` is an `Int32Array`. */
  readonly dotI8Block: BlockKernel;
  /** int8 gather form; `out` is an `Int32Array`. */
  readonly dotI8Gather: GatherKernel;

  /** `sum(query[j] * codes[j])`: float32 query weights (at `a`) times int8 codes (at `b`), as float32. */
  readonly dotF32I8: PairKernel;
  /** Asymmetric block form: float32 query, int8 rows of `strideBytes`; `out` is a `Float32Array`. */
  readonly dotF32I8Block: BlockKernel;
  /** Asymmetric gather form. */
  readonly dotF32I8Gather: GatherKernel;

  /**
   * `sum(query[j] * codes[j])`: int16 query weights (at `a`, 2 bytes each) times int8 codes (at `b`), exact int32
   * while every |query| ≤ {@link maxI16QueryMagnitude}(dim). The fast form of the asymmetric product.
   */
  readonly dotI16I8: PairKernel;
  /** int16-query block form; `out` is an `Int32Array`. */
  readonly dotI16I8Block: BlockKernel;
  /** int16-query gather form; `out` is an `Int32Array`. */
  readonly dotI16I8Gather: GatherKernel;

  /** PQ lookup-sum: `sum_j table[j*256 + code[j]]` for the `m` one-byte codes at `code`; `table` is m×256 float32. */
  readonly pqAdc: (table: number, code: number, m: number) => number;
  /** `out[i] = pqAdc(table, codes + i*m, m)`, `i < count` (codes packed, `m` bytes per vector). */
  readonly pqAdcBlock: (table: number, codes: number, m: number, count: number, out: number) => void;
  /** `out[i] = pqAdc(table, codes + ids[i]*m, m)`. */
  readonly pqAdcGather: (table: number, codes: number, m: number, ids: number, count: number, out: number) => void;

  /**
   * Batched nearest centroid (k-means assignment, IVF cell choice, PQ encoding) in dot-product form: for each of
   * `count` points at `points + i*pointStride`, `outIdx[i]` (`Int32Array`) = the index of the nearest of the `k`
   * centroids at `centroids + c*centroidStride` by squared L2, found as the least `|c|² − 2 p·c` (`norms` holds
   * the `k` float32 values `|c|²`), and `outDist[i]` (`Float32Array`) = that least value (add `|p|²` for the
   * squared distance). Ties keep the lower index. A point's result does not depend on the others in the call.
   * Rows are read in whole 16-byte chunks, so each needs room for `dim` rounded up to a multiple of 4 floats.
   */
  readonly l2ArgminF32: (
    points: number, pointStride: number, count: number, centroids: number, centroidStride: number, k: number,
    dim: number, norms: number, outIdx: number, outDist: number,
  ) => void;

  /**
   * RaBitQ scan: `out[i]` (`Int32Array`) = `Σ_d code_d · query_d` for the row at `base + i*strideBytes`, whose codes
   * take `bits` (1, 2 or 4) bits per dimension, against an int8 query of `dim` bytes. `dim` is a multiple of 128.
   * Row layout: 16-byte chunk `g` holds dims from `g·128/bits`; bits `[s·bits, (s+1)·bits)` of its byte `j` hold dim
   * `g·128/bits + 16s + j` (see `packBits` in the store's RaBitQ module).
   */
  readonly bitsDotI8Block: (query: number, base: number, strideBytes: number, count: number, dim: number, bits: number, out: number) => void;
  /**
   * 1-bit RaBitQ scan with a 4-bit query (Gao & Long 2024): `out[i]` = `Σ_j 2^j · popcount(row_i & plane_j) −
   * 8 · popcount(row_i)`, i.e. `Σ_d x_d · (u_d − 8)` for the unsigned 4-bit query `u` read as signed; its four bit
   * planes of `dim/8` bytes each lie one after another at `query`. `dim` is a multiple of 128.
   */
  readonly andPop4Block: (query: number, base: number, strideBytes: number, count: number, dim: number, out: number) => void;
  /** Hamming distance: `out[i]` = `popcount(row_i ^ query)` over `dim` bits (`dim` a multiple of 128). */
  readonly hammingBlock: (query: number, base: number, strideBytes: number, count: number, dim: number, out: number) => void;
}

/** The typed-array views over an arena's memory; the arena replaces them (in place) after each growth. @internal */
export interface ArenaViews {
  /** The whole memory as bytes. */
  u8: Uint8Array;
  /** The whole memory as signed bytes. */
  i8: Int8Array;
  /** The whole memory as int16 (index = byteOffset >>> 1). */
  i16: Int16Array;
  /** The whole memory as int32 (index = byteOffset >>> 2). */
  i32: Int32Array;
  /** The whole memory as uint32 (index = byteOffset >>> 2). */
  u32: Uint32Array;
  /** The whole memory as float32 (index = byteOffset >>> 2). */
  f32: Float32Array;
}
