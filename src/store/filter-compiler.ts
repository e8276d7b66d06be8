/**
 * Compiles a {@link FilterNode} tree into nested closures: the tree is walked once per search instead of once per
 * candidate. Semantics are exactly those of `evaluateFilter` in `core/filter.ts` (property-tested against it).
 *
 * @internal
 * @module
 */
import type { Metadata, MetadataValue } from '../core/contracts.js';
import type { FieldNode, FilterNode, FilterScalar } from '../core/filter.js';
import { getFieldValue } from '../core/filter.js';

/**
 * A compiled filter. `fields` (set on the predicate {@link compileFilterNode} returns) lists the top-level metadata
 * keys it reads, so a store can hand it objects holding only those keys; `node` is the tree it was compiled from. @internal
 */
export type MetadataPredicate = ((metadata: Metadata) => boolean) & { fields?: readonly string[]; node?: FilterNode };

type ScalarTest = (v: MetadataValue) => boolean;

function scalarTest(node: FieldNode): ScalarTest {
  const operand = node.value;
  switch (node.op) {
    case '$eq': return (v) => v === operand;
    case '$in': {
      const set = operand as FilterScalar[];
      return (v) => set.some((x) => x === v);
    }
    case '$gt': case '$gte': case '$lt': case '$lte': {
      const b = operand as number | string;
      const t = typeof b;
      switch (node.op) {
        case '$gt': return (v) => typeof v === t && (v as number | string) > b;
        case '$gte': return (v) => typeof v === t && (v as number | string) >= b;
        case '$lt': return (v) => typeof v === t && (v as number | string) < b;
        default: return (v) => typeof v === t && (v as number | string) <= b;
      }
    }
    case '$startsWith': {
      const p = operand as string;
      return (v) => typeof v === 'string' && v.startsWith(p);
    }
    case '$endsWith': {
      const p = operand as string;
      return (v) => typeof v === 'string' && v.endsWith(p);
    }
    default: return () => false;
  }
}

function anyOf(test: ScalarTest): ScalarTest {
  return (v) => (Array.isArray(v) ? v.some(test) : test(v));
}

function compileField(node: FieldNode): MetadataPredicate {
  const path = node.path;
  const read = path.length === 1
    ? (m: Metadata): MetadataValue | undefined => (Object.prototype.hasOwnProperty.call(m, path[0]) ? m[path[0]] : undefined)
    : (m: Metadata): MetadataValue | undefined => getFieldValue(m, path);
  switch (node.op) {
    case '$exists': {
      const want = node.value as boolean;
      return (m) => (read(m) !== undefined) === want;
    }
    case '$ne': {
      const eq = anyOf(scalarTest({ ...node, op: '$eq' }));
      return (m) => {
        const v = read(m);
        return v === undefined || !eq(v);
      };
    }
    case '$nin': {
      const inn = anyOf(scalarTest({ ...node, op: '$in' }));
      return (m) => {
        const v = read(m);
        return v === undefined || !inn(v);
      };
    }
    case '$contains': {
      const x = node.value;
      return (m) => {
        const v = read(m);
        if (typeof v === 'string') return typeof x === 'string' && v.includes(x);
        return Array.isArray(v) && v.some((e) => e === x);
      };
    }
    default: {
      const test = anyOf(scalarTest(node));
      return (m) => {
        const v = read(m);
        return v !== undefined && test(v);
      };
    }
  }
}

/**
 * Compiles a normalized filter into a predicate.
 *
 * @internal
 */
export function compileFilterNode(node: FilterNode): MetadataPredicate {
  const fields = new Set<string>();
  collectFields(node, fields);
  const compiled = compileNode(node);
  // compileNode returns a fresh closure per call, so the property lands on no shared function.
  compiled.fields = [...fields].sort();
  // The tree itself, for stores that evaluate it over columnar indexes into a bitset instead.
  compiled.node = node;
  return compiled;
}

function collectFields(node: FilterNode, into: Set<string>): void {
  if (node.kind === 'and' || node.kind === 'or') for (const c of node.children) collectFields(c, into);
  else if (node.kind === 'not') collectFields(node.child, into);
  else into.add(node.path[0]);
}

function compileNode(node: FilterNode): MetadataPredicate {
  switch (node.kind) {
    case 'and': {
      const cs = node.children.map(compileNode);
      if (cs.length === 0) return () => true;
      if (cs.length === 1) return cs[0];
      if (cs.length === 2) {
        const [a, b] = cs;
        return (m) => a(m) && b(m);
      }
      return (m) => cs.every((c) => c(m));
    }
    case 'or': {
      const cs = node.children.map(compileNode);
      return (m) => cs.some((c) => c(m));
    }
    case 'not': {
      const c = compileNode(node.child);
      return (m) => !c(m);
    }
    default: return compileField(node);
  }
}
