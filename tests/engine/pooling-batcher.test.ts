import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { FeedBuffers, planPaddedBatches, resolveLimits } from '../../src/engine/batcher.js';
import { floatToHalf, halfToFloat } from '../../src/internal/float16.js';
import { l2NormalizeInPlace, poolRow, type RowSpans } from '../../src/engine/pooling.js';
import type { TokenizedTexts } from '../../src/engine/tokenizer.js';

describe('pooling', () => {
  // 2 rows x 4 positions x 2 dims; row 0 right-padded (3 real), row 1 left-padded (2 real at positions 2-3).
  const hidden = Float32Array.from([
    1, 10, 2, 20, 3, 30, 99, 99,
    99, 99, 99, 99, 5, -50, 7, 70,
  ]);
  const spans = { start: Int32Array.from([0, 2]), length: Int32Array.from([3, 2]) };
  const pool = (s: Parameters<typeof poolRow>[0], b: number, sp: RowSpans = spans) => {
    const out = new Float32Array(2);
    poolRow(s, hidden, b, 4, 2, sp, out);
    return Array.from(out);
  };

  it('mean, cls, max, lasttoken and mean_sqrt_len ignore padding on either side', () => {
    expect(pool('mean', 0)).toEqual([2, 20]);
    expect(pool('mean', 1)).toEqual([6, 10]);
    expect(pool('cls', 0)).toEqual([1, 10]);
    expect(pool('cls', 1)).toEqual([5, -50]);
    expect(pool('max', 0)).toEqual([3, 30]);
    expect(pool('max', 1)).toEqual([7, 70]);
    expect(pool('lasttoken', 0)).toEqual([3, 30]);
    expect(pool('lasttoken', 1)).toEqual([7, 70]);
    const s = pool('mean_sqrt_len', 0);
    expect(s[0]).toBeCloseTo(6 / Math.sqrt(3), 5);
  });

  it('skips prompt tokens and gives zeros for rows with nothing to pool', () => {
    expect(pool('mean', 0, { ...spans, skip: Int32Array.from([1, 0]) })).toEqual([2.5, 25]);
    expect(pool('mean', 0, { ...spans, skip: Int32Array.from([5, 0]) })).toEqual([0, 0]);
    expect(pool('max', 0, { start: Int32Array.from([0]), length: Int32Array.from([0]) })).toEqual([0, 0]);
    expect(pool('cls', 0, { start: Int32Array.from([0]), length: Int32Array.from([0]) })).toEqual([0, 0]);
  });

  it('normalizes to unit length and keeps zero vectors zero', () => {
    const v = l2NormalizeInPlace(Float32Array.from([3, 4]));
    expect(Array.from(v)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(l2NormalizeInPlace(new Float32Array(3)))).toEqual([0, 0, 0]);
  });

  it('half floats round-trip through the generator encoder and the engine decoder', () => {
    fc.assert(fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
      const back = halfToFloat(Uint16Array.from([floatToHalf(x)]))[0];
      expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -24));
    }));
    expect(Array.from(halfToFloat(Uint16Array.from([0x7c00, 0xfc00, 0x3c00, 0x8000])))).toEqual([Infinity, -Infinity, 1, -0]);
  });
});

describe('batch planning', () => {
  it('rejects bad limits', () => {
    expect(() => resolveLimits({ maxBatchTokens: 0 })).toThrow(ValidationError);
    expect(() => resolveLimits({ maxBatchSize: 1.5 })).toThrow(ValidationError);
    expect(() => resolveLimits({ batchOverheadTokens: -1 })).toThrow(ValidationError);
  });

  it('covers every sequence once, longest first, within the token budget and size cap', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }),
      fc.integer({ min: 1, max: 2000 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 0, max: 500 }),
      (lens, maxBatchTokens, maxBatchSize, batchOverheadTokens) => {
        const lengths = Int32Array.from(lens);
        const plan = planPaddedBatches(lengths, { maxBatchTokens, maxBatchSize, batchOverheadTokens });
        expect([...plan.order].sort((a, b) => a - b)).toEqual(lens.map((_, i) => i));
        let prevEnd = 0;
        for (const b of plan.batches) {
          expect(b.from).toBe(prevEnd);
          prevEnd = b.to;
          const rows = b.to - b.from;
          expect(rows).toBeLessThanOrEqual(maxBatchSize);
          if (rows > 1) expect(rows * b.seqLen).toBeLessThanOrEqual(maxBatchTokens);
          for (let k = b.from; k < b.to; k++) expect(Math.max(1, lengths[plan.order[k]])).toBeLessThanOrEqual(b.seqLen);
        }
        expect(prevEnd).toBe(lens.length);
        for (let k = 1; k < plan.order.length; k++) {
          const a = plan.order[k - 1];
          const c = plan.order[k];
          expect(lengths[a] > lengths[c] || (lengths[a] === lengths[c] && a < c)).toBe(true);
        }
      }));
  });
});

