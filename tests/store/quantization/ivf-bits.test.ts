import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptDataError, UnsupportedError, ValidationError } from '../../../src/index.js';
import { seededRandom } from '../../../src/internal/random.js';
import { BF16_REL, bf16Table, toBf16, toBf16Up } from '../../../src/store/quantization/bfloat16.js';
import { IvfBitsIndex } from '../../../src/store/quantization/ivf-bits.js';
import {
  encodeRotated, estimateDot, packCodes, quantizeQuery, quantizeUnit, unpackCodes, type RabitqBits,
} from '../../../src/store/quantization/rabitq.js';
import { Rotation, paddedDim, randomOrthogonal } from '../../../src/store/quantization/rotation.js';
import { KernelArena } from '../../../src/kernels/index.js';
import { clusteredData, exactTopK } from './data.js';
import { checkPredicateRemovalReplacement } from './index-checks.js';

const gaussian = (rnd: () => number) => (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());

describe('random rotation', () => {
  it('is orthonormal, seeded, and round-trips; a newer rotation kind is refused', () => {
    const p = 128;
    const m = randomOrthogonal(p, 3);
    for (const [i, j] of [[0, 0], [0, 1], [5, 77], [127, 127], [64, 3]]) {
      let d = 0;
      for (let x = 0; x < p; x++) d += m[i * p + x] * m[j * p + x];
      expect(d).toBeCloseTo(i === j ? 1 : 0, 5);
    }
    expect(randomOrthogonal(p, 3)).toEqual(m);
    expect(randomOrthogonal(p, 4)).not.toEqual(m);
    const r = Rotation.create(100, 9);
    expect(r.padded).toBe(128);
    const v = new Float32Array(100).map(gaussian(seededRandom(1)));
    const out = new Float32Array(128);
    r.rotate(v, out);
    const n2 = (a: Float32Array): number => a.reduce((s, x) => s + x * x, 0);
    expect(n2(out)).toBeCloseTo(n2(v), 3); // norms survive
    const bytes = r.serialize();
    expect(Rotation.deserialize(bytes).matrix).toEqual(r.matrix);
    const newer = bytes.slice();
    newer[0] = 2;
    expect(() => Rotation.deserialize(newer)).toThrow(UnsupportedError);
    expect(() => Rotation.deserialize(bytes.subarray(0, 100))).toThrow(CorruptDataError);
  });
});

