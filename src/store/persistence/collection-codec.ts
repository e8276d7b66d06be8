/**
 * Maps the in-memory {@link Collection} to snapshot sections and log payloads, and back. Every decode path checks
 * structure (counts, lengths, ranges) so damaged bytes surface as {@link CorruptDataError}, never as a half-loaded
 * store or an out-of-bounds read.
 *
 * @internal
 * @module
 */
import { CorruptDataError } from '../../core/errors.js';
import { ByteReader, ByteWriter, CorruptInput, readPayload, writePayload } from './codec.js';
import { Collection, resolveIndex, type ResolvedIndex } from '../collection.js';
import type { DiskVectors } from '../disk-vectors.js';
import { IvfPqIndex } from '../quantization/ivf.js';
import { IvfBitsIndex } from '../quantization/ivf-bits.js';
import { ScalarQuantizer } from '../quantization/scalar.js';
import { Sq8Space } from '../sq8-space.js';
import { Bm25Index } from '../text/bm25.js';
import { VectorStorage } from '../vectors.js';
import { deserializeGraph, serializeGraph } from './hnsw-codec.js';
import { readExtent, SectionType, type Section, type SnapshotFile } from './snapshot.js';
import type { TextIndexOptions } from '../types.js';
import type { DistanceMetric } from '../../retrieval/backend.js';
import type { ValidRecord } from '../validate.js';
import { WalKind, type WalRecord } from './wal.js';

const METRICS: DistanceMetric[] = ['cosine', 'dot', 'l2'];

/** Metric ↔ header byte. @internal */
export const metricCode = (m: DistanceMetric): number => METRICS.indexOf(m);

/** Header byte → metric, or undefined. @internal */
export const metricOf = (code: number): DistanceMetric | undefined => METRICS[code];

/** Section types this version reads. @internal */
export const KNOWN_SECTIONS: ReadonlySet<number> = new Set(Object.values(SectionType));

/** Header byte of each index kind. @internal */
export const INDEX_CODES = { flat: 0, hnsw: 1, ivfpq: 2, ivf: 3 } as const;

/** What META holds. */
interface MetaSection {
  format: number;
  index: ResolvedIndex;
  vectors: 'memory' | 'disk';
  text: TextIndexOptions | null;
  slots: number;
  live: number;
}

/** Serializes a collection into snapshot sections (vectors are a view or a stream, not a copy). @internal */
export function collectionSections(c: Collection): Section[] {
  const meta: MetaSection = {
    format: 2, index: c.index, vectors: c.config.vectors, text: c.config.text, slots: c.dir.slots, live: c.dir.live,
  };
  const w = new ByteWriter(64 + c.dir.slots * 64);
  const slots = c.dir.slots;
  w.u32(slots);
  for (let s = 0; s < slots; s++) {
    if (c.dir.deleted[s] !== 0) {
      w.u8(1);
      continue;
    }
    w.u8(0);
    writePayload(w, c.dir.idOf(s), c.textOf(s), c.payloads.metadataJsonOf(s));
  }
  const floats = c.floats;
  let vectors: Section['data'];
  if (floats instanceof VectorStorage) {
    const view = floats.view();
    vectors = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  } else {
    vectors = floats.body();
  }
  // META first: the reader decides from it whether VECTORS stays on disk.
  const sections: Section[] = [
    { type: SectionType.Meta, flags: 0, data: Buffer.from(JSON.stringify(meta), 'utf8') },
    { type: SectionType.Records, flags: 0, data: w.bytes() },
    { type: SectionType.Vectors, flags: 0, data: vectors },
  ];
  if (c.space instanceof Sq8Space) {
    const q = c.space.quantizer.serialize();
    const codes = c.space.codes();
    const body = new Uint8Array(4 + q.length + codes.length);
    new DataView(body.buffer).setUint32(0, q.length, true);
    body.set(q, 4);
    body.set(new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength), 4 + q.length);
    sections.push({ type: SectionType.Sq8, flags: 0, data: body });
  }
  if (c.graph) sections.push({ type: SectionType.Graph, flags: 0, data: serializeGraph(c.graph) });
  if (c.index.type === 'ivf') {
    // Written even before training (empty body): a build that predates it then refuses the store with
    // UnsupportedError (an unknown required section) instead of misreading META.
    sections.push({ type: SectionType.BitIvf, flags: 0, data: c.ivf?.serialize() ?? new Uint8Array(0) });
  } else if (c.ivf) {
    sections.push({ type: SectionType.Ivf, flags: 0, data: c.ivf.serialize() });
  }
  if (c.text) sections.push({ type: SectionType.Text, flags: 0, data: c.text.serialize() });
  return sections;
}

