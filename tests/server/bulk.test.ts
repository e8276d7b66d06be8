// Bulk binary formats: CBOR request bodies on the embedding routes, Arrow IPC stream answers (`Accept:
// application/vnd.apache.arrow.stream`), and the Fletcher-compatible /encode and /encode/arrow routes. The Arrow
// answer is read back with apache-arrow and added to a LanceDB table as it is; its vectors are bit-identical to the
// JSON answer's.
import { createRequire } from 'node:module';
import * as lancedb from '@lancedb/lancedb';
import { FixedSizeList, tableFromArrays, tableFromIPC, tableToIPC, Utf8, type Table } from 'apache-arrow';
import { encode as cborEncode } from 'cbor-x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbiServer } from '../../src/server/index.js';
import { tempDir } from '../engine/helpers.js';
import { call, EMBED_MODEL, EngineService, startServer } from './helpers.js';

const ARROW = 'application/vnd.apache.arrow.stream';
const TEXTS = ['the quick brown fox', 'vectors in columns', 'ünïcödé and emoji 🦊', '', 'a longer text about capital cities and rivers'];
let service: EngineService;
let server: AbiServer;
let url: string;
const dir = tempDir('abi-server-bulk-');

beforeAll(async () => {
  service = await EngineService.open();
  ({ server, url } = await startServer({ service, limits: { maxInputs: 16 } }));
});
afterAll(async () => {
  await server.close();
  await service.close();
  dir.cleanup();
});

// LanceDB (CommonJS) checks `instanceof` against the CommonJS build of apache-arrow; this file's import is the ESM
// build. Reading the answer with the copy LanceDB uses is what a CommonJS client does.
const arrowCjs = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');

async function arrowBytesOf(path: string, init: { body?: unknown; raw?: Uint8Array; type?: string }): Promise<{ status: number; type: string | null; bytes: Uint8Array }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { accept: ARROW, 'content-type': init.type ?? 'application/json' },
    body: init.raw ?? JSON.stringify(init.body),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(res.status, Buffer.from(bytes).toString('utf8').slice(0, 300)).toBe(200);
  return { status: res.status, type: res.headers.get('content-type'), bytes };
}

async function arrow(path: string, init: { body?: unknown; raw?: Uint8Array; type?: string }): Promise<{ status: number; type: string | null; table: Table }> {
  const { status, type, bytes } = await arrowBytesOf(path, init);
  return { status, type, table: tableFromIPC(bytes) };
}

/** The float32 bytes of JSON vectors (JSON numbers are float32 values widened exactly). */
function jsonBytes(vectors: number[][]): Buffer {
  return Buffer.from(new Float32Array(vectors.flat()).buffer);
}

/** The float32 bytes of an Arrow answer's `embedding` column, row by row. */
function arrowBytes(table: Table): Buffer {
  const col = table.getChild('embedding')!;
  const parts: Buffer[] = [];
  for (let i = 0; i < col.length; i++) {
    const v = col.get(i)!.toArray() as Float32Array;
    parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  }
  return Buffer.concat(parts);
}

