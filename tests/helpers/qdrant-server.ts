/**
 * A loopback double of the part of Qdrant's REST API (v1.x, shapes from @qdrant/js-client-rest's OpenAPI types) that
 * QdrantStore uses: collections (exists, create, get, delete), payload indexes, points (upsert, retrieve, delete,
 * count, query, scroll). Answers are `{ result, status: 'ok', time }`; errors are `{ status: { error }, time }` with Qdrant's
 * statuses (404 unknown collection, 409 existing collection, 400 wrong input). Search is exact (brute force) with
 * Qdrant's score semantics: Cosine (vectors normalized on write, as Qdrant does) and Dot are similarities sorted
 * descending, Euclid is the distance sorted ascending. Filters are evaluated as Qdrant 1.19's payload checker does
 * without indexes (lib/segment/src/payload_storage/{query_checker,condition_checker}.rs, json_path/): dotted keys
 * walk objects only and `[]` walks arrays, a leaf array matches when any element matches, a missing field matches
 * only `is_empty`, `match` is type-strict (`value` integer never equals a float or a string), `text` without a
 * full-text index is a substring test, `should: []` matches nothing.
 */
import type { ServerResponse } from 'node:http';
import { json, startFakeServer, type FakeServer, type RecordedRequest } from './fake-server.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Distance = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';

interface Point { id: string | number; vector: Float32Array; payload: Record<string, Json> }
interface Collection {
  size: number;
  distance: Distance;
  config: Record<string, unknown>;
  points: Map<string, Point>;
  payloadSchema: Record<string, { data_type: string; points: number }>;
  operationId: number;
}

export interface QdrantDouble extends FakeServer {
  /** The collections, by name. */
  collections: Map<string, Collection>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function pointKey(id: unknown): string {
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return `n:${id}`;
  if (typeof id === 'string' && UUID.test(id)) return `u:${id.toLowerCase()}`;
  throw new HttpError(400, `Format error in JSON body: value ${JSON.stringify(id)} is not a valid point ID, valid values are either an unsigned integer or a UUID`);
}

/** Qdrant's id order: unsigned integers first (numerically), then UUIDs. */
function idOrder(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type PathItem = { key: string } | { index: number } | { wildcard: true };

/** Qdrant's JSON path: `key`, `"quoted key"`, `.key`, `[n]`, `[]` (lib/segment/src/json_path/parse.rs). */
function parsePath(path: string): PathItem[] {
  const items: PathItem[] = [];
  const re = /^(?:([\p{L}\p{N}_-]+)|"([^"\\]*)")/u;
  let rest = path;
  let first = true;
  while (rest.length > 0 || first) {
    let m: RegExpMatchArray | null;
    if (!first && rest.startsWith('[]')) { items.push({ wildcard: true }); rest = rest.slice(2); continue; }
    if (!first && (m = rest.match(/^\[(\d+)\]/))) { items.push({ index: Number(m[1]) }); rest = rest.slice(m[0].length); continue; }
    if (!first && rest.startsWith('.')) rest = rest.slice(1);
    else if (!first) break;
    m = rest.match(re);
    if (!m) break;
    items.push({ key: m[1] ?? m[2] });
    rest = rest.slice(m[0].length);
    first = false;
  }
  if (rest.length > 0 || items.length === 0) throw new HttpError(400, `Format error in JSON body: Invalid JSON path: ${path}`);
  return items;
}

/** Values at a Qdrant key, as `JsonPath::value_get` reads them: keys walk objects only, `[]` walks arrays; leaf arrays stay whole. */
function valuesAt(payload: Record<string, Json>, key: string): Json[] {
  const out: Json[] = [];
  const walk = (items: PathItem[], v: Json | undefined): void => {
    if (v === undefined) return;
    if (items.length === 0) return void out.push(v);
    const [head, ...tail] = items;
    if ('key' in head) { if (isObject(v) && Object.prototype.hasOwnProperty.call(v, head.key)) walk(tail, v[head.key]); }
    else if ('index' in head) { if (Array.isArray(v)) walk(tail, v[head.index]); }
    else if (Array.isArray(v)) for (const e of v) walk(tail, e);
  };
  walk(parsePath(key), payload);
  return out;
}

function asArray<T>(v: T | T[] | null | undefined): T[] | undefined {
  return v === undefined || v === null ? undefined : Array.isArray(v) ? v : [v];
}

const isInteger = (v: Json): boolean => typeof v === 'number' && Number.isInteger(v);

/** `ValueVariants` is untagged `String | Integer(i64) | Bool`: anything else does not deserialize. */
function checkVariant(x: unknown): void {
  if (typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isInteger(x))) return;
  throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum ValueVariants');
}

