/**
 * abi-sdk filters on Qdrant. Qdrant's own path semantics differ from abi-sdk's (a dotted key walks into arrays of
 * objects, `is_empty` lumps missing, `null` and `[]` together, `match` cannot test `null`), so every point carries a
 * small filter view of its metadata under the payload key `_abi`, computed exactly as {@link getFieldValue} reads
 * paths, and filters are translated onto that view:
 *
 * - `_abi.e`: encoded paths that exist (`$exists`); `_abi.n`: paths whose value is `null` or an array holding `null`;
 *   `_abi.a`: paths whose value is an array;
 * - `_abi.v_<path>`: the value when it is a non-null scalar, or the array's non-null scalar elements (Qdrant
 *   matches any element, as abi-sdk does);
 * - `_abi.r_<path>`: the same strings reversed by code point, so `$endsWith` becomes a prefix match.
 *
 * Paths are encoded as hex of each segment's UTF-8 bytes joined by `_`, so any key (dots, spaces, unicode) is one
 * plain Qdrant key. What Qdrant cannot test (string `$gt`/`$gte`/`$lt`/`$lte`: its ranges are numeric) is
 * translated to a superset on the server and re-checked with {@link evaluateFilter} on the client.
 *
 * @internal
 * @module
 */
import type { Metadata, MetadataValue } from '../../core/contracts.js';
import { UnsupportedError } from '../../core/errors.js';
import type { FieldNode, FilterNode, FilterScalar } from '../../core/filter.js';

/** Payload key of the filter view. @internal */
export const VIEW_KEY = '_abi';

/** A Qdrant filter condition (the JSON the REST API takes). @internal */
export type QdrantCondition = Record<string, unknown>;

/** Result of {@link translateFilter}. @internal */
export interface TranslatedFilter {
  /** The Qdrant filter; `undefined` when every point matches. */
  filter: { must?: QdrantCondition[]; should?: QdrantCondition[]; must_not?: QdrantCondition[] } | undefined;
  /** No point can match: skip the request. */
  matchesNothing: boolean;
  /** The server filter is a superset: re-check hits with {@link evaluateFilter}. */
  needsRecheck: boolean;
}

/** Encodes a path as one Qdrant key segment (hex per segment: injective, only `[0-9a-f_]`). @internal */
export function encodePath(path: readonly string[]): string {
  return path.map((s) => Buffer.from(s, 'utf8').toString('hex')).join('_');
}

function reverse(s: string): string {
  return Array.from(s).reverse().join('');
}

function isPlainObject(v: unknown): v is Record<string, MetadataValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Builds the `_abi` filter view of a record's metadata.
 *
 * @internal
 */
export function buildFilterView(metadata: Metadata, fields?: ReadonlySet<string>): Record<string, unknown> {
  const e: string[] = [];
  const n: string[] = [];
  const a: string[] = [];
  const view: Record<string, unknown> = {};
  const walk = (obj: Record<string, MetadataValue>, prefix: string[]): void => {
    for (const [key, value] of Object.entries(obj)) {
      const path = [...prefix, key];
      const enc = encodePath(path);
      e.push(enc);
      if (value === null) {
        n.push(enc);
      } else if (Array.isArray(value)) {
        a.push(enc);
        if (value.some((x) => x === null)) n.push(enc);
        const scalars = value.filter((x): x is string | number | boolean => x !== null && typeof x !== 'object');
        if (scalars.length > 0) view[`v_${enc}`] = scalars;
        const strings = scalars.filter((x): x is string => typeof x === 'string');
        if (strings.length > 0) view[`r_${enc}`] = strings.map(reverse);
      } else if (isPlainObject(value)) {
        walk(value, path);
      } else {
        view[`v_${enc}`] = value;
        if (typeof value === 'string') view[`r_${enc}`] = reverse(value);
      }
    }
  };
  if (fields) {
    const kept: Record<string, MetadataValue> = {};
    for (const [k, v] of Object.entries(metadata)) if (fields.has(k)) kept[k] = v;
    walk(kept, []);
  } else {
    walk(metadata, []);
  }
  return { e, n, a, ...view };
}

/** A condition, or a constant when the node is decided without looking at the point. */
type Cond = QdrantCondition | true | false;

interface Ctx {
  inexact: boolean;
  fields: ReadonlySet<string> | undefined;
}

const key = (name: string): string => `${VIEW_KEY}.${name}`;
const listHas = (list: 'e' | 'n' | 'a', enc: string): QdrantCondition => ({ key: key(list), match: { value: enc } });

