/**
 * Deterministic benchmark datasets (normalized; clustered and lowrank 384-d, sentence768 768-d) and exact ground
 * truth, cached on disk under bench/results/cache so repeated runs skip the brute-force pass.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dot } from '../src/store/distance.js';
import { KernelArena } from '../src/kernels/index.js';
import { MaxHeap } from '../src/store/heap.js';
import { mulberry32Next } from '../src/internal/random.js';

export interface Dataset {
  name: string;
  dim: number;
  n: number;
  data: Float32Array;
  queries: Float32Array;
  nq: number;
  /** k ground-truth neighbour indices per query. */
  truth: Uint32Array;
  k: number;
}

/** mulberry32 + Box-Muller: a seeded Gaussian source (also used by ann-5m.ts to stream the same data). */
export function gaussian(seed: number): () => number {
  const state = Uint32Array.of(seed >>> 0);
  let spare: number | null = null;
  const uni = (): number => (mulberry32Next(state) + 0.5) / 4294967296;
  return () => {
    if (spare !== null) { const v = spare; spare = null; return v; }
    const u = uni(), v = uni();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

function normalizeRows(a: Float32Array, dim: number): void {
  for (let o = 0; o < a.length; o += dim) {
    const n = Math.sqrt(dot(a, o, a, o, dim));
    for (let i = 0; i < dim; i++) a[o + i] /= n;
  }
}

/** 1000 Gaussian centres on the sphere; points are centre + isotropic noise, normalized. */
function clustered(n: number, nq: number, dim: number): { data: Float32Array; queries: Float32Array } {
  const g = gaussian(42);
  const centers = new Float32Array(1000 * dim).map(() => g());
  normalizeRows(centers, dim);
  const sigma = 0.07;
  const make = (count: number, seed: number): Float32Array => {
    const h = gaussian(seed);
    const out = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) {
      const c = Math.floor(((h() * 1e6) % 1000 + 1000) % 1000);
      for (let d = 0; d < dim; d++) out[i * dim + d] = centers[c * dim + d] + sigma * h();
    }
    normalizeRows(out, dim);
    return out;
  };
  return { data: make(n, 7), queries: make(nq, 8) };
}

/** A 24-d Gaussian latent mapped to `dim` by a fixed random matrix, plus noise, normalized. */
function lowrank(n: number, nq: number, dim: number): { data: Float32Array; queries: Float32Array } {
  const latent = 24;
  const g = gaussian(99);
  const W = new Float32Array(latent * dim).map(() => g());
  const noise = 0.35;
  const make = (count: number, seed: number): Float32Array => {
    const h = gaussian(seed);
    const out = new Float32Array(count * dim);
    const z = new Float32Array(latent);
    for (let i = 0; i < count; i++) {
      for (let l = 0; l < latent; l++) z[l] = h();
      for (let d = 0; d < dim; d++) {
        let s = 0;
        for (let l = 0; l < latent; l++) s += z[l] * W[l * dim + d];
        out[i * dim + d] = s + noise * Math.sqrt(latent) * h();
      }
    }
    normalizeRows(out, dim);
    return out;
  };
  return { data: make(n, 5), queries: make(nq, 6) };
}

/** The dataset kinds {@link loadDataset} builds. */
export type DatasetKind = 'clustered' | 'lowrank' | 'sentence768';

/** Each kind's dimension. */
export const DATASET_DIMS: Record<DatasetKind, number> = { clustered: 384, lowrank: 384, sentence768: 768 };

/** Power-law exponent of the sentence-like spectrum: eigenvalue i ∝ i^-ALPHA (i from 1). */
export const SENTENCE_ALPHA = 1;
/** Length of the shared mean direction relative to the spread (total variance 1): mean cosine ≈ m² / (1 + m²) ≈ 0.3. */
export const SENTENCE_MEAN = 0.65;

/**
 * A random orthonormal basis of R^dim (Gram-Schmidt on seeded Gaussian vectors), stored transposed: element
 * `[d * dim + i]` is component d of basis vector i, so a point's component d is one dot product with row d.
 */
export function sentenceBasisT(dim: number, seed = 768): Float32Array {
  const g = gaussian(seed);
  const v = new Float64Array(dim * dim).map(() => g());
  for (let i = 0; i < dim; i++) {
    const vi = i * dim;
    for (let j = 0; j < i; j++) {
      const vj = j * dim;
      let p = 0;
      for (let d = 0; d < dim; d++) p += v[vi + d] * v[vj + d];
      for (let d = 0; d < dim; d++) v[vi + d] -= p * v[vj + d];
    }
    let n = 0;
    for (let d = 0; d < dim; d++) n += v[vi + d] * v[vi + d];
    n = Math.sqrt(n);
    for (let d = 0; d < dim; d++) v[vi + d] /= n;
  }
  const t = new Float32Array(dim * dim);
  for (let i = 0; i < dim; i++) for (let d = 0; d < dim; d++) t[d * dim + i] = v[i * dim + d];
  return t;
}

/**
 * Shaped like sentence embeddings: a shared mean direction (a seeded unit vector, length `meanNorm`) plus a
 * zero-mean Gaussian whose covariance has eigenvalues ∝ i^-α along a random
 * orthonormal basis (total variance 1), each point normalized (cosine). Rows are generated one at a time from
 * seeded streams (data seed 11, queries seed 12), one kernel dot product per output component.
 */
export function sentenceLike(n: number, nq: number, dim = 768, alpha = SENTENCE_ALPHA, meanNorm = SENTENCE_MEAN): {
  data: Float32Array; queries: Float32Array; mean: Float32Array; basisT: Float32Array; eigen: Float64Array;
} {
  const basisT = sentenceBasisT(dim);
  const eigen = new Float64Array(dim);
  let total = 0;
  for (let i = 0; i < dim; i++) total += (eigen[i] = (i + 1) ** -alpha);
  for (let i = 0; i < dim; i++) eigen[i] /= total;
  const g = gaussian(767);
  const mean = new Float32Array(dim).map(() => g());
  normalizeRows(mean, dim);
  const row = dim * 4;
  const arena = new KernelArena({ initialBytes: dim * row + 2 * row + (1 << 16) });
  const base = arena.alloc(dim * row), zAt = arena.alloc(row), outAt = arena.alloc(row);
  arena.views.f32.set(basisT, base >>> 2);
  const sd = Float32Array.from(eigen, Math.sqrt);
  const make = (count: number, seed: number): Float32Array => {
    const h = gaussian(seed);
    const out = new Float32Array(count * dim);
    for (let r = 0; r < count; r++) {
      const f32 = arena.views.f32;
      for (let i = 0; i < dim; i++) f32[(zAt >>> 2) + i] = sd[i] * h();
      arena.kernels.dotF32Block(zAt, base, row, dim, dim, outAt);
      for (let d = 0; d < dim; d++) out[r * dim + d] = meanNorm * mean[d] + f32[(outAt >>> 2) + d];
    }
    normalizeRows(out, dim);
    return out;
  };
  return { data: make(n, 11), queries: make(nq, 12), mean, basisT, eigen };
}

/**
 * Exact top-k by inner product (the vectors are normalized, so this is cosine): every distance, computed by the
 * float32 block kernel (tested against a float64 reference in tests/kernels) over the data copied into one arena.
 */
export function bruteForce(data: Float32Array, n: number, queries: Float32Array, nq: number, dim: number, k: number): Uint32Array {
  const truth = new Uint32Array(nq * k);
  const heap = new MaxHeap(k + 1);
  const BLOCK = 4096;
  const arena = new KernelArena({ initialBytes: n * dim * 4 + dim * 4 + BLOCK * 4 + (1 << 20) });
  const base = arena.alloc(n * dim * 4);
  const query = arena.alloc(dim * 4);
  const out = arena.alloc(BLOCK * 4);
  arena.views.f32.set(data.subarray(0, n * dim), base >>> 2);
  for (let q = 0; q < nq; q++) {
    heap.clear();
    const f32 = arena.views.f32;
    f32.set(queries.subarray(q * dim, (q + 1) * dim), query >>> 2);
    for (let s = 0; s < n; s += BLOCK) {
      const m = Math.min(BLOCK, n - s);
      arena.kernels.dotF32Block(query, base + s * dim * 4, dim * 4, m, dim, out);
      for (let i = 0; i < m; i++) {
        const d = -f32[(out >>> 2) + i];
        if (heap.size < k) heap.push(d, s + i);
        else if (d < heap.topKey()) heap.replaceTop(d, s + i);
      }
    }
    for (let j = k - 1; j >= 0; j--) { truth[q * k + j] = heap.topVal(); heap.pop(); }
  }
  return truth;
}

/** Builds (or loads from cache) a dataset. */
export function loadDataset(kind: DatasetKind, n: number, nq = 1000, dim = DATASET_DIMS[kind], k = 10): Dataset {
  const dir = join(import.meta.dirname, 'results', 'cache');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${kind}-${n}-${nq}-${dim}-${k}-v1.bin`);
  if (existsSync(file)) {
    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const data = new Float32Array(ab, 0, n * dim);
    const queries = new Float32Array(ab, n * dim * 4, nq * dim);
    const truth = new Uint32Array(ab, (n + nq) * dim * 4, nq * k);
    return { name: kind, dim, n, data, queries, nq, truth, k };
  }
  const { data, queries } = kind === 'clustered' ? clustered(n, nq, dim) : kind === 'lowrank' ? lowrank(n, nq, dim) : sentenceLike(n, nq, dim);
  const truth = bruteForce(data, n, queries, nq, dim, k);
  const out = Buffer.alloc((n + nq) * dim * 4 + nq * k * 4);
  Buffer.from(data.buffer).copy(out, 0);
  Buffer.from(queries.buffer).copy(out, n * dim * 4);
  Buffer.from(truth.buffer).copy(out, (n + nq) * dim * 4);
  writeFileSync(file, out);
  return { name: kind, dim, n, data, queries, nq, truth, k };
}

/** Mean recall@k of `found` (k ids per query, in any order) against the ground truth. */
export function recallAt(truth: Uint32Array, found: Uint32Array, nq: number, k: number): number {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const t = new Set(truth.subarray(q * k, q * k + k));
    for (let j = 0; j < k; j++) if (t.has(found[q * k + j])) hit++;
  }
  return hit / (nq * k);
}