/** `AnyVariants` is untagged `Strings | Integers`. */
function checkAnyVariants(xs: unknown): (string | number)[] {
  if (Array.isArray(xs) && (xs.every((x) => typeof x === 'string') || xs.every((x) => typeof x === 'number' && Number.isInteger(x)))) return xs as (string | number)[];
  throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum AnyVariants');
}

/** One stored value against a match (condition_checker.rs `Match::check_match`). */
function matchOne(m: Record<string, unknown>, v: Json): boolean {
  if ('value' in m) {
    checkVariant(m.value);
    return typeof m.value === 'number' ? isInteger(v) && v === m.value : v === m.value;
  }
  if ('any' in m) {
    const list = checkAnyVariants(m.any);
    return (typeof v === 'string' || isInteger(v)) && list.length > 0 && typeof list[0] === typeof v && list.includes(v as string | number);
  }
  if ('except' in m) {
    const list = checkAnyVariants(m.except);
    if (v === null) return false;
    if (typeof v === 'string' && (list.length === 0 || typeof list[0] === 'string')) return !list.includes(v);
    if (typeof v === 'number' && (list.length === 0 || typeof list[0] === 'number')) return !isInteger(v) || !list.includes(v);
    return true;
  }
  if (typeof m.text === 'string') return typeof v === 'string' && v.includes(m.text); // no full-text index: substring
  if (typeof m.phrase === 'string') return typeof v === 'string' && v.includes(m.phrase);
  if (typeof m.text_any === 'string') return typeof v === 'string' && (m.text_any as string).split(/\s+/).filter(Boolean).some((t) => v.includes(t));
  if (typeof m.prefix === 'string') return typeof v === 'string' && v.startsWith(m.prefix);
  throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum Match');
}

function rangeOne(r: Record<string, unknown>, v: Json): boolean {
  if (typeof v !== 'number') return false;
  return (typeof r.gt !== 'number' || v > r.gt) && (typeof r.gte !== 'number' || v >= r.gte)
    && (typeof r.lt !== 'number' || v < r.lt) && (typeof r.lte !== 'number' || v <= r.lte);
}

/** A FieldCondition (query_checker.rs `check_field_condition`, condition_checker.rs `ValueChecker`). */
function checkField(cond: Record<string, unknown>, point: Point): boolean {
  const key = cond.key;
  if (typeof key !== 'string') throw new HttpError(400, 'Format error in JSON body: missing field `key`');
  const m = cond.match as Record<string, unknown> | undefined | null;
  const r = cond.range as Record<string, unknown> | undefined | null;
  if (m !== undefined && m !== null && !isObject(m as Json)) throw new HttpError(400, 'Format error in JSON body: invalid type for `match`');
  if (r) {
    for (const [k, b] of Object.entries(r)) {
      if (!['gt', 'gte', 'lt', 'lte'].includes(k) || (b !== null && typeof b !== 'number')) {
        throw new HttpError(400, `Format error in JSON body: unsupported range bound \`${k}\` (this double has no datetime ranges)`);
      }
    }
  }
  const isEmpty = typeof cond.is_empty === 'boolean' ? cond.is_empty : undefined;
  const isNull = typeof cond.is_null === 'boolean' ? cond.is_null : undefined;
  if (!m && !r && isEmpty === undefined && isNull === undefined) {
    throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum Condition');
  }
  const values = valuesAt(point.payload, key);
  if (values.length === 0) return isEmpty !== undefined ? isEmpty : isNull !== undefined ? !isNull : false;
  const checkMatch = (v: Json): boolean => (m ? matchOne(m, v) : false) || (r ? rangeOne(r, v) : false);
  return values.some((v) => {
    if (isEmpty !== undefined) return v === null ? isEmpty : Array.isArray(v) ? (v.length === 0) === isEmpty : !isEmpty;
    if (isNull !== undefined) return v === null ? isNull : Array.isArray(v) ? v.some((x) => x === null) === isNull : !isNull;
    return Array.isArray(v) ? v.some(checkMatch) : checkMatch(v);
  });
}

