/**
 * A loopback double of the part of Qdrant's REST API (v1.x, shapes from @qdrant/js-client-rest's OpenAPI types) that
 * QdrantStore uses: collections (exists, create, get, delete), payload indexes, points (upsert, retrieve, delete,
 * count, query). Answers are `{ result, status: 'ok', time }`; errors are `{ status: { error }, time }` with Qdrant's
 * statuses (404 unknown collection, 409 existing collection, 400 wrong input). Search is exact (brute force) with
 * Qdrant's score semantics: Cosine (vectors normalized on write, as Qdrant does) and Dot are similarities sorted
 * descending, Euclid is the distance sorted ascending. Filters are evaluated as Qdrant evaluates its filter JSON:
 * dotted keys walk into objects and through arrays, arrays match when any element matches, `is_empty` is
 * missing/null/[], `match` is type-strict.
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

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Values at a Qdrant key: dots walk objects; arrays on the way are flattened (`a.b` reads `b` of every object in `a`). */
function valuesAt(payload: Record<string, Json>, key: string): Json[] {
  let current: Json[] = [payload];
  for (const raw of key.split('.')) {
    const seg = raw.endsWith('[]') ? raw.slice(0, -2) : raw;
    const next: Json[] = [];
    for (const v of current) {
      const objects = Array.isArray(v) ? v.filter(isObject) : isObject(v) ? [v] : [];
      for (const o of objects) if (Object.prototype.hasOwnProperty.call(o, seg)) next.push(o[seg]);
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

function asArray<T>(v: T | T[] | null | undefined): T[] | undefined {
  return v === undefined || v === null ? undefined : Array.isArray(v) ? v : [v];
}

function valueMatches(v: Json, x: unknown): boolean {
  if (typeof x === 'string') return v === x;
  if (typeof x === 'boolean') return v === x;
  if (typeof x === 'number') return typeof v === 'number' && Number.isInteger(v) && v === x;
  throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum ValueVariants');
}

function checkField(cond: Record<string, unknown>, point: Point): boolean {
  const key = cond.key;
  if (typeof key !== 'string') throw new HttpError(400, 'Format error in JSON body: missing field `key`');
  const values = valuesAt(point.payload, key);
  if (isObject(cond.match as Json)) {
    const m = cond.match as Record<string, unknown>;
    if ('value' in m) return values.some((v) => valueMatches(v, m.value));
    if ('any' in m && Array.isArray(m.any)) return values.some((v) => (m.any as unknown[]).some((x) => valueMatches(v, x)));
    if ('prefix' in m && typeof m.prefix === 'string') {
      const p = Buffer.from(m.prefix, 'utf8');
      return values.some((v) => typeof v === 'string' && Buffer.from(v, 'utf8').subarray(0, p.length).equals(p));
    }
    if ('text' in m && typeof m.text === 'string') {
      // Without a full-text index Qdrant requires every term of the query to occur in the string.
      const terms = m.text.split(/\s+/).filter(Boolean);
      return values.some((v) => typeof v === 'string' && terms.every((t) => v.includes(t)));
    }
    throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum Match');
  }
  if (isObject(cond.range as Json)) {
    const r = cond.range as Record<string, unknown>;
    for (const [k, b] of Object.entries(r)) {
      if (!['gt', 'gte', 'lt', 'lte'].includes(k) || (b !== null && typeof b !== 'number')) {
        throw new HttpError(400, `Format error in JSON body: unknown field \`${k}\` in range`);
      }
    }
    const ok = (x: number): boolean => (typeof r.gt !== 'number' || x > r.gt) && (typeof r.gte !== 'number' || x >= r.gte)
      && (typeof r.lt !== 'number' || x < r.lt) && (typeof r.lte !== 'number' || x <= r.lte);
    return values.some((v) => typeof v === 'number' && ok(v));
  }
  if (cond.is_empty === true) return values.every((v) => v === null);
  if (cond.is_null === true) return values.length > 0 && values.every((v) => v === null);
  throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum Condition');
}

function checkCondition(cond: unknown, point: Point): boolean {
  if (!isObject(cond as Json)) throw new HttpError(400, 'Format error in JSON body: data did not match any variant of untagged enum Condition');
  const c = cond as Record<string, unknown>;
  if ('key' in c) return checkField(c, point);
  if (isObject(c.is_empty as Json)) return checkField({ key: (c.is_empty as { key: unknown }).key, is_empty: true }, point);
  if (isObject(c.is_null as Json)) return checkField({ key: (c.is_null as { key: unknown }).key, is_null: true }, point);
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
  if (should && should.length > 0 && !should.some((c) => checkCondition(c, point))) return false;
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

function normalized(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (n === 0 || Math.abs(n - 1) < 1e-6) return v;
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
