/**
 * Columnar metadata indexes over a collection's slots, for filtered search: per top-level metadata field, an
 * inverted index (value → posting of slots; array values post each scalar element), a posting of the slots where
 * the field is present, and for numbers a sorted column (values + slots) for range operators.
 *
 * Derived data: nothing is persisted. The index catches up with the payload arena before each filtered query
 * (slots are append-only, so catching up means decoding the slots written since, once), so it is rebuilt on open
 * by the first filtered query and costs writes nothing; a compaction rebuilds it with the records when the old
 * collection had one. Dead slots need no removal: a slot
 * never comes back to life, and the query folds the tombstones into its bitset.
 *
 * Postings are sorted slot arrays until they hold more than one slot in 32 of those written, then bitsets (the
 * smaller of the two; the idea of roaring's array/bitmap containers without its per-64k chunking — see
 * docs/store.md for the measurement against the `roaring` package).
 *
 * @internal
 * @module
 */
import type { Metadata, MetadataValue } from '../core/contracts.js';
import type { PayloadArena } from './payloads.js';

/** A key the inverted index holds: a scalar metadata value (Map keys compare by SameValueZero: 1, '1', true differ). */
export type ScalarKey = string | number | boolean | null;

/** Slots holding one value (or having one field), in increasing order. @internal */
export class Posting {
  #arr: Uint32Array | null = new Uint32Array(4);
  #bits: Uint32Array | null = null;
  #n = 0;
  #last = -1;

  /** Slots posted. */
  get size(): number {
    return this.#n;
  }

