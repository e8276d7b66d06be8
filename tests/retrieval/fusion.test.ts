import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  maximalMarginalRelevance, reciprocalRankFusion, ValidationError, weightedScoreFusion, DimensionMismatchError,
} from '../../src/index.js';

const list = (...ids: string[]) => ids.map((id, i) => ({ id, score: 1 - i / 10 }));

describe('reciprocalRankFusion', () => {
  it('computes sum of weight / (k + rank) and sorts best first', () => {
    const fused = reciprocalRankFusion([list('a', 'b', 'c'), list('c', 'a')], { k: 1 });
    const byId = Object.fromEntries(fused.map((f) => [f.id, f]));
    expect(byId.a.score).toBeCloseTo(1 / 2 + 1 / 3, 12);
    expect(byId.c.score).toBeCloseTo(1 / 4 + 1 / 2, 12);
    expect(byId.b.score).toBeCloseTo(1 / 3, 12);
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b']);
    expect(byId.b.ranks).toEqual([2, undefined]);
  });
  it('honours weights, limit, duplicates and stable ties', () => {
    const fused = reciprocalRankFusion([list('x', 'y'), list('y', 'x')], { weights: [1, 1] });
    expect(fused.map((f) => f.id)).toEqual(['x', 'y']); // tie: first seen wins
    const weighted = reciprocalRankFusion([list('x', 'y'), list('y', 'x')], { weights: [1, 2] });
    expect(weighted[0].id).toBe('y');
    expect(reciprocalRankFusion([list('a', 'a', 'b')], { k: 0 })[0].score).toBe(1);
    expect(reciprocalRankFusion([list('a', 'b', 'c')], { limit: 2 })).toHaveLength(2);
    expect(reciprocalRankFusion([])).toEqual([]);
  });
  it('rejects bad options', () => {
    expect(() => reciprocalRankFusion([list('a')], { k: -1 })).toThrow(ValidationError);
    expect(() => reciprocalRankFusion([list('a')], { weights: [1, 2] })).toThrow(ValidationError);
    expect(() => reciprocalRankFusion([list('a')], { limit: 1.5 })).toThrow(ValidationError);
  });
  it('is order-invariant in its lists up to ranks (property)', () => {
    fc.assert(fc.property(fc.array(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 5 }), { maxLength: 4 }), (lists) => {
      const ranked = lists.map((l) => l.map((id) => ({ id })));
      const a = new Map(reciprocalRankFusion(ranked).map((f) => [f.id, f.score]));
      const b = new Map(reciprocalRankFusion([...ranked].reverse()).map((f) => [f.id, f.score]));
      expect(a.size).toBe(b.size);
      for (const [id, s] of a) expect(b.get(id)).toBeCloseTo(s, 12);
    }));
  });
});

describe('weightedScoreFusion', () => {
  it('min-max normalizes each list, then weights and sums', () => {
    const vec = [{ id: 'a', score: 0.9 }, { id: 'b', score: 0.5 }, { id: 'c', score: 0.1 }];
    const txt = [{ id: 'c', score: 12 }, { id: 'b', score: 2 }];
    const fused = weightedScoreFusion([vec, txt], { weights: [0.5, 0.5] });
    const byId = Object.fromEntries(fused.map((f) => [f.id, f.score]));
    expect(byId.a).toBeCloseTo(0.5, 12);
    expect(byId.b).toBeCloseTo(0.25, 12);
    expect(byId.c).toBeCloseTo(0.5, 12);
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b']);
  });
  it('supports zscore and none, and needs scores', () => {
    const l = [{ id: 'a', score: 3 }, { id: 'b', score: 1 }];
    expect(weightedScoreFusion([l], { normalization: 'none' })[0].score).toBe(3);
    const z = weightedScoreFusion([l], { normalization: 'zscore' });
    expect(z[0].score).toBeCloseTo(1, 12);
    expect(z[1].score).toBeCloseTo(-1, 12);
    expect(weightedScoreFusion([[{ id: 'a', score: 5 }]])[0].score).toBe(1);
    expect(() => weightedScoreFusion([[{ id: 'a' }]])).toThrow(ValidationError);
  });
});

describe('maximalMarginalRelevance', () => {
  const v = (...xs: number[]) => Float32Array.from(xs);
  it('picks the most relevant first, then trades relevance for diversity', () => {
    const q = v(1, 0);
    const cands = [v(1, 0.01), v(1, 0.02), v(0.7, 0.7)];
    expect(maximalMarginalRelevance(q, cands, { k: 2, lambda: 1 })).toEqual([0, 1]);
    expect(maximalMarginalRelevance(q, cands, { k: 2, lambda: 0.3 })).toEqual([0, 2]);
    expect(maximalMarginalRelevance(q, cands, { k: 10 })).toHaveLength(3);
  });
  it('validates input', () => {
    expect(() => maximalMarginalRelevance(v(1, 0), [v(1)], {})).toThrow(DimensionMismatchError);
    expect(() => maximalMarginalRelevance(v(1, 0), [], { lambda: 2 })).toThrow(ValidationError);
    expect(maximalMarginalRelevance(v(1, 0), [], { k: 3 })).toEqual([]);
  });
});
