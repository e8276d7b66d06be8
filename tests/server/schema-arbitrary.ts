// fast-check arbitraries derived from the OpenAPI document's JSON Schemas: valid values of a schema, and near-miss
// mutations of a valid object body (a field of the wrong type, a required field missing, a value nested one level
// too deep, a texts array far past the server's limits).
import fc from 'fast-check';

type Schema = Record<string, any>;

/** Resolves `#/components/schemas/X` references. */
export function deref(schema: Schema, components: Record<string, Schema>): Schema {
  let s = schema;
  while (typeof s.$ref === 'string') s = components[s.$ref.replace('#/components/schemas/', '')];
  return s;
}

/**
 * Values valid for a schema. `overrides` replace the arbitrary of a property by name (model ids and dimensions that
 * depend on what the server serves).
 */
export function validOf(schema: Schema, components: Record<string, Schema>, overrides: Record<string, fc.Arbitrary<unknown>> = {}): fc.Arbitrary<unknown> {
  const s = deref(schema, components);
  if (s.anyOf) return fc.oneof(...(s.anyOf as Schema[]).map((b) => validOf(b, components, overrides)));
  if (s.enum) return fc.constantFrom(...(s.enum as unknown[]));
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.type)) return fc.oneof(...(s.type as string[]).map((type) => validOf({ ...s, type }, components, overrides)));
  switch (s.type) {
    case 'null': return fc.constant(null);
    case 'boolean': return fc.boolean();
    case 'integer': return fc.integer({ min: Math.max(s.minimum ?? -1000, -1e9), max: Math.min(s.maximum ?? 1000, 1e9) });
    case 'number': {
      const min = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1e-3 : s.minimum ?? -1e6;
      return fc.double({ min, max: Math.min(s.maximum ?? 1e6, 1e6), noNaN: true, noDefaultInfinity: true });
    }
    case 'string':
      if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      // The only pattern request schemas use is "not blank": lead with a letter.
      if (s.pattern) return fc.string({ maxLength: 12 }).map((t) => `p${t}`);
      return fc.string({ minLength: s.minLength ?? 0, maxLength: 16 });
    case 'array':
      return fc.array(validOf(s.items ?? {}, components, overrides), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = overrides[k] ?? validOf(v, components, overrides);
      return fc.record(model, { requiredKeys: (s.required ?? []) as string[] });
    }
    default:
      return fc.jsonValue();
  }
}

/** A value that no property of a request schema accepts in place of `v` (a different JSON type). */
function wrongType(v: unknown): unknown {
  if (typeof v === 'string') return 42;
  if (typeof v === 'number') return 'not a number';
  if (typeof v === 'boolean') return 'true';
  if (Array.isArray(v)) return { items: v };
  if (v === null) return { null: true };
  return [v];
}

/**
 * The body to send for a near miss: a huge array is filled in only here, so a failing case prints small.
 *
 * @param miss - the near miss
 * @returns the body
 */
export function bodyOf(miss: NearMiss): unknown {
  if (miss.kind !== 'huge array') return miss.body;
  return { ...(miss.body as object), [miss.field!]: Array.from({ length: 5000 }, (_, i) => `text ${i}`) };
}

/** One near-miss of a valid object body, and what kind it is. */
export interface NearMiss {
  kind: 'wrong type' | 'missing field' | 'extra nesting' | 'body nested' | 'huge array';
  field: string | undefined;
  body: unknown;
}

/**
 * Near-miss mutations of valid bodies: each is invalid for the schema (or past the server's limits).
 *
 * @param valid - valid bodies (objects)
 * @param schema - their schema (an object schema)
 * @param hugeField - the texts field to blow up past the server's input limit, if any
 */
export function nearMissOf(valid: fc.Arbitrary<unknown>, schema: Schema, components: Record<string, Schema>, hugeField?: string): fc.Arbitrary<NearMiss> {
  const s = deref(schema, components);
  const required = (s.required ?? []) as string[];
  return fc.tuple(valid, fc.nat(), fc.constantFrom<NearMiss['kind']>('wrong type', 'missing field', 'extra nesting', 'body nested', 'huge array')).map(([b, pick, kind]) => {
    const body = { ...(b as Record<string, unknown>) };
    const present = Object.keys(body).filter((k) => k in (s.properties ?? {}));
    if (kind === 'missing field' && required.length) {
      const field = required[pick % required.length];
      delete body[field];
      return { kind, field, body };
    }
    if (kind === 'huge array' && hugeField) return { kind, field: hugeField, body };
    if ((kind === 'wrong type' || kind === 'extra nesting') && present.length) {
      const field = present[pick % present.length];
      // No request field takes an array of arrays, so two levels of nesting are never valid.
      body[field] = kind === 'wrong type' ? wrongType(body[field]) : [[body[field]]];
      return { kind, field, body };
    }
    return { kind: 'body nested', field: undefined, body: [body] };
  });
}
