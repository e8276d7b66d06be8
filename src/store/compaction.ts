/**
 * Compaction: rebuilds a collection from its live records only (dense slots, a fresh graph), in time slices that
 * yield to the event loop, so searches and writes keep being served by the old collection during the rebuild.
 * Writes that land meanwhile are replayed onto the new collection by the facade before it swaps them.
 *
 * @internal
 * @module
 */
import { Collection } from './collection.js';

const SLICE_MS = 10;

/** Yields to the event loop (lets I/O callbacks and queued searches run). @internal */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Builds a compacted copy of `old`. Returns null when `cancelled()` turns true.
 *
 * @internal
 */
export async function rebuild(old: Collection, cancelled: () => boolean): Promise<Collection | null> {
  const slots = old.dir.liveSlots();
  const next = new Collection(old.dimension, old.metric, old.index, slots.length);
  const dim = old.dimension;
  let sliceStart = performance.now();
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    const data = old.vectors.data; // re-read: a concurrent write may have grown (replaced) the storage
    next.upsert(old.dir.ids[s], data.subarray(s * dim, s * dim + dim), old.texts[s], old.metas[s], true);
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToLoop();
      if (cancelled()) return null;
      sliceStart = performance.now();
    }
  }
  return next;
}
