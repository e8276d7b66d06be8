/**
 * The plain-JS kernels: the fallback where WebAssembly SIMD is missing, and the choice for operations where it
 * measured faster. They read the arena's memory through its typed-array views (re-read on every call, so a
 * growth between calls is harmless) and take the same byte offsets as the WebAssembly kernels.
 *
 * Loops are unrolled by four with independent accumulators (float64, so they are at least as exact as the
 * float32 SIMD kernels); block and gather forms compare one query with four candidates per pass, which reuses
 * each query element four times and measured ~25% faster than four single calls.
 *
 * @module
 * @internal
 */
import type { ArenaViews, DistanceKernels, KernelOp } from './types.js';

type JsKernels = Omit<DistanceKernels, 'impl'>;

/**
 * Builds the JS kernels over `views`, which the arena keeps current.
 *
 * @internal
 */
export function createJsKernels(views: ArenaViews): JsKernels {
  // ---- float32 ----
  function dotF32(a: number, b: number, dim: number): number {
    const f = views.f32;
    let i = a >>> 2;
    let j = b >>> 2;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end4 = i + (dim - (dim & 3));
    for (; i < end4; i += 4, j += 4) {
      s0 += f[i] * f[j];
      s1 += f[i + 1] * f[j + 1];
      s2 += f[i + 2] * f[j + 2];
      s3 += f[i + 3] * f[j + 3];
    }
    for (const end = i + (dim & 3); i < end; i++, j++) s0 += f[i] * f[j];
    return Math.fround(s0 + s1 + (s2 + s3));
  }

  function l2sqF32(a: number, b: number, dim: number): number {
    const f = views.f32;
    let i = a >>> 2;
    let j = b >>> 2;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end4 = i + (dim - (dim & 3));
    for (; i < end4; i += 4, j += 4) {
      const d0 = f[i] - f[j], d1 = f[i + 1] - f[j + 1], d2 = f[i + 2] - f[j + 2], d3 = f[i + 3] - f[j + 3];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    for (const end = i + (dim & 3); i < end; i++, j++) {
      const d = f[i] - f[j];
      s0 += d * d;
    }
    return Math.fround(s0 + s1 + (s2 + s3));
  }

  /** Four dot products of the query at float index q with rows at float indexes p0..p3, into f[o..o+3]. */
  function dot4F32(f: Float32Array, q: number, p0: number, p1: number, p2: number, p3: number, dim: number, o: number): void {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let k = 0; k < dim; k++) {
      const x = f[q + k];
      s0 += x * f[p0 + k];
      s1 += x * f[p1 + k];
      s2 += x * f[p2 + k];
      s3 += x * f[p3 + k];
    }
    f[o] = s0;
    f[o + 1] = s1;
    f[o + 2] = s2;
    f[o + 3] = s3;
  }

  function l24F32(f: Float32Array, q: number, p0: number, p1: number, p2: number, p3: number, dim: number, o: number): void {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let k = 0; k < dim; k++) {
      const x = f[q + k];
      const d0 = x - f[p0 + k], d1 = x - f[p1 + k], d2 = x - f[p2 + k], d3 = x - f[p3 + k];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    f[o] = s0;
    f[o + 1] = s1;
    f[o + 2] = s2;
    f[o + 3] = s3;
  }

  // Block and gather forms are written out per metric (not built by a higher-order helper) so each call site
  // of the four-candidate helper stays monomorphic and V8 inlines it.
  function dotF32Block(query: number, base: number, strideBytes: number, count: number, dim: number, out: number): void {
    const f = views.f32;
    const q = query >>> 2;
    const s = strideBytes >>> 2;
    let p = base >>> 2;
    let o = out >>> 2;
    let i = 0;
    for (; i + 4 <= count; i += 4, p += 4 * s, o += 4) dot4F32(f, q, p, p + s, p + 2 * s, p + 3 * s, dim, o);
    for (; i < count; i++, p += s, o++) f[o] = dotF32(query, p * 4, dim);
  }

  function l2sqF32Block(query: number, base: number, strideBytes: number, count: number, dim: number, out: number): void {
    const f = views.f32;
    const q = query >>> 2;
    const s = strideBytes >>> 2;
    let p = base >>> 2;
    let o = out >>> 2;
    let i = 0;
    for (; i + 4 <= count; i += 4, p += 4 * s, o += 4) l24F32(f, q, p, p + s, p + 2 * s, p + 3 * s, dim, o);
    for (; i < count; i++, p += s, o++) f[o] = l2sqF32(query, p * 4, dim);
  }

  function dotF32Gather(query: number, base: number, strideBytes: number, ids: number, count: number, dim: number, out: number): void {
    const f = views.f32;
    const u = views.u32;
    const q = query >>> 2;
    const s = strideBytes >>> 2;
    const b = base >>> 2;
    let d = ids >>> 2;
    let o = out >>> 2;
    let i = 0;
    for (; i + 4 <= count; i += 4, d += 4, o += 4) {
      dot4F32(f, q, b + u[d] * s, b + u[d + 1] * s, b + u[d + 2] * s, b + u[d + 3] * s, dim, o);
    }
    for (; i < count; i++, d++, o++) f[o] = dotF32(query, (b + u[d] * s) * 4, dim);
  }

  function l2sqF32Gather(query: number, base: number, strideBytes: number, ids: number, count: number, dim: number, out: number): void {
    const f = views.f32;
    const u = views.u32;
    const q = query >>> 2;
    const s = strideBytes >>> 2;
    const b = base >>> 2;
    let d = ids >>> 2;
    let o = out >>> 2;
    let i = 0;
    for (; i + 4 <= count; i += 4, d += 4, o += 4) {
      l24F32(f, q, b + u[d] * s, b + u[d + 1] * s, b + u[d + 2] * s, b + u[d + 3] * s, dim, o);
    }
    for (; i < count; i++, d++, o++) f[o] = l2sqF32(query, (b + u[d] * s) * 4, dim);
  }

  // ---- int8 x int8 ----
  function dotI8(a: number, b: number, dim: number): number {
    const c = views.i8;
    let i = a, j = b;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end4 = i + (dim - (dim & 3));
    for (; i < end4; i += 4, j += 4) {
      s0 += c[i] * c[j];
      s1 += c[i + 1] * c[j + 1];
      s2 += c[i + 2] * c[j + 2];
      s3 += c[i + 3] * c[j + 3];
    }
    for (const end = i + (dim & 3); i < end; i++, j++) s0 += c[i] * c[j];
    return (s0 + s1 + s2 + s3) | 0;
  }

  function dot4I8(q: number, p0: number, p1: number, p2: number, p3: number, dim: number, o: number): void {
    const c = views.i8;
    const r = views.i32;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let k = 0; k < dim; k++) {
      const x = c[q + k];
      s0 += x * c[p0 + k];
      s1 += x * c[p1 + k];
      s2 += x * c[p2 + k];
      s3 += x * c[p3 + k];
    }
    r[o] = s0;
    r[o + 1] = s1;
    r[o + 2] = s2;
    r[o + 3] = s3;
  }

  function dotI8Block(query: number, base: number, strideBytes: number, count: number, dim: number, out: number): void {
    const r = views.i32;
    let p = base;
    let o = out >>> 2;
    const s = strideBytes;
    let i = 0;
    for (; i + 4 <= count; i += 4, p += 4 * s, o += 4) dot4I8(query, p, p + s, p + 2 * s, p + 3 * s, dim, o);
    for (; i < count; i++, p += s, o++) r[o] = dotI8(query, p, dim);
  }

  function dotI8Gather(query: number, base: number, strideBytes: number, ids: number, count: number, dim: number, out: number): void {
    const u = views.u32;
    const r = views.i32;
    const s = strideBytes;
    let d = ids >>> 2;
    let o = out >>> 2;
    let i = 0;
    for (; i + 4 <= count; i += 4, d += 4, o += 4) {
      dot4I8(query, base + u[d] * s, base + u[d + 1] * s, base + u[d + 2] * s, base + u[d + 3] * s, dim, o);
    }
    for (; i < count; i++, d++, o++) r[o] = dotI8(query, base + u[d] * s, dim);
  }

  // ---- float32 query x int8 codes ----
  function dotF32I8(query: number, codes: number, dim: number): number {
    const f = views.f32;
    const c = views.i8;
    let i = query >>> 2, j = codes;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end4 = i + (dim - (dim & 3));
    for (; i < end4; i += 4, j += 4) {
      s0 += f[i] * c[j];
      s1 += f[i + 1] * c[j + 1];
      s2 += f[i + 2] * c[j + 2];
      s3 += f[i + 3] * c[j + 3];
    }
    for (const end = i + (dim & 3); i < end; i++, j++) s0 += f[i] * c[j];
    return Math.fround(s0 + s1 + (s2 + s3));
  }

  function dot4F32I8(q: number, p0: number, p1: number, p2: number, p3: number, dim: number, o: number): void {
    const f = views.f32;
    const c = views.i8;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let k = 0; k < dim; k++) {
      const x = f[q + k];
      s0 += x * c[p0 + k];
      s1 += x * c[p1 + k];
      s2 += x * c[p2 + k];
      s3 += x * c[p3 + k];
    }
    f[o] = s0;
    f[o + 1] = s1;
    f[o + 2] = s2;
    f[o + 3] = s3;
  }

  function dotF32I8Block(query: number, base: number, strideBytes: number, count: number, dim: number, out: number): void {
    const f = views.f32;
    const q = query >>> 2;
    const s = strideBytes;
    let p = base;
    let o = out >>> 2;
    let i = 0;
    for (; i + 4 <= count; i += 4, p += 4 * s, o += 4) dot4F32I8(q, p, p + s, p + 2 * s, p + 3 * s, dim, o);
    for (; i < count; i++, p += s, o++) f[o] = dotF32I8(query, p, dim);
  }

  function dotF32I8Gather(query: number, base: number, strideBytes: number, ids: number, count: number, dim: number, out: number): void {
    const f = views.f32;
    const u = views.u32;
    const q = query >>> 2;
    const s = strideBytes;
    let d = ids >>> 2;
    let o = out >>> 2;
    let i = 0;
    for (; i + 4 <= count; i += 4, d += 4, o += 4) {
      dot4F32I8(q, base + u[d] * s, base + u[d + 1] * s, base + u[d + 2] * s, base + u[d + 3] * s, dim, o);
    }
    for (; i < count; i++, d++, o++) f[o] = dotF32I8(query, base + u[d] * s, dim);
  }

  // ---- int16 query x int8 codes ----
  function dotI16I8(query: number, codes: number, dim: number): number {
    const w = views.i16;
    const c = views.i8;
    let i = query >>> 1, j = codes;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end4 = i + (dim - (dim & 3));
    for (; i < end4; i += 4, j += 4) {
      s0 += w[i] * c[j];
      s1 += w[i + 1] * c[j + 1];
      s2 += w[i + 2] * c[j + 2];
      s3 += w[i + 3] * c[j + 3];
    }
    for (const end = i + (dim & 3); i < end; i++, j++) s0 += w[i] * c[j];
    return (s0 + s1 + s2 + s3) | 0;
  }

  function dot4I16I8(q: number, p0: number, p1: number, p2: number, p3: number, dim: number, o: number): void {
    const w = views.i16;
    const c = views.i8;
    const r = views.i32;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let k = 0; k < dim; k++) {
      const x = w[q + k];
      s0 += x * c[p0 + k];
      s1 += x * c[p1 + k];
      s2 += x * c[p2 + k];
      s3 += x * c[p3 + k];
    }
    r[o] = s0;
    r[o + 1] = s1;
    r[o + 2] = s2;
    r[o + 3] = s3;
  }

  function dotI16I8Block(query: number, base: number, strideBytes: number, count: number, dim: number, out: number): void {
    const r = views.i32;
    const q = query >>> 1;
    const s = strideBytes;
    let p = base;
    let o = out >>> 2;
    let i = 0;
    for (; i + 4 <= count; i += 4, p += 4 * s, o += 4) dot4I16I8(q, p, p + s, p + 2 * s, p + 3 * s, dim, o);
    for (; i < count; i++, p += s, o++) r[o] = dotI16I8(query, p, dim);
  }

  function dotI16I8Gather(query: number, base: number, strideBytes: number, ids: number, count: number, dim: number, out: number): void {
    const u = views.u32;
    const r = views.i32;
    const q = query >>> 1;
    const s = strideBytes;
    let d = ids >>> 2;
    let o = out >>> 2;
    let i = 0;
    for (; i + 4 <= count; i += 4, d += 4, o += 4) {
      dot4I16I8(q, base + u[d] * s, base + u[d + 1] * s, base + u[d + 2] * s, base + u[d + 3] * s, dim, o);
    }
    for (; i < count; i++, d++, o++) r[o] = dotI16I8(query, base + u[d] * s, dim);
  }

  // ---- product quantization ----
  function adc(f: Float32Array, c: Uint8Array, t: number, p: number, m: number): number {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let j = 0;
    for (; j + 4 <= m; j += 4, t += 1024) {
      s0 += f[t + c[p + j]];
      s1 += f[t + 256 + c[p + j + 1]];
      s2 += f[t + 512 + c[p + j + 2]];
      s3 += f[t + 768 + c[p + j + 3]];
    }
    for (; j < m; j++, t += 256) s0 += f[t + c[p + j]];
    return s0 + s1 + (s2 + s3);
  }

  function pqAdc(table: number, code: number, m: number): number {
    return Math.fround(adc(views.f32, views.u8, table >>> 2, code, m));
  }

  function pqAdcBlock(table: number, codes: number, m: number, count: number, out: number): void {
    const f = views.f32;
    const c = views.u8;
    const t = table >>> 2;
    let o = out >>> 2;
    for (let i = 0, p = codes; i < count; i++, p += m, o++) f[o] = adc(f, c, t, p, m);
  }

  function pqAdcGather(table: number, codes: number, m: number, ids: number, count: number, out: number): void {
    const f = views.f32;
    const c = views.u8;
    const u = views.u32;
    const t = table >>> 2;
    let d = ids >>> 2;
    let o = out >>> 2;
    for (let i = 0; i < count; i++, d++, o++) f[o] = adc(f, c, t, codes + u[d] * m, m);
  }

  // ---- batched nearest centroid ----
  const fr = Math.fround;
  /** p.c summed as the WASM kernel sums it: four float32 lanes over chunks of four, then (l0+l2)+(l1+l3). */
  function laneDot(f: Float32Array, p: number, c: number, dim: number): number {
    let l0 = 0, l1 = 0, l2 = 0, l3 = 0;
    let j = 0;
    for (; j + 4 <= dim; j += 4) {
      l0 = fr(l0 + fr(f[p + j] * f[c + j]));
      l1 = fr(l1 + fr(f[p + j + 1] * f[c + j + 1]));
      l2 = fr(l2 + fr(f[p + j + 2] * f[c + j + 2]));
      l3 = fr(l3 + fr(f[p + j + 3] * f[c + j + 3]));
    }
    const r = dim - j;
    if (r > 0) l0 = fr(l0 + fr(f[p + j] * f[c + j]));
    if (r > 1) l1 = fr(l1 + fr(f[p + j + 1] * f[c + j + 1]));
    if (r > 2) l2 = fr(l2 + fr(f[p + j + 2] * f[c + j + 2]));
    return fr(fr(l0 + l2) + fr(l1 + l3));
  }

  function l2ArgminF32(
    points: number, pointStride: number, count: number, centroids: number, centroidStride: number, k: number,
    dim: number, norms: number, outIdx: number, outDist: number,
  ): void {
    const f = views.f32;
    const idx = views.i32;
    const cs = centroidStride >>> 2;
    const nb = norms >>> 2;
    for (let i = 0; i < count; i++) {
      const q = (points + i * pointStride) >>> 2;
      let best = Infinity;
      let bi = 0;
      for (let c = 0, p = centroids >>> 2; c < k; c++, p += cs) {
        const dot = laneDot(f, q, p, dim);
        const d = fr(f[nb + c] - fr(dot + dot));
        if (d < best) {
          best = d;
          bi = c;
        }
      }
      idx[(outIdx >>> 2) + i] = bi;
      f[(outDist >>> 2) + i] = best;
    }
  }

  // ---- bit codes (RaBitQ, binary) ----
  function bitsDotI8Block(query: number, base: number, strideBytes: number, count: number, dim: number, bits: number, out: number): void {
    const u = views.u8;
    const q8 = views.i8;
    const r = views.i32;
    const mask = (1 << bits) - 1;
    const groups = 8 / bits;
    const chunks = (dim * bits) >>> 7;
    for (let i = 0, p = base, o = out >>> 2; i < count; i++, p += strideBytes, o++) {
      let acc = 0;
      let q = query;
      for (let g = 0, c = p; g < chunks; g++, c += 16) {
        for (let s = 0, shift = 0; s < groups; s++, shift += bits, q += 16) {
          for (let j = 0; j < 16; j++) acc += ((u[c + j] >>> shift) & mask) * q8[q + j];
        }
      }
      r[o] = acc;
    }
  }

  function andPop4Block(query: number, base: number, strideBytes: number, count: number, dim: number, out: number): void {
    const u = views.u8;
    const r = views.i32;
    const plane = dim >>> 3;
    for (let i = 0, p = base, o = out >>> 2; i < count; i++, p += strideBytes, o++) {
      let acc = 0;
      for (let b = 0; b < plane; b++) {
        const x = u[p + b];
        acc += POPCOUNT8[x & u[query + b]] + 2 * POPCOUNT8[x & u[query + plane + b]]
          + 4 * POPCOUNT8[x & u[query + 2 * plane + b]] + 8 * POPCOUNT8[x & u[query + 3 * plane + b]] - 8 * POPCOUNT8[x];
      }
      r[o] = acc;
    }
  }

  function hammingBlock(query: number, base: number, strideBytes: number, count: number, dim: number, out: number): void {
    const u = views.u8;
    const r = views.i32;
    const bytes = dim >>> 3;
    for (let i = 0, p = base, o = out >>> 2; i < count; i++, p += strideBytes, o++) {
      let acc = 0;
      for (let b = 0; b < bytes; b++) acc += POPCOUNT8[u[p + b] ^ u[query + b]];
      r[o] = acc;
    }
  }

  const kernels: JsKernels = {
    dotF32,
    l2sqF32,
    dotF32Block,
    l2sqF32Block,
    dotF32Gather,
    l2sqF32Gather,
    dotI8,
    dotI8Block,
    dotI8Gather,
    dotF32I8,
    dotF32I8Block,
    dotF32I8Gather,
    dotI16I8,
    dotI16I8Block,
    dotI16I8Gather,
    pqAdc,
    pqAdcBlock,
    pqAdcGather,
    l2ArgminF32,
    bitsDotI8Block,
    andPop4Block,
    hammingBlock,
  };
  return kernels satisfies Record<KernelOp, unknown>;
}

/** Set bits of each byte value. */
const POPCOUNT8 = Uint8Array.from({ length: 256 }, (_, v) => {
  let n = 0;
  for (let x = v; x !== 0; x &= x - 1) n++;
  return n;
});
