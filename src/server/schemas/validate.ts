// Request validation through the route schemas: a body that does not fit becomes a `ValidationError` naming the first
// field that is wrong, worded as the hand-written checks were ("\"input\" is required", "\"dimensions\" must be a
// positive integer"), so every dialect keeps its status codes and messages.
import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';

const ARTICLE: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'an integer', integer: 'an integer', boolean: 'a boolean',
  object: 'a JSON object', array: 'an array', null: 'null',
};

/** Wording for issues whose schema has no message of its own. */
function word(iss: z.core.$ZodRawIssue): string {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return `must be ${ARTICLE[iss.expected] ?? iss.expected}`;
    case 'invalid_value':
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (iss.origin === 'array') return iss.minimum === 1 ? 'must not be empty' : `must have at least ${iss.minimum} items`;
      if (iss.origin === 'string') return 'must not be empty';
      return `must be at least ${iss.minimum}`;
    case 'too_big':
      if (iss.origin === 'array') return `must have at most ${iss.maximum} items`;
      return `must be at most ${iss.maximum}`;
    case 'invalid_union':
      return 'has the wrong shape';
    default:
      return iss.message ?? 'is not valid';
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/**
 * Validates a request body against its route's schema.
 *
 * @param schema - the route's request schema
 * @param body - the parsed body (JSON or CBOR)
 * @returns the body as the schema outputs it (unknown fields dropped)
 * @throws `ValidationError` (400; 422 in the TEI dialect) naming the first wrong field
 * @internal
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body, { error: word });
  if (r.success) return r.data;
  const iss = innermost(r.error.issues[0]);
  if (iss.path.length === 0) throw new ValidationError(iss.code === 'custom' ? iss.message : `Request body ${iss.message}`);
  throw new ValidationError(`"${pathOf(iss.path)}" ${iss.message}`);
}

/**
 * For a value that fits no branch of a union, the issue of the branch whose type it has ("input" is an array, so
 * report why the array is wrong: `"input[0]" must be a string`), else the union's own message.
 */
function innermost(iss: z.core.$ZodIssue): { code: string; path: PropertyKey[]; message: string } {
  if (iss.code !== 'invalid_union') return iss;
  for (const branch of iss.errors) {
    const first = branch[0];
    if (first && !(first.code === 'invalid_type' && first.path.length === 0)) {
      const inner = innermost(first);
      return { code: inner.code, path: [...iss.path, ...inner.path], message: inner.message };
    }
  }
  return iss;
}
