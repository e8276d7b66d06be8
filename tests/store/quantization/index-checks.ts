// Checks shared by the IVF index tests (IvfPqIndex, IvfBitsIndex): the accept predicate, removal and replacement of
// slots, on an index that already holds rows 0..999 of `small` in slots 0..999.
import { expect } from 'vitest';

/** The part of an IVF index these checks drive. */
export interface SlotIndex {
  add(slot: number, vector: Float32Array): void;
  remove(slot: number): boolean;
  search(q: Float32Array, o: { k: number; nprobe: number; accept?: (slot: number) => boolean }): { slots: Uint32Array };
  readonly size: number;
}

/**
 * Adds rows 0..999 of `small` to `index` (slot = row), then checks the predicate, removal and replacement with row 7
 * as the query; leaves 999 slots, slot 3 holding row 7.
 *
 * @returns the query (row 7).
 */
export function checkPredicateRemovalReplacement(index: SlotIndex, small: Float32Array, dim: number): Float32Array {
  for (let i = 0; i < 1000; i++) index.add(i, small.subarray(i * dim, (i + 1) * dim));
  const q = small.subarray(7 * dim, 8 * dim);
  const even = index.search(q, { k: 20, nprobe: 16, accept: (s) => s % 2 === 0 });
  expect(even.slots.length).toBe(20);
  expect([...even.slots].every((s) => s % 2 === 0)).toBe(true);
  expect(index.search(q, { k: 1, nprobe: 16 }).slots[0]).toBe(7);
  expect(index.remove(7)).toBe(true);
  expect(index.remove(7)).toBe(false);
  expect([...index.search(q, { k: 50, nprobe: 16 }).slots]).not.toContain(7);
  index.add(3, q); // slot 3 now holds vector 7
  expect(index.search(q, { k: 1, nprobe: 16 }).slots[0]).toBe(3);
  expect(index.size).toBe(999);
  return q;
}
