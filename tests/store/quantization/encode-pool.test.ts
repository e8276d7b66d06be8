import { afterAll, describe, expect, it } from 'vitest';
import { KernelArena } from '../../../src/kernels/index.js';
import { BatchEncoder } from '../../../src/store/quantization/batch-encoder.js';
import { EncodePool, Encoder, sharedFloats } from '../../../src/store/quantization/encode-pool.js';
import { IvfPqIndex } from '../../../src/store/quantization/ivf.js';
import { seededRandom } from '../../../src/internal/random.js';
import { NearestCentroids, sampleIndices, trainKMeans } from '../../../src/store/quantization/kmeans.js';
import { ProductQuantizer } from '../../../src/store/quantization/pq.js';
import { AbortError } from '../../../src/index.js';
import { clusteredData } from './data.js';

const random = (n: number, seed: number): Float32Array => {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => r() - 0.5);
};

describe('batched nearest-centroid kernel', () => {
  it('finds the nearest centroid in dot-product form, the same in WASM and JS, whatever the batch', () => {
    // dim 37 and k 70 exercise the tails (dim % 4, k % 4), an odd point count and more than one centroid tile.
    const dim = 37, k = 70, n = 301;
    const p = random(n * dim, 1), c = random(k * dim, 2);
    const results: { idx: Int32Array; part: Float32Array }[] = [];
    for (const backend of ['wasm', 'js'] as const) {
      const arena = new KernelArena({ backend, initialBytes: 1 << 20 });
      const stride = Math.ceil((dim * 4) / 16) * 16;
      const pts = arena.alloc(n * stride), cents = arena.alloc(k * stride), norms = arena.alloc(k * 4);
      const idx = arena.alloc(n * 4), dist = arena.alloc(n * 4);
      const f = arena.views.f32;
      for (let i = 0; i < n; i++) f.set(p.subarray(i * dim, (i + 1) * dim), (pts + i * stride) / 4);
      // Garbage past each point's dim must not leak in (the kernel masks the last chunk).
      for (let i = 0; i < n; i++) f.fill(Number.NaN, (pts + i * stride) / 4 + dim, (pts + (i + 1) * stride) / 4);
      for (let j = 0; j < k; j++) {
        f.set(c.subarray(j * dim, (j + 1) * dim), (cents + j * stride) / 4);
        f[norms / 4 + j] = c.subarray(j * dim, (j + 1) * dim).reduce((s, x) => s + x * x, 0);
      }
      arena.kernels.l2ArgminF32(pts, stride, n, cents, stride, k, dim, norms, idx, dist);
      const got = { idx: arena.views.i32.slice(idx / 4, idx / 4 + n), part: f.slice(dist / 4, dist / 4 + n) };
      results.push(got);
      for (let i = 0; i < n; i++) {
        const exact = Array.from({ length: k }, (_, j) => {
          let s = 0;
          for (let t = 0; t < dim; t++) s += (p[i * dim + t] - c[j * dim + t]) ** 2;
          return s;
        });
        const min = Math.min(...exact);
        // The chosen centroid is the nearest up to float32 rounding of the dot-product form.
        expect(exact[got.idx[i]] - min).toBeLessThan(1e-5 * Math.max(1, min));
        let pn = 0;
        for (let t = 0; t < dim; t++) pn += p[i * dim + t] ** 2;
        expect(pn + got.part[i]).toBeCloseTo(exact[got.idx[i]], 4);
        // One point alone (and a batch starting at it) gives the same bits as inside the big batch.
        for (const count of [1, 2, 3]) {
          if (i + count > n) continue;
          arena.kernels.l2ArgminF32(pts + i * stride, stride, count, cents, stride, k, dim, norms, idx, dist);
          expect(arena.views.i32[idx / 4]).toBe(got.idx[i]);
          expect(f[dist / 4]).toBe(got.part[i]);
        }
      }
    }
    expect(results[1].idx).toEqual(results[0].idx);
    expect(results[1].part).toEqual(results[0].part);
  });
});

