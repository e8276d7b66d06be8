/**
 * The container for adapter files and training checkpoints: a fixed header, a JSON metadata block and named typed
 * arrays, checksummed with SHA-256 and written as the store writes its snapshots (temp file, fsync, rename, fsync
 * the directory), so a crash leaves either the old file or the new one, and any damage is a `CorruptDataError`.
 *
 * Layout: 8-byte magic, u32 format version, u32 metadata length, f64 body length, 32-byte SHA-256 of metadata +
 * body, then the metadata (UTF-8 JSON, which lists each array's name, type and length) and the arrays' bytes in order.
 *
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CorruptDataError, IOError, NotFoundError, UnsupportedError } from '../core/errors.js';
import { atomicReplace } from '../internal/durable-fs.js';

const HEADER = 56;

/** The typed arrays a tensor file can hold. @internal */
export type StoredArray = Float32Array | Float64Array | Uint32Array | Int32Array;

const TYPES = { f32: Float32Array, f64: Float64Array, u32: Uint32Array, i32: Int32Array } as const;
type TypeName = keyof typeof TYPES;

function typeName(a: StoredArray): TypeName {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Uint32Array) return 'u32';
  return 'i32';
}

/** A parsed tensor file. @internal */
export interface TensorFile {
  version: number;
  meta: Record<string, unknown>;
  arrays: Map<string, StoredArray>;
}

/**
 * Writes `meta` and `arrays` atomically to `path`.
 *
 * @throws {@link IOError} when the file system fails
 * @internal
 */
export async function writeTensorFile(
  path: string, magic: string, version: number, meta: Record<string, unknown>, arrays: Record<string, StoredArray>,
): Promise<void> {
  const layout = Object.entries(arrays).map(([name, a]) => ({ name, type: typeName(a), length: a.length }));
  const metaBytes = Buffer.from(JSON.stringify({ ...meta, arrays: layout }), 'utf8');
  const bodies = Object.values(arrays).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  const bodyLength = bodies.reduce((s, b) => s + b.length, 0);
  const hash = createHash('sha256').update(metaBytes);
  for (const b of bodies) hash.update(b);
  const head = Buffer.alloc(HEADER);
  Buffer.from(magic.padEnd(8, '\0').slice(0, 8), 'latin1').copy(head, 0);
  head.writeUInt32LE(version, 8);
  head.writeUInt32LE(metaBytes.length, 12);
  head.writeDoubleLE(bodyLength, 16);
  hash.digest().copy(head, 24);
  await atomicReplace(path, Buffer.concat([head, metaBytes, ...bodies]), { tmp: `${path}.tmp` });
}

/**
 * Reads and verifies a tensor file.
 *
 * @throws {@link NotFoundError} when the file does not exist
 * @throws {@link CorruptDataError} on a wrong magic, a truncated file, a checksum mismatch or bad metadata
 * @throws {@link UnsupportedError} when the file's version is newer than `maxVersion`
 * @internal
 */
export async function readTensorFile(path: string, magic: string, maxVersion: number, what: string): Promise<TensorFile> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${what} ${path} does not exist`, { cause: err });
    throw new IOError(`could not read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  const corrupt = (why: string): CorruptDataError => new CorruptDataError(`${what} is corrupt: ${why}`, path);
  if (buf.length < HEADER) throw corrupt('shorter than its header');
  if (buf.subarray(0, 8).toString('latin1') !== magic.padEnd(8, '\0').slice(0, 8)) throw corrupt('wrong magic (not this kind of file)');
  const version = buf.readUInt32LE(8);
  if (version === 0) throw corrupt('version 0');
  if (version > maxVersion) throw new UnsupportedError(`${what} ${path} has format version ${version}; this abi-sdk reads up to ${maxVersion}`);
  const metaLength = buf.readUInt32LE(12);
  const bodyLength = buf.readDoubleLE(16);
  if (HEADER + metaLength + bodyLength !== buf.length) throw corrupt(`length ${buf.length} does not match the header (${HEADER + metaLength + bodyLength})`);
  const digest = createHash('sha256').update(buf.subarray(HEADER)).digest();
  if (!digest.equals(buf.subarray(24, 56))) throw corrupt('SHA-256 checksum mismatch');
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(buf.subarray(HEADER, HEADER + metaLength).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new CorruptDataError(`${what} is corrupt: metadata is not JSON`, path, { cause: err });
  }
  const layout = meta.arrays;
  if (!Array.isArray(layout)) throw corrupt('metadata lists no arrays');
  const arrays = new Map<string, StoredArray>();
  let offset = HEADER + metaLength;
  for (const entry of layout as { name?: unknown; type?: unknown; length?: unknown }[]) {
    const Ctor = typeof entry.type === 'string' ? TYPES[entry.type as TypeName] : undefined;
    if (typeof entry.name !== 'string' || !Ctor || !Number.isInteger(entry.length) || (entry.length as number) < 0) throw corrupt('bad array entry');
    const bytes = (entry.length as number) * Ctor.BYTES_PER_ELEMENT;
    if (offset + bytes > buf.length) throw corrupt(`array ${entry.name} runs past the end`);
    // Copied into a fresh, aligned buffer: the file's offsets need not be multiples of 8.
    const out = new Ctor(entry.length as number);
    new Uint8Array(out.buffer).set(buf.subarray(offset, offset + bytes));
    arrays.set(entry.name, out);
    offset += bytes;
  }
  if (offset !== buf.length) throw corrupt('arrays do not cover the body');
  delete meta.arrays;
  return { version, meta, arrays };
}
