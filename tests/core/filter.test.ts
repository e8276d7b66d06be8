import { describe, expect, it } from 'vitest';
import { compileFilter, InvalidFilterError, parseFilter, type Filter } from '../../src/index.js';

const doc = {
  year: 2024, lang: 'en', title: 'Über Alles', tags: ['a', 'b'], draft: false, nothing: null,
  author: { name: 'Ada', born: 1815 }, nums: [1, 5, 9],
};
const m = (f: Filter) => compileFilter(f)(doc);

describe('filter semantics', () => {
  it('implicit equality and AND of keys', () => {
    expect(m({ year: 2024, lang: 'en' })).toBe(true);
    expect(m({ year: 2024, lang: 'de' })).toBe(false);
    expect(m({})).toBe(true);
  });
  it('strict types: numbers never equal strings', () => {
    expect(m({ year: '2024' })).toBe(false);
    expect(m({ year: { $gt: '2000' } })).toBe(false);
    expect(m({ lang: { $gte: 'a' } })).toBe(true);
  });
  it('comparisons', () => {
    expect(m({ year: { $gte: 2024, $lt: 2025 } })).toBe(true);
    expect(m({ year: { $gt: 2024 } })).toBe(false);
    expect(m({ year: { $lte: 2024 } })).toBe(true);
  });
  it('arrays match on any element; $ne/$nin negate', () => {
    expect(m({ tags: 'a' })).toBe(true);
    expect(m({ tags: { $in: ['x', 'b'] } })).toBe(true);
    expect(m({ tags: { $ne: 'a' } })).toBe(false);
    expect(m({ tags: { $nin: ['x'] } })).toBe(true);
    expect(m({ nums: { $gt: 8 } })).toBe(true);
    expect(m({ nums: { $gt: 9 } })).toBe(false);
  });
  it('$contains on strings and arrays', () => {
    expect(m({ title: { $contains: 'er A' } })).toBe(true);
    expect(m({ tags: { $contains: 'b' } })).toBe(true);
    expect(m({ tags: { $contains: 'z' } })).toBe(false);
    expect(m({ year: { $contains: 2 } })).toBe(false);
  });
  it('$startsWith / $endsWith', () => {
    expect(m({ title: { $startsWith: 'Üb' } })).toBe(true);
    expect(m({ title: { $endsWith: 'les' } })).toBe(true);
    expect(m({ year: { $startsWith: '20' } })).toBe(false);
  });
  it('missing fields and null', () => {
    expect(m({ missing: { $ne: 1 } })).toBe(true);
    expect(m({ missing: { $nin: [1] } })).toBe(true);
    expect(m({ missing: { $exists: false } })).toBe(true);
    expect(m({ missing: { $gt: 0 } })).toBe(false);
    expect(m({ missing: null })).toBe(false);
    expect(m({ nothing: null })).toBe(true);
    expect(m({ nothing: { $exists: true } })).toBe(true);
  });
  it('nested paths', () => {
    expect(m({ 'author.name': 'Ada' })).toBe(true);
    expect(m({ 'author.born': { $lt: 1900 } })).toBe(true);
    expect(m({ 'author.name.first': { $exists: true } })).toBe(false);
  });
  it('logical operators', () => {
    expect(m({ $or: [{ lang: 'de' }, { year: 2024 }] })).toBe(true);
    expect(m({ $or: [] })).toBe(false);
    expect(m({ $and: [] })).toBe(true);
    expect(m({ $not: { draft: true } })).toBe(true);
    expect(m({ $and: [{ year: 2024 }, { $not: { lang: 'en' } }] })).toBe(false);
  });
  it('rejects malformed filters with a typed error and a path', () => {
    const bad: unknown[] = [
      { year: { $foo: 1 } }, { $xor: [] }, { year: { $gt: NaN } }, { year: { $in: 'x' } }, { year: {} },
      { year: [1, 2] }, { $and: {} }, { '': 1 }, { 'a..b': 1 }, { year: { $exists: 'yes' } }, { x: { $gt: true } },
      { x: { $eq: { nested: 1 } } }, 5, null,
    ];
    for (const f of bad) {
      expect(() => parseFilter(f as Filter), JSON.stringify(f)).toThrow(InvalidFilterError);
    }
    try { parseFilter({ $and: [{ year: { $gte: 'x', $lt: Infinity } }] }); } catch (e) {
      expect((e as InvalidFilterError).code).toBe('INVALID_FILTER');
      expect((e as InvalidFilterError).path).toBe('$and[0].year.$lt');
    }
  });
});
