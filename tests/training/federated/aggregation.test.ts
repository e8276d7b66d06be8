// FedAvg arithmetic on a hand-computed case, the binary frame codec, and secure aggregation: masked sums equal plain
// FedAvg to within quantisation error, masks cancel exactly, and one masked upload looks like noise.
import { describe, expect, it } from 'vitest';
import { applyMasks, generateMaskKeys, maskScale, type MaskParticipant, quantize, RingSum } from '../../../src/training/federated/masking.js';
import { decodeFrame, encodeFrame } from '../../../src/training/federated/frame.js';
import { FedAvgAccumulator } from '../../../src/training/federated/fedavg.js';
import { flatten, layoutOf, unflatten } from '../../../src/training/federated/params.js';
import { InvalidUpdateError } from '../../../src/core/errors.js';
import { rng } from '../../store/helpers.js';


describe('FedAvg', () => {
  it('weights deltas by sample count (hand-computed)', () => {
    // Clients with 1, 2 and 5 samples: mean = (1·[1,0,-2] + 2·[4,1,0] + 5·[0,-1,2]) / 8 = [9/8, -3/8, 8/8].
    const acc = new FedAvgAccumulator(3);
    acc.add(Float32Array.of(1, 0, -2), 1);
    acc.add(Float32Array.of(4, 1, 0), 2);
    acc.add(Float32Array.of(0, -1, 2), 5);
    expect(acc.totalWeight).toBe(8);
    expect([...acc.mean()]).toEqual([9 / 8, -3 / 8, 1]);
  });

  it('refuses a delta of another length', () => {
    const acc = new FedAvgAccumulator(3);
    expect(() => acc.add(new Float32Array(2), 1)).toThrow(/expected 3/);
  });
});

describe('frames', () => {
  it('round-trips float32 and uint32 payloads bit-exactly and detects damage', () => {
    const f = Float32Array.of(1.5, -0, Number.MIN_VALUE, 3.4e38, -7);
    const back = decodeFrame<{ round: number }>(encodeFrame({ round: 4 }, f));
    expect(back.header.round).toBe(4);
    expect(back.values).toBeInstanceOf(Float32Array);
    expect(Buffer.from(back.values.buffer).equals(Buffer.from(f.buffer))).toBe(true);
    const u = Uint32Array.of(0, 1, 0xffffffff);
    expect([...decodeFrame(encodeFrame({}, u)).values]).toEqual([0, 1, 0xffffffff]);
    const bytes = encodeFrame({ round: 1 }, f);
    bytes[bytes.length - 9] ^= 0x10;
    expect(() => decodeFrame(bytes)).toThrow(InvalidUpdateError);
    expect(() => decodeFrame(bytes.subarray(0, 30))).toThrow(/length|truncated/);
    expect(() => decodeFrame(Buffer.from('not a frame at all, really'))).toThrow(/magic/);
  });

  it('flattens and splits named tensors in layout order', () => {
    const p = { w: Float32Array.of(1, 2, 3), b: Float32Array.of(9) };
    const layout = layoutOf(p);
    expect([...flatten(p, layout)]).toEqual([1, 2, 3, 9]);
    expect(unflatten(Float32Array.of(4, 5, 6, 7), layout)).toEqual({ w: Float32Array.of(4, 5, 6), b: Float32Array.of(7) });
    expect(() => flatten({ w: new Float32Array(2), b: new Float32Array(1) }, layout)).toThrow(InvalidUpdateError);
  });
});

function participants(n: number, samples: number[]): { ids: string[]; keys: ReturnType<typeof generateMaskKeys>[]; list: MaskParticipant[] } {
  const ids = Array.from({ length: n }, (_, i) => `site-${i}`);
  const keys = ids.map(() => generateMaskKeys());
  return { ids, keys, list: ids.map((id, i) => ({ id, publicKey: keys[i].publicKey, samples: samples[i] })) };
}

