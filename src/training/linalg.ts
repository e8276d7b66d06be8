/**
 * Dense row-major matrix products over Float32Arrays, the only linear algebra the adapter's hand-written forward and
 * backward passes need. Loops are ordered so the innermost one walks contiguous memory (an axpy over a row), which is
 * what V8 optimises best; products are summed in float64 registers and stored as float32.
 *
 * @internal
 * @module
 */

/** `out[n×m] (+)= a[n×k] · b[k×m]`. @internal */
export function matmul(a: Float32Array, b: Float32Array, n: number, k: number, m: number, out = new Float32Array(n * m), accumulate = false): Float32Array {
  const row = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    if (accumulate) for (let j = 0; j < m; j++) row[j] = out[i * m + j];
    else row.fill(0);
    const ai = i * k;
    for (let p = 0; p < k; p++) {
      const av = a[ai + p];
      if (av === 0) continue;
      const bp = p * m;
      for (let j = 0; j < m; j++) row[j] += av * b[bp + j];
    }
    for (let j = 0; j < m; j++) out[i * m + j] = row[j];
  }
  return out;
}

/** `out[k×m] += aᵀ · b` for `a[n×k]`, `b[n×m]` (weight gradients: inputsᵀ · output gradients). @internal */
export function matmulTransAAccumulate(a: Float32Array, b: Float32Array, n: number, k: number, m: number, out: Float32Array): void {
  // Accumulated in float64 per output row block so the sum order (i ascending) is fixed and precise.
  const acc = new Float64Array(k * m);
  for (let i = 0; i < n; i++) {
    const ai = i * k;
    const bi = i * m;
    for (let p = 0; p < k; p++) {
      const av = a[ai + p];
      if (av === 0) continue;
      const op = p * m;
      for (let j = 0; j < m; j++) acc[op + j] += av * b[bi + j];
    }
  }
  for (let x = 0; x < k * m; x++) out[x] += acc[x];
}

/** `out[n×k] = a[n×m] · bᵀ` for `b[k×m]` (input gradients: output gradients · weightsᵀ; also score matrices). @internal */
export function matmulTransB(a: Float32Array, b: Float32Array, n: number, m: number, k: number, out = new Float32Array(n * k)): Float32Array {
  for (let i = 0; i < n; i++) {
    const ai = i * m;
    for (let p = 0; p < k; p++) {
      const bp = p * m;
      let s = 0;
      for (let j = 0; j < m; j++) s += a[ai + j] * b[bp + j];
      out[i * k + p] = s;
    }
  }
  return out;
}

/** L2-normalizes each of the `n` rows of `x[n×d]` in place and returns the norms (0 rows stay 0). @internal */
export function normalizeRows(x: Float32Array, n: number, d: number): Float64Array {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
    const norm = Math.sqrt(s);
    norms[i] = norm;
    if (norm > 0) for (let j = 0; j < d; j++) x[i * d + j] /= norm;
  }
  return norms;
}
