/** fast-check generators of metadata and filters (shared by the filter property tests). */
import fc from 'fast-check';
import type { Filter, Metadata } from '../../src/index.js';

// Small value domains so filters actually hit: equality, ranges, arrays, missing fields, null, type mismatches.
export const scalar = fc.oneof(fc.constantFrom('a', 'b', 'ab', 'ba', ''), fc.integer({ min: -2, max: 3 }), fc.boolean(), fc.constant(null));
const value = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) });
export const metadata: fc.Arbitrary<Metadata> = fc.record(
  { x: value, y: value, nested: fc.record({ z: value }, { requiredKeys: [] }) },
  { requiredKeys: [] },
) as fc.Arbitrary<Metadata>;
const field = fc.constantFrom('x', 'y', 'nested.z', 'missing');
const fieldFilter: fc.Arbitrary<Filter> = fc.tuple(field, fc.oneof(
  scalar.map((v) => v as unknown),
  scalar.map((v) => ({ $eq: v })), scalar.map((v) => ({ $ne: v })),
  fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constantFrom('a', 'b')).chain((v) => fc.constantFrom({ $gt: v }, { $gte: v }, { $lt: v }, { $lte: v })),
  fc.array(scalar, { maxLength: 3 }).map((v) => ({ $in: v })), fc.array(scalar, { maxLength: 3 }).map((v) => ({ $nin: v })),
  fc.boolean().map((v) => ({ $exists: v })), scalar.map((v) => ({ $contains: v })),
  fc.constantFrom('a', 'b', '').map((v) => ({ $startsWith: v })), fc.constantFrom('a', 'b').map((v) => ({ $endsWith: v })),
)).map(([f, c]) => ({ [f]: c }) as Filter);
export const filter: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fieldFilter,
    fc.array(tie('f'), { maxLength: 3 }).map((a) => ({ $and: a })),
    fc.array(tie('f'), { maxLength: 3 }).map((a) => ({ $or: a })),
    tie('f').map((f) => ({ $not: f })),
  ),
})).f;