describe('RaBitQ codes', () => {
  it('pack and unpack in the kernel layout', () => {
    for (const bits of [1, 2, 4] as const) {
      const u = Uint8Array.from({ length: 256 }, (_, i) => (i * 7 + 3) % (1 << bits));
      const bytes = new Uint8Array(256 * bits / 8 + 5);
      packCodes(u, bits, bytes, 5);
      expect(unpackCodes(bytes, 5, bits, 256)).toEqual(u);
    }
  });

  it('multi-bit codes are closer in angle than fewer bits, and 1 bit is the sign code', () => {
    const rnd = gaussian(seededRandom(5));
    const D = 384;
    const o = new Float32Array(D).map(rnd);
    const n = Math.hypot(...o);
    for (let i = 0; i < D; i++) o[i] /= n;
    const u = new Uint8Array(D);
    const ips = ([1, 2, 4] as const).map((b) => quantizeUnit(o, b, u).ip);
    quantizeUnit(o, 1, u);
    for (let i = 0; i < D; i++) expect(u[i]).toBe(o[i] >= 0 ? 1 : 0);
    // Expected cosines: ~0.80 (1 bit), ~0.94 (2), ~0.99 (4) for Gaussian directions.
    expect(ips[0]).toBeGreaterThan(0.76);
    expect(ips[1]).toBeGreaterThan(Math.max(ips[0], 0.92));
    expect(ips[2]).toBeGreaterThan(Math.max(ips[1], 0.98));
  });

  for (const bits of [1, 2, 4] as RabitqBits[]) {
    it(`${bits}-bit estimator is unbiased and stays inside its error bound`, () => {
      // One fixed data residual, many random queries: mean error ≈ 0 (t-test) and |error| ≤ ε0·‖y‖·err almost always.
      const D = 256;
      const rnd = gaussian(seededRandom(40 + bits));
      const rotation = Rotation.create(D, 11);
      const arena = new KernelArena({ initialBytes: 1 << 16 });
      const codes = arena.alloc(D);
      const q = arena.alloc(D);
      const out = arena.alloc(16);
      const r = new Float32Array(D).map(rnd);
      const rot = new Float32Array(D);
      rotation.rotate(r, rot);
      const rotCopy = rot.slice();
      const packed = new Uint8Array(D * bits / 8);
      const f = encodeRotated(rot, bits, packed, 0);
      arena.views.u8.set(packed, codes);
      const random = seededRandom(77);
      const trials = 400;
      let sum = 0, sum2 = 0, outside = 0, outside3 = 0;
      for (let t = 0; t < trials; t++) {
        const y = new Float32Array(D).map(rnd);
        let truth = 0;
        for (let i = 0; i < D; i++) truth += rotCopy[i] * y[i];
        const qq = quantizeQuery(y, bits, new Uint8Array(arena.memory.buffer, q, D), random);
        if (bits === 1) arena.kernels.andPop4Block(q, codes, D / 8, 1, D, out);
        else arena.kernels.bitsDotI8Block(q, codes, D * bits / 8, 1, D, bits, out);
        const est = estimateDot(arena.views.i32[out >>> 2], qq, bits, f.scale);
        const err = est - truth;
        sum += err;
        sum2 += err * err;
        if (Math.abs(err) > 1.9 * qq.norm * f.err) outside++;
        if (Math.abs(err) > 3 * qq.norm * f.err) outside3++;
      }
      const mean = sum / trials;
      const sd = Math.sqrt(sum2 / trials - mean * mean);
      expect(Math.abs(mean)).toBeLessThan(4 * sd / Math.sqrt(trials)); // unbiased (4 standard errors)
      // The error is close to normal with σ = ‖y‖·err: outside ε0 = 1.9 about 6% of the time, outside 3 about 0.3%.
      expect(outside / trials).toBeLessThan(0.1);
      expect(outside3 / trials).toBeLessThan(0.015);
      // More bits, tighter estimate: the bound's width shrinks with the code's cosine.
      expect(f.err).toBeLessThan(Math.hypot(...rotCopy) * [0.06, 0.03, 0.01][[1, 2, 4].indexOf(bits)]);
    });
  }
});

describe('bit-code kernels: WebAssembly SIMD equals the JS reference', () => {
  it('bitsDotI8Block, andPop4Block and hammingBlock agree on random rows', () => {
    const wasm = new KernelArena({ initialBytes: 1 << 16, backend: 'wasm' });
    const js = new KernelArena({ initialBytes: 1 << 16, backend: 'js' });
    expect(wasm.kernels.impl.bitsDotI8Block).toBe('wasm-simd');
    expect(js.kernels.impl.hammingBlock).toBe('js');
    const rnd = seededRandom(123);
    for (const dim of [128, 384, 768]) {
      const n = 9;
      const rows = Uint8Array.from({ length: n * dim / 2 + 16 }, () => Math.floor(rnd() * 256));
      const query = Int8Array.from({ length: dim }, () => Math.floor(rnd() * 255) - 127);
      const results = [wasm, js].map((a) => {
        const r = a.alloc(rows.length), qb = a.alloc(dim), o = a.alloc(n * 4);
        a.views.u8.set(rows, r);
        a.views.i8.set(query, qb);
        const got: number[] = [];
        for (const bits of [1, 2, 4]) {
          a.kernels.bitsDotI8Block(qb, r, dim * bits / 8, n, dim, bits, o);
          got.push(...a.views.i32.subarray(o >>> 2, (o >>> 2) + n));
        }
        a.kernels.andPop4Block(qb, r, dim / 8, n, dim, o);
        got.push(...a.views.i32.subarray(o >>> 2, (o >>> 2) + n));
        a.kernels.hammingBlock(qb, r, dim / 8, n, dim, o);
        got.push(...a.views.i32.subarray(o >>> 2, (o >>> 2) + n));
        return got;
      });
      expect(results[0]).toEqual(results[1]);
      // And the JS reference against the definition, for one row of 2-bit codes and the Hamming distance.
      const u = unpackCodes(rows, 0, 2, dim);
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += u[i] * query[i];
      expect(results[1][n]).toBe(dot);
      let ham = 0;
      for (let b = 0; b < dim / 8; b++) for (let x = rows[b] ^ (query[b] & 255); x; x &= x - 1) ham++;
      expect(results[1][4 * n]).toBe(ham);
    }
  });
});

