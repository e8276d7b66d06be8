/**
 * Exact (brute-force) k-nearest-neighbour search over the contiguous vector storage: one pass, four stored
 * vectors per kernel call, a typed max-heap of the k best, and no allocation per candidate.
 *
 * @internal
 * @module
 */
import { dot, dot4, l2sq, l2sq4 } from './distance.js';
import type { MaxHeap } from './heap.js';
import type { SlotPredicate } from './hnsw.js';
import type { VectorStorage } from './vectors.js';

const out4 = new Float64Array(4);

/**
 * Scans slots `[0, storage.count)` and leaves the `k` nearest eligible ones in `top` (max-heap by distance,
 * `1 - dot` or squared L2).
 *
 * @param slots - scan only these slots (ascending or not), or null for all
 * @returns the number of eligible slots seen
 * @internal
 */
export function exactSearch(
  storage: VectorStorage, isL2: boolean, q: Float32Array, qo: number, k: number, top: MaxHeap,
  deleted: Uint8Array | null, accept: SlotPredicate | null, slots: Uint32Array | null = null,
): number {
  top.clear();
  const data = storage.data, dim = storage.dimension;
  const n = slots ? slots.length : storage.count;
  const batch = new Uint32Array(4);
  let m = 0;
  let eligible = 0;
  const offer = (d: number, s: number): void => {
    if (top.size < k) top.push(d, s);
    else if (d < top.topKey()) top.replaceTop(d, s);
  };
  for (let i = 0; i < n; i++) {
    const s = slots ? slots[i] : i;
    if (deleted !== null && deleted[s] !== 0) continue;
    if (accept !== null && !accept(s)) continue;
    eligible++;
    batch[m++] = s;
    if (m === 4) {
      if (isL2) {
        l2sq4(q, qo, data, batch[0] * dim, batch[1] * dim, batch[2] * dim, batch[3] * dim, dim, out4);
        offer(out4[0], batch[0]); offer(out4[1], batch[1]); offer(out4[2], batch[2]); offer(out4[3], batch[3]);
      } else {
        dot4(q, qo, data, batch[0] * dim, batch[1] * dim, batch[2] * dim, batch[3] * dim, dim, out4);
        offer(1 - out4[0], batch[0]); offer(1 - out4[1], batch[1]); offer(1 - out4[2], batch[2]); offer(1 - out4[3], batch[3]);
      }
      m = 0;
    }
  }
  for (let i = 0; i < m; i++) {
    const s = batch[i];
    offer(isL2 ? l2sq(q, qo, data, s * dim, dim) : 1 - dot(q, qo, data, s * dim, dim), s);
  }
  return eligible;
}
