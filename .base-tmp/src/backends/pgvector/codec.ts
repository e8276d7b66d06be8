/**
 * Binary wire encodings for pgvector values and Postgres' binary `COPY` format. Vectors travel as binary because
 * parsing their text form dominates load time (about 1 ms per 384-d vector in PGlite's WASM build).
 *
 * @internal
 * @module
 */

import { floatToHalf } from '../../internal/float16.js';

/** Column type of stored vectors. @internal */
export type PgVectorType = 'vector' | 'halfvec';


/** Size in bytes of a vector's binary form. @internal */
export function vectorBinarySize(type: PgVectorType, dim: number): number {
  return 4 + dim * (type === 'vector' ? 4 : 2);
}

/** Writes a vector's binary form (`vector_recv` / `halfvec_recv`) at `offset`; returns the new offset. @internal */
export function writeVectorBinary(buf: Buffer, offset: number, type: PgVectorType, v: Float32Array): number {
  buf.writeInt16BE(v.length, offset);
  buf.writeInt16BE(0, offset + 2);
  let o = offset + 4;
  if (type === 'vector') {
    for (let i = 0; i < v.length; i++, o += 4) buf.writeFloatBE(v[i], o);
  } else {
    for (let i = 0; i < v.length; i++, o += 2) buf.writeUInt16BE(floatToHalf(v[i]), o);
  }
  return o;
}

/** A vector's binary form as a Buffer (the `pg` driver sends Buffer parameters in binary format). @internal */
export function vectorParam(type: PgVectorType, v: Float32Array): Buffer {
  const buf = Buffer.allocUnsafe(vectorBinarySize(type, v.length));
  writeVectorBinary(buf, 0, type, v);
  return buf;
}

/** Parses pgvector's text output (`[1,2.5,-3]`) into a Float32Array. @internal */
export function parseVectorText(s: string): Float32Array {
  const body = s.slice(1, -1);
  if (body.length === 0) return new Float32Array(0);
  const parts = body.split(',');
  const out = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) out[i] = Number(parts[i]);
  return out;
}

/** One row for binary `COPY`: id, vector, text (or null), metadata JSON. @internal */
export interface CopyRow {
  id: string;
  vector: Float32Array;
  text: string | undefined;
  metadataJson: string;
}

const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);

/** Encodes rows as one binary `COPY ... FROM STDIN (FORMAT binary)` stream (header, tuples, trailer). @internal */
export function encodeCopyBinary(rows: readonly CopyRow[], type: PgVectorType): Buffer {
  const parts: Buffer[] = [HEADER];
  for (const r of rows) {
    const id = Buffer.from(r.id, 'utf8');
    const text = r.text === undefined ? null : Buffer.from(r.text, 'utf8');
    const meta = Buffer.from(r.metadataJson, 'utf8');
    const vlen = vectorBinarySize(type, r.vector.length);
    const size = 2 + 4 + id.length + 4 + vlen + 4 + (text?.length ?? 0) + 4 + 1 + meta.length;
    const buf = Buffer.allocUnsafe(size);
    let o = buf.writeInt16BE(4, 0);
    o = buf.writeInt32BE(id.length, o);
    o += id.copy(buf, o);
    o = buf.writeInt32BE(vlen, o);
    o = writeVectorBinary(buf, o, type, r.vector);
    if (text === null) {
      o = buf.writeInt32BE(-1, o);
    } else {
      o = buf.writeInt32BE(text.length, o);
      o += text.copy(buf, o);
    }
    o = buf.writeInt32BE(meta.length + 1, o);
    o = buf.writeUInt8(1, o); // jsonb binary format version
    meta.copy(buf, o);
    parts.push(buf);
  }
  parts.push(TRAILER);
  return Buffer.concat(parts);
}