describe('IvfBitsIndex', () => {
  const dim = 384;
  const n = 6000;
  const data = clusteredData(n, dim, 60, 0.035, 21);
  const queries = clusteredData(40, dim, 60, 0.035, 22);
  let current: Float32Array = new Float32Array(dim);
  const exact = (slots: Uint32Array): Float32Array => Float32Array.from(slots, (s) => {
    let v = 0;
    for (let j = 0; j < dim; j++) v += data[s * dim + j] * current[j];
    return v;
  });
  const truths = Array.from({ length: 40 }, (_, q) => new Set(exactTopK(data, dim, queries.subarray(q * dim, (q + 1) * dim), 10)));

  async function built(kind: 'rabitq' | 'binary', bits: RabitqBits, metric: 'dot' | 'l2'): Promise<IvfBitsIndex> {
    const index = await IvfBitsIndex.train(data.subarray(0, 3000 * dim), dim, { nlist: 64, metric, kind, bits, iterations: 8 });
    await index.addBatch(Uint32Array.from({ length: n }, (_, i) => i), data);
    return index;
  }

  function recall(index: IvfBitsIndex, nprobe: number, rerank?: number): { recall: number; reranked: number } {
    let hits = 0, reranked = 0;
    for (let q = 0; q < 40; q++) {
      current = queries.subarray(q * dim, (q + 1) * dim);
      const { slots, scores } = index.search(current, { k: 10, nprobe, rerank, exactScores: exact });
      reranked += index.lastReranked;
      for (const s of slots) if (truths[q].has(s)) hits++;
      for (let i = 1; i < scores.length; i++) expect(scores[i - 1]).toBeGreaterThanOrEqual(scores[i]);
    }
    return { recall: hits / 400, reranked: reranked / 40 };
  }

  for (const bits of [1, 2, 4] as RabitqBits[]) {
    it(`RaBitQ ${bits}-bit reaches recall@10 >= ${bits === 1 ? 0.96 : 0.98} re-ranking only what the bound cannot exclude`, async () => {
      const index = await built('rabitq', bits, 'dot');
      expect(index.size).toBe(n);
      // Every cell scanned (6,000 candidates), so recall measures the codes and the bound, not the cells.
      const r = recall(index, 64);
      expect(r.recall).toBeGreaterThanOrEqual(bits === 1 ? 0.96 : 0.98);
      // The bound excludes most candidates; more bits, fewer re-ranked (measured: ~170, ~58, ~18).
      expect(r.reranked).toBeLessThan([400, 120, 40][[1, 2, 4].indexOf(bits)]);
      // 16 of 64 cells: the cells bound recall (~0.95 here), the codes do not lower it further.
      expect(recall(index, 16).recall).toBeGreaterThanOrEqual(0.9);
      // Once trimmed the index holds its layout's bytes per vector plus a fixed part (see the bytes/vector test).
      index.trim();
      const perVector = (index.memoryBytes - index.centroids.byteLength - index.rotation!.bytes) / n;
      expect(perVector).toBeGreaterThanOrEqual(index.bytesPerVector);
      expect(perVector).toBeLessThan(index.bytesPerVector + 80);
      expect(recall(index, 64).recall).toBeGreaterThanOrEqual(bits === 1 ? 0.96 : 0.98);
    });
  }

  it('RaBitQ with the l2 metric matches exact search as well', async () => {
    const index = await built('rabitq', 2, 'l2');
    let hits = 0;
    for (let q = 0; q < 20; q++) {
      const qv = queries.subarray(q * dim, (q + 1) * dim);
      const l2exact = (slots: Uint32Array): Float32Array => Float32Array.from(slots, (s) => {
        let v = 0;
        for (let j = 0; j < dim; j++) v += (data[s * dim + j] - qv[j]) ** 2;
        return -v;
      });
      for (const s of index.search(qv, { k: 10, nprobe: 64, exactScores: l2exact }).slots) if (truths[q].has(s)) hits++;
    }
    expect(hits / 200).toBeGreaterThanOrEqual(0.97);
  });

  it('binary codes rank by Hamming distance and re-rank the best `rerank`', async () => {
    const index = await built('binary', 1, 'dot');
    expect(index.codeBytes).toBe(48);
    const shallow = recall(index, 16, 20).recall;
    const deep = recall(index, 16, 400).recall;
    expect(deep).toBeGreaterThan(shallow);
    // Signs of raw vectors barely separate points of one cluster in this data (the cluster centre fixes most
    // signs); models trained for binary retrieval do better. The floor only guards against a broken scan.
    expect(deep).toBeGreaterThanOrEqual(0.75);
  });

  it('honours the predicate, removal and replacement, round-trips, and refuses damaged or newer bytes', async () => {
    const small = data.subarray(0, 1000 * dim);
    const index = await IvfBitsIndex.train(small, dim, { nlist: 16, metric: 'l2', kind: 'rabitq', bits: 4, iterations: 5 });
    const q = checkPredicateRemovalReplacement(index, small, dim);
    const bytes = index.serialize();
    const back = IvfBitsIndex.deserialize(bytes);
    expect(back.size).toBe(999);
    const a = index.search(q, { k: 10, nprobe: 4 });
    const b = back.search(q, { k: 10, nprobe: 4 });
    expect(Array.from(b.slots)).toEqual(Array.from(a.slots));
    expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
    expect(() => IvfBitsIndex.deserialize(bytes.subarray(0, bytes.length - 1))).toThrow(CorruptDataError);
    const newer = bytes.slice();
    newer[4] = 3; // body version 3
    expect(() => IvfBitsIndex.deserialize(newer)).toThrow(UnsupportedError);
    await expect(IvfBitsIndex.train(small.subarray(0, 10 * dim), dim, { nlist: 16, metric: 'dot', kind: 'rabitq' })).rejects.toBeInstanceOf(ValidationError);
    await expect(IvfBitsIndex.train(small, dim, { nlist: 16, metric: 'dot', kind: 'rabitq', bits: 3 as RabitqBits })).rejects.toBeInstanceOf(ValidationError);
    expect(paddedDim(384)).toBe(384);
  });
});