  /** Bytes held. */
  get bytes(): number {
    return (this.#arr?.byteLength ?? 0) + (this.#bits?.byteLength ?? 0) + 32;
  }

  /** Posts `slot` (called in increasing slot order; a repeat of the last slot is ignored). */
  add(slot: number): void {
    if (slot === this.#last) return;
    this.#last = slot;
    this.#n++;
    const bits = this.#bits;
    if (bits !== null) {
      const w = slot >>> 5;
      if (w >= bits.length) {
        const next = new Uint32Array(Math.max(w + 1, bits.length * 2));
        next.set(bits);
        this.#bits = next;
      }
      this.#bits![w] |= 1 << (slot & 31);
      return;
    }
    let arr = this.#arr!;
    if (this.#n > arr.length) {
      // Denser than one slot in 32: a bitset over [0, slot] is smaller than the array would be.
      if (this.#n > 64 && this.#n * 32 > slot) {
        this.#toBits(slot);
        return;
      }
      const next = new Uint32Array(arr.length * 2);
      next.set(arr);
      this.#arr = arr = next;
    }
    arr[this.#n - 1] = slot;
  }

  #toBits(slot: number): void {
    const bits = new Uint32Array(Math.max(2 * ((slot >>> 5) + 1), 4));
    const arr = this.#arr!;
    for (let i = 0; i < this.#n - 1; i++) bits[arr[i] >>> 5] |= 1 << (arr[i] & 31);
    bits[slot >>> 5] |= 1 << (slot & 31);
    this.#bits = bits;
    this.#arr = null;
  }

  /** Calls `f` with each slot, in increasing order. */
  forEach(f: (slot: number) => void): void {
    const bits = this.#bits;
    if (bits === null) {
      for (let i = 0; i < this.#n; i++) f(this.#arr![i]);
      return;
    }
    for (let w = 0; w < bits.length; w++) {
      let x = bits[w];
      while (x !== 0) {
        const t = x & -x;
        f((w << 5) | (31 - Math.clz32(t)));
        x ^= t;
      }
    }
  }

  /** Writes this posting's slots into `out`, a bitset of zeros (a copy when the posting is a bitset). */
  copyInto(out: Uint32Array): void {
    const bits = this.#bits;
    if (bits !== null) out.set(bits.length <= out.length ? bits : bits.subarray(0, out.length));
    else this.orInto(out);
  }

  /** Sets this posting's slots in `out` (a bitset). */
  orInto(out: Uint32Array): void {
    const bits = this.#bits;
    if (bits !== null) {
      const n = Math.min(bits.length, out.length);
      for (let w = 0; w < n; w++) out[w] |= bits[w];
      return;
    }
    const arr = this.#arr!;
    for (let i = 0; i < this.#n; i++) {
      const s = arr[i];
      out[s >>> 5] |= 1 << (s & 31);
    }
  }
}

/** A numeric field's values and slots, sorted by value on demand (appends leave it unsorted). */
class NumericColumn {
  values = new Float64Array(16);
  slots = new Uint32Array(16);
  n = 0;
  sorted = true;

  add(v: number, slot: number): void {
    if (this.n === this.values.length) {
      const vs = new Float64Array(this.n * 2);
      vs.set(this.values);
      this.values = vs;
      const ss = new Uint32Array(this.n * 2);
      ss.set(this.slots);
      this.slots = ss;
    }
    if (this.n > 0 && v < this.values[this.n - 1]) this.sorted = false;
    this.values[this.n] = v;
    this.slots[this.n] = slot;
    this.n++;
  }

  /** Sorts by value (an index permutation; once per batch of writes, at the next range query). */
  sort(): void {
    if (this.sorted) return;
    const n = this.n;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const vs = this.values;
    order.sort((a, b) => vs[a] - vs[b]);
    const nv = new Float64Array(this.values.length), ns = new Uint32Array(this.slots.length);
    for (let i = 0; i < n; i++) {
      nv[i] = vs[order[i]];
      ns[i] = this.slots[order[i]];
    }
    this.values = nv;
    this.slots = ns;
    this.sorted = true;
  }

  /** First index whose value is `>= v` (`strict`: `> v`). */
  lowerBound(v: number, strict: boolean): number {
    let lo = 0, hi = this.n;
    const vs = this.values;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (strict ? vs[mid] <= v : vs[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Bytes held (values and slots, growth slack included). */
  get bytes(): number {
    return this.values.byteLength + this.slots.byteLength;
  }
}

/** One field's indexes. @internal */
export class FieldIndex {
  /** Slots where the field is present (any value, `null` included). */
  readonly present = new Posting();
  /** Scalar value (or scalar array element) → slots. */
  readonly values = new Map<ScalarKey, Posting>();
  /**
   * Number values (and number array elements) with their slots, for ranges: built by the first range query on the
   * field (from the postings), then kept up to date. Fields only ever tested for equality do without (12 bytes per
   * value saved).
   */
  #numbers: NumericColumn | null = null;
  /**
   * Whether some slot holds an array here. Then two bounds may each match a different element (`[-1, 3]` passes
   * `$gt: 1` and `$lt: 0`), so they cannot be merged into one range.
   */
  hasArrays = false;

  #post(v: ScalarKey, slot: number): void {
    let p = this.values.get(v);
    if (p === undefined) {
      p = new Posting();
      this.values.set(v, p);
    }
    p.add(slot);
    if (typeof v === 'number') this.#numbers?.add(v, slot);
  }

  /**
   * Indexes one slot's value of this field (slots in increasing order). Nested objects and arrays inside arrays are
   * in no value posting: no scalar operand equals them, so `present` is all the filters need of them.
   */
  add(v: MetadataValue, slot: number): void {
    this.present.add(slot);
    if (Array.isArray(v)) {
      this.hasArrays = true;
      for (const e of v) if (e === null || typeof e !== 'object') this.#post(e, slot);
    } else if (v === null || typeof v !== 'object') {
      this.#post(v, slot);
    }
  }

  /** Sets in `out` the slots holding a number in the range (bounds undefined = open). */
  numberRangeInto(out: Uint32Array, lo: number | undefined, loStrict: boolean, hi: number | undefined, hiStrict: boolean): void {
    const col = this.#column();
    col.sort();
    const a = lo === undefined ? 0 : col.lowerBound(lo, loStrict);
    const b = hi === undefined ? col.n : col.lowerBound(hi, !hiStrict);
    const slots = col.slots;
    for (let i = a; i < b; i++) {
      const s = slots[i];
      out[s >>> 5] |= 1 << (s & 31);
    }
  }

  #column(): NumericColumn {
    if (this.#numbers !== null) return this.#numbers;
    const col = new NumericColumn();
    for (const [v, p] of this.values) if (typeof v === 'number') p.forEach((s) => col.add(v, s));
    this.#numbers = col;
    return col;
  }

  /** Bytes held by this field's postings and column. */
  get bytes(): number {
    let n = this.present.bytes + (this.#numbers?.bytes ?? 0) + 64;
    for (const [k, p] of this.values) n += p.bytes + 48 + (typeof k === 'string' ? 2 * k.length : 0);
    return n;
  }
}

/** Per-field indexes over a collection's slots. @internal */
export class MetadataIndex {
  readonly #fields = new Map<string, FieldIndex>();
  /** Slots `[0, covered)` are indexed. */
  #covered = 0;

  /** Slots indexed so far. */
  get covered(): number {
    return this.#covered;
  }

  /** The field's index, or undefined when no indexed slot has the field. */
  field(name: string): FieldIndex | undefined {
    return this.#fields.get(name);
  }

  /** Indexes the slots written since the last call (dead ones are skipped: a dead slot never matches). */
  catchUp(payloads: PayloadArena, deleted: Uint8Array): void {
    const end = payloads.slots;
    for (let s = this.#covered; s < end; s++) {
      if (deleted[s] !== 0) continue;
      const json = payloads.metadataJsonOf(s);
      if (json === '{}') continue;
      this.add(s, JSON.parse(json) as Metadata);
    }
    this.#covered = end;
  }

  /** Indexes one slot's metadata (slots in increasing order). */
  add(slot: number, metadata: Metadata): void {
    for (const key of Object.keys(metadata)) {
      let f = this.#fields.get(key);
      if (f === undefined) {
        f = new FieldIndex();
        this.#fields.set(key, f);
      }
      f.add(metadata[key], slot);
    }
  }

  /** Bytes held by all field indexes. */
  get bytes(): number {
    let n = 0;
    for (const [k, f] of this.#fields) n += f.bytes + 2 * k.length;
    return n;
  }
}
