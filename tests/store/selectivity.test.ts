import { describe, expect, it } from 'vitest';
import { acceptedFraction } from '../../src/store/collection.js';

// The planner answers a filter estimated under 8% of the records by an exact scan of the matches, and walks the
// graph otherwise, so the estimate must not be fooled by how records happen to be laid out.
describe('filter selectivity estimate', () => {
  it('sees every tag of metadata assigned round-robin (an even stride aliased with the period)', () => {
    for (const slots of [100_000, 1_000_000, 51_200]) {
      const deleted = new Uint8Array(slots);
      for (let tag = 0; tag < 10; tag++) {
        const f = acceptedFraction(slots, deleted, (s) => s % 10 === tag);
        expect(f, `slots ${slots}, tag ${tag}`).toBeGreaterThan(0.06);
        expect(f, `slots ${slots}, tag ${tag}`).toBeLessThan(0.14);
      }
    }
  });

  it('counts only live slots', () => {
    const slots = 20_000;
    const deleted = new Uint8Array(slots);
    for (let s = 0; s < slots; s += 2) deleted[s] = 1; // every even slot deleted
    // Of the live (odd) slots, those under 5,000 are accepted: a quarter of them.
    const f = acceptedFraction(slots, deleted, (s) => s < 5_000);
    expect(f).toBeGreaterThan(0.2);
    expect(f).toBeLessThan(0.3);
    expect(acceptedFraction(slots, deleted.fill(1), () => true)).toBe(0);
  });

  it('is exact when there are fewer slots than the sample', () => {
    const deleted = new Uint8Array(300);
    expect(acceptedFraction(300, deleted, (s) => s < 30)).toBe(0.1);
    expect(acceptedFraction(1, deleted, () => true)).toBe(1);
  });

  it('is deterministic (the same plan for the same query)', () => {
    const deleted = new Uint8Array(77_777);
    const accept = (s: number): boolean => (s * 2654435761) % 7 === 0;
    expect(acceptedFraction(77_777, deleted, accept)).toBe(acceptedFraction(77_777, deleted, accept));
  });
});
