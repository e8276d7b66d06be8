/**
 * Float vectors kept on disk: the VECTORS section of the current snapshot, read row by row with positional reads
 * when a search re-ranks its final candidates, plus an in-memory tail of vectors written since that snapshot. No
 * second file and no second persistence mechanism: a checkpoint writes the next snapshot (streaming the old rows and
 * the tail into it) and the store re-points here.
 *
 * After a compaction the rebuilt store reads its rows through the old one (`remap`: new slot → old slot) until its
 * first checkpoint.
 *
 * @internal
 * @module
 */
import { closeSync } from 'node:fs';
import { openFileSync, readSyncAt } from '../internal/durable-fs.js';
import { IOError, StoreIntegrityError } from '../core/errors.js';
import { yieldToLoop } from '../internal/yield.js';
import { normalizeInPlace } from './distance.js';
import type { SectionExtent, StreamedBody } from './persistence/snapshot.js';

/** Rows per chunk when streaming into a snapshot. */
const STREAM_ROWS = 4096;

/** Where rows `[0, baseCount)` come from. @internal */
type Base =
  | { kind: 'none' }
  | { kind: 'file'; fd: number; path: string; offset: number }
  | { kind: 'remap'; source: DiskVectors; slots: Uint32Array };

/** Float vectors on disk plus an in-memory tail. @internal */
export class DiskVectors {
  readonly dimension: number;
  #base: Base = { kind: 'none' };
  #baseCount = 0;
  #tail: Float32Array;
  #tailCount = 0;
  readonly #rowBytes: number;

  constructor(dimension: number) {
    this.dimension = dimension;
    this.#rowBytes = dimension * 4;
    this.#tail = new Float32Array(64 * dimension);
  }

  /** Slots present: `[0, count)`. */
  get count(): number {
    return this.#baseCount + this.#tailCount;
  }

  /** Bytes held in memory (the tail). */
  get bytes(): number {
    return this.#tail.byteLength;
  }

  /**
   * Points rows `[0, count)` at a snapshot's VECTORS section and drops the tail (now in that snapshot). Closes the
   * previous file, if any.
   *
   * @throws {@link IOError} when the file cannot be opened
   */
  attachFile(path: string, extent: SectionExtent, count: number): void {
    let fd: number;
    try {
      fd = openFileSync(path, 'r');
    } catch (err) {
      throw new IOError(`cannot open ${path} to read vectors`, { cause: err });
    }
    this.#release();
    this.#base = { kind: 'file', fd, path, offset: extent.offset };
    this.#baseCount = count;
    this.#tail = new Float32Array(64 * this.dimension);
    this.#tailCount = 0;
  }

  /** Rows `[0, slots.length)` are rows `slots[i]` of `source` (after a compaction). */
  attachRemap(source: DiskVectors, slots: Uint32Array): void {
    this.#release();
    this.#base = { kind: 'remap', source, slots };
    this.#baseCount = slots.length;
  }

  #release(): void {
    if (this.#base.kind === 'file') closeSync(this.#base.fd);
    else if (this.#base.kind === 'remap') this.#base.source.close();
    this.#base = { kind: 'none' };
    this.#baseCount = 0;
  }

  /** Appends a vector to the in-memory tail, optionally normalizing it. Returns its slot. */
  append(vector: ArrayLike<number>, normalize: boolean): number {
    const dim = this.dimension;
    if ((this.#tailCount + 1) * dim > this.#tail.length) {
      const grown = new Float32Array(Math.max(this.#tail.length * 2, (this.#tailCount + 1) * dim));
      grown.set(this.#tail.subarray(0, this.#tailCount * dim));
      this.#tail = grown;
    }
    const o = this.#tailCount * dim;
    for (let i = 0; i < dim; i++) this.#tail[o + i] = vector[i];
    if (normalize) normalizeInPlace(this.#tail, o, dim);
    this.#tailCount++;
    return this.count - 1;
  }

  /** Reads slot `slot` into `out[at .. at + dim)`. */
  read(slot: number, out: Float32Array, at = 0): void {
    const dim = this.dimension;
    if (slot >= this.#baseCount) {
      const o = (slot - this.#baseCount) * dim;
      out.set(this.#tail.subarray(o, o + dim), at);
      return;
    }
    const base = this.#base;
    if (base.kind === 'remap') {
      base.source.read(base.slots[slot], out, at);
      return;
    }
    if (base.kind !== 'file') throw new StoreIntegrityError(`slot ${slot} has no backing row`);
    const bytes = this.#rowBytes;
    let got: number;
    try {
      got = readSyncAt(base.fd, base.path, out, at * 4, bytes, base.offset + slot * bytes);
    } catch (err) {
      throw new IOError(`cannot read vector ${slot} from ${base.path}`, { cause: err });
    }
    if (got !== bytes) throw new IOError(`short read of vector ${slot} from ${base.path}`);
  }

  /**
   * Reads rows `slots[0 .. n)` into `out` (row `i` at `i · dim`): only those rows, in slot order so the file is
   * read front to back (a re-rank's candidates arrive in score order, scattered over the file).
   */
  readMany(slots: Uint32Array, n: number, out: Float32Array): void {
    const dim = this.dimension;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => slots[a] - slots[b]);
    for (const i of order) this.read(slots[i], out, i * dim);
  }

  /** A copy of slot `slot`. */
  copyOf(slot: number): Float32Array {
    const out = new Float32Array(this.dimension);
    this.read(slot, out);
    return out;
  }

  /** The rows `[0, count)` as a streamed snapshot section. */
  body(): StreamedBody {
    const count = this.count, dim = this.dimension;
    return {
      byteLength: count * this.#rowBytes,
      chunks: async function* (this: DiskVectors): AsyncIterable<Uint8Array> {
        const buf = new Float32Array(STREAM_ROWS * dim);
        for (let s = 0; s < count; s += STREAM_ROWS) {
          const n = Math.min(STREAM_ROWS, count - s);
          for (let i = 0; i < n; i++) this.read(s + i, buf, i * dim);
          yield new Uint8Array(buf.buffer, 0, n * dim * 4).slice();
          await yieldToLoop();
        }
      }.bind(this),
    };
  }

  /** Releases the file (idempotent). */
  close(): void {
    this.#release();
  }
}
