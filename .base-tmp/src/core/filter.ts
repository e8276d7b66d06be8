/**
 * abi-sdk's metadata filter language, shared by every store backend and both framework integrations.
 *
 * Semantics (the reference every backend is tested against):
 * - A filter object ANDs its keys. A key is a field path (`year`, `author.name`: dots walk nested objects) or one of
 *   `$and` (array of filters; empty matches everything), `$or` (array; empty matches nothing), `$not` (a filter).
 * - A field maps to a scalar (shorthand for `$eq`) or an object of operators, ANDed.
 * - Equality is strict: `2024` never equals `"2024"`, `null` equals only an explicit `null`.
 * - Comparisons (`$gt $gte $lt $lte`) take a finite number or a string and only compare values of the same type
 *   (numbers numerically, strings by UTF-16 code units); other types never match.
 * - When the stored value is an array, every operator except `$exists` and `$contains` matches if any element matches;
 *   `$ne`/`$nin` are the negations of `$eq`/`$in` (so they match when no element equals).
 * - `$contains`: substring test on a string value, element equality on an array value.
 * - A missing field matches only `$ne`, `$nin`, and `$exists: false`.
 *
 * @module
 */
import { InvalidFilterError } from './errors.js';
import type { Metadata, MetadataValue } from './contracts.js';

/** A value a filter compares against. */
export type FilterScalar = string | number | boolean | null;

/** Operators on one field. All operators given are ANDed. */
export interface FieldOperators {
  /** Equal to (strict; arrays: any element). */
  $eq?: FilterScalar;
  /** Not equal to (missing fields match). */
  $ne?: FilterScalar;
  /** Greater than (same type only). */
  $gt?: number | string;
  /** Greater than or equal (same type only). */
  $gte?: number | string;
  /** Less than (same type only). */
  $lt?: number | string;
  /** Less than or equal (same type only). */
  $lte?: number | string;
  /** Equal to one of (empty list matches nothing). */
  $in?: FilterScalar[];
  /** Equal to none of (missing fields match). */
  $nin?: FilterScalar[];
  /** Field present (`null` counts as present) or absent. */
  $exists?: boolean;
  /** Substring of a string value, or element of an array value. */
  $contains?: FilterScalar;
  /** String value starts with. */
  $startsWith?: string;
  /** String value ends with. */
  $endsWith?: string;
}

/** A field's condition: a scalar (shorthand for `$eq`) or operators. */
export type FieldCondition = FilterScalar | FieldOperators;

/**
 * A metadata filter.
 *
 * @example
 * ```ts
 * const filter: Filter = { year: { $gte: 2020 }, lang: { $in: ['en', 'de'] }, $not: { draft: true } };
 * ```
 */
export interface Filter {
  /** All sub-filters match. */
  $and?: Filter[];
  /** At least one sub-filter matches. */
  $or?: Filter[];
  /** The sub-filter does not match. */
  $not?: Filter;
  /** Field conditions, keyed by field path. */
  [field: string]: FieldCondition | Filter | Filter[] | undefined;
}

/** Field operator names. */
export type FieldOperator = keyof FieldOperators;

/** Normalized filter tree produced by {@link parseFilter}; backends translate this, never the raw object. */
export type FilterNode = AndNode | OrNode | NotNode | FieldNode;

/** All children match (an empty `and` matches everything). */
export interface AndNode {
  /** Node marker. */
  kind: 'and';
  /** The conjuncts. */
  children: FilterNode[];
}

/** At least one child matches (an empty `or` matches nothing). */
export interface OrNode {
  /** Node marker. */
  kind: 'or';
  /** The disjuncts. */
  children: FilterNode[];
}

/** The child does not match. */
export interface NotNode {
  /** Node marker. */
  kind: 'not';
  /** The negated node. */
  child: FilterNode;
}

/** A leaf of the normalized filter tree. */
export interface FieldNode {
  /** Leaf marker. */
  kind: 'field';
  /** Field path split on dots. */
  path: string[];
  /** The operator. */
  op: FieldOperator;
  /** The operand, validated for the operator. */
  value: FilterScalar | FilterScalar[];
}

