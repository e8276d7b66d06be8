import { describe, expect, it } from 'vitest';
import { MaxHeap } from '../../src/store/heap.js';
import { HnswGraph } from '../../src/store/hnsw.js';
import { deserializeGraph, serializeGraph } from '../../src/store/persistence/hnsw-codec.js';
import { VectorStorage } from '../../src/store/vectors.js';
import { randomVectors } from './helpers.js';

function build(n: number, dim: number, backend: 'auto' | 'js' = 'auto'): { vs: VectorStorage; g: HnswGraph } {
  const vs = new VectorStorage(dim, true, 64, backend);
  const g = new HnswGraph(vs, true, { M: 8, efConstruction: 50, seed: 1 });
  for (const v of randomVectors(n, dim, 2)) g.insert(vs.append(v, false));
  return { vs, g };
}

describe('HNSW graph', () => {
  it('keeps link lists within bounds and finds each stored vector as its own nearest neighbour', () => {
    const { vs, g } = build(1500, 12);
    for (let s = 0; s < g.nodeCount; s++) {
      const cnt = g.level0[s * g.stride0];
      expect(cnt).toBeLessThanOrEqual(g.maxM0);
      for (let j = 1; j <= cnt; j++) expect(g.level0[s * g.stride0 + j]).not.toBe(s);
    }
    const top = new MaxHeap();
    let self = 0;
    for (let s = 0; s < 200; s++) {
      g.search(vs.offsetOf(s), 32, top, null, null);
      while (top.size > 1) top.pop();
      if (top.topVal() === s) self++;
    }
    expect(self).toBeGreaterThanOrEqual(198);
  });

  it('builds the same graph and finds the same neighbours with the WASM and the JS kernels', () => {
    const wasm = build(800, 20, 'auto');
    const js = build(800, 20, 'js');
    expect(wasm.vs.kernelImpl).toBe('wasm-simd');
    expect(js.vs.kernelImpl).toBe('js');
    // Float sums differ in rounding order between kernels, so compare results, not graphs, allowing rare swaps.
    const a = new MaxHeap(), b = new MaxHeap();
    let same = 0;
    for (let s = 0; s < 100; s++) {
      wasm.g.search(wasm.vs.offsetOf(s), 16, a, null, null);
      js.g.search(js.vs.offsetOf(s), 16, b, null, null);
      const ids = (h: MaxHeap) => Array.from(h.vals.subarray(0, h.size)).sort((x, y) => x - y).join();
      if (ids(a) === ids(b)) same++;
    }
    expect(same).toBeGreaterThanOrEqual(95);
  });

  it('round-trips through its binary form and rejects structurally damaged graphs', () => {
    const { vs, g } = build(600, 8);
    const bytes = serializeGraph(g);
    const back = deserializeGraph(bytes, vs, true);
    expect(back).toBeInstanceOf(HnswGraph);
    expect(serializeGraph(back as HnswGraph)).toEqual(bytes);
    const words = new Uint32Array(bytes.buffer.slice(0));
    words[8 + 1] = 100_000; // a level-0 link to a node that does not exist
    expect(typeof deserializeGraph(new Uint8Array(words.buffer), vs, true)).toBe('string');
    const words2 = new Uint32Array(bytes.buffer.slice(0));
    words2[8] = 99; // a link count above 2M
    expect(typeof deserializeGraph(new Uint8Array(words2.buffer), vs, true)).toBe('string');
    expect(typeof deserializeGraph(bytes.subarray(0, bytes.length - 4), vs, true)).toBe('string');
    expect(typeof deserializeGraph(bytes, vs, false)).toBe('string');
  });
});