function checkCondition(cond: unknown, point: Point): boolean {
  if (!isObject(cond as Json)) throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum Condition');
  const c = cond as Record<string, unknown>;
  if ('key' in c) return checkField(c, point);
  // IsEmptyCondition / IsNullCondition (common/utils.rs): every value null or [] / some value null.
  if (isObject(c.is_empty as Json)) return valuesAt(point.payload, String((c.is_empty as { key: unknown }).key)).every((v) => v === null || (Array.isArray(v) && v.length === 0));
  if (isObject(c.is_null as Json)) return valuesAt(point.payload, String((c.is_null as { key: unknown }).key)).some((v) => v === null);
  if (Array.isArray(c.has_id)) return c.has_id.some((id) => pointKey(id) === pointKey(point.id));
  if ('must' in c || 'should' in c || 'must_not' in c || 'min_should' in c) return checkFilter(c, point);
  throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum Condition');
}

/** Qdrant's Filter: every `must`, at least one `should` (when given), no `must_not`, `min_should.min_count` of its conditions. */
export function checkFilter(filter: unknown, point: Point): boolean {
  if (filter === undefined || filter === null) return true;
  if (!isObject(filter as Json)) throw new HttpError(400, 'Format error in JSON body: invalid type: expected struct Filter');
  const f = filter as Record<string, unknown>;
  for (const k of Object.keys(f)) {
    if (!['must', 'should', 'must_not', 'min_should'].includes(k)) throw new HttpError(400, `Format error in JSON body: unknown field \`${k}\`, expected one of \`should\`, \`min_should\`, \`must\`, \`must_not\``);
  }
  const must = asArray(f.must as unknown[]);
  const should = asArray(f.should as unknown[]);
  const mustNot = asArray(f.must_not as unknown[]);
  if (must && !must.every((c) => checkCondition(c, point))) return false;
  if (should && !should.some((c) => checkCondition(c, point))) return false; // `should: []` matches nothing
  if (mustNot && mustNot.some((c) => checkCondition(c, point))) return false;
  const min = f.min_should as { conditions?: unknown[]; min_count?: number } | undefined | null;
  if (min) return (min.conditions ?? []).filter((c) => checkCondition(c, point)).length >= (min.min_count ?? 0);
  return true;
}

function score(distance: Distance, q: Float32Array, v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < q.length; i++) {
    if (distance === 'Euclid') s += (q[i] - v[i]) ** 2;
    else if (distance === 'Manhattan') s += Math.abs(q[i] - v[i]);
    else s += q[i] * v[i];
  }
  return Math.fround(distance === 'Euclid' ? Math.sqrt(s) : s);
}

/** Qdrant's `cosine_preprocess` (spaces/simple.rs, tools.rs): f32 sum of squares, left alone when within 1e-6 of 1. */
function normalized(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s = Math.fround(s + Math.fround(x * x));
  if (s < 1.1920929e-7 || Math.abs(s - 1) <= 1e-6) return v;
  const n = Math.fround(Math.sqrt(s));
  return v.map((x) => x / n);
}