describe('IvfBitsIndex memory layout', () => {
  const dim = 384;
  const n = 4000;
  const data = clusteredData(n, dim, 40, 0.035, 41);

  it('holds code + u32 slot + bfloat16 factors (+ f32 term for l2) + u16 slot-map entry per vector once trimmed', async () => {
    // 48-byte 1-bit codes at 384-d: the same code bytes as IVF-PQ with m = 48.
    const cases = [
      { kind: 'rabitq', bits: 1, metric: 'dot', per: 48 + 4 + 4 + 2 },
      { kind: 'rabitq', bits: 2, metric: 'dot', per: 96 + 4 + 4 + 2 },
      { kind: 'rabitq', bits: 4, metric: 'dot', per: 192 + 4 + 4 + 2 },
      { kind: 'rabitq', bits: 1, metric: 'l2', per: 48 + 4 + 8 + 2 },
      { kind: 'binary', bits: 1, metric: 'dot', per: 48 + 4 + 2 },
    ] as const;
    for (const c of cases) {
      const index = await IvfBitsIndex.train(data.subarray(0, 2000 * dim), dim, { nlist: 32, metric: c.metric, kind: c.kind, bits: c.bits, iterations: 4 });
      expect(index.bytesPerVector).toBe(c.per);
      await index.addBatch(Uint32Array.from({ length: n }, (_, i) => i), data);
      const fixed = index.centroids.byteLength + (index.rotation?.bytes ?? 0);
      const grown = index.memoryBytes;
      index.trim();
      const trimmed = index.memoryBytes;
      expect(trimmed).toBeLessThan(grown);
      // Arena scratch and headroom: 2 x 64 KiB, the query, the longest list's output, 16-byte alignment per list,
      // and the arena's 64 KiB page rounding.
      const arenaExtra = 3 * 65536 + dim + 4 * n + 32 * 32;
      expect(trimmed - fixed).toBeGreaterThanOrEqual(n * c.per);
      expect(trimmed - fixed).toBeLessThanOrEqual(n * c.per + arenaExtra);
      // Loading lands at the same layout.
      const back = IvfBitsIndex.deserialize(index.serialize());
      expect(back.memoryBytes - fixed).toBeLessThanOrEqual(n * c.per + arenaExtra);
      // An append after trimming grows one list by a quarter, not the index by half.
      index.add(n, data.subarray(0, dim));
      expect(index.memoryBytes - trimmed).toBeLessThan(0.01 * trimmed);
    }
  });
});

