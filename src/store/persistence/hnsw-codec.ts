/**
 * Binary form of an {@link HnswGraph} for snapshots, with full structural validation on load.
 *
 * @internal
 * @module
 */
import { HnswGraph } from '../hnsw.js';
import type { DistanceSpace } from '../space.js';

const HEADER_WORDS = 8;

/**
 * Serializes a graph into one byte array (the snapshot's GRAPH section): 8 header words (M, efConstruction,
 * maxLevel + 1, entry point + 1, node count, level-generator state, metric flag, upper-link words), level-0 links,
 * levels (bytes, padded to 4), then the upper links of each node that has any.
 *
 * @internal
 */
export function serializeGraph(g: HnswGraph): Uint8Array {
  const n = g.nodeCount;
  let upperWords = 0;
  for (let i = 0; i < n; i++) upperWords += g.levels[i] * g.upperStride;
  const levelWords = Math.ceil(n / 4);
  const total = HEADER_WORDS + n * g.stride0 + levelWords + upperWords;
  const words = new Uint32Array(total);
  words[0] = g.M;
  words[1] = g.efConstruction;
  words[2] = g.maxLevel + 1;
  words[3] = g.entryPoint + 1;
  words[4] = n;
  words[5] = g.rngState;
  words[6] = g.isL2 ? 1 : 0;
  words[7] = upperWords;
  let o = HEADER_WORDS;
  words.set(g.level0.subarray(0, n * g.stride0), o);
  o += n * g.stride0;
  new Uint8Array(words.buffer, o * 4, n).set(g.levels.subarray(0, n));
  o += levelWords;
  for (let i = 0; i < n; i++) {
    const len = g.levels[i] * g.upperStride;
    if (len > 0) {
      words.set(g.upperLinks.subarray(g.upperOffset[i], g.upperOffset[i] + len), o);
      o += len;
    }
  }
  return new Uint8Array(words.buffer);
}

/**
 * Rebuilds a graph from {@link serializeGraph}'s bytes, checking every structural invariant (link counts and targets in
 * range) so a damaged section can never make a search read out of bounds.
 *
 * @returns the graph, or a string describing the first inconsistency
 * @internal
 */
export function deserializeGraph(bytes: Uint8Array, vectors: DistanceSpace, isL2: boolean): HnswGraph | string {
  if (bytes.byteLength % 4 !== 0 || bytes.byteLength < HEADER_WORDS * 4) return 'graph section has a bad length';
  const words = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const M = words[0], efC = words[1], maxLevel = words[2] - 1, ep = words[3] - 1, n = words[4];
  if (M < 2 || M > 256 || efC < 1) return 'graph parameters out of range';
  if ((words[6] === 1) !== isL2) return 'graph metric differs from the store metric';
  if (n !== vectors.count) return `graph has ${n} nodes, vectors section has ${vectors.count}`;
  const g = new HnswGraph(vectors, isL2, { M, efConstruction: efC, seed: words[5] }, n);
  const levelWords = Math.ceil(n / 4);
  const upperWords = words[7];
  if (words.length !== HEADER_WORDS + n * g.stride0 + levelWords + upperWords) return 'graph section size mismatch';
  let o = HEADER_WORDS;
  g.level0.set(words.subarray(o, o + n * g.stride0));
  o += n * g.stride0;
  g.levels.set(new Uint8Array(words.buffer, o * 4, n));
  o += levelWords;
  let seenMax = -1;
  for (let i = 0; i < n; i++) {
    const lv = g.levels[i];
    if (lv > seenMax) seenMax = lv;
    if (lv > 0) {
      const len = lv * g.upperStride;
      if (o + len > words.length) return 'graph upper links truncated';
      g.allocUpper(i, lv);
      const at = g.upperOffset[i], up = g.upperLinks;
      up.set(words.subarray(o, o + len), at);
      o += len;
      for (let l = 0; l < lv; l++) {
        const base = at + l * g.upperStride, cnt = up[base];
        if (cnt > M) return 'graph upper link count out of range';
        for (let j = 1; j <= cnt; j++) if (up[base + j] >= n || g.levels[up[base + j]] < l + 1) return 'graph upper link out of range';
      }
    } else g.allocUpper(i, 0);
    const base0 = i * g.stride0, cnt0 = g.level0[base0];
    if (cnt0 > g.maxM0) return 'graph link count out of range';
    for (let j = 1; j <= cnt0; j++) if (g.level0[base0 + j] >= n) return 'graph link out of range';
  }
  if (o !== words.length) return 'graph section has trailing data';
  if (n === 0 ? ep !== -1 : ep < 0 || ep >= n || g.levels[ep] !== maxLevel || seenMax !== maxLevel) return 'graph entry point invalid';
  g.nodeCount = n;
  g.entryPoint = ep;
  g.maxLevel = maxLevel;
  g.publish();
  return g;
}