function toVector(c: Collection, v: unknown): Float32Array {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum VectorStruct');
  }
  if (v.length !== c.size) throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${v.length}`);
  const f = Float32Array.from(v as number[]);
  return c.distance === 'Cosine' ? normalized(f) : f;
}

function selectPayload(p: Point, sel: unknown): Record<string, Json> | undefined {
  if (sel === false) return undefined;
  if (Array.isArray(sel)) return Object.fromEntries(Object.entries(p.payload).filter(([k]) => sel.includes(k)));
  return structuredClone(p.payload);
}

function record(p: Point, withPayload: unknown, withVector: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { id: p.id, ...extra };
  const payload = selectPayload(p, withPayload ?? true);
  if (payload !== undefined) out.payload = payload;
  if (withVector === true) out.vector = Array.from(p.vector);
  return out;
}

const DISTANCES = new Set(['Cosine', 'Dot', 'Euclid', 'Manhattan']);
const INDEX_TYPES = new Set(['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid']);

/**
 * Starts the Qdrant double on 127.0.0.1 (random port).
 *
 * @param options - `apiKey`: require this `api-key` header (401 otherwise)
 */
export async function startQdrantServer(options: { apiKey?: string } = {}): Promise<QdrantDouble> {
  const collections = new Map<string, Collection>();
  const started = process.hrtime.bigint();
  const ok = (res: ServerResponse, result: unknown): void => json(res, 200, { result, status: 'ok', time: Number(process.hrtime.bigint() - started) / 1e9 });
  const fail = (res: ServerResponse, status: number, error: string): void => json(res, status, { status: { error }, time: 0.000012 });
  const update = (c: Collection): Record<string, unknown> => ({ operation_id: c.operationId++, status: 'completed' });

  const route = (req: RecordedRequest, res: ServerResponse): void => {
    if (options.apiKey && req.headers['api-key'] !== options.apiKey) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('Must provide an API key or an Authorization bearer token');
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    try {
      if (parts.length === 0 && req.method === 'GET') return json(res, 200, { title: 'qdrant - vector search engine', version: '1.19.0', commit: 'double' });
      if (parts[0] !== 'collections' || parts.length < 2) throw new HttpError(404, `Not found: ${req.path}`);
      const name = parts[1];
      const rest = parts.slice(2).join('/');
      const c = collections.get(name);
      const need = (): Collection => {
        if (!c) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
        return c;
      };
      const route = `${req.method} ${rest}`;
      switch (route) {
        case 'GET exists': return ok(res, { exists: c !== undefined });
        case 'PUT ': {
          if (c) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
          const v = body.vectors as { size?: unknown; distance?: unknown } | undefined;
          if (!v || typeof v.size !== 'number' || !Number.isInteger(v.size) || v.size < 1 || !DISTANCES.has(String(v.distance))) {
            throw new HttpError(400, 'Format error in JSON body: vectors: expected VectorParams with size >= 1 and a distance');
          }
          collections.set(name, {
            size: v.size, distance: v.distance as Distance, points: new Map(), payloadSchema: {}, operationId: 0,
            config: {
              params: {
                vectors: { size: v.size, distance: v.distance },
                shard_number: body.shard_number ?? 1, replication_factor: body.replication_factor ?? 1,
                write_consistency_factor: body.write_consistency_factor ?? 1, on_disk_payload: body.on_disk_payload ?? true,
              },
              hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false, ...(body.hnsw_config as object) },
              optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, flush_interval_sec: 5 },
              wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
              quantization_config: null,
            },
          });
          return ok(res, true);
        }
        case 'GET ': {
          const col = need();
          return ok(res, {
            status: 'green', optimizer_status: 'ok', indexed_vectors_count: 0, points_count: col.points.size, segments_count: 1,
            config: col.config, payload_schema: col.payloadSchema,
          });
        }
        case 'DELETE ': return ok(res, collections.delete(name));
        case 'PUT index': {
          const col = need();
          const schema = typeof body.field_schema === 'string' ? body.field_schema : (body.field_schema as { type?: string } | undefined)?.type;
          if (typeof body.field_name !== 'string' || !schema || !INDEX_TYPES.has(schema)) throw new HttpError(400, 'Format error in JSON body: field_name and a valid field_schema are required');
          col.payloadSchema[body.field_name] = { data_type: schema, points: 0 };
          return ok(res, update(col));
        }
        case 'PUT points': {
          const col = need();
          if (!Array.isArray(body.points)) throw new HttpError(400, 'Format error in JSON body: missing field `points`');
          const staged = body.points.map((p: { id?: unknown; vector?: unknown; payload?: unknown }) => {
            const key = pointKey(p.id);
            const payload = p.payload === undefined || p.payload === null ? {} : p.payload;
            if (!isObject(payload as Json)) throw new HttpError(400, 'Format error in JSON body: payload must be an object');
            return [key, { id: p.id as string | number, vector: toVector(col, p.vector), payload: payload as Record<string, Json> }] as const;
          });
          for (const [key, p] of staged) col.points.set(key, p); // validated first: all or nothing
          return ok(res, update(col));
        }
        case 'POST points': {
          const col = need();
          if (!Array.isArray(body.ids)) throw new HttpError(400, 'Format error in JSON body: missing field `ids`');
          const out = body.ids.map((id) => col.points.get(pointKey(id))).filter((p): p is Point => p !== undefined);
          return ok(res, out.map((p) => record(p, body.with_payload, body.with_vector)));
        }
        case 'POST points/delete': {
          const col = need();
          if (Array.isArray(body.points)) for (const id of body.points) col.points.delete(pointKey(id));
          else if (body.filter !== undefined) for (const [k, p] of col.points) { if (checkFilter(body.filter, p)) col.points.delete(k); }
          else throw new HttpError(400, 'Format error in JSON body: expected `points` or `filter`');
          return ok(res, update(col));
        }
        case 'POST points/scroll': {
          const col = need();
          const limit = typeof body.limit === 'number' ? body.limit : 10;
          const sorted = [...col.points.values()].filter((p) => checkFilter(body.filter, p))
            .sort((a, b) => idOrder(a.id, b.id));
          const start = body.offset === undefined || body.offset === null ? 0 : sorted.findIndex((p) => idOrder(p.id, pointKey(body.offset) && body.offset as string | number) >= 0);
          const page = start < 0 ? [] : sorted.slice(start, start + limit);
          const next = start < 0 ? undefined : sorted[start + limit];
          return ok(res, { points: page.map((p) => record(p, body.with_payload, body.with_vector)), next_page_offset: next ? next.id : null });
        }
        case 'POST points/count': {
          const col = need();
          let n = 0;
          for (const p of col.points.values()) if (checkFilter(body.filter, p)) n++;
          return ok(res, { count: n });
        }
        case 'POST points/query': {
          const col = need();
          const q = toVector(col, body.query);
          const limit = body.limit ?? 10;
          const offset = body.offset ?? 0;
          if (typeof limit !== 'number' || typeof offset !== 'number') throw new HttpError(400, 'Format error in JSON body: limit and offset must be integers');
          const scored: { p: Point; s: number }[] = [];
          for (const p of col.points.values()) if (checkFilter(body.filter, p)) scored.push({ p, s: score(col.distance, q, p.vector) });
          const ascending = col.distance === 'Euclid' || col.distance === 'Manhattan';
          scored.sort((a, b) => (ascending ? a.s - b.s : b.s - a.s));
          const points = scored.slice(offset, offset + limit).map(({ p, s }) => record(p, body.with_payload ?? false, body.with_vector, { version: 0, score: s }));
          return ok(res, { points });
        }
        default: throw new HttpError(404, `Not found: ${req.method} ${req.path}`);
      }
    } catch (err) {
      if (err instanceof HttpError) return fail(res, err.status, err.message);
      throw err;
    }
  };
  const server = await startFakeServer(route);
  return Object.assign(server, { collections });
}
