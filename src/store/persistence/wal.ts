/**
 * Write-ahead log: an append-only file of length-prefixed, CRC32-checked records.
 *
 * File: a 32-byte header (`"ABIWAL\0\0"`, u32 format version, u32 dimension, f64 first LSN, u32 generation
 * (version 2: 1 for a new store's log, one more at each checkpoint, matched against the snapshot's record of the
 * log that follows it; 0 in version 1), u32 CRC32 of the preceding 28 bytes), then records:
 * `u32 payloadLength, u32 CRC32(payloadLength), u32 CRC32(kind..payload), u8 kind, f64 lsn, payload`.
 * The length carries its own checksum so a damaged length is told apart from a torn write.
 *
 * Recovery: a record cut short at the end of the file, or the very last record failing its checksum, is a torn
 * write from a crash: it is dropped and the file truncated there. Any other failure (a bad header, a bad record
 * followed by more data, LSNs out of order) raises {@link CorruptDataError}; a record of an unknown kind raises
 * {@link UnsupportedError} (written by a newer version). Record kinds are open-ended: new kinds (quantizer training,
 * text-index updates) get new numbers.
 *
 * @internal
 * @module
 */
import { crc32 } from 'node:zlib';
import { CorruptDataError, DimensionMismatchError, IOError, UnsupportedError } from '../../core/errors.js';
import { atomicReplace, type DurableFile, openFile } from '../../internal/durable-fs.js';

/** Known log record kinds. @internal */
export const WalKind = {
  /** A batch of records to insert or replace (u32 count, then per record: payload + vector floats). */
  Upsert: 1,
  /** A batch of ids to delete (u32 count, then u32-length-prefixed utf8 ids). */
  Delete: 2,
} as const;

const MAGIC = Buffer.from('ABIWAL\0\0', 'latin1');
const VERSION = 2;
const OLDEST_READABLE = 1;
/** Bytes of the file header. @internal */
export const WAL_HEADER = 32;
const REC_HEADER = 21;
const LEN_SALT = 0xa5a5a5a5;

/** One decoded log record. @internal */
export interface WalRecord {
  kind: number;
  lsn: number;
  payload: Buffer;
}

function lenCrc(len: number): number {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(len, 0);
  return (crc32(b) ^ LEN_SALT) >>> 0;
}

/** Builds a file header. @internal */
export function walHeader(dimension: number, firstLsn: number, generation: number): Buffer {
  const h = Buffer.alloc(WAL_HEADER);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(VERSION, 8);
  h.writeUInt32LE(dimension, 12);
  h.writeDoubleLE(firstLsn, 16);
  h.writeUInt32LE(generation, 24);
  h.writeUInt32LE(crc32(h.subarray(0, 28)), 28);
  return h;
}

