// Shared by the HNSW construction tests: a small clustered data set (normalized, Gaussian around random centres)
// and recall@k of a graph against an exact scan.
import { MaxHeap } from '../../src/store/heap.js';
import type { HnswGraph } from '../../src/store/hnsw.js';
import type { VectorStorage } from '../../src/store/vectors.js';
import { rng } from './helpers.js';

/** Box-Muller normal draws from the project's seeded PRNG. */
function normal(r: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s || 1);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}

/** `n` data and `nq` query vectors around 40 centres, unit length. */
export function clusteredVectors(n: number, nq: number, dim: number, seed: number): { data: Float32Array[]; queries: Float32Array[] } {
  const r = rng(seed), g = normal(r);
  const centres = Array.from({ length: 40 }, () => Float32Array.from({ length: dim }, g));
  const point = (): Float32Array => {
    const c = centres[Math.floor(r() * centres.length)];
    return unit(Float32Array.from(c, (x) => x + 0.45 * g()));
  };
  return { data: Array.from({ length: n }, point), queries: Array.from({ length: nq }, point) };
}

/** recall@k of the graph's search at `ef` against an exact scan (inner product on unit vectors). */
export function recallOf(vs: VectorStorage, g: HnswGraph, data: Float32Array[], queries: Float32Array[], ef: number, k: number): number {
  const top = new MaxHeap();
  let hit = 0;
  for (const q of queries) {
    const exact = data.map((v, i) => {
      let d = 0;
      for (let j = 0; j < v.length; j++) d += v[j] * q[j];
      return [d, i] as const;
    }).sort((a, b) => b[0] - a[0]).slice(0, k).map((x) => x[1]);
    g.search(vs.setQuery(q), ef, top, null, null);
    const got = new Set(Array.from(top.vals.subarray(0, top.size)));
    for (const i of exact) if (got.has(i)) hit++;
  }
  return hit / (queries.length * k);
}
