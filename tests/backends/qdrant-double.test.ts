/**
 * Pins the Qdrant double's rules to Qdrant 1.19's own (lib/segment/src/payload_storage/query_checker.rs,
 * condition_checker.rs, common/utils.rs, json_path/), driven through the official client, so QdrantStore's
 * translation is tested against Qdrant's semantics and not against the double's convenience.
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQdrantServer, type QdrantDouble } from '../helpers/qdrant-server.js';

let server: QdrantDouble;
let client: QdrantClient;
const points = [
  { id: 1, payload: { a: [{ b: 1 }, { b: 2 }], s: 'hello world', n: 1.5, i: 2, t: true } },
  { id: 2, payload: { a: { b: 1 }, s: ['x', 'hello'], n: null, arr: [] } },
  { id: 3, payload: { a: null, s: 'HELLO', i: '2', arr: [null], nested: [[1]] } },
  { id: 4, payload: {} },
];

beforeAll(async () => {
  server = await startQdrantServer();
  client = new QdrantClient({ url: server.url, timeout: Infinity, checkCompatibility: false });
  await client.createCollection('d', { vectors: { size: 2, distance: 'Cosine' } });
  await client.upsert('d', { wait: true, points: points.map((p) => ({ ...p, vector: [1, 0] })) });
});
afterAll(async () => {
  await server.close();
});

async function ids(filter: object): Promise<number[]> {
  const r = await client.scroll('d', { filter, limit: 100, with_payload: false });
  return r.points.map((p) => Number(p.id)).sort();
}

describe('Qdrant double: filter semantics of Qdrant 1.19', () => {
  it('keys walk objects only; [] walks arrays; leaf arrays match on any element', async () => {
    expect(await ids({ must: [{ key: 'a.b', match: { value: 1 } }] })).toEqual([2]);
    expect(await ids({ must: [{ key: 'a[].b', match: { value: 2 } }] })).toEqual([1]);
    expect(await ids({ must: [{ key: 's', match: { value: 'hello' } }] })).toEqual([2]);
    expect(await ids({ must: [{ key: 'nested', match: { value: 1 } }] })).toEqual([]); // nested arrays are not flattened
  });

  it('match is type-strict; floats only through range; text is a substring test; prefix is startsWith', async () => {
    expect(await ids({ must: [{ key: 'i', match: { value: 2 } }] })).toEqual([1]);
    expect(await ids({ must: [{ key: 'i', match: { value: '2' } }] })).toEqual([3]);
    expect(await ids({ must: [{ key: 't', match: { value: true } }] })).toEqual([1]);
    expect(await ids({ must: [{ key: 'n', range: { gte: 1.5, lte: 1.5 } }] })).toEqual([1]);
    await expect(ids({ must: [{ key: 'n', match: { value: 1.5 } }] })).rejects.toMatchObject({ status: 400 });
    expect(await ids({ must: [{ key: 's', match: { text: 'lo wo' } }] })).toEqual([1]);
    expect(await ids({ must: [{ key: 's', match: { text: 'hel' } }] })).toEqual([1, 2]);
    expect(await ids({ must: [{ key: 's', match: { prefix: 'HE' } }] })).toEqual([3]);
    expect(await ids({ must: [{ key: 's', match: { any: ['x', 'HELLO'] } }] })).toEqual([2, 3]);
  });

  it('is_empty: missing, null or []; is_null: null; should: [] matches nothing; must_not', async () => {
    expect(await ids({ must: [{ is_empty: { key: 'arr' } }] })).toEqual([1, 2, 4]);
    expect(await ids({ must: [{ is_empty: { key: 'a' } }] })).toEqual([3, 4]);
    expect(await ids({ must: [{ is_null: { key: 'n' } }] })).toEqual([2]);
    expect(await ids({ must: [{ is_null: { key: 'arr' } }] })).toEqual([]); // [null] is an array, not null
    expect(await ids({ should: [] })).toEqual([]);
    expect(await ids({ must: [] })).toEqual([1, 2, 3, 4]);
    expect(await ids({ must_not: [{ key: 'i', match: { value: 2 } }] })).toEqual([2, 3, 4]);
    expect(await ids({ min_should: { conditions: [{ key: 'i', match: { value: 2 } }, { key: 't', match: { value: true } }], min_count: 2 } })).toEqual([1]);
  });

  it('answers errors in Qdrant\'s shape', async () => {
    const err = await client.getCollection('nope').catch((e: unknown) => e) as { status: number; data: unknown };
    expect(err.status).toBe(404);
    expect(err.data).toMatchObject({ status: { error: "Not found: Collection `nope` doesn't exist!" }, time: expect.any(Number) });
    const conflict = await client.createCollection('d', { vectors: { size: 2, distance: 'Cosine' } }).catch((e: unknown) => e) as { status: number };
    expect(conflict.status).toBe(409);
    const wrong = await client.upsert('d', { wait: true, points: [{ id: 'not-a-uuid', vector: [1, 0] }] }).catch((e: unknown) => e) as { status: number };
    expect(wrong.status).toBe(400);
  });
});
