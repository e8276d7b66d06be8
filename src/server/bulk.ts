// Bulk binary formats: CBOR request bodies (RFC 8949, decoded with cbor-x) and Arrow IPC stream answers (written and
// read with apache-arrow): `text` utf8 and `embedding` fixed_size_list<float32>[d], one row per input.
import type { IncomingMessage } from 'node:http';
import {
  DataType, Field, FixedSizeList, Float32, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC, Utf8,
} from 'apache-arrow';
import { decode } from 'cbor-x';
import { ValidationError } from '../core/errors.js';
import { HttpError } from './error-status.js';
import { readBody, readJson } from './http.js';
import { ARROW_STREAM } from './schemas/encode.js';

/**
 * Whether a request sends CBOR.
 *
 * @param req - the request
 * @returns true for `Content-Type: application/cbor`
 * @internal
 */
export function isCbor(req: IncomingMessage): boolean {
  return /^application\/cbor\b/i.test(req.headers['content-type'] ?? '');
}

/**
 * Whether a request asks for an Arrow IPC stream answer (`Accept: application/vnd.apache.arrow.stream`).
 *
 * @param req - the request
 * @returns true when the Accept header names the Arrow stream type with a non-zero quality
 * @internal
 */
export function wantsArrow(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.trim().split(';');
    if (type.trim().toLowerCase() !== ARROW_STREAM) return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * Decodes a CBOR body.
 *
 * @param bytes - the body
 * @returns the decoded value
 * @throws `ValidationError` for bytes that are not one well-formed CBOR item
 * @internal
 */
export function decodeCbor(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw new ValidationError('Request body is empty: send a CBOR item');
  try {
    return decode(bytes) as unknown;
  } catch (err) {
    throw new ValidationError(`Request body is not valid CBOR: ${(err as Error).message}`);
  }
}

/**
 * Reads an embedding route's body: JSON, or CBOR holding the JSON body's shape or a bare array of strings (which
 * stands for the route's texts field).
 *
 * @param req - the request
 * @param maxBytes - largest body accepted
 * @param textsField - the field a bare CBOR array fills (`input`, `inputs`)
 * @returns the body, ready for the route's schema
 * @throws {@link HttpError} 413 past the limit, 415 for another content type
 * @throws `ValidationError` for a body that does not parse
 * @internal
 */
export async function readPayload(req: IncomingMessage, maxBytes: number, textsField: string): Promise<unknown> {
  if (!isCbor(req)) return readJson(req, maxBytes);
  const value = decodeCbor(await readBody(req, maxBytes));
  return Array.isArray(value) ? { [textsField]: value } : value;
}

/**
 * Reads the texts of an Arrow IPC stream body: the `text` column (utf8, large utf8 or a dictionary of them), else the
 * first column.
 *
 * @param bytes - the body
 * @returns the texts, in row order over all batches
 * @throws `ValidationError` when the stream does not parse or the column does not hold strings
 * @internal
 */
export function textsFromArrow(bytes: Uint8Array): string[] {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new ValidationError(`Request body is not an Arrow IPC stream: ${(err as Error).message}`);
  }
  if (table.schema.fields.length === 0) throw new ValidationError('The Arrow stream has no columns: send a "text" utf8 column');
  const field = table.schema.fields.find((f) => f.name === 'text') ?? table.schema.fields[0];
  // Plain or dictionary-encoded strings (pyarrow and apache-arrow's tableFromArrays write the latter).
  const t = field.type;
  const strings = DataType.isUtf8(t) || DataType.isLargeUtf8(t) || (DataType.isDictionary(t) && (DataType.isUtf8(t.dictionary) || DataType.isLargeUtf8(t.dictionary)));
  if (!strings) throw new ValidationError(`Column "${field.name}" must be utf8 (it is ${String(t)})`);
  const column = table.getChild(field.name)!;
  const texts: string[] = new Array(column.length);
  for (let i = 0; i < column.length; i++) {
    const t = column.get(i) as string | null;
    if (t === null) throw new ValidationError(`Column "${field.name}" row ${i} is null`);
    texts[i] = t;
  }
  return texts;
}

/**
 * Writes texts and their vectors as one Arrow IPC stream: `text` (utf8) and `embedding`
 * (fixed_size_list<float32>[d]), schema metadata `model` and `dimension`. The vectors are copied once into one
 * float32 buffer; no number is turned into text.
 *
 * @param texts - the inputs, in order
 * @param vectors - one vector per input, all of one dimension
 * @param model - the model id (schema metadata)
 * @returns the stream's bytes
 * @throws {@link HttpError} 500 when vectors differ in dimension (a service bug)
 * @internal
 */
export function embeddingsToArrow(texts: readonly string[], vectors: readonly Float32Array[], model: string): Uint8Array {
  const n = texts.length;
  const dim = vectors[0]?.length ?? 0;
  const values = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    if (vectors[i].length !== dim) throw new HttpError(500, 'INTERNAL', 'vectors of different dimensions in one answer');
    values.set(vectors[i], i * dim);
  }
  // utf8 column: byte offsets, then all texts encoded into one buffer.
  const offsets = new Int32Array(n + 1);
  let size = 0;
  for (let i = 0; i < n; i++) {
    size += Buffer.byteLength(texts[i], 'utf8');
    offsets[i + 1] = size;
  }
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < n; i++) bytes.write(texts[i], offsets[i], 'utf8');
  const listType = new FixedSizeList(dim, new Field('item', new Float32(), false));
  const fields = [new Field('text', new Utf8(), false), new Field('embedding', listType, false)];
  const schema = new Schema(fields, new Map([['model', model], ['dimension', String(dim)]]));
  const text = makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data: new Uint8Array(bytes.buffer, bytes.byteOffset, size) });
  const embedding = makeData({ type: listType, length: n, nullCount: 0, child: makeData({ type: new Float32(), length: n * dim, data: values }) });
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children: [text, embedding] }));
  return tableToIPC(new Table([batch]), 'stream');
}
