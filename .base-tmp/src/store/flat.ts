/**
 * Exact (brute-force) k-nearest-neighbour search over a distance space (float vectors or int8 codes): eligible slots are collected
 * in batches and scored by one gather-kernel call per batch, into a typed max-heap of the k best, with no
 * allocation per candidate.
 *
 * @internal
 * @module
 */
import type { MaxHeap } from './heap.js';
import type { SlotPredicate } from './hnsw.js';
import type { DistanceSpace } from './space.js';
import { MAX_GATHER } from './vectors.js';

const batch = new Uint32Array(MAX_GATHER);
const dist = new Float64Array(MAX_GATHER);

/**
 * Scans slots `[0, storage.count)` (or the listed `slots`) and leaves the `k` nearest eligible ones in `top`
 * (max-heap by distance: `1 - dot` or squared L2).
 *
 * @param q - query handle from the space's `setQuery`
 * @param slots - scan only these slots, or null for all
 * @returns the number of eligible slots seen
 * @internal
 */
export function exactSearch(
  storage: DistanceSpace, q: number, k: number, top: MaxHeap,
  deleted: Uint8Array | null, accept: SlotPredicate | null, slots: Uint32Array | null = null,
): number {
  top.clear();
  const n = slots ? slots.length : storage.count;
  let m = 0;
  let eligible = 0;
  const flush = (): void => {
    storage.gather(q, batch, m, dist);
    for (let i = 0; i < m; i++) {
      const d = dist[i];
      if (top.size < k) top.push(d, batch[i]);
      else if (d < top.topKey()) top.replaceTop(d, batch[i]);
    }
    m = 0;
  };
  for (let i = 0; i < n; i++) {
    const s = slots ? slots[i] : i;
    if (deleted !== null && deleted[s] !== 0) continue;
    if (accept !== null && !accept(s)) continue;
    eligible++;
    batch[m++] = s;
    if (m === MAX_GATHER) flush();
  }
  if (m > 0) flush();
  return eligible;
}