/**
 * VECTORS is always left on disk by the snapshot reader (checksummed while streaming): a disk-vectors store reads rows
 * from it, an in-memory one streams it into its vector arena, so opening never holds a second copy of the vectors.
 * @internal
 */
export function streamedSection(type: number): boolean {
  return type === SectionType.Vectors;
}

/**
 * Rebuilds a collection from a verified snapshot.
 *
 * @throws {@link CorruptDataError} when sections disagree or do not parse
 * @internal
 */
export async function collectionFromSnapshot(snap: SnapshotFile, metric: DistanceMetric, file: string): Promise<Collection> {
  const bad = (why: string): CorruptDataError => new CorruptDataError(`snapshot: ${why}`, file);
  const metaBuf = snap.sections.get(SectionType.Meta);
  const recBuf = snap.sections.get(SectionType.Records);
  const vecExtent = snap.extents.get(SectionType.Vectors); // always streamed: see streamedSection
  if (!metaBuf || !recBuf || !vecExtent) throw bad('a required section is missing');
  let meta: MetaSection;
  try {
    meta = JSON.parse(metaBuf.toString('utf8')) as MetaSection;
  } catch {
    throw bad('META section is not JSON');
  }
  const idx = meta.index ? { ...resolveIndex(undefined), ...meta.index } : undefined; // format 1 lacks newer fields
  if (!idx || !(idx.type in INDEX_CODES) || !Number.isInteger(meta.slots) || meta.slots < 0) throw bad('META section is invalid');
  if (snap.header.indexType !== INDEX_CODES[idx.type]) throw bad('index type disagrees with the header');
  const vectors = meta.vectors ?? 'memory';
  const dim = snap.header.dimension;
  if (vecExtent.length !== meta.slots * dim * 4) throw bad('VECTORS section size disagrees with the slot count');
  let c: Collection;
  try {
    c = await Collection.create({ dimension: dim, metric, index: idx, vectors, text: meta.text ?? null }, meta.slots);
  } catch (err) {
    throw bad(`settings are invalid: ${(err as Error).message}`);
  }
  try {
    const r = new ByteReader(recBuf);
    const slots = r.u32();
    if (slots !== meta.slots) throw new CorruptInput('RECORDS slot count disagrees with META');
    for (let s = 0; s < slots; s++) {
      const dead = r.u8();
      if (dead === 1) {
        c.dir.restore('', true);
        c.payloads.append(s, undefined, '{}');
        continue;
      }
      if (dead !== 0) throw new CorruptInput('bad tombstone flag');
      const p = readPayload(r);
      if (c.dir.slotOf(p.id) >= 0) throw new CorruptInput(`id ${JSON.stringify(p.id)} is live twice`);
      c.dir.restore(p.id, false);
      c.payloads.append(s, p.text, p.metadataJson);
    }
    if (r.pos !== r.end) throw new CorruptInput('RECORDS section has trailing bytes');
  } catch (err) {
    if (err instanceof CorruptInput) throw bad(err.message);
    throw err;
  }
  if (vectors === 'disk') {
    (c.floats as DiskVectors).attachFile(file, vecExtent, meta.slots);
  } else {
    const storage = c.floats as VectorStorage;
    storage.resetTo(meta.slots);
    let at = 0; // float index
    const take = (bytes: Uint8Array): void => {
      // Chunks are whole floats; copy one that is not 4-byte aligned so it can be viewed as floats.
      const own = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
      const floats = new Float32Array(own.buffer, own.byteOffset, own.byteLength / 4);
      if (!allFinite(floats)) throw bad('VECTORS section holds a non-finite value');
      storage.data.set(floats, at); // read the view afresh: the arena may have grown during the read
      at += floats.length;
    };
    await readExtent(file, vecExtent, take);
  }
  await restoreIndexes(c, snap, meta.slots, bad);
  return c;
}

/** True when no value is NaN or ±Infinity (all exponent bits set), read as bits: 1.5 GB of vectors in well under a second. */
function allFinite(values: Float32Array): boolean {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) if ((bits[i] & 0x7f800000) === 0x7f800000) return false;
  return true;
}

