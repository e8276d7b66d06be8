/**
 * Snapshot container: a versioned, checksummed, section-based file written to a temp file, fsynced and atomically
 * renamed over the previous snapshot (then the directory is fsynced).
 *
 * Layout: a 64-byte header — `"ABISNAP\0"`, u32 format version, u32 dimension, u8 metric, u8 index type, u16 0,
 * u32 section count, f64 last log sequence number covered, f64 file length, reserved, u32 CRC32 of the header's
 * first 60 bytes plus the section table — then a table of 32-byte entries (u32 type, u32 flags, f64 offset,
 * f64 length, u32 CRC32 of the section, u32 0), then the sections. Flag bit 0 marks a section optional: a reader
 * that does not know its type skips it; an unknown required section raises {@link UnsupportedError}.
 *
 * Section types in use: 1 META (JSON), 2 RECORDS (ids, text, metadata, tombstones), 3 VECTORS (raw float32),
 * 4 GRAPH (HNSW links). Reserved for the store's next index kinds: 16 SQ8 codes and ranges, 17 PQ codebooks and
 * codes, 18 IVF lists, 32 BM25 postings.
 *
 * @internal
 * @module
 */
import { crc32 } from 'node:zlib';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { CorruptDataError, UnsupportedError } from '../core/errors.js';
import { fsyncDir } from './fs-util.js';

/** Section type numbers. @internal */
export const SectionType = { Meta: 1, Records: 2, Vectors: 3, Graph: 4 } as const;

const MAGIC = Buffer.from('ABISNAP\0', 'latin1');
const VERSION = 1;
const HEADER = 64;
const ENTRY = 32;

/** Snapshot header fields. @internal */
export interface SnapshotHeader {
  dimension: number;
  metric: number;
  indexType: number;
  lastLsn: number;
}

/** One section to write or read. @internal */
export interface Section {
  type: number;
  /** Bit 0: optional. */
  flags: number;
  data: Uint8Array;
}

/**
 * Writes a snapshot atomically: `path + '.tmp'`, fsync, rename over `path`, fsync the directory.
 *
 * @internal
 */
export async function writeSnapshot(path: string, header: SnapshotHeader, sections: readonly Section[]): Promise<number> {
  const tableLen = sections.length * ENTRY;
  const head = Buffer.alloc(HEADER + tableLen);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(VERSION, 8);
  head.writeUInt32LE(header.dimension, 12);
  head.writeUInt8(header.metric, 16);
  head.writeUInt8(header.indexType, 17);
  head.writeUInt32LE(sections.length, 20);
  head.writeDoubleLE(header.lastLsn, 24);
  let offset = HEADER + tableLen;
  sections.forEach((s, i) => {
    const e = HEADER + i * ENTRY;
    head.writeUInt32LE(s.type, e);
    head.writeUInt32LE(s.flags, e + 4);
    head.writeDoubleLE(offset, e + 8);
    head.writeDoubleLE(s.data.byteLength, e + 16);
    head.writeUInt32LE(crc32(s.data), e + 24);
    offset += s.data.byteLength;
  });
  head.writeDoubleLE(offset, 32);
  head.writeUInt32LE(headerCrc(head, tableLen), 60);
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await writeAll(fh, head);
    for (const s of sections) await writeAll(fh, s.data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  await fsyncDir(path);
  return offset;
}

async function writeAll(fh: import('node:fs/promises').FileHandle, data: Uint8Array): Promise<void> {
  // Chunked so a 1 GB vectors section does not need one giant write call.
  const CHUNK = 16 << 20;
  for (let off = 0; off < data.byteLength; ) {
    const n = Math.min(CHUNK, data.byteLength - off);
    const { bytesWritten } = await fh.write(data, off, n);
    off += bytesWritten;
  }
}

function headerCrc(head: Buffer, tableLen: number): number {
  const a = crc32(head.subarray(0, 60));
  return crc32(head.subarray(HEADER, HEADER + tableLen), a);
}

/** A parsed snapshot. @internal */
export interface SnapshotFile {
  header: SnapshotHeader;
  /** Known and unknown-optional sections by type (first occurrence). */
  sections: Map<number, Buffer>;
  bytes: number;
}

/**
 * Reads and verifies a whole snapshot: magic, version, lengths and every checksum, before anything is used.
 *
 * @throws {@link CorruptDataError} when any check fails
 * @throws {@link UnsupportedError} for a newer version or an unknown required section
 * @internal
 */
export async function readSnapshot(path: string, knownTypes: ReadonlySet<number>): Promise<SnapshotFile> {
  const buf = await readFile(path);
  if (buf.length < HEADER) throw new CorruptDataError('snapshot header is truncated', path);
  if (!buf.subarray(0, 8).equals(MAGIC)) throw new CorruptDataError('not an abi-sdk snapshot (bad magic)', path);
  const count = buf.readUInt32LE(20);
  const tableLen = count * ENTRY;
  if (count > 1024 || HEADER + tableLen > buf.length) throw new CorruptDataError('snapshot section table is damaged', path);
  if (headerCrc(buf, tableLen) !== buf.readUInt32LE(60)) throw new CorruptDataError('snapshot header checksum mismatch', path);
  const version = buf.readUInt32LE(8);
  if (version !== VERSION) throw new UnsupportedError(`snapshot format version ${version} is not supported (this build reads ${VERSION})`);
  if (buf.readDoubleLE(32) !== buf.length) throw new CorruptDataError(`snapshot is ${buf.length} bytes, header says ${buf.readDoubleLE(32)}`, path);
  const header: SnapshotHeader = {
    dimension: buf.readUInt32LE(12),
    metric: buf.readUInt8(16),
    indexType: buf.readUInt8(17),
    lastLsn: buf.readDoubleLE(24),
  };
  const sections = new Map<number, Buffer>();
  for (let i = 0; i < count; i++) {
    const e = HEADER + i * ENTRY;
    const type = buf.readUInt32LE(e), flags = buf.readUInt32LE(e + 4);
    const off = buf.readDoubleLE(e + 8), len = buf.readDoubleLE(e + 16);
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < HEADER + tableLen || off + len > buf.length) {
      throw new CorruptDataError(`snapshot section ${type} is out of bounds`, path);
    }
    const data = buf.subarray(off, off + len);
    if (crc32(data) !== buf.readUInt32LE(e + 24)) throw new CorruptDataError(`snapshot section ${type} checksum mismatch`, path);
    if (!knownTypes.has(type) && (flags & 1) === 0) {
      throw new UnsupportedError(`snapshot section type ${type} is required but not supported by this version (${path})`);
    }
    if (!sections.has(type)) sections.set(type, data);
  }
  return { header, sections, bytes: buf.length };
}
