/**
 * Maps the in-memory {@link Collection} to snapshot sections and log payloads, and back. Every decode path checks
 * structure (counts, lengths, ranges) so damaged bytes surface as {@link CorruptDataError}, never as a half-loaded
 * store or an out-of-bounds read.
 *
 * @internal
 * @module
 */
import { CorruptDataError } from '../core/errors.js';
import { ByteReader, ByteWriter, CorruptInput, readPayload, writePayload } from './codec.js';
import { Collection, type ResolvedIndex } from './collection.js';
import { deserializeGraph, serializeGraph } from './hnsw-codec.js';
import { SectionType, type Section, type SnapshotFile } from './snapshot.js';
import type { DistanceMetric } from './types.js';
import type { ValidRecord } from './validate.js';
import { WalKind, type WalRecord } from './wal.js';

const METRICS: DistanceMetric[] = ['cosine', 'dot', 'l2'];

/** Metric ↔ header byte. @internal */
export const metricCode = (m: DistanceMetric): number => METRICS.indexOf(m);

/** Header byte → metric, or undefined. @internal */
export const metricOf = (code: number): DistanceMetric | undefined => METRICS[code];

/** Section types this version reads. @internal */
export const KNOWN_SECTIONS: ReadonlySet<number> = new Set(Object.values(SectionType));

/** Serializes a collection into snapshot sections (vectors are a view, not a copy). @internal */
export function collectionSections(c: Collection): Section[] {
  const meta = Buffer.from(JSON.stringify({ index: c.index, slots: c.dir.slots, live: c.dir.live, format: 1 }), 'utf8');
  const w = new ByteWriter(64 + c.dir.slots * 64);
  const slots = c.dir.slots;
  w.u32(slots);
  for (let s = 0; s < slots; s++) {
    if (c.dir.deleted[s] !== 0) {
      w.u8(1);
      continue;
    }
    w.u8(0);
    writePayload(w, c.dir.ids[s], c.texts[s], JSON.stringify(c.metas[s]));
  }
  const vectors = c.vectors.view();
  const sections: Section[] = [
    { type: SectionType.Meta, flags: 0, data: meta },
    { type: SectionType.Records, flags: 0, data: w.bytes() },
    { type: SectionType.Vectors, flags: 0, data: new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength) },
  ];
  if (c.graph) sections.push({ type: SectionType.Graph, flags: 0, data: serializeGraph(c.graph) });
  return sections;
}

/**
 * Rebuilds a collection from a verified snapshot.
 *
 * @throws {@link CorruptDataError} when sections disagree or do not parse
 * @internal
 */
export function collectionFromSnapshot(snap: SnapshotFile, metric: DistanceMetric, file: string): Collection {
  const bad = (why: string): CorruptDataError => new CorruptDataError(`snapshot: ${why}`, file);
  const metaBuf = snap.sections.get(SectionType.Meta);
  const recBuf = snap.sections.get(SectionType.Records);
  const vecBuf = snap.sections.get(SectionType.Vectors);
  if (!metaBuf || !recBuf || !vecBuf) throw bad('a required section is missing');
  let meta: { index: ResolvedIndex; slots: number; live: number };
  try {
    meta = JSON.parse(metaBuf.toString('utf8')) as typeof meta;
  } catch {
    throw bad('META section is not JSON');
  }
  const idx = meta.index;
  if (!idx || (idx.type !== 'flat' && idx.type !== 'hnsw') || !Number.isInteger(meta.slots) || meta.slots < 0) throw bad('META section is invalid');
  if ((snap.header.indexType === 1) !== (idx.type === 'hnsw')) throw bad('index type disagrees with the header');
  const dim = snap.header.dimension;
  if (vecBuf.byteLength !== meta.slots * dim * 4) throw bad('VECTORS section size disagrees with the slot count');
  const c = new Collection(dim, metric, idx, meta.slots);
  try {
    const r = new ByteReader(recBuf);
    const slots = r.u32();
    if (slots !== meta.slots) throw new CorruptInput('RECORDS slot count disagrees with META');
    for (let s = 0; s < slots; s++) {
      const dead = r.u8();
      if (dead === 1) {
        c.dir.restore('', true);
        c.texts[s] = undefined;
        c.metas[s] = {};
        continue;
      }
      if (dead !== 0) throw new CorruptInput('bad tombstone flag');
      const p = readPayload(r);
      if (c.dir.slotOf(p.id) >= 0) throw new CorruptInput(`id ${JSON.stringify(p.id)} is live twice`);
      c.dir.restore(p.id, false);
      c.texts[s] = p.text;
      c.metas[s] = p.metadata;
    }
    if (r.pos !== r.end) throw new CorruptInput('RECORDS section has trailing bytes');
  } catch (err) {
    if (err instanceof CorruptInput) throw bad(err.message);
    throw err;
  }
  const floats = new Float32Array(vecBuf.buffer.slice(vecBuf.byteOffset, vecBuf.byteOffset + vecBuf.byteLength));
  for (let i = 0; i < floats.length; i++) if (!Number.isFinite(floats[i])) throw bad('VECTORS section holds a non-finite value');
  c.vectors.load(floats, meta.slots);
  if (idx.type === 'hnsw') {
    const graphBuf = snap.sections.get(SectionType.Graph);
    if (!graphBuf) throw bad('GRAPH section is missing');
    const g = deserializeGraph(graphBuf, c.vectors, c.isL2);
    if (typeof g === 'string') throw bad(g);
    c.graph = g;
  }
  return c;
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
  | { kind: 'upsert'; records: { id: string; vector: Float32Array; text: string | undefined; metadata: import('../core/contracts.js').Metadata }[] }
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