const FIELD_OPERATORS: ReadonlySet<string> = new Set<FieldOperator>([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$contains', '$startsWith', '$endsWith',
]);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is FilterScalar {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function checkOperand(op: FieldOperator, value: unknown, at: string): FilterScalar | FilterScalar[] {
  switch (op) {
    case '$eq': case '$ne': case '$contains':
      if (!isScalar(value)) throw new InvalidFilterError(`${op} takes a string, finite number, boolean or null`, at);
      return value;
    case '$gt': case '$gte': case '$lt': case '$lte':
      if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
      throw new InvalidFilterError(`${op} takes a finite number or a string`, at);
    case '$in': case '$nin':
      if (!Array.isArray(value) || !value.every(isScalar)) throw new InvalidFilterError(`${op} takes an array of scalars`, at);
      return [...value];
    case '$exists':
      if (typeof value !== 'boolean') throw new InvalidFilterError('$exists takes a boolean', at);
      return value;
    case '$startsWith': case '$endsWith':
      if (typeof value !== 'string') throw new InvalidFilterError(`${op} takes a string`, at);
      return value;
  }
}

function parseField(key: string, cond: unknown, at: string): FilterNode {
  if (key.length === 0 || key.split('.').some((p) => p.length === 0)) {
    throw new InvalidFilterError(`invalid field path ${JSON.stringify(key)}`, at);
  }
  const path = key.split('.');
  if (!isPlainObject(cond)) {
    if (!isScalar(cond)) throw new InvalidFilterError('a field takes a scalar or an operator object', at);
    return { kind: 'field', path, op: '$eq', value: cond };
  }
  const ops = Object.keys(cond);
  if (ops.length === 0) throw new InvalidFilterError('empty operator object', at);
  const leaves = ops.map((op): FilterNode => {
    if (!FIELD_OPERATORS.has(op)) throw new InvalidFilterError(`unknown operator ${JSON.stringify(op)}`, `${at}.${op}`);
    const fop = op as FieldOperator;
    return { kind: 'field', path, op: fop, value: checkOperand(fop, cond[op], `${at}.${op}`) };
  });
  return leaves.length === 1 ? leaves[0] : { kind: 'and', children: leaves };
}

function parseAt(filter: unknown, at: string): FilterNode {
  if (!isPlainObject(filter)) throw new InvalidFilterError('a filter must be an object', at);
  const children: FilterNode[] = [];
  for (const key of Object.keys(filter)) {
    const value = filter[key];
    const here = at ? `${at}.${key}` : key;
    if (value === undefined) continue; // `{ year: undefined }` is how optional spreads look: ignore, as JSON would.
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value)) throw new InvalidFilterError(`${key} takes an array of filters`, here);
      children.push({ kind: key === '$and' ? 'and' : 'or', children: value.map((f, i) => parseAt(f, `${here}[${i}]`)) });
    } else if (key === '$not') {
      children.push({ kind: 'not', child: parseAt(value, here) });
    } else if (key.startsWith('$')) {
      throw new InvalidFilterError(`unknown operator ${JSON.stringify(key)}`, here);
    } else {
      children.push(parseField(key, value, here));
    }
  }
  return children.length === 1 ? children[0] : { kind: 'and', children };
}

/**
 * Validates a filter and normalizes it into a {@link FilterNode} tree.
 *
 * @param filter - the filter object
 * @returns the normalized tree (an empty filter becomes an `and` with no children: matches everything)
 * @throws {@link InvalidFilterError} when the filter does not parse
 */
export function parseFilter(filter: Filter): FilterNode {
  return parseAt(filter, '');
}

/**
 * Reads a dotted field path from metadata.
 *
 * @param metadata - the metadata object
 * @param path - the path segments
 * @returns the value, or `undefined` when any segment is missing
 */
export function getFieldValue(metadata: Metadata, path: readonly string[]): MetadataValue | undefined {
  let v: MetadataValue | undefined = metadata;
  for (const seg of path) {
    if (!isPlainObject(v) || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = (v as Metadata)[seg];
  }
  return v;
}

function compare(a: MetadataValue, op: FieldOperator, b: number | string): boolean {
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
  const x = a as number | string;
  switch (op) {
    case '$gt': return x > b;
    case '$gte': return x >= b;
    case '$lt': return x < b;
    default: return x <= b;
  }
}

function scalarMatches(v: MetadataValue, op: FieldOperator, operand: FilterScalar | FilterScalar[]): boolean {
  switch (op) {
    case '$eq': return v === operand;
    case '$in': return (operand as FilterScalar[]).some((x) => x === v);
    case '$gt': case '$gte': case '$lt': case '$lte': return compare(v, op, operand as number | string);
    case '$startsWith': return typeof v === 'string' && v.startsWith(operand as string);
    case '$endsWith': return typeof v === 'string' && v.endsWith(operand as string);
    default: return false;
  }
}

function anyMatches(v: MetadataValue, op: FieldOperator, operand: FilterScalar | FilterScalar[]): boolean {
  return Array.isArray(v) ? v.some((e) => scalarMatches(e, op, operand)) : scalarMatches(v, op, operand);
}

function fieldMatches(node: FieldNode, metadata: Metadata): boolean {
  const v = getFieldValue(metadata, node.path);
  switch (node.op) {
    case '$exists': return (v !== undefined) === node.value;
    case '$ne': return v === undefined || !anyMatches(v, '$eq', node.value);
    case '$nin': return v === undefined || !anyMatches(v, '$in', node.value);
    case '$contains':
      if (typeof v === 'string') return typeof node.value === 'string' && v.includes(node.value);
      return Array.isArray(v) && v.some((e) => e === node.value);
    default: return v !== undefined && anyMatches(v, node.op, node.value);
  }
}

/**
 * Evaluates a normalized filter against metadata: the reference semantics every backend must reproduce.
 *
 * @param node - a tree from {@link parseFilter}
 * @param metadata - the record's metadata
 * @returns whether the record matches
 */
export function evaluateFilter(node: FilterNode, metadata: Metadata): boolean {
  switch (node.kind) {
    case 'and': return node.children.every((c) => evaluateFilter(c, metadata));
    case 'or': return node.children.some((c) => evaluateFilter(c, metadata));
    case 'not': return !evaluateFilter(node.child, metadata);
    default: return fieldMatches(node, metadata);
  }
}

/**
 * Validates a filter once and returns a predicate over metadata.
 *
 * @param filter - the filter
 * @returns a function that tells whether metadata matches
 * @throws {@link InvalidFilterError} when the filter does not parse
 *
 * @example
 * ```ts
 * const recent = compileFilter({ year: { $gte: 2020 } });
 * recent({ year: 2024 }); // true
 * ```
 */
export function compileFilter(filter: Filter): (metadata: Metadata) => boolean {
  const node = parseFilter(filter);
  return (metadata) => evaluateFilter(node, metadata);
}
