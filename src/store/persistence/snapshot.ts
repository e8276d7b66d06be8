/**
 * Snapshot container: a versioned, checksummed, section-based file written to a temp file, fsynced and atomically
 * renamed over the previous snapshot (then the directory is fsynced).
 *
 * Layout: a 64-byte header — `"ABISNAP\0"`, u32 format version, u32 dimension, u8 metric, u8 index type, u16 0,
 * u32 section count, f64 last log sequence number covered, f64 file length, u32 log generation, f64 first sequence
 * number of that log (version 2; zeros in version 1: not recorded), reserved, u32 CRC32 of the header's first 60
 * bytes plus the section table — then a table of 32-byte entries (u32 type, u32 flags, f64 offset,
 * f64 length, u32 CRC32 of the section, u32 0), then the sections. Flag bit 0 marks a section optional: a reader
 * that does not know its type skips it; an unknown required section raises {@link UnsupportedError}.
 *
 * Section types: 1 META (JSON), 2 RECORDS (ids, text, metadata, tombstones), 3 VECTORS (raw float32; may stay on
 * disk and be read on demand), 4 GRAPH (HNSW links), 16 SQ8 (int8 ranges and codes), 17 IVF (coarse centroids, PQ
 * codebooks, inverted lists), 19 BITIVF (IVF with RaBitQ or binary codes: centroids, rotation, lists of codes and
 * factors; its body carries its own version), 32 TEXT (BM25 vocabulary and postings). 18 is reserved.
 *
 * @internal
 * @module
 */
import { crc32 } from 'node:zlib';
import { CorruptDataError, StoreIntegrityError, UnsupportedError } from '../../core/errors.js';
import { atomicReplace, type DurableFile, openFile } from '../../internal/durable-fs.js';

/** Section type numbers. @internal */
export const SectionType = { Meta: 1, Records: 2, Vectors: 3, Graph: 4, Sq8: 16, Ivf: 17, BitIvf: 19, Text: 32 } as const;

const MAGIC = Buffer.from('ABISNAP\0', 'latin1');
/** Version 2 records the log that follows the snapshot (generation, first sequence number); 1 is still read. */
const VERSION = 2;
const OLDEST_READABLE = 1;
const HEADER = 64;
const ENTRY = 32;

/** Snapshot header fields. @internal */
export interface SnapshotHeader {
  dimension: number;
  metric: number;
  indexType: number;
  lastLsn: number;
  /** Generation of the log written right after this snapshot (0: not recorded, a version-1 file). */
  logGeneration: number;
  /** First sequence number that log holds (lastLsn + 1; 0 when not recorded). */
  logFirstLsn: number;
}

/**
 * A section body too large to hold in memory at once (e.g. the float vectors of a disk-resident store): its length
 * and a source of chunks, read once while the snapshot is written. @internal
 */
export interface StreamedBody {
  byteLength: number;
  chunks(): AsyncIterable<Uint8Array>;
}

/** One section to write. @internal */
export interface Section {
  type: number;
  /** Bit 0: optional. */
  flags: number;
  data: Uint8Array | StreamedBody;
}

/** Where a section lies in a snapshot file, for sections read lazily. @internal */
export interface SectionExtent {
  offset: number;
  length: number;
}

/**
 * Writes a snapshot atomically through the file-I/O layer: `path + '.tmp'`, fsync, rename over `path`, fsync the
 * directory. Returns its size and where each section landed.
 *
 * @throws {@link IOError} when a step fails (the previous snapshot is untouched unless the directory fsync failed)
 *
 * @internal
 */
export async function writeSnapshot(
  path: string, header: SnapshotHeader, sections: readonly Section[],
): Promise<{ bytes: number; extents: Map<number, SectionExtent> }> {
  const tableLen = sections.length * ENTRY;
  const head = Buffer.alloc(HEADER + tableLen);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(VERSION, 8);
  head.writeUInt32LE(header.dimension, 12);
  head.writeUInt8(header.metric, 16);
  head.writeUInt8(header.indexType, 17);
  head.writeUInt32LE(sections.length, 20);
  head.writeDoubleLE(header.lastLsn, 24);
  head.writeUInt32LE(header.logGeneration, 40);
  head.writeDoubleLE(header.logFirstLsn, 44);
  let offset = HEADER + tableLen;
  const extents = new Map<number, SectionExtent>();
  await atomicReplace(path, async (fh) => {
    // Sections first (checksummed as they stream), then the header and table, whose CRCs they need, at offset 0.
    await fh.writeAll(head, 0);
    for (let i = 0; i < sections.length; i++) {
      const s = sections[i];
      const e = HEADER + i * ENTRY;
      let crc = 0;
      let written = 0;
      const bodies = s.data instanceof Uint8Array ? [s.data] : s.data.chunks();
      for await (const chunk of bodies) {
        crc = crc32(chunk, crc);
        await fh.writeAll(chunk, offset + written);
        written += chunk.byteLength;
      }
      if (written !== s.data.byteLength) throw new StoreIntegrityError(`section ${s.type} produced ${written} bytes, announced ${s.data.byteLength}`);
      head.writeUInt32LE(s.type, e);
      head.writeUInt32LE(s.flags, e + 4);
      head.writeDoubleLE(offset, e + 8);
      head.writeDoubleLE(written, e + 16);
      head.writeUInt32LE(crc, e + 24);
      if (!extents.has(s.type)) extents.set(s.type, { offset, length: written });
      offset += written;
    }
    head.writeDoubleLE(offset, 32);
    head.writeUInt32LE(headerCrc(head, tableLen), 60);
    await fh.writeAll(head, 0);
  }, { tmp: `${path}.tmp` });
  return { bytes: offset, extents };
}

