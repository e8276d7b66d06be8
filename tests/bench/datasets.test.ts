/**
 * bench/datasets.ts: the sentence-like 768-d set is deterministic and has the shape it claims — a shared mean
 * direction and a power-law spectrum (eigenvalue i ∝ i^-α) along its basis.
 */
import { describe, expect, it } from 'vitest';
import { SENTENCE_ALPHA, SENTENCE_MEAN, sentenceLike } from '../../bench/datasets.js';

const DIM = 768;

describe('sentenceLike', () => {
  const n = 3000;
  const a = sentenceLike(n, 20, DIM);

  it('is deterministic and unit-normalized', () => {
    const b = sentenceLike(n, 20, DIM);
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    expect(Buffer.from(b.queries.buffer).equals(Buffer.from(a.queries.buffer))).toBe(true);
    for (const r of [0, 1234, n - 1]) {
      let s = 0;
      for (let d = 0; d < DIM; d++) s += a.data[r * DIM + d] ** 2;
      expect(s).toBeCloseTo(1, 4);
    }
  });

  it('shares a mean direction: every row leans towards it by about m / √(1 + m²)', () => {
    const mean = new Float64Array(DIM);
    for (let r = 0; r < n; r++) for (let d = 0; d < DIM; d++) mean[d] += a.data[r * DIM + d] / n;
    let dotM = 0, norm = 0;
    for (let d = 0; d < DIM; d++) {
      dotM += mean[d] * a.mean[d];
      norm += mean[d] ** 2;
    }
    // The sample mean points along the generator's mean direction.
    expect(dotM / Math.sqrt(norm)).toBeGreaterThan(0.99);
    let cos = 0;
    for (let r = 0; r < n; r++) for (let d = 0; d < DIM; d++) cos += (a.data[r * DIM + d] * a.mean[d]) / n;
    expect(cos).toBeGreaterThan(SENTENCE_MEAN / Math.sqrt(1 + SENTENCE_MEAN ** 2) - 0.05);
    expect(cos).toBeLessThan(SENTENCE_MEAN / Math.sqrt(1 + SENTENCE_MEAN ** 2) + 0.05);
  });

  it('has a power-law spectrum along its basis: log-variance falls with slope -α', () => {
    // Variance of the rows projected on basis vectors 1..64 (the mean's own component removed by centring).
    const xs: number[] = [], ys: number[] = [];
    for (let i = 0; i < 64; i++) {
      let s = 0, s2 = 0;
      for (let r = 0; r < n; r++) {
        let p = 0;
        for (let d = 0; d < DIM; d++) p += a.data[r * DIM + d] * a.basisT[d * DIM + i];
        s += p;
        s2 += p * p;
      }
      xs.push(Math.log(i + 1));
      ys.push(Math.log(s2 / n - (s / n) ** 2));
    }
    const mx = xs.reduce((x, y) => x + y) / xs.length, my = ys.reduce((x, y) => x + y) / ys.length;
    let num = 0, den = 0;
    for (let i = 0; i < xs.length; i++) {
      num += (xs[i] - mx) * (ys[i] - my);
      den += (xs[i] - mx) ** 2;
    }
    expect(num / den).toBeGreaterThan(-SENTENCE_ALPHA - 0.15);
    expect(num / den).toBeLessThan(-SENTENCE_ALPHA + 0.15);
  });
});
