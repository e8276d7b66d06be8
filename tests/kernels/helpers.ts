// Shared test helpers: a seeded generator and float64 reference distances.

/** mulberry32: deterministic uniform [0, 1) (the project's one seeded PRNG). */
import { seededRandom as rng } from '../../src/internal/random.js';

export { rng };

/** Standard normal samples rounded to float32. */
export function gaussian(r: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

export function int8s(r: () => number, n: number): Int8Array {
  return Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128);
}

/** Float64 dot product and the sum of |terms| (the scale for a rounding tolerance). */
export function refDot(a: ArrayLike<number>, b: ArrayLike<number>, ao = 0, bo = 0, n = a.length): [number, number] {
  let s = 0;
  let abs = 0;
  for (let i = 0; i < n; i++) {
    const t = a[ao + i] * b[bo + i];
    s += t;
    abs += Math.abs(t);
  }
  return [s, abs];
}

export function refL2(a: ArrayLike<number>, b: ArrayLike<number>, ao = 0, bo = 0, n = a.length): [number, number] {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = a[ao + i] - b[bo + i];
    s += d * d;
  }
  return [s, s];
}

/**
 * Bound for float32 accumulation in a few independent chains: rounding stays well under 2e-5 of the sum of
 * |terms| at the dimensions tested (<= 4099). A skipped or repeated element usually moves a result by ~1/D of
 * that sum, which this catches at D < ~50k; the one-hot tests check every element position exactly.
 */
export function tolerance(absSum: number): number {
  return 2e-5 * absSum + 1e-7;
}