describe('EncodePool (worker-thread assignment and PQ encoding)', () => {
  const pool = new EncodePool(2);
  afterAll(() => pool.close());

  it('gives bit-identical cells, distances and codes to the calling-thread path, and to one-vector encoding', async () => {
    const dim = 48, k = 37, m = 6, n = 3000;
    const centroids = random(k * dim, 3);
    const pq = await ProductQuantizer.train(random(2000 * dim, 4), dim, { m, iterations: 3 });
    const points = sharedFloats(n * dim);
    points.set(random(n * dim, 5));
    const model = { centroids, k, dim, m, codebooks: pq.codebooks };
    const outs = [0, 1].map(() => ({ cells: new Int32Array(n), dists: new Float32Array(n), codes: new Uint8Array(n * m) }));
    await new Encoder({ ...model }, pool).run(points, n, outs[0]);
    await new Encoder({ ...model }).run(points, n, outs[1]);
    expect(outs[0].cells).toEqual(outs[1].cells);
    expect(outs[0].dists).toEqual(outs[1].dists);
    expect(outs[0].codes).toEqual(outs[1].codes);
    // The one-vector path (NearestCentroids + ProductQuantizer.encode) agrees.
    const nearest = new NearestCentroids(centroids, k, dim);
    const code = new Uint8Array(m);
    for (let i = 0; i < n; i += 97) {
      const v = points.subarray(i * dim, (i + 1) * dim);
      const [c, d] = nearest.nearest(v);
      expect(outs[0].cells[i]).toBe(c);
      expect(outs[0].dists[i]).toBe(d);
      pq.encode(v.map((x, j) => x - centroids[c * dim + j]), code);
      expect(Array.from(outs[0].codes.subarray(i * m, (i + 1) * m))).toEqual(Array.from(code));
    }
    // A non-shared input is copied in, with the same result.
    const copy = { cells: new Int32Array(n), dists: new Float32Array(n) };
    await new Encoder({ centroids, k, dim }, pool).run(Float32Array.from(points), n, copy);
    expect(copy.cells).toEqual(outs[0].cells);
  });

  it('trains the same IVF-PQ index on 2 threads as on 1, and addBatch equals add in order', async () => {
    const dim = 32, n = 4000;
    const data = clusteredData(n, dim, 20, 0.05, 7);
    const opts = { nlist: 24, m: 8, metric: 'dot' as const, iterations: 4, seed: 3 };
    const one = await IvfPqIndex.train(data, dim, { ...opts, threads: 1 });
    const two = await IvfPqIndex.train(data, dim, { ...opts, pool });
    expect(Buffer.from(two.serialize()).equals(Buffer.from(one.serialize()))).toBe(true);
    for (let i = 0; i < n; i++) one.add(i, data.subarray(i * dim, (i + 1) * dim));
    await two.addBatch(Uint32Array.from({ length: n }, (_, i) => i), data, { pool });
    expect(Buffer.from(two.serialize()).equals(Buffer.from(one.serialize()))).toBe(true);
    expect(two.drift()).toBeCloseTo(one.drift(), 12);
  });

  it('stops on abort', async () => {
    const c = new AbortController();
    c.abort();
    const dim = 8;
    await expect(new Encoder({ centroids: random(4 * dim, 1), k: 4, dim }, pool)
      .run(random(100 * dim, 2), 100, { cells: new Int32Array(100), dists: new Float32Array(100) }, c.signal))
      .rejects.toBeInstanceOf(AbortError);
  });
});

describe('sampled k-means training', () => {
  it('reads only the sampled points: changing any other point leaves the centroids unchanged', async () => {
    const dim = 16, n = 2000, k = 8, maxSamples = 256, seed = 11;
    const data = clusteredData(n, dim, 8, 0.05, 5);
    const base = await trainKMeans(data, dim, { k, maxSamples, seed, iterations: 6 });
    // trainKMeans draws its sample first from the seeded generator, as here.
    const sample = new Set(sampleIndices(n, maxSamples, seededRandom(seed)));
    const poisoned = Float32Array.from(data);
    for (let i = 0; i < n; i++) if (!sample.has(i)) poisoned.fill(1e6, i * dim, (i + 1) * dim);
    const again = await trainKMeans(poisoned, dim, { k, maxSamples, seed, iterations: 6 });
    expect(again.centroids).toEqual(base.centroids);
    // And the sample is what it trains on: poisoning a sampled point changes the result.
    const first = sample.values().next().value!;
    poisoned.fill(1e6, first * dim, (first + 1) * dim);
    const changed = await trainKMeans(poisoned, dim, { k, maxSamples, seed, iterations: 6 });
    expect(changed.centroids).not.toEqual(base.centroids);
  });

  it('is deterministic across thread counts', async () => {
    const dim = 24, n = 3000;
    const data = clusteredData(n, dim, 10, 0.1, 9);
    const pool = new EncodePool(2);
    try {
      const a = await trainKMeans(data, dim, { k: 20, seed: 4, iterations: 5, maxSamples: 1500 });
      const b = await trainKMeans(data, dim, { k: 20, seed: 4, iterations: 5, maxSamples: 1500, pool });
      expect(b.centroids).toEqual(a.centroids);
      expect(b.inertia).toBe(a.inertia);
    } finally {
      await pool.close();
    }
  });
});

describe('BatchEncoder', () => {
  it('encodes a range into an offset of the output', () => {
    const dim = 8, k = 5;
    const enc = new BatchEncoder({ centroids: random(k * dim, 1), k, dim });
    const pts = random(10 * dim, 2);
    const all = { cells: new Int32Array(10), dists: new Float32Array(10) };
    enc.encode(pts, 0, 10, all);
    const part = { cells: new Int32Array(10).fill(-1), dists: new Float32Array(10) };
    enc.encode(pts, 4, 6, part, 4);
    expect(Array.from(part.cells.subarray(4))).toEqual(Array.from(all.cells.subarray(4)));
    expect(part.cells[0]).toBe(-1);
  });
});