describe('Arrow answers', () => {
  it('POST /v1/embeddings: text utf8 + embedding fixed_size_list<float32>[d], vectors bit-identical to the JSON answer', async () => {
    const json = await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: TEXTS } });
    const { type, table } = await arrow('/v1/embeddings', { body: { model: EMBED_MODEL, input: TEXTS } });
    expect(type).toBe(ARROW);
    const dim = json.body.data[0].embedding.length;
    expect(table.numRows).toBe(TEXTS.length);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['text', 'embedding']);
    expect(table.schema.fields[0].type).toBeInstanceOf(Utf8);
    const list = table.schema.fields[1].type as FixedSizeList;
    expect(list).toBeInstanceOf(FixedSizeList);
    expect(list.listSize).toBe(dim);
    expect(String(list.children[0].type)).toBe('Float32');
    expect(table.schema.metadata.get('model')).toBe(EMBED_MODEL);
    expect(table.schema.metadata.get('dimension')).toBe(String(dim));
    expect(table.getChild('text')!.toArray()).toEqual(TEXTS);
    expect(arrowBytes(table).equals(jsonBytes(json.body.data.map((d: { embedding: number[] }) => d.embedding)))).toBe(true);
  });

  it('POST /embed, POST / and POST /api/embed answer the same columns and bits', async () => {
    const tei = await call(`${url}/embed`, { body: { inputs: TEXTS } });
    for (const [path, body] of [['/embed', { inputs: TEXTS }], ['/', { inputs: TEXTS }], ['/api/embed', { model: EMBED_MODEL, input: TEXTS }]] as const) {
      const { table } = await arrow(path, { body });
      expect(table.getChild('text')!.toArray(), path).toEqual(TEXTS);
      expect(arrowBytes(table).equals(jsonBytes(tei.body)), path).toBe(true);
    }
  });

  it('a client that ranks Arrow at q=0, or does not ask, gets JSON', async () => {
    for (const accept of [`${ARROW};q=0, application/json`, 'application/json', '*/*']) {
      const r = await call(`${url}/embed`, { body: { inputs: 'x' }, headers: { accept } });
      expect(r.headers.get('content-type'), accept).toBe('application/json');
    }
  });

  it('goes into a LanceDB table as it is, and a JSON query vector finds each text', async () => {
    const json = await call(`${url}/embed`, { body: { inputs: TEXTS } });
    const table = arrowCjs.tableFromIPC((await arrowBytesOf('/embed', { body: { inputs: TEXTS } })).bytes);
    const db = await lancedb.connect(`${dir.dir}/lance`);
    const docs = await db.createTable('docs', table);
    expect(await docs.countRows()).toBe(TEXTS.length);
    for (let i = 0; i < TEXTS.length; i++) {
      const [hit] = await docs.vectorSearch(json.body[i]).column('embedding').distanceType('l2').limit(1).toArray();
      expect(hit.text).toBe(TEXTS[i]);
      expect(hit._distance).toBe(0);
    }
    // What LanceDB stored is the same bits.
    const stored = await docs.query().select(['text', 'embedding']).toArrow();
    const order = stored.getChild('text')!.toArray() as string[];
    const back = order.map((t) => Array.from(stored.getChild('embedding')!.get(order.indexOf(t))!.toArray() as Float32Array));
    expect(jsonBytes(back).equals(jsonBytes(order.map((t) => json.body[TEXTS.indexOf(t)])))).toBe(true);
    db.close();
  });
});

describe('CBOR bodies', () => {
  const cbor = { 'content-type': 'application/cbor' };
  it('a bare array of strings stands for the texts; the JSON shape works too; answers equal the JSON ones', async () => {
    const json = await call(`${url}/embed`, { body: { inputs: TEXTS } });
    expect(await call(`${url}/embed`, { raw: cborEncode(TEXTS), headers: cbor })).toMatchObject({ status: 200, body: json.body });
    expect(await call(`${url}/embed`, { raw: cborEncode({ inputs: TEXTS, truncate: true }), headers: cbor })).toMatchObject({ status: 200, body: json.body });
    const oa = await call(`${url}/v1/embeddings`, { raw: cborEncode({ model: EMBED_MODEL, input: TEXTS }), headers: cbor });
    expect(oa.status).toBe(200);
    expect(oa.body.data.map((d: { embedding: number[] }) => d.embedding)).toEqual(json.body);
    const ol = await call(`${url}/api/embed`, { raw: cborEncode({ model: EMBED_MODEL, input: TEXTS }), headers: cbor });
    expect(ol.body.embeddings).toEqual(json.body);
  });

  it('with Arrow out too', async () => {
    const json = await call(`${url}/embed`, { body: { inputs: TEXTS } });
    const { table } = await arrow('/embed', { raw: cborEncode(TEXTS), type: 'application/cbor' });
    expect(arrowBytes(table).equals(jsonBytes(json.body))).toBe(true);
  });

  it('refuses what is not CBOR, or not the right shape, in the route\'s dialect', async () => {
    expect(await call(`${url}/v1/embeddings`, { raw: cborEncode(['a']), headers: cbor })).toMatchObject({
      status: 400, body: { error: { message: '"model" is required', type: 'invalid_request_error' } },
    });
    expect(await call(`${url}/embed`, { raw: new Uint8Array([0x9f, 0x61]), headers: cbor })).toMatchObject({ status: 422, body: { error: expect.stringMatching(/CBOR/), error_type: 'Validation' } });
    expect(await call(`${url}/embed`, { raw: cborEncode([1, 2]), headers: cbor })).toMatchObject({ status: 422, body: { error: expect.stringMatching(/token arrays/) } });
    expect(await call(`${url}/api/embed`, { raw: new Uint8Array(), headers: cbor })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/empty/) } });
    expect((await call(`${url}/embed`, { raw: cborEncode(Array.from({ length: 17 }, () => 'x')), headers: cbor })).status).toBe(413);
  });
});