describe('batch cutting', () => {
  const plan = (lens: number[], batchOverheadTokens: number, maxBatchSize = 64) =>
    planPaddedBatches(Int32Array.from(lens), { maxBatchTokens: 100_000, maxBatchSize, batchOverheadTokens }).batches.map((b) => [b.to - b.from, b.seqLen]);

  it('splits where padding costs more than another call, and fills batches when calls are expensive', () => {
    expect(plan([100, 100, 10, 10], 32)).toEqual([[2, 100], [2, 10]]);
    expect(plan([100, 100, 10, 10], 1000)).toEqual([[4, 100]]);
    expect(plan([5, 5, 5, 5, 5], 0)).toEqual([[5, 5]]);
    expect(plan([5, 5, 5, 5, 5], 0, 2)).toEqual([[1, 5], [2, 5], [2, 5]]);
    expect(plan([], 32)).toEqual([]);
  });

  it('is never costlier than one greedy fill', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 120 }), (lens) => {
      const limits = { maxBatchTokens: 4096, maxBatchSize: 32, batchOverheadTokens: 32 };
      const p = planPaddedBatches(Int32Array.from(lens), limits);
      const cost = p.batches.reduce((s, b) => s + 32 + (b.to - b.from) * b.seqLen, 0);
      const sorted = [...lens].sort((a, b) => b - a);
      let greedy = 0;
      for (let i = 0; i < sorted.length;) {
        let j = i + 1;
        while (j < sorted.length && j - i < 32 && (j - i + 1) * sorted[i] <= 4096) j++;
        greedy += 32 + (j - i) * sorted[i];
        i = j;
      }
      expect(cost).toBeLessThanOrEqual(greedy);
    }));
  });
});

describe('feed buffers', () => {
  const tokens: TokenizedTexts = {
    count: 3,
    ids: Int32Array.from([101, 7, 102, 101, 5, 6, 9, 102, 101, 102]),
    typeIds: Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 0, 0]),
    offsets: Int32Array.from([0, 3, 8, 10]),
    skipTokens: undefined,
  };

  it('writes int64 feeds without BigInts, pads right, and restores spans', () => {
    const buffers = new FeedBuffers({ intType: 'int64', tokenTypeIds: true, positionIds: true, padId: 0, paddingSide: 'right' });
    const plan = planPaddedBatches(Int32Array.from([3, 5, 2]), { maxBatchTokens: 100, maxBatchSize: 8, batchOverheadTokens: 100 });
    const f = buffers.fill(tokens, plan, plan.batches[0]);
    expect(Array.from(plan.order)).toEqual([1, 0, 2]);
    expect([f.rows, f.seqLen]).toEqual([3, 5]);
    expect(Array.from(f.inputIds as BigInt64Array, Number)).toEqual([101, 5, 6, 9, 102, 101, 7, 102, 0, 0, 101, 102, 0, 0, 0]);
    expect(Array.from(f.attentionMask as BigInt64Array, Number)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0]);
    expect(Array.from(f.tokenTypeIds as BigInt64Array, Number)).toEqual([0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(f.positionIds as BigInt64Array, Number)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 1, 1, 0, 1, 1, 1, 1]);
    expect(Array.from(f.length)).toEqual([5, 3, 2]);
    // Reuse: a smaller second batch overwrites every slot it uses.
    const plan2 = planPaddedBatches(Int32Array.from([2]), { maxBatchTokens: 100, maxBatchSize: 8, batchOverheadTokens: 32 });
    const f2 = buffers.fill({ ...tokens, count: 1, offsets: Int32Array.from([8, 10]) }, plan2, plan2.batches[0]);
    expect(Array.from(f2.inputIds as BigInt64Array, Number)).toEqual([101, 102]);
  });

  it('pads left with position ids counted from the first real token, int32 graphs, pad id', () => {
    const buffers = new FeedBuffers({ intType: 'int32', tokenTypeIds: false, positionIds: true, padId: 3, paddingSide: 'left' });
    const plan = planPaddedBatches(Int32Array.from([3, 5, 2]), { maxBatchTokens: 100, maxBatchSize: 8, batchOverheadTokens: 100 });
    const f = buffers.fill(tokens, plan, plan.batches[0]);
    expect(f.inputIds).toBeInstanceOf(Int32Array);
    expect(Array.from(f.inputIds as Int32Array)).toEqual([101, 5, 6, 9, 102, 3, 3, 101, 7, 102, 3, 3, 3, 101, 102]);
    expect(Array.from(f.positionIds as Int32Array)).toEqual([0, 1, 2, 3, 4, 1, 1, 0, 1, 2, 1, 1, 1, 0, 1]);
    expect(Array.from(f.start)).toEqual([0, 2, 3]);
    expect(f.tokenTypeIds).toBeUndefined();
  });
});