function headerCrc(head: Buffer, tableLen: number): number {
  const a = crc32(head.subarray(0, 60));
  return crc32(head.subarray(HEADER, HEADER + tableLen), a);
}

/** A parsed snapshot. @internal */
export interface SnapshotFile {
  header: SnapshotHeader;
  /** Known and unknown-optional sections by type (first occurrence), read into memory. */
  sections: Map<number, Buffer>;
  /** Sections asked to stay on disk (verified, not kept), by type. */
  extents: Map<number, SectionExtent>;
  bytes: number;
}

const READ_CHUNK = 16 << 20;

/** Fills `into` from `offset` of the open snapshot; a short file is a truncated snapshot. */
async function readFully(fh: DurableFile, path: string, offset: number, into: Buffer): Promise<Buffer> {
  for (let got = 0; got < into.length; ) {
    const bytesRead = await fh.read(into, got, into.length - got, offset + got);
    if (bytesRead === 0) throw new CorruptDataError('snapshot is truncated', path);
    got += bytesRead;
  }
  return into;
}

/**
 * Streams a section that {@link readSnapshot} verified and left on disk to `sink`, in order, in chunks of at most
 * 16 MiB (each a multiple of 4 bytes when the section is) through one reused buffer: valid only during the call.
 *
 * @internal
 */
export async function readExtent(path: string, extent: SectionExtent, sink: (chunk: Buffer) => void): Promise<void> {
  const fh = await openFile(path, 'r');
  try {
    await streamRange(fh, path, extent.offset, extent.length, sink);
  } finally {
    await fh.close();
  }
}

/** Reads `[offset, offset + length)` in chunks through one staging buffer: fresh pages cost more than the read. */
async function streamRange(fh: DurableFile, path: string, offset: number, length: number, sink: (chunk: Buffer) => void): Promise<void> {
  const stage = Buffer.allocUnsafe(Math.min(READ_CHUNK, length));
  for (let o = 0; o < length; o += READ_CHUNK) {
    sink(await readFully(fh, path, offset + o, stage.subarray(0, Math.min(READ_CHUNK, length - o))));
  }
}

/**
 * Reads and verifies a whole snapshot: magic, version, lengths and every checksum, before anything is used.
 * Sections for which `onDisk` says so are checksummed while streaming and left on disk (their extent is returned),
 * so a store can keep its float vectors out of memory or stream them into place ({@link readExtent}).
 *
 * @throws {@link CorruptDataError} when any check fails
 * @throws {@link UnsupportedError} for a newer version or an unknown required section
 * @internal
 */
export async function readSnapshot(
  path: string, knownTypes: ReadonlySet<number>,
  onDisk: (type: number) => boolean = () => false,
): Promise<SnapshotFile> {
  const fh = await openFile(path, 'r');
  try {
    const size = await fh.size();
    const readAt = (offset: number, length: number): Promise<Buffer> => readFully(fh, path, offset, Buffer.allocUnsafe(length));
    if (size < HEADER) throw new CorruptDataError('snapshot header is truncated', path);
    const first = await readAt(0, HEADER);
    if (!first.subarray(0, 8).equals(MAGIC)) throw new CorruptDataError('not an abi-sdk snapshot (bad magic)', path);
    const count = first.readUInt32LE(20);
    const tableLen = count * ENTRY;
    if (count > 1024 || HEADER + tableLen > size) throw new CorruptDataError('snapshot section table is damaged', path);
    const head = Buffer.concat([first, await readAt(HEADER, tableLen)]);
    if (headerCrc(head, tableLen) !== head.readUInt32LE(60)) throw new CorruptDataError('snapshot header checksum mismatch', path);
    const version = head.readUInt32LE(8);
    if (version < OLDEST_READABLE || version > VERSION) {
      throw new UnsupportedError(`snapshot format version ${version} is not supported (this build reads ${OLDEST_READABLE} to ${VERSION})`);
    }
    if (head.readDoubleLE(32) !== size) throw new CorruptDataError(`snapshot is ${size} bytes, header says ${head.readDoubleLE(32)}`, path);
    const header: SnapshotHeader = {
      dimension: head.readUInt32LE(12),
      metric: head.readUInt8(16),
      indexType: head.readUInt8(17),
      lastLsn: head.readDoubleLE(24),
      logGeneration: version >= 2 ? head.readUInt32LE(40) : 0,
      logFirstLsn: version >= 2 ? head.readDoubleLE(44) : 0,
    };
    const sections = new Map<number, Buffer>();
    const extents = new Map<number, SectionExtent>();
    for (let i = 0; i < count; i++) {
      const e = HEADER + i * ENTRY;
      const type = head.readUInt32LE(e), flags = head.readUInt32LE(e + 4);
      const off = head.readDoubleLE(e + 8), len = head.readDoubleLE(e + 16);
      if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < HEADER + tableLen || off + len > size) {
        throw new CorruptDataError(`snapshot section ${type} is out of bounds`, path);
      }
      if (!knownTypes.has(type) && (flags & 1) === 0) {
        throw new UnsupportedError(`snapshot section type ${type} is required but not supported by this version (${path})`);
      }
      let crc = 0;
      if (onDisk(type)) {
        await streamRange(fh, path, off, len, (chunk) => {
          crc = crc32(chunk, crc);
        });
        if (!extents.has(type)) extents.set(type, { offset: off, length: len });
      } else {
        const data = await readAt(off, len);
        crc = crc32(data);
        if (!sections.has(type)) sections.set(type, data);
      }
      if (crc !== head.readUInt32LE(e + 24)) throw new CorruptDataError(`snapshot section ${type} checksum mismatch`, path);
    }
    return { header, sections, extents, bytes: size };
  } finally {
    await fh.close();
  }
}
