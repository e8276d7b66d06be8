import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/internal/random.js';
import { NearestCentroids, trainKMeans, sampleIndices } from '../../../src/store/quantization/kmeans.js';
import { ProductQuantizer, PQ_CENTROIDS } from '../../../src/store/quantization/pq.js';
import { AbortError, CorruptDataError, ValidationError } from '../../../src/index.js';
import { clusteredData } from './data.js';

describe('k-means', () => {
  it('is deterministic for a seed and separates clear clusters', async () => {
    const dim = 16;
    // Four far-apart blobs.
    const data = new Float32Array(400 * dim);
    const rnd = seededRandom(3);
    for (let i = 0; i < 400; i++) for (let j = 0; j < dim; j++) data[i * dim + j] = (j === i % 4 ? 10 : 0) + (rnd() - 0.5) * 0.1;
    const a = await trainKMeans(data, dim, { k: 4, seed: 5 });
    const b = await trainKMeans(data, dim, { k: 4, seed: 5 });
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    expect(a.inertia / 400).toBeLessThan(0.02);
    const nearest = new NearestCentroids(a.centroids, 4, dim);
    const owners = new Set<number>();
    for (let blob = 0; blob < 4; blob++) owners.add(nearest.nearest(data.subarray(blob * dim, (blob + 1) * dim))[0]);
    expect(owners.size).toBe(4);
  });
  it('repairs empty clusters and handles k = n, and JS and WASM kernels agree', async () => {
    const dim = 4;
    const data = new Float32Array(40 * dim).fill(1); // all points identical: every other cluster starts empty
    data.set([5, 5, 5, 5], 0);
    const r = await trainKMeans(data, dim, { k: 8, seed: 1 });
    expect(r.centroids.every(Number.isFinite)).toBe(true);
    const x = clusteredData(300, 8, 5, 0.2, 2);
    const w = await trainKMeans(x, 8, { k: 5, seed: 9, backend: 'wasm' });
    const j = await trainKMeans(x, 8, { k: 5, seed: 9, backend: 'js' });
    w.centroids.forEach((v, i) => expect(v).toBeCloseTo(j.centroids[i], 4));
    const all = await trainKMeans(x.subarray(0, 10 * 8), 8, { k: 10 });
    expect(all.inertia).toBeCloseTo(0, 6);
  });
  it('validates and aborts', async () => {
    await expect(trainKMeans(new Float32Array(10), 3, { k: 1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(trainKMeans(new Float32Array(12), 3, { k: 5 })).rejects.toBeInstanceOf(ValidationError);
    const c = new AbortController();
    c.abort();
    await expect(trainKMeans(new Float32Array(12), 3, { k: 2, signal: c.signal })).rejects.toBeInstanceOf(AbortError);
  });
  it('samples distinct sorted indices', () => {
    const s = sampleIndices(1000, 100, seededRandom(1));
    expect(new Set(s).size).toBe(100);
    expect(Array.from(s)).toEqual(Array.from(s).sort((a, b) => a - b));
  });
});

describe('ProductQuantizer', () => {
  const dim = 32;
  const data = clusteredData(2000, dim, 20, 0.3, 11);
  it('ADC tables reproduce exact dot and L2 against decoded vectors', async () => {
    const pq = await ProductQuantizer.train(data, dim, { m: 8, iterations: 8 });
    const codes = new Uint8Array(8);
    const q = data.subarray(5 * dim, 6 * dim);
    const dotT = pq.distanceTable(q, 'dot');
    const l2T = pq.distanceTable(q, 'l2');
    for (let i = 0; i < 50; i++) {
      pq.encode(data.subarray(i * dim, (i + 1) * dim), codes);
      const dec = pq.decode(codes, 0);
      let dot = 0; let l2 = 0; let adcDot = 0; let adcL2 = 0;
      for (let j = 0; j < dim; j++) { dot += q[j] * dec[j]; l2 += (q[j] - dec[j]) ** 2; }
      for (let j = 0; j < 8; j++) { adcDot += dotT[j * PQ_CENTROIDS + codes[j]]; adcL2 += l2T[j * PQ_CENTROIDS + codes[j]]; }
      expect(adcDot).toBeCloseTo(dot, 4);
      expect(adcL2).toBeCloseTo(l2, 4);
    }
  });
  it('encodes each sub-vector to its nearest sub-centroid, and approximates well', async () => {
    const pq = await ProductQuantizer.train(data, dim, { m: 4, iterations: 8 });
    const codes = new Uint8Array(4);
    let err = 0; let norm = 0;
    for (let i = 0; i < 200; i++) {
      const v = data.subarray(i * dim, (i + 1) * dim);
      pq.encode(v, codes);
      const dec = pq.decode(codes, 0);
      for (let j = 0; j < dim; j++) { err += (v[j] - dec[j]) ** 2; norm += v[j] ** 2; }
      // No other centroid of sub-space 0 is closer than the chosen one.
      const ds = pq.distanceTable(v, 'l2').subarray(0, PQ_CENTROIDS);
      expect(ds[codes[0]]).toBeCloseTo(Math.min(...ds), 5);
    }
    expect(err / norm).toBeLessThan(0.25);
  });
  it('round-trips and validates', async () => {
    const pq = await ProductQuantizer.train(data.subarray(0, 100 * dim), dim, { m: 4, iterations: 3 });
    const back = ProductQuantizer.deserialize(pq.serialize());
    expect(Array.from(back.codebooks)).toEqual(Array.from(pq.codebooks));
    expect(() => ProductQuantizer.deserialize(pq.serialize().subarray(0, 100))).toThrow(CorruptDataError);
    await expect(ProductQuantizer.train(data, dim, { m: 5 })).rejects.toBeInstanceOf(ValidationError);
  });
});
