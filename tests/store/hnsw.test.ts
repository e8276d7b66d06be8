import { describe, expect, it } from 'vitest';
import { MaxHeap } from '../../src/store/heap.js';
import { HnswGraph } from '../../src/store/hnsw.js';
import { deserializeGraph, serializeGraph } from '../../src/store/hnsw-codec.js';
import { VectorStorage } from '../../src/store/vectors.js';
import { randomVectors } from './helpers.js';

function build(n: number, dim: number): { vs: VectorStorage; g: HnswGraph } {
  const vs = new VectorStorage(dim);
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
      g.search(vs.data, s * 12, 32, top, null, null);
      while (top.size > 1) top.pop();
      if (top.topVal() === s) self++;
    }
    expect(self).toBeGreaterThanOrEqual(198);
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
