/**
 * The federated protocol's binary frame: model weights, deltas and checkpoints travel as little-endian 32-bit words
 * (float32, or uint32 for masked updates) behind a small JSON header, with a CRC-32 over the whole frame. Binary
 * rather than JSON numbers: 4 bytes a value instead of ~10 characters, and the values arrive bit-exact.
 *
 * Layout: `"ABFD"` · u16 version · u16 encoding (1 float32, 2 uint32) · u32 header length · header JSON (UTF-8,
 * zero-padded to 4 bytes) · u32 value count · values · u32 CRC-32 of everything before it.
 *
 * @module
 */
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import { InvalidUpdateError } from '../../core/errors.js';

const MAGIC = 0x44464241; // "ABFD" read as a little-endian u32
const VERSION = 1;
const LITTLE_ENDIAN = endianness() === 'LE';

/** How the values of a frame are encoded. */
export type FrameEncoding = 'float32' | 'uint32';

/** A decoded frame. */
export interface Frame<H> {
  /** The JSON header. */
  header: H;
  /** The values: float32 weights or deltas, or uint32 ring elements for masked updates. */
  values: Float32Array | Uint32Array;
}

/**
 * Encodes a frame.
 *
 * @param header - JSON-serializable header
 * @param values - the payload
 * @returns the bytes
 * @example
 * ```ts
 * const bytes = encodeFrame({ round: 3 }, new Float32Array([0.5, -1]));
 * decodeFrame(bytes).values; // Float32Array [0.5, -1]
 * ```
 */
export function encodeFrame(header: unknown, values: Float32Array | Uint32Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = (json.length + 3) & ~3;
  const size = 12 + padded + 4 + values.length * 4 + 4;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt16LE(VERSION, 4);
  out.writeUInt16LE(values instanceof Float32Array ? 1 : 2, 6);
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  let off = 12 + padded;
  out.writeUInt32LE(values.length, off);
  off += 4;
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), off);
  } else {
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let i = 0; i < values.length; i++) {
      if (values instanceof Float32Array) view.setFloat32(off + i * 4, values[i], true);
      else view.setUint32(off + i * 4, values[i], true);
    }
  }
  off += values.byteLength;
  out.writeUInt32LE(crc32(out.subarray(0, off)), off);
  return out;
}

function bad(message: string): InvalidUpdateError {
  return new InvalidUpdateError('frame', message);
}

/**
 * Decodes and verifies a frame.
 *
 * @param bytes - the frame
 * @returns header and values (copied into their own aligned buffer)
 * @throws {InvalidUpdateError} (`frame`) for a bad magic, version, length or checksum, or a header that is not JSON
 */
export function decodeFrame<H = unknown>(bytes: Uint8Array): Frame<H> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 20) throw bad(`frame is ${buf.length} bytes, shorter than any valid frame`);
  if (buf.readUInt32LE(0) !== MAGIC) throw bad('not a federated frame (bad magic)');
  const version = buf.readUInt16LE(4);
  if (version !== VERSION) throw bad(`frame version ${version} is not supported (expected ${VERSION})`);
  const encoding = buf.readUInt16LE(6);
  if (encoding !== 1 && encoding !== 2) throw bad(`unknown value encoding ${encoding}`);
  const headerLen = buf.readUInt32LE(8);
  const padded = (headerLen + 3) & ~3;
  if (12 + padded + 8 > buf.length) throw bad('frame is truncated (header)');
  const count = buf.readUInt32LE(12 + padded);
  const start = 12 + padded + 4;
  const end = start + count * 4;
  if (end + 4 !== buf.length) throw bad(`frame length ${buf.length} does not match its ${count} values`);
  if (crc32(buf.subarray(0, end)) !== buf.readUInt32LE(end)) throw bad('frame checksum mismatch');
  let header: H;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLen)) as H;
  } catch (err) {
    throw new InvalidUpdateError('frame', 'frame header is not JSON', { cause: err });
  }
  const raw = new ArrayBuffer(count * 4);
  new Uint8Array(raw).set(buf.subarray(start, end));
  let values: Float32Array | Uint32Array = encoding === 1 ? new Float32Array(raw) : new Uint32Array(raw);
  if (!LITTLE_ENDIAN) {
    const view = new DataView(raw);
    values = encoding === 1
      ? Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true))
      : Uint32Array.from({ length: count }, (_, i) => view.getUint32(i * 4, true));
  }
  return { header, values };
}
