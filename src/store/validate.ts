/**
 * Input validation for writes and searches: every check runs before anything is written, so a bad batch leaves
 * the store untouched.
 *
 * @internal
 * @module
 */
import type { Metadata } from '../core/contracts.js';
import { DimensionMismatchError, ValidationError } from '../core/errors.js';
import type { VectorRecord } from '../retrieval/backend.js';

/** A validated record: vector copied into a Float32Array, metadata serialized once. @internal */
export interface ValidRecord {
  id: string;
  vector: Float32Array;
  text: string | undefined;
  metadata: Metadata;
  metadataJson: string;
}

function checkJson(v: unknown, at: string, depth: number): void {
  if (depth > 64) throw new ValidationError(`${at}: metadata nests deeper than 64 levels`);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ValidationError(`${at}: metadata numbers must be finite`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((e, i) => checkJson(e, `${at}[${i}]`, depth + 1));
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype || (typeof v === 'object' && Object.getPrototypeOf(v) === null)) {
    for (const [k, e] of Object.entries(v as object)) {
      if (e === undefined) throw new ValidationError(`${at}.${k}: metadata values must not be undefined`);
      checkJson(e, `${at}.${k}`, depth + 1);
    }
    return;
  }
  throw new ValidationError(`${at}: metadata must be JSON (plain objects, arrays, strings, finite numbers, booleans, null)`);
}

/**
 * Checks a vector's length and values and returns a Float32Array copy.
 *
 * @internal
 */
export function toVector(v: unknown, dimension: number, what: string): Float32Array {
  if (!(v instanceof Float32Array) && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
    throw new ValidationError(`${what}: vector must be a Float32Array or an array of numbers`);
  }
  const arr = v as ArrayLike<unknown>;
  if (arr.length !== dimension) throw new DimensionMismatchError(dimension, arr.length, what);
  const out = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) {
    const x = arr[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ValidationError(`${what}: vector[${i}] is not a finite number`);
    out[i] = x;
    if (!Number.isFinite(out[i])) throw new ValidationError(`${what}: vector[${i}] overflows float32`);
  }
  return out;
}

/**
 * Validates a batch of records as a whole (ids, duplicates, vectors, text, metadata).
 *
 * @internal
 */
export function validateRecords(records: readonly VectorRecord[], dimension: number): ValidRecord[] {
  if (!Array.isArray(records)) throw new ValidationError('records must be an array');
  const seen = new Set<string>();
  return records.map((r, i) => {
    if (typeof r !== 'object' || r === null) throw new ValidationError(`records[${i}] must be an object`);
    if (typeof r.id !== 'string' || r.id.length === 0) throw new ValidationError(`records[${i}].id must be a non-empty string`);
    if (seen.has(r.id)) throw new ValidationError(`duplicate id ${JSON.stringify(r.id)} in one batch`);
    seen.add(r.id);
    const what = `record ${JSON.stringify(r.id)}`;
    if (r.text !== undefined && typeof r.text !== 'string') throw new ValidationError(`${what}: text must be a string`);
    const metadata = r.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new ValidationError(`${what}: metadata must be an object`);
    checkJson(metadata, `${what}.metadata`, 0);
    const metadataJson = JSON.stringify(metadata);
    return { id: r.id, vector: toVector(r.vector, dimension, what), text: r.text, metadata: JSON.parse(metadataJson) as Metadata, metadataJson };
  });
}

/** Validates a list of ids for delete. @internal */
export function validateIds(ids: readonly string[]): string[] {
  if (!Array.isArray(ids)) throw new ValidationError('ids must be an array');
  for (const [i, id] of ids.entries()) {
    if (typeof id !== 'string' || id.length === 0) throw new ValidationError(`ids[${i}] must be a non-empty string`);
  }
  return [...new Set(ids)];
}
