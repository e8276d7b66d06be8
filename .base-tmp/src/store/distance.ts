/**
 * Plain-JS distance kernels over vectors addressed by element offset inside Float32Arrays.
 *
 * Every kernel takes `(array, offset)` pairs rather than subarray views so the store can keep all vectors in one
 * contiguous buffer (see `vectors.ts`) and so WebAssembly kernels, which address vectors by byte offset inside a
 * `WebAssembly.Memory`, can replace these one for one. Loops are unrolled by 8 with 4 independent accumulators:
 * V8 does not vectorize, so breaking the add chain is what buys speed (measured ~1.4x over a plain loop at D=384).
 *
 * @internal
 * @module
 */

/** Dot product of `a[ao .. ao+dim)` and `b[bo .. bo+dim)`. @internal */
export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const end = ao + (dim & ~7);
  let j = bo;
  let i = ao;
  for (; i < end; i += 8, j += 8) {
    s0 += a[i] * b[j] + a[i + 4] * b[j + 4];
    s1 += a[i + 1] * b[j + 1] + a[i + 5] * b[j + 5];
    s2 += a[i + 2] * b[j + 2] + a[i + 6] * b[j + 6];
    s3 += a[i + 3] * b[j + 3] + a[i + 7] * b[j + 7];
  }
  const tail = ao + dim;
  for (; i < tail; i++, j++) s0 += a[i] * b[j];
  return s0 + s1 + s2 + s3;
}

/** Squared Euclidean distance of `a[ao ..]` and `b[bo ..]`. @internal */
export function l2sq(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const end = ao + (dim & ~7);
  let j = bo;
  let i = ao;
  for (; i < end; i += 8, j += 8) {
    const d0 = a[i] - b[j], d1 = a[i + 1] - b[j + 1], d2 = a[i + 2] - b[j + 2], d3 = a[i + 3] - b[j + 3];
    const d4 = a[i + 4] - b[j + 4], d5 = a[i + 5] - b[j + 5], d6 = a[i + 6] - b[j + 6], d7 = a[i + 7] - b[j + 7];
    s0 += d0 * d0 + d4 * d4;
    s1 += d1 * d1 + d5 * d5;
    s2 += d2 * d2 + d6 * d6;
    s3 += d3 * d3 + d7 * d7;
  }
  const tail = ao + dim;
  for (; i < tail; i++, j++) {
    const d = a[i] - b[j];
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/**
 * Dot products of one query against four stored vectors in one pass, so each query element is loaded once per four
 * candidates (measured ~25% faster per distance than four `dot` calls). Results go to `out[0..3]`.
 *
 * @internal
 */
export function dot4(
  q: Float32Array, qo: number, b: Float32Array, o0: number, o1: number, o2: number, o3: number, dim: number,
  out: Float64Array,
): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  let i = 0;
  const end = dim & ~1;
  for (; i < end; i += 2) {
    const x = q[qo + i], y = q[qo + i + 1];
    s0 += x * b[o0 + i]; t0 += y * b[o0 + i + 1];
    s1 += x * b[o1 + i]; t1 += y * b[o1 + i + 1];
    s2 += x * b[o2 + i]; t2 += y * b[o2 + i + 1];
    s3 += x * b[o3 + i]; t3 += y * b[o3 + i + 1];
  }
  if (i < dim) {
    const x = q[qo + i];
    s0 += x * b[o0 + i]; s1 += x * b[o1 + i]; s2 += x * b[o2 + i]; s3 += x * b[o3 + i];
  }
  out[0] = s0 + t0; out[1] = s1 + t1; out[2] = s2 + t2; out[3] = s3 + t3;
}

/** Squared L2 distances of one query against four stored vectors in one pass; results to `out[0..3]`. @internal */
export function l2sq4(
  q: Float32Array, qo: number, b: Float32Array, o0: number, o1: number, o2: number, o3: number, dim: number,
  out: Float64Array,
): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < dim; i++) {
    const x = q[qo + i];
    const d0 = x - b[o0 + i], d1 = x - b[o1 + i], d2 = x - b[o2 + i], d3 = x - b[o3 + i];
    s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
  }
  out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
}

/**
 * Scales `v[o .. o+dim)` to unit length in place. A zero vector is left as is, and so is a vector already of unit
 * length within float32 rounding (|norm² - 1| ≤ 1e-5), so normalized embeddings are stored bit for bit as given.
 *
 * @returns the original norm
 * @internal
 */
export function normalizeInPlace(v: Float32Array, o: number, dim: number): number {
  const sq = dot(v, o, v, o, dim);
  const n = Math.sqrt(sq);
  if (n > 0 && Math.abs(sq - 1) > 1e-5) {
    const inv = 1 / n;
    for (let i = o; i < o + dim; i++) v[i] *= inv;
  }
  return n;
}