describe('Fletcher-compatible /encode and /encode/arrow', () => {
  it('POST /encode: a CBOR array of strings in, the Arrow record out', async () => {
    const json = await call(`${url}/embed`, { body: { inputs: TEXTS } });
    const { table } = await arrow('/encode', { raw: cborEncode(TEXTS), type: 'application/cbor' });
    expect(table.getChild('text')!.toArray()).toEqual(TEXTS);
    expect(arrowBytes(table).equals(jsonBytes(json.body))).toBe(true);
    const named = await arrow(`/encode?model=${EMBED_MODEL}`, { raw: cborEncode(TEXTS), type: 'application/cbor' });
    expect(named.table.schema.metadata.get('model')).toBe(EMBED_MODEL);
  });

  it('POST /encode/arrow: the `text` column of an Arrow stream in, the same record out', async () => {
    const json = await call(`${url}/embed`, { body: { inputs: TEXTS } });
    const input = tableToIPC(tableFromArrays({ id: Int32Array.from(TEXTS.map((_, i) => i)), text: TEXTS }), 'stream');
    const { table } = await arrow('/encode/arrow', { raw: input, type: ARROW });
    expect(table.getChild('text')!.toArray()).toEqual(TEXTS);
    expect(arrowBytes(table).equals(jsonBytes(json.body))).toBe(true);
  });

  it('refuses wrong bodies with a 4xx in the TEI shape', async () => {
    const post = (path: string, raw: Uint8Array, type: string) => call(`${url}${path}`, { raw, headers: { 'content-type': type } });
    expect(await post('/encode', cborEncode(TEXTS), 'application/json')).toMatchObject({ status: 415, body: { error_type: 'Validation' } });
    expect(await post('/encode', cborEncode([]), 'application/cbor')).toMatchObject({ status: 422, body: { error: 'Request body must not be empty' } });
    expect(await post('/encode', cborEncode({ texts: ['a'] }), 'application/cbor')).toMatchObject({ status: 422, body: { error: expect.stringMatching(/array of strings/) } });
    expect(await post('/encode?model=nope', cborEncode(['a']), 'application/cbor')).toMatchObject({ status: 404, body: { error_type: 'NotFound' } });
    expect(await post('/encode/arrow', new Uint8Array([1, 2, 3, 4]), ARROW)).toMatchObject({ status: 422, body: { error: expect.stringMatching(/Arrow/) } });
    const ints = tableToIPC(tableFromArrays({ n: Int32Array.from([1, 2]) }), 'stream');
    expect(await post('/encode/arrow', ints, ARROW)).toMatchObject({ status: 422, body: { error: expect.stringMatching(/utf8/) } });
    expect(await post('/encode/arrow', tableToIPC(tableFromArrays({ text: TEXTS }), 'stream'), 'application/cbor')).toMatchObject({ status: 415 });
    expect((await post('/encode', cborEncode(Array.from({ length: 17 }, () => 'x')), 'application/cbor')).status).toBe(413);
  });
});
