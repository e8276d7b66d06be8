/**
 * Evaluates a filter tree into one allow-bitset over slots, once per query, from the columnar metadata indexes
 * ({@link MetadataIndex}): equality, `$in`, `$nin`, `$ne` and `$exists` from postings, numeric ranges from the sorted
 * column, string ranges and prefix/suffix tests over the field's distinct strings, `$and`/`$or`/`$not` as word-wise
 * set operations. What the indexes cannot answer (`$contains`, nested paths) is evaluated by the compiled predicate
 * over the slots still in question — inside an `$and`, only over the slots its other children let through.
 * Tombstones are folded in: bit `s` is set exactly when slot `s` is live and matches.
 *
 * @internal
 * @module
 */
import type { FieldNode, FilterNode } from '../core/filter.js';
import { compileFilterNode } from './filter-compiler.js';
import type { MetadataIndex } from './metadata-index.js';
import type { PayloadArena } from './payloads.js';

/** What a bitset evaluation reads. @internal */
export interface BitsetSource {
  index: MetadataIndex;
  payloads: PayloadArena;
  /** Slots written (the bitset covers `[0, slots)`). */
  slots: number;
  deleted: Uint8Array;
  /** Dead slots (0 skips the tombstone fold). */
  dead: number;
}

/** An allow-bitset and its exact popcount. @internal */
export interface AllowSet {
  bits: Uint32Array;
  count: number;
}

/** Set bits in one 32-bit word. @internal */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Set bits in a bitset. @internal */
export function popcount(bits: Uint32Array): number {
  let n = 0;
  for (let w = 0; w < bits.length; w++) if (bits[w] !== 0) n += popcount32(bits[w]);
  return n;
}

/** The set slots of a bitset, in increasing order. @internal */
export function bitsetSlots(bits: Uint32Array, count: number): Uint32Array {
  const out = new Uint32Array(count);
  let i = 0;
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w];
    while (x !== 0) {
      const t = x & -x;
      out[i++] = (w << 5) | (31 - Math.clz32(t));
      x ^= t;
    }
  }
  return out;
}

/** Whether the indexes answer a field node exactly (otherwise the predicate does). */
function answerable(node: FieldNode): boolean {
  return node.path.length === 1 && node.op !== '$contains';
}

/** Whether a whole subtree is answered by the indexes. */
function indexable(node: FilterNode): boolean {
  switch (node.kind) {
    case 'and': case 'or': return node.children.every(indexable);
    case 'not': return indexable(node.child);
    default: return answerable(node);
  }
}

/** Marker op of a merged range (never produced by the parser). */
const RANGE = '$range' as FieldNode['op'];

/** Both numeric bounds on one top-level field, merged from an `$and`'s children. */
type RangeNode = FieldNode & { lo: number | undefined; loStrict: boolean; hi: number | undefined; hiStrict: boolean };

/**
 * An `$and`'s children with each top-level field's numeric lower and upper bound merged into one range node
 * (`{ x: { $gte: 1, $lt: 5 } }` parses as two leaves; apart, they would set the bits of both open ranges). Only
 * for fields that hold no arrays (with arrays each bound may be met by a different element).
 */
function mergeRanges(children: FilterNode[], index: MetadataIndex): FilterNode[] {
  const lower = new Map<string, FieldNode>(), upper = new Map<string, FieldNode>();
  for (const c of children) {
    if (c.kind !== 'field' || c.path.length !== 1 || typeof c.value !== 'number' || index.field(c.path[0])?.hasArrays !== false) continue;
    if (c.op === '$gt' || c.op === '$gte') lower.set(c.path[0], c);
    else if (c.op === '$lt' || c.op === '$lte') upper.set(c.path[0], c);
  }
  const both = [...lower.keys()].filter((k) => upper.has(k));
  if (both.length === 0) return children;
  const merged = new Set<FilterNode>();
  const out: FilterNode[] = [];
  for (const k of both) {
    const lo = lower.get(k)!, hi = upper.get(k)!;
    merged.add(lo).add(hi);
    const r: RangeNode = {
      kind: 'field', path: lo.path, op: RANGE, value: null,
      lo: lo.value as number, loStrict: lo.op === '$gt', hi: hi.value as number, hiStrict: hi.op === '$lt',
    };
    out.push(r);
  }
  for (const c of children) if (!merged.has(c)) out.push(c);
  return out;
}

class Evaluator {
  readonly words: number;
  readonly #src: BitsetSource;

  constructor(src: BitsetSource) {
    this.#src = src;
    this.words = (src.slots + 31) >>> 5;
  }

