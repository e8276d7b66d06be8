/**
 * Slot directory: maps external string ids to dense internal slots and back, and keeps tombstones.
 * Slots are append-only (an overwrite tombstones the old slot and takes a new one) so the graph never has to
 * forget a node; compaction renumbers everything.
 *
 * Memory: no JS string or Map entry per record. Id bytes (UTF-8) sit in one growable byte arena indexed by a
 * `Uint32Array` of offsets; the id → slot map is an open-addressing hash table (linear probing, backward-shift
 * deletion) over an `Int32Array` of slots, keyed by a 32-bit FNV-1a hash of the id bytes that is kept per slot so
 * probes compare bytes only on a hash match. About 13 bytes per record plus the id's bytes, against ~120 for a
 * string array + `Map`.
 *
 * @internal
 * @module
 */
import { growableShared, growShared } from './shared-buffer.js';
import { CapacityError } from '../core/errors.js';

const EMPTY = -1;
const encoder = new TextEncoder();

/** 32-bit FNV-1a over `bytes[0, n)`. */
function fnv1a(bytes: Uint8Array, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** External id ↔ slot map with tombstones. @internal */
export class SlotDirectory {
  /** Id bytes of every slot, back to back (dead slots restored from a snapshot have none). */
  #arena: Buffer = Buffer.allocUnsafe(1024);
  #arenaLen = 0;
  /** Slot s's id is `#arena[#offsets[s], #offsets[s + 1])`. */
  #offsets = new Uint32Array(65);
  /** FNV-1a hash of each slot's id. */
  #hashes = new Uint32Array(64);
  /** Open-addressing table of live slots (EMPTY where free); size a power of two, at most half full. */
  #table = new Int32Array(128).fill(EMPTY);
  #live = 0;
  #slots = 0;
  /** Scratch for encoding a looked-up id. */
  #scratch = new Uint8Array(256);
  /**
   * 1 where the slot is dead. Grown geometrically, in place, on a growable SharedArrayBuffer (search workers read
   * it): a fixed-length view re-made after each growth.
   */
  deleted = new Uint8Array(growableShared(64), 0, 64);
  /** Dead slots. */
  dead = 0;

  /** Slots ever assigned. */
  get slots(): number {
    return this.#slots;
  }

  /** Live records. */
  get live(): number {
    return this.#live;
  }

  /** Bytes held by the directory's arrays (ids, offsets, hashes, table, tombstones). */
  get bytes(): number {
    return this.#arena.byteLength + this.#offsets.byteLength + this.#hashes.byteLength + this.#table.byteLength + this.deleted.byteLength;
  }

  /** The id of a slot (the empty string for a dead slot restored from a snapshot). */
  idOf(slot: number): string {
    return this.#arena.toString('utf8', this.#offsets[slot], this.#offsets[slot + 1]);
  }

  /** Encodes `id` into the scratch buffer; returns its byte length. */
  #encode(id: string): number {
    if (this.#scratch.length < id.length * 3) this.#scratch = new Uint8Array(id.length * 3);
    return encoder.encodeInto(id, this.#scratch).written;
  }

  /** The table position holding the live slot whose id is the scratch's first `n` bytes (hash `h`), or -1. */
  #find(n: number, h: number): number {
    const table = this.#table, mask = table.length - 1, scratch = this.#scratch, arena = this.#arena;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = table[i];
      if (s === EMPTY) return -1;
      if (this.#hashes[s] !== h) continue;
      const a = this.#offsets[s];
      if (this.#offsets[s + 1] - a !== n) continue;
      let j = 0;
      while (j < n && arena[a + j] === scratch[j]) j++;
      if (j === n) return i;
    }
  }

  /** The live slot of `id`, or -1. */
  slotOf(id: string): number {
    const n = this.#encode(id);
    const i = this.#find(n, fnv1a(this.#scratch, n));
    return i < 0 ? -1 : this.#table[i];
  }

  /** Assigns the next slot to `id`, tombstoning its previous slot. Returns the new slot. */
  assign(id: string): number {
    const n = this.#encode(id);
    const h = fnv1a(this.#scratch, n);
    const at = this.#find(n, h);
    if (at >= 0) {
      this.#kill(this.#table[at]);
      this.#unlink(at);
    }
    const slot = this.#append(n, h, false);
    this.#insert(slot, h);
    return slot;
  }

  /** Tombstones `id`'s slot. Returns whether it was live. */
  remove(id: string): boolean {
    const n = this.#encode(id);
    const at = this.#find(n, fnv1a(this.#scratch, n));
    if (at < 0) return false;
    this.#kill(this.#table[at]);
    this.#unlink(at);
    return true;
  }

  /** Restores a slot read from a snapshot (slots must come in order). */
  restore(id: string, dead: boolean): void {
    const n = this.#encode(id);
    const h = fnv1a(this.#scratch, n);
    const slot = this.#append(n, h, dead);
    if (dead) {
      this.deleted[slot] = 1;
      this.dead++;
    } else {
      this.#insert(slot, h);
    }
  }

  /** Live slots in ascending order. */
  liveSlots(): Uint32Array {
    const out = new Uint32Array(this.#live);
    let j = 0;
    for (let s = 0; s < this.#slots; s++) if (this.deleted[s] === 0) out[j++] = s;
    return out;
  }

  /** Appends a slot holding the scratch's first `n` bytes. */
  #append(n: number, h: number, dead: boolean): number {
    const slot = this.#slots;
    if (slot + 2 > this.#offsets.length) {
      const cap = Math.max(64, this.#hashes.length * 2);
      this.#offsets = grow(this.#offsets, cap + 1);
      this.#hashes = grow(this.#hashes, cap);
      const buf = growShared(this.deleted.buffer as SharedArrayBuffer, cap);
      this.deleted = new Uint8Array(buf, 0, cap);
    }
    if (!dead) {
      if (this.#arenaLen + n > this.#arena.length) {
        if (this.#arenaLen + n > 0xffffffff) throw new CapacityError('store ids exceed 4 GiB (the id arena is 32-bit addressed): split the data over several stores', { requestedBytes: this.#arenaLen + n, limitBytes: 0xffffffff });
        const next = Buffer.allocUnsafe(Math.min(0xffffffff, Math.max(this.#arenaLen + n, this.#arena.length * 2)));
        this.#arena.copy(next, 0, 0, this.#arenaLen);
        this.#arena = next;
      }
      this.#arena.set(this.#scratch.subarray(0, n), this.#arenaLen);
      this.#arenaLen += n;
    }
    this.#offsets[slot + 1] = this.#arenaLen;
    this.#hashes[slot] = h;
    this.deleted[slot] = 0;
    this.#slots++;
    return slot;
  }

  #insert(slot: number, h: number): void {
    if ((this.#live + 1) * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    const table = this.#table, mask = table.length - 1;
    let i = h & mask;
    while (table[i] !== EMPTY) i = (i + 1) & mask;
    table[i] = slot;
    this.#live++;
  }

  /** Frees table position `at`, shifting later entries of its probe run back (no tombstones in the table). */
  #unlink(at: number): void {
    const table = this.#table, mask = table.length - 1;
    let hole = at;
    for (let i = (at + 1) & mask; table[i] !== EMPTY; i = (i + 1) & mask) {
      const home = this.#hashes[table[i]] & mask;
      // Move the entry into the hole unless its home lies cyclically in (hole, i].
      if (hole <= i ? home <= hole || home > i : home <= hole && home > i) {
        table[hole] = table[i];
        hole = i;
      }
    }
    table[hole] = EMPTY;
    this.#live--;
  }

  #rehash(size: number): void {
    const old = this.#table;
    const table = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    for (let k = 0; k < old.length; k++) {
      const s = old[k];
      if (s === EMPTY) continue;
      let i = this.#hashes[s] & mask;
      while (table[i] !== EMPTY) i = (i + 1) & mask;
      table[i] = s;
    }
    this.#table = table;
  }

  #kill(slot: number): void {
    if (this.deleted[slot] === 0) {
      this.deleted[slot] = 1;
      this.dead++;
    }
  }
}

function grow<T extends Uint32Array>(a: T, length: number): T {
  const next = new (a.constructor as new (n: number) => T)(length);
  next.set(a);
  return next;
}
