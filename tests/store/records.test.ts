import { describe, expect, it } from 'vitest';
import { compileFilterNode } from '../../src/store/filter-compiler.js';
import { parseFilter } from '../../src/core/filter.js';
import { SlotDirectory } from '../../src/store/ids.js';
import { PayloadArena } from '../../src/store/payloads.js';
import { StoreIntegrityError } from '../../src/core/errors.js';
import { rng as mulberry32 } from './helpers.js';

describe('slot directory (hash table over an id arena)', () => {
  it('agrees with a Map under random assigns, overwrites and removes, across rehashes', () => {
    const rand = mulberry32(7);
    const dir = new SlotDirectory();
    const ref = new Map<string, number>();
    const idsBySlot: string[] = [];
    // Short ids collide in the table's low bits; unicode ids exercise UTF-8 lengths.
    const idOf = (k: number): string => (k % 7 === 0 ? `ü-${k}-日本` : k % 5 === 0 ? '' + k : `doc:${k}`);
    for (let step = 0; step < 20_000; step++) {
      const id = idOf(Math.floor(rand() * 3000));
      const r = rand();
      if (r < 0.7) {
        const slot = dir.assign(id);
        expect(slot).toBe(idsBySlot.length);
        idsBySlot.push(id);
        ref.set(id, slot);
      } else {
        expect(dir.remove(id)).toBe(ref.delete(id));
      }
      if (step % 1000 === 0) {
        expect(dir.live).toBe(ref.size);
        for (const [k, s] of ref) expect(dir.slotOf(k)).toBe(s);
      }
    }
    expect(dir.live).toBe(ref.size);
    expect(dir.slots).toBe(idsBySlot.length);
    expect(dir.dead).toBe(dir.slots - dir.live);
    for (const [k, s] of ref) expect(dir.slotOf(k)).toBe(s);
    for (let k = 0; k < 3000; k++) if (!ref.has(idOf(k))) expect(dir.slotOf(idOf(k))).toBe(-1);
    for (let s = 0; s < dir.slots; s++) expect(dir.idOf(s)).toBe(idsBySlot[s]);
    expect(Array.from(dir.liveSlots())).toEqual([...ref.values()].sort((a, b) => a - b));
  });

  it('restores dead and live slots in order, as a snapshot does', () => {
    const dir = new SlotDirectory();
    dir.restore('a', false);
    dir.restore('', true);
    dir.restore('c', false);
    expect([dir.slotOf('a'), dir.slotOf('c'), dir.slotOf('')]).toEqual([0, 2, -1]);
    expect([dir.live, dir.dead, dir.idOf(1)]).toEqual([2, 1, '']);
    expect(dir.assign('a')).toBe(3);
    expect([dir.live, dir.dead, dir.deleted[0]]).toEqual([2, 2, 1]);
  });
});

describe('payload arena', () => {
  it('round-trips text and metadata, and stores empty metadata as nothing', () => {
    const a = new PayloadArena(2, 16);
    const metas = [{}, { lang: 'de', n: 3, tags: ['x', 'ü'] }, { nested: { a: [1, { b: null }] } }];
    for (let i = 0; i < 300; i++) a.append(i, i % 3 === 0 ? undefined : `text ${i} 日本`, JSON.stringify(metas[i % 3]));
    for (let i = 0; i < 300; i++) {
      expect(a.textOf(i)).toBe(i % 3 === 0 ? undefined : `text ${i} 日本`);
      expect(a.metadataOf(i)).toEqual(metas[i % 3]);
      expect(a.metadataJsonOf(i)).toBe(JSON.stringify(metas[i % 3]));
    }
    const m = a.metadataOf(1);
    m.lang = 'changed';
    expect(a.metadataOf(1).lang).toBe('de'); // every read is a fresh copy
    expect(() => a.append(5, undefined, '{}')).toThrow(StoreIntegrityError);
  });

  it('filters on projections of the named fields exactly as on the whole metadata', () => {
    const rand = mulberry32(3);
    const a = new PayloadArena();
    const all: Record<string, unknown>[] = [];
    for (let i = 0; i < 500; i++) {
      const m: Record<string, unknown> = {};
      if (rand() < 0.8) m.year = 2000 + Math.floor(rand() * 30);
      if (rand() < 0.5) m.lang = rand() < 0.5 ? 'en' : 'de';
      if (rand() < 0.3) m.author = { name: rand() < 0.5 ? 'ann' : 'bob' };
      m.other = 'x'.repeat(Math.floor(rand() * 5));
      all.push(m);
      a.append(i, undefined, JSON.stringify(m));
    }
    const filters = [
      { year: { $gte: 2015 }, lang: 'en' },
      { $or: [{ 'author.name': 'ann' }, { lang: { $exists: false } }] },
      { $not: { year: { $in: [2001, 2002] } } },
      { lang: { $ne: 'de' } },
      {},
    ];
    for (const f of filters) {
      const p = compileFilterNode(parseFilter(f));
      const read = a.projection(p.fields ?? null);
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < all.length; i++) expect(p(read(i))).toBe(p(all[i] as never));
      }
    }
    expect(a.projectionBytes).toBeGreaterThan(0);
  });
});
