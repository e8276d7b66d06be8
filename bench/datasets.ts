/**
 * Deterministic benchmark datasets (normalized, 384-d by default) and exact ground truth, cached on disk under
 * bench/results/cache so repeated runs skip the brute-force pass.
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
export function loadDataset(kind: 'clustered' | 'lowrank', n: number, nq = 1000, dim = 384, k = 10): Dataset {
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
  const { data, queries } = kind === 'clustered' ? clustered(n, nq, dim) : lowrank(n, nq, dim);
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
