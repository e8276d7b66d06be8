/**
 * Little-endian binary encoding shared by the log and the snapshot: a growable writer, a bounds-checked reader
 * (a damaged length can never read past a buffer: it raises {@link CorruptInput}), and the record payload layout.
 *
 * Record payload (log UPSERT entries and the snapshot's RECORDS section):
 * `u32 idLen, id utf8, u8 flags (bit0: has text), [u32 textLen, text utf8], u32 metaLen, metadata JSON utf8`.
 *
 * @internal
 * @module
 */
import type { Metadata } from '../../core/contracts.js';
import { CorruptDataError } from '../../core/errors.js';

/** Thrown by {@link ByteReader} on out-of-bounds or malformed data; callers turn it into a CorruptDataError. @internal */
export class CorruptInput extends CorruptDataError {
  /** @param message - what is malformed (the reader adds which file or record) */
  constructor(message: string) {
    super(message);
  }
}

/** Growable little-endian byte writer. @internal */
export class ByteWriter {
  buf: Buffer;
  length = 0;

  constructor(capacity = 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u32(n);
    this.ensure(n);
    this.buf.write(s, this.length, 'utf8');
    this.length += n;
  }

  floats(v: Float32Array): void {
    const n = v.byteLength;
    this.ensure(n);
    Buffer.from(v.buffer, v.byteOffset, n).copy(this.buf, this.length);
    this.length += n;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Bounds-checked little-endian byte reader. @internal */
export class ByteReader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  #need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new CorruptInput('unexpected end of data');
  }

  u8(): number {
    this.#need(1);
    return this.buf[this.pos++];
  }

  u32(): number {
    this.#need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.#need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const n = this.u32();
    this.#need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** Copies `count` float32 values into `out` at element `at`. */
  floatsInto(out: Float32Array, at: number, count: number): void {
    const n = count * 4;
    this.#need(n);
    const src = new Float32Array(this.buf.buffer.slice(this.buf.byteOffset + this.pos, this.buf.byteOffset + this.pos + n));
    out.set(src, at);
    this.pos += n;
  }

  /** A Float32Array copy of the next `count` floats. */
  floats(count: number): Float32Array {
    const out = new Float32Array(count);
    this.floatsInto(out, 0, count);
    return out;
  }
}

/** A record's non-vector fields. @internal */
export interface RecordPayload {
  id: string;
  text: string | undefined;
  metadata: Metadata;
  /** The metadata as stored (JSON). */
  metadataJson: string;
}

/** Writes a record payload (see the module comment for the layout). @internal */
export function writePayload(w: ByteWriter, id: string, text: string | undefined, metadataJson: string): void {
  w.string(id);
  w.u8(text === undefined ? 0 : 1);
  if (text !== undefined) w.string(text);
  w.string(metadataJson);
}

/** Reads a record payload; malformed JSON or a non-object metadata raises {@link CorruptInput}. @internal */
export function readPayload(r: ByteReader): RecordPayload {
  const id = r.string();
  const flags = r.u8();
  if (flags > 1) throw new CorruptInput('bad record flags');
  const text = flags & 1 ? r.string() : undefined;
  const json = r.string();
  let metadata: unknown;
  try {
    metadata = JSON.parse(json);
  } catch {
    throw new CorruptInput('record metadata is not JSON');
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new CorruptInput('record metadata is not an object');
  if (id.length === 0) throw new CorruptInput('empty record id');
  return { id, text, metadata: metadata as Metadata, metadataJson: json };
}
