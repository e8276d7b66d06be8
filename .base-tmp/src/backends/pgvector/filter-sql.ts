/**
 * Compiles abi-sdk's filter language ({@link FilterNode}) into a parameterized SQL predicate over a `jsonb` column.
 * Every value and every key travels as a bind parameter; only fixed SQL text is concatenated. Each predicate is
 * written to be `true` or `false`, never SQL `NULL`, so `NOT` and missing fields behave as `evaluateFilter` says.
 *
 * @internal
 * @module
 */
import { InvalidFilterError } from '../../core/errors.js';
import type { FieldNode, FilterNode, FilterScalar } from '../../core/filter.js';

/** Collects bind parameters and hands out their `$n` placeholders. @internal */
export class SqlParams {
  /** The values, in placeholder order. */
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Whether a string can be stored in Postgres text / jsonb (no NUL, no lone surrogate). @internal */
export function isPgText(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkOperand(value: FilterScalar | FilterScalar[], at: string): void {
  for (const v of Array.isArray(value) ? value : [value]) {
    if (typeof v === 'string' && !isPgText(v)) {
      throw new InvalidFilterError('strings with NUL or lone surrogate characters cannot be compared in Postgres', at);
    }
  }
}

/** Elements of a JSON value seen as a list: the array's elements, or the value itself. */
function elements(v: string): string {
  return `jsonb_array_elements(CASE WHEN jsonb_typeof(${v}) = 'array' THEN ${v} ELSE jsonb_build_array(${v}) END)`;
}

function field(node: FieldNode, column: string, p: SqlParams): string {
  const at = node.path.join('.');
  checkOperand(node.value, at);
  for (const seg of node.path) if (!isPgText(seg)) throw new InvalidFilterError('field names with NUL or lone surrogates cannot be used in Postgres', at);
  // Equality as jsonb containment: `m @> {"a":{"b":x}}` or `m @> {"a":{"b":[x]}}` is exactly "a.b equals x or is an
  // array with an element equal to x" (containment walks objects only, numbers compare numerically), and a GIN
  // index on the column (jsonb_path_ops) answers it.
  const nest = (x: unknown): unknown => node.path.reduceRight<unknown>((acc, key) => ({ [key]: acc }), x);
  const contains = (x: FilterScalar) => `(${column} @> ${p.add(JSON.stringify(nest(x)))}::jsonb OR ${column} @> ${p.add(JSON.stringify(nest([x])))}::jsonb)`;
  switch (node.op) {
    case '$eq':
      return contains(node.value as FilterScalar);
    case '$ne':
      return `(NOT ${contains(node.value as FilterScalar)})`;
    case '$in':
    case '$nin': {
      const options = node.value as FilterScalar[];
      const any = options.length === 0 ? 'FALSE' : `(${options.map(contains).join(' OR ')})`;
      return node.op === '$in' ? any : `(NOT ${any})`;
    }
    default:
      break;
  }
  const v = `(${column} #> ${p.add(node.path)}::text[])`;
  // `#>` indexes into arrays when a segment looks like an integer; evaluateFilter walks objects only.
  const guards: string[] = [];
  for (let i = 1; i < node.path.length; i++) {
    if (/^\s*[+-]?\d+\s*$/.test(node.path[i])) guards.push(`jsonb_typeof(${column} #> ${p.add(node.path.slice(0, i))}::text[]) = 'object'`);
  }
  const present = guards.length === 0 ? `${v} IS NOT NULL` : `(${v} IS NOT NULL AND ${guards.join(' AND ')})`;
  const json = (x: FilterScalar | FilterScalar[]) => `${p.add(JSON.stringify(x))}::jsonb`;
  const anyElement = (pred: (e: string) => string) =>
    `(${present} AND EXISTS (SELECT 1 FROM ${elements(v)} AS el(e) WHERE ${pred('el.e')}))`;
  switch (node.op) {
    case '$exists':
      return node.value === true ? `(${present})` : `(NOT (${present}))`;
    case '$gt': case '$gte': case '$lt': case '$lte': {
      const sqlOp = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[node.op];
      if (typeof node.value === 'number') {
        const n = p.add(String(node.value));
        return anyElement((e) => `CASE WHEN jsonb_typeof(${e}) = 'number' THEN ${e}::numeric ${sqlOp} ${n}::numeric ELSE false END`);
      }
      const s = p.add(node.value);
      return anyElement((e) => `CASE WHEN jsonb_typeof(${e}) = 'string' THEN (${e} #>> '{}') COLLATE "C" ${sqlOp} ${s}::text COLLATE "C" ELSE false END`);
    }
    case '$startsWith': {
      const s = p.add(node.value);
      return anyElement((e) => `jsonb_typeof(${e}) = 'string' AND starts_with(${e} #>> '{}', ${s}::text)`);
    }
    case '$endsWith': {
      const s = p.add(node.value);
      return anyElement((e) => `jsonb_typeof(${e}) = 'string' AND right(${e} #>> '{}', length(${s}::text)) COLLATE "C" = ${s}::text COLLATE "C"`);
    }
    case '$contains': {
      const x = json(node.value);
      return `(${present} AND COALESCE(CASE jsonb_typeof(${v}) ` +
        `WHEN 'string' THEN jsonb_typeof(${x}) = 'string' AND strpos(${v} #>> '{}', ${x} #>> '{}') > 0 ` +
        `WHEN 'array' THEN ${v} @> jsonb_build_array(${x}) ELSE false END, false))`;
    }
  }
}

/**
 * Translates a filter tree into a SQL boolean expression over `column` (an already quoted `jsonb` column).
 *
 * @internal
 */
export function filterToSql(node: FilterNode, column: string, p: SqlParams): string {
  switch (node.kind) {
    case 'and': return node.children.length === 0 ? 'TRUE' : `(${node.children.map((c) => filterToSql(c, column, p)).join(' AND ')})`;
    case 'or': return node.children.length === 0 ? 'FALSE' : `(${node.children.map((c) => filterToSql(c, column, p)).join(' OR ')})`;
    case 'not': return `(NOT ${filterToSql(node.child, column, p)})`;
    default: return field(node, column, p);
  }
}