/** Restores the int8 codes, graph, IVF lists and text index that the snapshot holds. */
async function restoreIndexes(c: Collection, snap: SnapshotFile, slots: number, bad: (why: string) => CorruptDataError): Promise<void> {
  const sq8 = snap.sections.get(SectionType.Sq8);
  if (sq8) {
    if (c.index.type !== 'hnsw' || c.index.quantization !== 'int8') throw bad('int8 codes for an index that has none');
    if (sq8.byteLength < 4) throw bad('int8 section is truncated');
    const qLen = sq8.readUInt32LE(0);
    if (4 + qLen + slots * c.dimension !== sq8.byteLength) throw bad('int8 section size disagrees with the slot count');
    const quantizer = ScalarQuantizer.deserialize(sq8.subarray(4, 4 + qLen));
    if (quantizer.dim !== c.dimension) throw bad('int8 quantizer dimension disagrees with the header');
    const space = new Sq8Space(quantizer, c.isL2, slots);
    space.loadCodes(new Int8Array(sq8.buffer.slice(sq8.byteOffset + 4 + qLen, sq8.byteOffset + sq8.byteLength)), slots);
    c.space = space;
  }
  const graphBuf = snap.sections.get(SectionType.Graph);
  if (c.index.type === 'hnsw' && c.space !== null) {
    if (!graphBuf) throw bad('GRAPH section is missing');
    const g = deserializeGraph(graphBuf, c.space, c.isL2);
    if (typeof g === 'string') throw bad(g);
    c.graph = g;
  } else if (graphBuf) {
    throw bad('GRAPH section for an index that has no graph');
  }
  const ivf = snap.sections.get(SectionType.Ivf);
  if (ivf) {
    if (c.index.type !== 'ivfpq') throw bad('IVF section for another index type');
    c.ivf = IvfPqIndex.deserialize(ivf);
    if (c.ivf.dim !== c.dimension || c.ivf.size !== c.dir.live) throw bad('IVF section disagrees with the records');
  }
  const bitIvf = snap.sections.get(SectionType.BitIvf);
  if ((bitIvf !== undefined) !== (c.index.type === 'ivf')) throw bad('BITIVF section disagrees with the index type');
  if (bitIvf !== undefined && bitIvf.byteLength > 0) {
    let index: IvfBitsIndex;
    try {
      index = IvfBitsIndex.deserialize(bitIvf);
    } catch (err) {
      throw err instanceof CorruptDataError ? bad(err.message) : err;
    }
    const kind = c.index.quantization === 'binary' ? 'binary' : 'rabitq';
    if (index.dim !== c.dimension || index.size !== c.dir.live || index.kind !== kind) throw bad('BITIVF section disagrees with the records');
    c.ivf = index;
  }
  const text = snap.sections.get(SectionType.Text);
  if ((text !== undefined) !== (c.text !== null)) throw bad('TEXT section disagrees with META');
  if (text) {
    try {
      c.text = await Bm25Index.deserialize(text);
    } catch (err) {
      throw err instanceof CorruptDataError ? bad(err.message) : err;
    }
    if (c.text.documentCount !== c.dir.live) throw bad('TEXT section disagrees with the records');
  }
}

/** Encodes an upsert batch as a log payload. @internal */
export function encodeUpsert(records: readonly ValidRecord[], dimension: number): Buffer {
  const w = new ByteWriter(16 + records.length * (dimension * 4 + 64));
  w.u32(records.length);
  for (const r of records) {
    writePayload(w, r.id, r.text, r.metadataJson);
    w.floats(r.vector);
  }
  return Buffer.from(w.bytes());
}

/** Encodes a delete batch as a log payload. @internal */
export function encodeDelete(ids: readonly string[]): Buffer {
  const w = new ByteWriter(16 + ids.length * 24);
  w.u32(ids.length);
  for (const id of ids) w.string(id);
  return Buffer.from(w.bytes());
}

/** A decoded log operation. @internal */
export type LogOp =
  | { kind: 'upsert'; records: { id: string; vector: Float32Array; text: string | undefined; metadata: import('../../core/contracts.js').Metadata; metadataJson: string }[] }
  | { kind: 'delete'; ids: string[] };

/**
 * Decodes a checksummed log record. A record that passed its CRC but does not parse is corruption.
 *
 * @throws {@link CorruptDataError}
 * @internal
 */
export function decodeLogRecord(rec: WalRecord, dimension: number, file: string): LogOp {
  try {
    const r = new ByteReader(rec.payload);
    const n = r.u32();
    if (rec.kind === WalKind.Upsert) {
      const records: Extract<LogOp, { kind: 'upsert' }>['records'] = [];
      for (let i = 0; i < n; i++) {
        const p = readPayload(r);
        const vector = r.floats(dimension);
        for (let j = 0; j < dimension; j++) if (!Number.isFinite(vector[j])) throw new CorruptInput('non-finite vector value');
        records.push({ ...p, vector });
      }
      if (r.pos !== r.end) throw new CorruptInput('trailing bytes');
      return { kind: 'upsert', records };
    }
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(r.string());
    if (r.pos !== r.end) throw new CorruptInput('trailing bytes');
    return { kind: 'delete', ids };
  } catch (err) {
    if (err instanceof CorruptInput) throw new CorruptDataError(`log record ${rec.lsn}: ${err.message}`, file);
    throw err;
  }
}