/** Encodes one record. @internal */
export function encodeWalRecord(kind: number, lsn: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(REC_HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(lenCrc(payload.length), 4);
  out.writeUInt8(kind, 12);
  out.writeDoubleLE(lsn, 13);
  payload.copy(out, REC_HEADER);
  out.writeUInt32LE(crc32(out.subarray(12)), 8);
  return out;
}

/** Result of {@link scanWal}. @internal */
export interface WalScan {
  records: WalRecord[];
  /** Byte length of the valid prefix; the file should be truncated to it. */
  validLength: number;
  /** Whether a torn tail was found (and must be cut). */
  torn: boolean;
  /** The first sequence number the file was started at (header). */
  firstLsn: number;
  /** The log's generation (0: not recorded, a version-1 file). */
  generation: number;
}

/**
 * Parses a whole log file.
 *
 * @throws {@link CorruptDataError} on mid-file damage or a bad header
 * @throws {@link UnsupportedError} on a newer format version or unknown record kind
 * @internal
 */
export function scanWal(buf: Buffer, dimension: number, file: string): WalScan {
  if (buf.length < WAL_HEADER) throw new CorruptDataError('log header is truncated', file);
  if (!buf.subarray(0, 8).equals(MAGIC)) throw new CorruptDataError('not an abi-sdk log (bad magic)', file);
  if (crc32(buf.subarray(0, 28)) !== buf.readUInt32LE(28)) throw new CorruptDataError('log header checksum mismatch', file);
  const version = buf.readUInt32LE(8);
  if (version < OLDEST_READABLE || version > VERSION) {
    throw new UnsupportedError(`log format version ${version} is not supported (this build reads ${OLDEST_READABLE} to ${VERSION})`);
  }
  const firstLsn = buf.readDoubleLE(16);
  const generation = version >= 2 ? buf.readUInt32LE(24) : 0;
  const dim = buf.readUInt32LE(12);
  if (dim !== dimension) throw new DimensionMismatchError(dim, dimension, `store ${file} (log)`);
  let prevLsn = firstLsn - 1;
  const records: WalRecord[] = [];
  let pos = WAL_HEADER;
  while (pos < buf.length) {
    const rest = buf.length - pos;
    if (rest < REC_HEADER) {
      if (rest >= 8 && lenCrc(buf.readUInt32LE(pos)) !== buf.readUInt32LE(pos + 4) && !allZero(buf, pos)) {
        throw new CorruptDataError(`log record at byte ${pos}: length checksum mismatch`, file);
      }
      return { records, validLength: pos, torn: true, firstLsn, generation };
    }
    const len = buf.readUInt32LE(pos);
    if (lenCrc(len) !== buf.readUInt32LE(pos + 4)) {
      // Zeros past the last record are a torn write on file systems that extend the size before the data.
      if (allZero(buf, pos)) return { records, validLength: pos, torn: true, firstLsn, generation };
      throw new CorruptDataError(`log record at byte ${pos}: length checksum mismatch`, file);
    }
    const end = pos + REC_HEADER + len;
    if (end > buf.length) return { records, validLength: pos, torn: true, firstLsn, generation };
    if (crc32(buf.subarray(pos + 12, end)) !== buf.readUInt32LE(pos + 8)) {
      if (end === buf.length) return { records, validLength: pos, torn: true, firstLsn, generation };
      throw new CorruptDataError(`log record at byte ${pos}: checksum mismatch`, file);
    }
    const kind = buf.readUInt8(pos + 12);
    const lsn = buf.readDoubleLE(pos + 13);
    if (kind !== WalKind.Upsert && kind !== WalKind.Delete) {
      throw new UnsupportedError(`log record kind ${kind} is not supported by this version (${file})`);
    }
    if (!Number.isSafeInteger(lsn) || lsn <= prevLsn) throw new CorruptDataError(`log record at byte ${pos}: sequence number out of order`, file);
    prevLsn = lsn;
    records.push({ kind, lsn, payload: buf.subarray(pos + REC_HEADER, end) });
    pos = end;
  }
  return { records, validLength: pos, torn: false, firstLsn, generation };
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * An open log file positioned at its end. Every call goes through the file-I/O layer (`internal/durable-fs.ts`).
 * A write that fails is cut back off the file, so the log on disk stays a valid prefix; when that cut, or any
 * fdatasync, fails, the writer is {@link WalWriter.broken}: what the file holds is no longer known, and it refuses
 * further writes.
 *
 * @internal
 */
export class WalWriter {
  readonly path: string;
  readonly #f: DurableFile;
  #size: number;
  #dirty = false;
  #broken = false;

  private constructor(path: string, f: DurableFile, size: number) {
    this.path = path;
    this.#f = f;
    this.#size = size;
  }

  /** Opens an existing, already validated log for appending at `validLength` (cutting a torn tail). */
  static async append(path: string, validLength: number): Promise<WalWriter> {
    const f = await openFile(path, 'r+');
    try {
      if ((await f.size()) !== validLength) {
        await f.truncate(validLength);
        await f.sync();
      }
    } catch (err) {
      await f.close().catch(() => undefined);
      throw err;
    }
    return new WalWriter(path, f, validLength);
  }

  /**
   * Atomically replaces the log at `path` with an empty one of `generation` starting at `firstLsn` (temp file,
   * fsync, rename, directory fsync).
   */
  static async create(path: string, dimension: number, firstLsn: number, generation: number): Promise<WalWriter> {
    await atomicReplace(path, walHeader(dimension, firstLsn, generation), { tmp: `${path}.tmp` });
    return WalWriter.append(path, WAL_HEADER);
  }

  /** The generation recorded in the file's header (which log this is, after a checkpoint failed half-way). */
  async generation(): Promise<number> {
    const head = Buffer.alloc(WAL_HEADER);
    if ((await this.#f.read(head, 0, WAL_HEADER, 0)) !== WAL_HEADER || !head.subarray(0, 8).equals(MAGIC)) {
      throw new CorruptDataError('log header is truncated', this.path);
    }
    return head.readUInt32LE(8) >= 2 ? head.readUInt32LE(24) : 0;
  }

  /** Bytes in the file. */
  get size(): number {
    return this.#size;
  }

  /** Whether an fdatasync or the rollback of a failed write failed: the file's content is no longer known. */
  get broken(): boolean {
    return this.#broken;
  }

  /**
   * Appends an encoded record; with `sync`, waits for fdatasync. A failed write is rolled back by truncation (the
   * writer breaks when that fails too); a failed fdatasync breaks the writer.
   *
   * @throws the system error
   */
  async write(record: Buffer, sync: boolean): Promise<void> {
    if (this.#broken) throw new IOError(`the log ${this.path} is in an unknown state after a failed fsync or rollback`);
    const at = this.#size;
    try {
      await this.#f.writeAll(record, at);
    } catch (err) {
      try {
        await this.#f.truncate(at);
      } catch {
        this.#broken = true;
      }
      throw err;
    }
    this.#size = at + record.length;
    if (!sync) {
      this.#dirty = true;
      return;
    }
    try {
      await this.#f.datasync();
    } catch (err) {
      // The record may or may not reach the disk, and the kernel may have dropped other dirty pages: no retry.
      this.#broken = true;
      throw err;
    }
  }

  /** fdatasyncs if anything was written without sync; the writer stays dirty (and breaks) when it fails. */
  async sync(): Promise<void> {
    if (this.#broken) throw new IOError(`the log ${this.path} is in an unknown state after a failed fsync or rollback`);
    if (!this.#dirty) return;
    try {
      await this.#f.datasync();
    } catch (err) {
      this.#broken = true;
      throw err;
    }
    this.#dirty = false;
  }

  /** Syncs and closes; the handle is released even when the final sync fails (which is then thrown). */
  async close(): Promise<void> {
    try {
      if (!this.#broken) await this.sync();
    } finally {
      await this.#f.close();
    }
  }
}
