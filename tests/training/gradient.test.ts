// The hand-written backward pass against central finite differences, for every adapter shape.
import { describe, expect, it } from 'vitest';
import { Adapter, type AdapterConfig } from '../../src/training/adapter.js';
import { rankingLoss } from '../../src/training/loss.js';
import { normals } from './helpers.js';

function lossOf(adapter: Adapter, xq: Float32Array, xc: Float32Array, keys: number[], b: number, c: number): number {
  const d = adapter.config.dimension;
  const yq = adapter.transform(xq, b);
  const yc = adapter.config.apply === 'both' ? adapter.transform(xc, c) : normalized(xc, c, d);
  return rankingLoss(yq, yc, keys, b, c, d, 0.5).loss;
}

function normalized(x: Float32Array, n: number, d: number): Float32Array {
  const y = Float32Array.from(x);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += y[i * d + j] ** 2;
    for (let j = 0; j < d; j++) y[i * d + j] /= Math.sqrt(s);
  }
  return y;
}

const shapes: AdapterConfig[] = [
  { dimension: 6 },
  { dimension: 6, rank: 2 },
  { dimension: 6, hidden: 5 },
  { dimension: 6, rank: 3, hidden: 4, apply: 'query' },
];

describe('adapter gradients', () => {
  for (const shape of shapes) {
    it(`match finite differences for ${JSON.stringify(shape)}`, () => {
      const rnd = normals(7);
      const adapter = Adapter.initialize(shape, 3);
      // Move away from the identity so every factor has a non-zero gradient.
      for (let i = 0; i < adapter.parameters.length; i++) adapter.parameters[i] += 0.3 * rnd();
      const d = 6;
      const b = 4;
      const keys = [0, 1, 2, 3, 4, 1]; // candidate 5 duplicates candidate 1's passage: masked for query 1
      const c = keys.length;
      const xq = Float32Array.from({ length: b * d }, () => rnd());
      const xc = Float32Array.from({ length: c * d }, () => rnd());
      const fq = adapter.forward(xq, b);
      const yc = shape.apply === 'query' ? normalized(xc, c, d) : undefined;
      const fc = yc ? undefined : adapter.forward(xc, c);
      const { dq, dc } = rankingLoss(fq.y, yc ?? fc!.y, keys, b, c, d, 0.5);
      const grad = new Float32Array(adapter.parameters.length);
      adapter.backward(fq, dq, grad);
      if (fc) adapter.backward(fc, dc, grad);
      const eps = 1e-2;
      let maxErr = 0;
      let maxGrad = 0;
      for (let i = 0; i < adapter.parameters.length; i++) {
        const w = adapter.parameters[i];
        adapter.parameters[i] = w + eps;
        const up = lossOf(adapter, xq, xc, keys, b, c);
        adapter.parameters[i] = w - eps;
        const down = lossOf(adapter, xq, xc, keys, b, c);
        adapter.parameters[i] = w;
        const numeric = (up - down) / (2 * eps);
        maxErr = Math.max(maxErr, Math.abs(numeric - grad[i]));
        maxGrad = Math.max(maxGrad, Math.abs(grad[i]));
      }
      expect(maxGrad).toBeGreaterThan(1e-3);
      expect(maxErr / maxGrad).toBeLessThan(2e-2);
    });
  }

  it('starts as the identity (normalized) whatever the seed', () => {
    const rnd = normals(1);
    const x = Float32Array.from({ length: 3 * 8 }, () => rnd());
    for (const shape of [{ dimension: 8 }, { dimension: 8, rank: 2, hidden: 16 }]) {
      const y = Adapter.initialize(shape, 99).transform(x, 3);
      expect(Array.from(y).map((v) => +v.toFixed(5))).toEqual(Array.from(normalized(x, 3, 8)).map((v) => +v.toFixed(5)));
    }
  });
});