describe('IvfBitsIndex section version 1 (three float32 factors per vector)', () => {
  // Written by the version-1 writer (this repository before bfloat16 factors): 600 x 64-d clustered vectors
  // (clusteredData(600, 64, 12, 0.05, 31)), 8 cells, l2 2-bit and dot 1-bit.
  const dim = 64;
  const n = 600;
  const data = clusteredData(n, dim, 12, 0.05, 31);
  const queries = clusteredData(20, dim, 12, 0.05, 32);
  for (const [name, metric] of [['l2-2bit', 'l2'], ['dot-1bit', 'dot']] as const) {
    it(`loads ${name} and finds the top 10 through the bound-driven re-rank`, () => {
      const bytes = new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures', `ivf-bits-v1-${name}.bin`)));
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)).toBe(1);
      const index = IvfBitsIndex.deserialize(bytes);
      expect(index.size).toBe(n);
      expect(index.metric).toBe(metric);
      let hits = 0;
      for (let q = 0; q < 20; q++) {
        const qv = queries.subarray(q * dim, (q + 1) * dim);
        const score = (s: number): number => {
          let v = 0;
          for (let j = 0; j < dim; j++) v += metric === 'l2' ? -((data[s * dim + j] - qv[j]) ** 2) : data[s * dim + j] * qv[j];
          return v;
        };
        const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => score(b) - score(a)).slice(0, 10);
        const got = index.search(qv, { k: 10, nprobe: 8, exactScores: (slots) => Float32Array.from(slots, score) });
        for (const s of got.slots) if (want.includes(s)) hits++;
      }
      // ε0 = 1.9 bounds each estimate ~94% of the time, so a true neighbour is missed now and then.
      expect(hits / 200).toBeGreaterThanOrEqual(0.95);
      // Written back as version 2, it reads back the same.
      const v2 = index.serialize();
      expect(new DataView(v2.buffer).getUint32(4, true)).toBe(2);
      expect(v2.length).toBeLessThan(bytes.length);
      expect(IvfBitsIndex.deserialize(v2).size).toBe(n);
      // A damaged version-1 factor is refused.
      const bad = bytes.slice();
      const view = new DataView(bad.buffer);
      const lists = 36 + 8 * dim * 4 + 4 + view.getUint32(36 + 8 * dim * 4, true); // header, centroids, rotation
      const len = view.getUint32(lists, true);
      expect(len).toBeGreaterThan(0);
      bad.fill(0xff, lists + 4 + len * 4, lists + 4 + len * 4 + 4); // the first vector's scale: a NaN
      expect(() => IvfBitsIndex.deserialize(bad)).toThrow(CorruptDataError);
    });
  }
});

describe('bfloat16 factors', () => {
  it('round to nearest within BF16_REL, round up never below, and decode through the table', () => {
    const rnd = seededRandom(3);
    const table = bf16Table();
    for (let i = 0; i < 2000; i++) {
      const x = Math.fround((rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 6));
      expect(Math.abs(table[toBf16(x)] - x)).toBeLessThanOrEqual(BF16_REL * Math.abs(x));
      const up = table[toBf16Up(Math.abs(x))];
      expect(up).toBeGreaterThanOrEqual(Math.abs(x));
      expect(up - Math.abs(x)).toBeLessThanOrEqual(2 * BF16_REL * Math.abs(x));
    }
    expect(table[toBf16Up(0)]).toBe(0);
    expect(table[toBf16(1e5)]).toBeCloseTo(1e5, -3); // past float16's range
  });
});