  #empty(): Uint32Array {
    return new Uint32Array(this.words);
  }

  #universe(): Uint32Array {
    const b = new Uint32Array(this.words).fill(0xffffffff);
    this.#maskTail(b);
    return b;
  }

  #maskTail(b: Uint32Array): void {
    const r = this.#src.slots & 31;
    if (r !== 0) b[this.words - 1] &= (1 << r) - 1;
  }

  #complement(b: Uint32Array): Uint32Array {
    for (let w = 0; w < b.length; w++) b[w] = ~b[w];
    this.#maskTail(b);
    return b;
  }

  /** Clears the set bits of `b` whose slot fails `node`'s predicate (`keep` false: clears those that pass). */
  #refine(b: Uint32Array, node: FilterNode, keep: boolean): void {
    const pred = compileFilterNode(node);
    const read = this.#src.payloads.projection(pred.fields ?? null);
    for (let w = 0; w < b.length; w++) {
      let x = b[w];
      while (x !== 0) {
        const t = x & -x;
        if (pred(read((w << 5) | (31 - Math.clz32(t)))) !== keep) b[w] &= ~t;
        x ^= t;
      }
    }
  }

  eval(node: FilterNode): Uint32Array {
    switch (node.kind) {
      case 'and': {
        let acc: Uint32Array | null = null;
        const rest: FilterNode[] = [];
        for (const c of mergeRanges(node.children, this.#src.index)) {
          if (!indexable(c)) {
            rest.push(c);
            continue;
          }
          const b = c.kind === 'field' && c.op === RANGE ? this.#range(c as RangeNode) : this.eval(c);
          if (acc === null) acc = b;
          else for (let w = 0; w < acc.length; w++) acc[w] &= b[w];
        }
        acc ??= this.#universe();
        // Predicates only over the slots the indexed children let through (and, with tombstones, only live ones).
        if (rest.length > 0) {
          this.#foldTombstones(acc);
          for (const c of rest) this.#refine(acc, c, true);
        }
        return acc;
      }
      case 'or': {
        const acc = this.#empty();
        const rest: FilterNode[] = [];
        for (const c of node.children) {
          if (!indexable(c)) {
            rest.push(c);
            continue;
          }
          const b = this.eval(c);
          for (let w = 0; w < acc.length; w++) acc[w] |= b[w];
        }
        if (rest.length > 0) {
          // The slots not yet in: those passing one of the other children join.
          const others = this.#complement(acc.slice());
          this.#foldTombstones(others);
          this.#refine(others, rest.length === 1 ? rest[0] : { kind: 'or', children: rest }, true);
          for (let w = 0; w < acc.length; w++) acc[w] |= others[w];
        }
        return acc;
      }
      case 'not':
        return this.#complement(this.eval(node.child));
      default:
        return answerable(node) ? this.#field(node) : this.#byPredicate(node);
    }
  }

  /** A merged numeric range on one field (both bounds in one pass over the sorted column). */
  #range(node: RangeNode): Uint32Array {
    const out = this.#empty();
    const f = this.#src.index.field(node.path[0]);
    f?.numberRangeInto(out, node.lo, node.loStrict, node.hi, node.hiStrict);
    return out;
  }

  #byPredicate(node: FilterNode): Uint32Array {
    const b = this.#universe();
    this.#foldTombstones(b);
    this.#refine(b, node, true);
    return b;
  }

  #field(node: FieldNode): Uint32Array {
    const f = this.#src.index.field(node.path[0]);
    const out = this.#empty();
    switch (node.op) {
      case '$exists':
        f?.present.copyInto(out);
        return node.value === true ? out : this.#complement(out);
      case '$eq': case '$ne':
        f?.values.get(node.value as string)?.copyInto(out);
        return node.op === '$eq' ? out : this.#complement(out);
      case '$in': case '$nin':
        if (f !== undefined) for (const v of node.value as (string | number | boolean | null)[]) f.values.get(v)?.orInto(out);
        return node.op === '$in' ? out : this.#complement(out);
      case '$gt': case '$gte': case '$lt': case '$lte': {
        if (f === undefined) return out;
        const b = node.value as number | string;
        if (typeof b === 'number') {
          if (node.op === '$gt' || node.op === '$gte') f.numberRangeInto(out, b, node.op === '$gt', undefined, false);
          else f.numberRangeInto(out, undefined, false, b, node.op === '$lt');
          return out;
        }
        for (const [v, p] of f.values) {
          if (typeof v !== 'string') continue;
          const hit = node.op === '$gt' ? v > b : node.op === '$gte' ? v >= b : node.op === '$lt' ? v < b : v <= b;
          if (hit) p.orInto(out);
        }
        return out;
      }
      case '$startsWith': case '$endsWith': {
        if (f === undefined) return out;
        const x = node.value as string;
        for (const [v, p] of f.values) {
          if (typeof v === 'string' && (node.op === '$startsWith' ? v.startsWith(x) : v.endsWith(x))) p.orInto(out);
        }
        return out;
      }
      default:
        return this.#byPredicate(node);
    }
  }

  /** Clears dead slots' bits. */
  #foldTombstones(b: Uint32Array): void {
    if (this.#src.dead === 0) return;
    const deleted = this.#src.deleted;
    for (let w = 0; w < b.length; w++) {
      let x = b[w];
      while (x !== 0) {
        const t = x & -x;
        if (deleted[(w << 5) | (31 - Math.clz32(t))] !== 0) b[w] &= ~t;
        x ^= t;
      }
    }
  }

  finish(b: Uint32Array): AllowSet {
    this.#foldTombstones(b);
    return { bits: b, count: popcount(b) };
  }
}

/**
 * The allow-bitset of a filter over `[0, src.slots)`: bit s set when slot s is live and matches. The index must
 * have caught up with the payloads first.
 *
 * @internal
 */
export function filterBitset(node: FilterNode, src: BitsetSource): AllowSet {
  const e = new Evaluator(src);
  return e.finish(e.eval(node));
}
