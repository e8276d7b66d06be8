import { seededRandom } from '../../../src/internal/random.js';

/** Gaussian clusters on the unit sphere plus noise, normalized: a small stand-in for embedding data. */
export function clusteredData(n: number, dim: number, centers: number, noise: number, seed: number): Float32Array {
  const rnd = seededRandom(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const c = new Float32Array(centers * dim).map(gauss);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const ci = Math.floor(rnd() * centers);
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const v = c[ci * dim + j] / Math.sqrt(dim) + noise * gauss();
      out[i * dim + j] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) out[i * dim + j] *= inv;
  }
  return out;
}

/** Exact top-k slots by inner product. */
export function exactTopK(data: Float32Array, dim: number, query: Float32Array, k: number): number[] {
  const n = data.length / dim;
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[i * dim + j] * query[j];
    scores[i] = s;
  }
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]).slice(0, k);
}
