/**
 * Record payloads (text and metadata) kept as bytes: one growable arena holds, per slot, the text's UTF-8 bytes
 * followed by the metadata's JSON, decoded on read. Slots are append-only (like the slot directory), so a slot's
 * bytes never change after it is written; dead slots keep theirs until compaction rebuilds the store.
 *
 * Why: a JS object per record's metadata and a string per text cost ~100+ bytes of heap each before any content;
 * here a record costs 12 bytes of offsets plus its encoded bytes (empty metadata `{}` is stored as zero bytes).
 *
 * Filtered search reads metadata through {@link PayloadArena.projection}: objects holding only the fields a filter
 * reads, decoded once per slot and cached per field set (a few field sets at a time), so a filter test during a
 * graph walk is a property read, not a JSON parse.
 *
 * @internal
 * @module
 */
import type { Metadata } from '../core/contracts.js';
import { StoreIntegrityError } from '../core/errors.js';

/** Cached field sets (each an array of one small object per decoded slot). */
const MAX_PROJECTIONS = 4;
const NO_FIELDS: Metadata = Object.freeze({}) as Metadata;

/** Text and metadata bytes per slot. @internal */
export class PayloadArena {
  #arena: Buffer;
  #len = 0;
  /** Slot s's bytes start at `#start[s]` and end at `#start[s + 1]`. */
  #start: Float64Array;
  /** Bytes of text at the start of slot s's bytes; -1 when the record has no text. */
  #textLen: Int32Array;
  #slots = 0;
  /** Filter projections by field set (`fields.join('\0')`), in insertion order (oldest first). */
  readonly #projections = new Map<string, (Metadata | undefined)[]>();

  constructor(capacity = 64, bytes = 1024) {
    this.#arena = Buffer.allocUnsafe(Math.max(16, bytes));
    this.#start = new Float64Array(capacity + 1);
    this.#textLen = new Int32Array(capacity);
  }

  /** Slots written. */
  get slots(): number {
    return this.#slots;
  }

  /** Bytes held (arena, offsets), not counting filter projections. */
  get bytes(): number {
    return this.#arena.byteLength + this.#start.byteLength + this.#textLen.byteLength;
  }

  /**
   * Appends slot `slot` (must be the next one). `metadataJson` is the metadata's JSON (`'{}'` is stored as nothing).
   */
  append(slot: number, text: string | undefined, metadataJson: string): void {
    if (slot !== this.#slots) throw new StoreIntegrityError(`payload slot ${slot} out of order (next is ${this.#slots})`);
    if (slot + 1 >= this.#start.length) {
      const cap = Math.max(64, this.#textLen.length * 2);
      const start = new Float64Array(cap + 1);
      start.set(this.#start);
      this.#start = start;
      const tl = new Int32Array(cap);
      tl.set(this.#textLen);
      this.#textLen = tl;
    }
    const meta = metadataJson === '{}' ? '' : metadataJson;
    // Upper bound first (3 bytes per UTF-16 unit), exact length after writing.
    this.#ensure(3 * ((text?.length ?? 0) + meta.length));
    let at = this.#len;
    let tl = -1;
    if (text !== undefined) {
      tl = this.#arena.write(text, at, 'utf8');
      at += tl;
    }
    at += this.#arena.write(meta, at, 'utf8');
    this.#textLen[slot] = tl;
    this.#len = at;
    this.#start[slot + 1] = at;
    this.#slots++;
  }

  #ensure(extra: number): void {
    if (this.#len + extra <= this.#arena.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#len + extra, Math.ceil(this.#arena.length * 1.5)));
    this.#arena.copy(next, 0, 0, this.#len);
    this.#arena = next;
  }

  /** The text of a slot, or undefined. */
  textOf(slot: number): string | undefined {
    const tl = this.#textLen[slot];
    if (tl < 0) return undefined;
    const a = this.#start[slot];
    return this.#arena.toString('utf8', a, a + tl);
  }

  /** A freshly decoded copy of a slot's metadata (the caller may keep or change it). */
  metadataOf(slot: number): Metadata {
    const a = this.#start[slot] + Math.max(0, this.#textLen[slot]);
    const b = this.#start[slot + 1];
    return a === b ? {} : (JSON.parse(this.#arena.toString('utf8', a, b)) as Metadata);
  }

  /** A slot's metadata JSON (`'{}'` when empty), as it was written. */
  metadataJsonOf(slot: number): string {
    const a = this.#start[slot] + Math.max(0, this.#textLen[slot]);
    const b = this.#start[slot + 1];
    return a === b ? '{}' : this.#arena.toString('utf8', a, b);
  }

  /**
   * A reader of slot metadata reduced to `fields` (top-level keys), for filter evaluation: each slot is decoded
   * once and its projection cached for as long as this field set stays among the last few asked for. `null`
   * fields (a filter that reads no particular key) reads the whole decoded metadata, uncached.
   */
  projection(fields: readonly string[] | null): (slot: number) => Metadata {
    if (fields === null) return (s) => this.metadataOf(s);
    const key = fields.join('\0');
    let cache = this.#projections.get(key);
    if (cache === undefined) {
      if (this.#projections.size >= MAX_PROJECTIONS) this.#projections.delete(this.#projections.keys().next().value!);
      cache = [];
      this.#projections.set(key, cache);
    }
    const c = cache;
    return (s) => {
      let m = c[s];
      if (m === undefined) {
        m = this.#project(s, fields);
        while (c.length < s) c.push(undefined); // keep the array packed, not a dictionary
        c[s] = m;
      }
      return m;
    };
  }

  #project(slot: number, fields: readonly string[]): Metadata {
    const a = this.#start[slot] + Math.max(0, this.#textLen[slot]);
    if (a === this.#start[slot + 1]) return NO_FIELDS;
    const full = this.metadataOf(slot);
    let out: Metadata | null = null;
    for (const f of fields) {
      if (!Object.prototype.hasOwnProperty.call(full, f)) continue;
      out ??= {};
      out[f] = full[f];
    }
    return out ?? NO_FIELDS;
  }

  /** Bytes held by filter projections (estimated: array slots and small objects). */
  get projectionBytes(): number {
    let n = 0;
    for (const [key, c] of this.#projections) n += c.length * (8 + 24 + 8 * (key.split('\0').length));
    return n;
  }
}
