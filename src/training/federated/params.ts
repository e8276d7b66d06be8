/**
 * Model parameters as the federated protocol sees them: named Float32Arrays in a fixed layout (name and length of
 * each tensor, in order), flattened into one vector for the wire, the masks and the averaging. The protocol never
 * looks inside a tensor, so any trainer whose state is a few float arrays can be federated.
 *
 * @module
 */
import { InvalidUpdateError, ValidationError } from '../../core/errors.js';

/** Named parameter tensors, e.g. `{ weight: Float32Array(384 * 384), bias: Float32Array(384) }`. */
export type ParameterSet = Readonly<Record<string, Float32Array>>;

/** One tensor of a {@link ParameterLayout}. */
export interface ParameterEntry {
  /** The tensor's name. */
  name: string;
  /** How many float32 values it holds. */
  size: number;
}

/** The order and sizes of the tensors in a flattened parameter vector. */
export type ParameterLayout = readonly ParameterEntry[];

/**
 * The layout of a parameter set: its tensors in the set's own key order.
 *
 * @param params - the tensors
 * @returns name and size of each
 * @throws {ValidationError} when the set is empty or a value is not a Float32Array
 * @example
 * ```ts
 * layoutOf({ w: new Float32Array(4), b: new Float32Array(2) }); // [{ name: 'w', size: 4 }, { name: 'b', size: 2 }]
 * ```
 */
export function layoutOf(params: ParameterSet): ParameterLayout {
  const names = Object.keys(params);
  if (names.length === 0) throw new ValidationError('a parameter set needs at least one tensor');
  return names.map((name) => {
    const t = params[name];
    if (!(t instanceof Float32Array)) throw new ValidationError(`parameter "${name}" must be a Float32Array`);
    return { name, size: t.length };
  });
}

/**
 * Total number of values in a layout.
 *
 * @param layout - the layout
 * @returns the sum of the sizes
 */
export function layoutSize(layout: ParameterLayout): number {
  let n = 0;
  for (const e of layout) n += e.size;
  return n;
}

/**
 * Whether two layouts are the same (names, sizes and order).
 *
 * @param a - one layout
 * @param b - the other
 * @returns true when equal
 */
export function sameLayout(a: ParameterLayout, b: ParameterLayout): boolean {
  return a.length === b.length && a.every((e, i) => e.name === b[i].name && e.size === b[i].size);
}

/**
 * Flattens a parameter set into one vector in `layout` order.
 *
 * @param params - the tensors
 * @param layout - the order and sizes expected
 * @returns a new vector
 * @throws {InvalidUpdateError} (`shape`) when a tensor is missing or has another size
 */
export function flatten(params: ParameterSet, layout: ParameterLayout): Float32Array {
  const out = new Float32Array(layoutSize(layout));
  let off = 0;
  for (const { name, size } of layout) {
    const t = params[name];
    if (!(t instanceof Float32Array) || t.length !== size) {
      throw new InvalidUpdateError('shape', `parameter "${name}" has ${t instanceof Float32Array ? t.length : 'no'} values, expected ${size}`);
    }
    out.set(t, off);
    off += size;
  }
  return out;
}

/**
 * Splits a flat vector back into named tensors (copies, so the result owns its memory).
 *
 * @param flat - the vector
 * @param layout - its layout
 * @returns the tensors
 * @throws {InvalidUpdateError} (`shape`) when the vector's length does not match the layout
 */
export function unflatten(flat: Float32Array, layout: ParameterLayout): Record<string, Float32Array> {
  const total = layoutSize(layout);
  if (flat.length !== total) throw new InvalidUpdateError('shape', `vector has ${flat.length} values, the layout has ${total}`);
  const out: Record<string, Float32Array> = {};
  let off = 0;
  for (const { name, size } of layout) {
    out[name] = flat.slice(off, off + size);
    off += size;
  }
  return out;
}

/**
 * The index of the first NaN or ±Infinity, or -1.
 *
 * @param v - the values
 * @returns the index, or -1 when all are finite
 */
export function firstNonFinite(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) {
    // x - x is NaN for NaN and ±Infinity, 0 otherwise: one test for both.
    if (v[i] - v[i] !== 0) return i;
  }
  return -1;
}
