// Pooling of token vectors into one vector per text, L2 normalization and Matryoshka truncation, on flat typed arrays.
import type { PoolingStrategy } from './model-folder.js';

/** Where the real tokens of each padded row are: `[start, start + length)`; `skip` leading ones are ignored. @internal */
export interface RowSpans {
  /** First real token of each row (0 with right padding). */
  start: Int32Array;
  /** Real tokens per row. */
  length: Int32Array;
  /** Leading real tokens that pooling ignores (prompt tokens of `include_prompt: false` models), or undefined. */
  skip?: Int32Array;
}

/**
 * Pools row `b` of `hidden` (`[B, S, H]` row-major) into `out` (length ≥ H). A row with no usable token gives zeros
 * (mean and max over nothing are undefined; zeros stay zero through normalization).
 *
 * @internal
 */
export function poolRow(
  strategy: Exclude<PoolingStrategy, 'none'>,
  hidden: Float32Array,
  b: number,
  seqLen: number,
  dim: number,
  spans: RowSpans,
  out: Float32Array,
): void {
  const start = spans.start[b];
  const len = spans.length[b];
  const rowBase = b * seqLen * dim;
  if (strategy === 'cls' || strategy === 'lasttoken') {
    if (len <= 0) return void out.fill(0, 0, dim);
    const t = strategy === 'cls' ? start : start + len - 1;
    out.set(hidden.subarray(rowBase + t * dim, rowBase + (t + 1) * dim));
    return;
  }
  const skip = Math.min(spans.skip?.[b] ?? 0, len);
  const from = start + skip;
  const to = start + len;
  const count = to - from;
  if (count <= 0) return void out.fill(0, 0, dim);
  if (strategy === 'max') {
    out.set(hidden.subarray(rowBase + from * dim, rowBase + (from + 1) * dim));
    for (let t = from + 1; t < to; t++) {
      const base = rowBase + t * dim;
      for (let h = 0; h < dim; h++) {
        const v = hidden[base + h];
        if (v > out[h]) out[h] = v;
      }
    }
    return;
  }
  // mean / mean_sqrt_len: float64 accumulation is cheap here and keeps rounding independent of the row's padding.
  const acc = new Float64Array(dim);
  for (let t = from; t < to; t++) {
    const base = rowBase + t * dim;
    for (let h = 0; h < dim; h++) acc[h] += hidden[base + h];
  }
  const div = strategy === 'mean' ? count : Math.sqrt(count);
  for (let h = 0; h < dim; h++) out[h] = acc[h] / div;
}

/**
 * Scales `v` to unit L2 length in place; a zero vector stays zero.
 *
 * @internal
 */
export function l2NormalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  if (sum > 0) {
    // transformers.js and torch divide by max(norm, eps); the same expression keeps results bit-close.
    const inv = 1 / Math.max(Math.sqrt(sum), 1e-12);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

