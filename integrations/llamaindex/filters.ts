import type { MetadataFilter, MetadataFilters } from 'llamaindex';
import { type Filter, type FilterScalar, InvalidFilterError, UnsupportedError } from '../../src/index.js';

const scalar = (f: MetadataFilter, where: string): string | number => {
  const v = f.value;
  if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
  throw new InvalidFilterError(`operator ${JSON.stringify(f.operator)} on ${JSON.stringify(f.key)} needs a string or finite number value`, where);
};

const list = (f: MetadataFilter, where: string): FilterScalar[] => {
  const v = f.value;
  if (Array.isArray(v) && (v as unknown[]).every((x) => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)))) {
    return [...(v as (string | number)[])];
  }
  throw new InvalidFilterError(`operator ${JSON.stringify(f.operator)} on ${JSON.stringify(f.key)} needs an array of strings or finite numbers`, where);
};

/**
 * Translates one LlamaIndex `MetadataFilter` into abi-sdk's filter language (see {@link toAbiFilter} for the
 * operator table).
 *
 * @param f - the LlamaIndex filter
 * @param where - position for error messages
 * @returns the equivalent abi-sdk filter
 * @throws {@link abi-sdk!InvalidFilterError} for a malformed filter (no key, a value of the wrong shape)
 * @throws {@link abi-sdk!UnsupportedError} for an operator with no mapping
 * @internal
 */
export function translateFilter(f: MetadataFilter, where: string): Filter {
  if (typeof f !== 'object' || f === null) throw new InvalidFilterError('a metadata filter must be an object', where);
  const key = f.key;
  if (typeof key !== 'string' || key.length === 0) throw new InvalidFilterError('a metadata filter needs a non-empty key', where);
  // LlamaIndex: every operator except is_empty fails on a missing key, so negations require the field to exist.
  switch (f.operator) {
    case '==':
      return { [key]: { $eq: scalar(f, where) } };
    case '!=':
      return { [key]: { $exists: true, $ne: scalar(f, where) } };
    case '>':
      return { [key]: { $gt: scalar(f, where) } };
    case '<':
      return { [key]: { $lt: scalar(f, where) } };
    case '>=':
      return { [key]: { $gte: scalar(f, where) } };
    case '<=':
      return { [key]: { $lte: scalar(f, where) } };
    case 'in':
      return { [key]: { $in: list(f, where) } };
    case 'nin':
      return { [key]: { $exists: true, $nin: list(f, where) } };
    case 'any':
      return { [key]: { $in: list(f, where) } };
    case 'all':
      return { $and: [{ [key]: { $exists: true } }, ...list(f, where).map((v): Filter => ({ [key]: { $contains: v } }))] };
    case 'text_match':
      return { [key]: { $contains: scalar(f, where) } };
    case 'contains':
      return { [key]: { $contains: scalar(f, where) } };
    case 'is_empty':
      return { $or: [{ [key]: { $exists: false } }, { [key]: null }, { [key]: '' }] };
    default:
      throw new UnsupportedError(`LlamaIndex filter operator ${JSON.stringify((f as { operator: unknown }).operator)} (at ${where}) has no abi-sdk mapping`);
  }
}

/**
 * Translates LlamaIndex `MetadataFilters` into abi-sdk's {@link abi-sdk!Filter} language, which every abi-sdk store backend
 * evaluates before taking the top k.
 *
 * | LlamaIndex | abi-sdk |
 * |---|---|
 * | `==` `>` `<` `>=` `<=` | `$eq` `$gt` `$lt` `$gte` `$lte` |
 * | `!=`, `nin` | `$ne`, `$nin`, plus `$exists: true` (LlamaIndex never matches a missing key) |
 * | `in`, `any` | `$in` (on an array field: any element in the list) |
 * | `all` | `$contains` for every value, ANDed |
 * | `contains`, `text_match` | `$contains` (element of an array, or substring of a string) |
 * | `is_empty` | missing, `null` or `""` (an empty array is not matched: the filter language cannot express it) |
 *
 * Keys are abi-sdk field paths: a dot walks into nested metadata. Comparisons only match values of the same type.
 * `condition: 'or'` ORs the filters; the default is AND. An empty filter list matches everything under AND and
 * nothing under OR, as in LlamaIndex's own stores.
 *
 * @param filters - LlamaIndex metadata filters, or `undefined`
 * @returns the abi-sdk filter, or `undefined` when there is nothing to filter
 * @throws {@link abi-sdk!InvalidFilterError} for a malformed filter or an unknown condition
 * @throws {@link abi-sdk!UnsupportedError} for an operator with no mapping
 *
 * @example
 * ```ts
 * toAbiFilter({ filters: [{ key: 'year', operator: '>=', value: 1900 }, { key: 'party', operator: 'in', value: ['Democratic'] }] });
 * // → { $and: [{ year: { $gte: 1900 } }, { party: { $in: ['Democratic'] } }] }
 * ```
 */
export function toAbiFilter(filters: MetadataFilters | undefined): Filter | undefined {
  if (filters === undefined || filters === null) return undefined;
  if (typeof filters !== 'object' || !Array.isArray(filters.filters)) {
    throw new InvalidFilterError('MetadataFilters needs a `filters` array', 'filters');
  }
  const condition = filters.condition ?? 'and';
  if (condition !== 'and' && condition !== 'or') {
    throw new InvalidFilterError(`unknown filter condition ${JSON.stringify(condition)}`, 'condition');
  }
  // As LlamaIndex's own stores: no filters under AND match everything, under OR nothing.
  if (filters.filters.length === 0) return condition === 'and' ? undefined : { $or: [] };
  const parts = filters.filters.map((f, i) => translateFilter(f, `filters[${i}]`));
  return condition === 'and' ? { $and: parts } : { $or: parts };
}