describe('secure aggregation', () => {
  const ctx = { session: 's1', round: 3, attempt: 0 };
  const size = 2000;
  const clip = 4;

  it('the masked ring sum equals plain FedAvg to within quantisation error', () => {
    const samples = [10, 250, 33, 7, 1200];
    const r = rng(1);
    const deltas = samples.map(() => Float32Array.from({ length: size }, () => (r() - 0.5) * 0.2));
    const plain = new FedAvgAccumulator(size);
    deltas.forEach((d, i) => plain.add(d, samples[i]));
    const expected = plain.mean();

    const { ids, keys, list } = participants(samples.length, samples);
    const total = samples.reduce((a, b) => a + b, 0);
    const scale = maskScale(clip, total, samples.length);
    const ring = new RingSum(size);
    for (let i = 0; i < ids.length; i++) {
      const { values } = quantize(deltas[i], samples[i], scale, clip);
      ring.add(applyMasks(values, ids[i], keys[i].privateKey, list, ctx));
    }
    const got = ring.decode(scale, total);
    // Each client rounds by at most ½ a unit: the mean is off by at most n/2 units of 1/(scale·total).
    const bound = (samples.length / 2) / (scale * total) + 1e-7;
    let worst = 0;
    for (let i = 0; i < size; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
    expect(worst).toBeLessThanOrEqual(bound);
    expect(worst).toBeLessThan(1e-6);
  });

  it('masks cancel exactly: the ring sum of masked updates equals the ring sum of unmasked ones', () => {
    const samples = [3, 4, 5];
    const r = rng(2);
    const { ids, keys, list } = participants(3, samples);
    const scale = maskScale(clip, 12, 3);
    const masked = new RingSum(size);
    const clear = new RingSum(size);
    for (let i = 0; i < 3; i++) {
      const d = Float32Array.from({ length: size }, () => r() - 0.5);
      clear.add(quantize(d, samples[i], scale, clip).values);
      masked.add(applyMasks(quantize(d, samples[i], scale, clip).values, ids[i], keys[i].privateKey, list, ctx));
    }
    expect(masked.decode(1, 1)).toEqual(clear.decode(1, 1));
  });

  it('one masked upload looks like uniform noise and is uncorrelated with the delta', () => {
    const samples = [100, 100, 100];
    const { ids, keys, list } = participants(3, samples);
    const scale = maskScale(clip, 300, 3);
    // A very structured delta: a ramp.
    const d = Float32Array.from({ length: size }, (_, i) => (i / size) - 0.5);
    const q = quantize(d, 100, scale, clip).values;
    const up = applyMasks(Uint32Array.from(q), ids[0], keys[0].privateKey, list, ctx);
    // Uniform on [0, 2^32): mean ≈ 2^31 (sd of the mean ≈ 2^32/√(12·2000) ≈ 2.8e7), each bit set about half the time.
    const mean = up.reduce((a, b) => a + b, 0) / size;
    expect(Math.abs(mean - 2 ** 31)).toBeLessThan(6 * 2 ** 32 / Math.sqrt(12 * size));
    for (const bit of [0, 7, 15, 31]) {
      let ones = 0;
      for (const v of up) ones += (v >>> bit) & 1;
      expect(Math.abs(ones - size / 2)).toBeLessThan(6 * Math.sqrt(size / 4));
    }
    // Pearson correlation between the upload (as unsigned) and the ramp: ~0 (|r| < 6/√n).
    const mx = (size - 1) / 2;
    let sxy = 0; let sxx = 0; let syy = 0;
    for (let i = 0; i < size; i++) {
      sxy += (i - mx) * (up[i] - mean);
      sxx += (i - mx) ** 2;
      syy += (up[i] - mean) ** 2;
    }
    expect(Math.abs(sxy / Math.sqrt(sxx * syy))).toBeLessThan(6 / Math.sqrt(size));
    // Whereas the unmasked update is the ramp itself (correlation ~1 as signed values).
    let sq = 0; let sqq = 0;
    for (let i = 0; i < size; i++) {
      const v = q[i] | 0;
      sq += (i - mx) * v;
      sqq += v * v;
    }
    expect(sq / Math.sqrt(sxx * sqq)).toBeGreaterThan(0.99);
  });

  it('a missing participant leaves the sum masked (why a dropped client fails the attempt)', () => {
    const samples = [5, 5, 5];
    const { ids, keys, list } = participants(3, samples);
    const scale = maskScale(clip, 15, 3);
    const d = new Float32Array(size).fill(0.01);
    const ring = new RingSum(size);
    for (let i = 0; i < 2; i++) ring.add(applyMasks(quantize(d, 5, scale, clip).values, ids[i], keys[i].privateKey, list, ctx));
    const got = ring.decode(scale, 10);
    const off = got.filter((v) => Math.abs(v - 0.01) > 0.001).length;
    expect(off).toBeGreaterThan(size * 0.99);
  });

  it('values past the clip bound are clamped and counted', () => {
    const { clipped, values } = quantize(Float32Array.of(0.5, 9, -9), 1, 1000, 4);
    expect(clipped).toBe(2);
    expect([values[1] | 0, values[2] | 0]).toEqual([4000, -4000]);
  });
});