function and(children: Cond[]): Cond {
  if (children.some((c) => c === false)) return false;
  const rest = children.filter((c): c is QdrantCondition => c !== true);
  if (rest.length === 0) return true;
  return rest.length === 1 ? rest[0] : { must: rest };
}

function or(children: Cond[]): Cond {
  if (children.some((c) => c === true)) return true;
  const rest = children.filter((c): c is QdrantCondition => c !== false);
  if (rest.length === 0) return false;
  return rest.length === 1 ? rest[0] : { should: rest };
}

function not(c: Cond): Cond {
  return c === true ? false : c === false ? true : { must_not: [c] };
}

/** The value is a string, or an array holding one (`r_` is never null or empty, so `is_empty` means absent). */
function hasStrings(enc: string): Cond {
  return not({ is_empty: { key: key(`r_${enc}`) } });
}

/** Equality of the value (or any array element) with a scalar: exact in Qdrant. */
function equals(enc: string, x: FilterScalar): Cond {
  if (x === null) return listHas('n', enc);
  if (typeof x === 'number' && !Number.isSafeInteger(x)) return { key: key(`v_${enc}`), range: { gte: x, lte: x } };
  return { key: key(`v_${enc}`), match: { value: x } };
}

function anyOf(enc: string, xs: FilterScalar[]): Cond {
  if (xs.length > 1 && xs.every((x) => typeof x === 'string')) return { key: key(`v_${enc}`), match: { any: xs } };
  if (xs.length > 1 && xs.every((x) => typeof x === 'number' && Number.isSafeInteger(x))) {
    return { key: key(`v_${enc}`), match: { any: xs } };
  }
  return or(xs.map((x) => equals(enc, x)));
}

/**
 * Translates one leaf. `upper` selects the direction of approximation for what Qdrant cannot test: a superset
 * (`true`) under an even number of negations, a subset (`false`) under an odd one, so the whole filter is a
 * superset that the client then narrows exactly.
 */
function field(node: FieldNode, upper: boolean, ctx: Ctx): Cond {
  if (ctx.fields && !ctx.fields.has(node.path[0])) {
    throw new UnsupportedError(`filter field ${JSON.stringify(node.path.join('.'))} is not in this QdrantStore's filterFields`);
  }
  const enc = encodePath(node.path);
  const v = node.value;
  const residual = (superset: Cond): Cond => {
    ctx.inexact = true;
    return upper ? superset : false;
  };
  switch (node.op) {
    case '$exists': return v === true ? listHas('e', enc) : not(listHas('e', enc));
    case '$eq': return equals(enc, v as FilterScalar);
    case '$ne': return not(equals(enc, v as FilterScalar));
    case '$in': return anyOf(enc, v as FilterScalar[]);
    case '$nin': return not(anyOf(enc, v as FilterScalar[]));
    case '$gt': case '$gte': case '$lt': case '$lte':
      if (typeof v === 'number') return { key: key(`v_${enc}`), range: { [node.op.slice(1)]: v } };
      // Qdrant has no lexicographic range: any point holding a string there is a candidate.
      return residual(hasStrings(enc));
    case '$startsWith': return { key: key(`v_${enc}`), match: { prefix: v as string } };
    case '$endsWith': return { key: key(`r_${enc}`), match: { prefix: reverse(v as string) } };
    case '$contains': {
      const inArray = and([listHas('a', enc), equals(enc, v as FilterScalar)]);
      if (typeof v !== 'string') return inArray;
      // A string value: Qdrant's `text` match without a full-text index is a plain substring test (the store never
      // creates text indexes on the view). Every string contains ''.
      const inString = v === '' ? hasStrings(enc) : { key: key(`v_${enc}`), match: { text: v } };
      return or([inArray, and([not(listHas('a', enc)), inString])]);
    }
  }
}

function translate(node: FilterNode, upper: boolean, ctx: Ctx): Cond {
  switch (node.kind) {
    case 'and': return and(node.children.map((c) => translate(c, upper, ctx)));
    case 'or': return or(node.children.map((c) => translate(c, upper, ctx)));
    case 'not': return not(translate(node.child, !upper, ctx));
    default: return field(node, upper, ctx);
  }
}

/**
 * Translates a parsed filter into Qdrant filter JSON over the `_abi` view.
 *
 * @internal
 */
export function translateFilter(node: FilterNode, fields?: ReadonlySet<string>): TranslatedFilter {
  const ctx: Ctx = { inexact: false, fields };
  const c = translate(node, true, ctx);
  if (c === true) return { filter: undefined, matchesNothing: false, needsRecheck: ctx.inexact };
  if (c === false) return { filter: undefined, matchesNothing: true, needsRecheck: false };
  return { filter: { must: [c] }, matchesNothing: false, needsRecheck: ctx.inexact };
}
