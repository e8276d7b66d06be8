/**
 * A BM25 full-text index over the store's dense slot ids. Postings are sorted typed arrays per term (slot ids and
 * term frequencies), so updates are binary search + `copyWithin` and queries are tight loops over typed arrays.
 *
 * Scoring (Robertson/Spärck Jones BM25 with Lucene's non-negative idf):
 * `score(d, q) = Σ_{t ∈ q} idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl))`,
 * `idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))`, summed over the query's distinct terms.
 *
 * @module
 */
import { CorruptDataError, ValidationError } from '../../core/errors.js';
import { MaxHeap } from '../heap.js';
import { loadAnalyzer, type Analyzer, type AnalyzerConfig, type AnalyzerOptions } from './analyzer.js';

/** Options of {@link Bm25Index.create}. */
export interface Bm25Options extends AnalyzerOptions {
  /**
   * Term-frequency saturation: how quickly repeated terms stop adding score.
   * @defaultValue 1.2
   */
  k1?: number;
  /**
   * Length normalization: 0 ignores document length, 1 fully normalizes by it.
   * @defaultValue 0.75
   */
  b?: number;
}

/** Top-k result of {@link Bm25Index.search}, best first (equal scores: lower slot first). */
export interface Bm25Hits {
  /** Slot ids. */
  slots: Uint32Array;
  /** BM25 scores, aligned with `slots`. */
  scores: Float32Array;
}

const MAGIC = 0x35324d42; // "BM25"
const VERSION = 1;
const MAX_TF = 0xffff;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Growable sorted postings of one term. */
interface Postings {
  slots: Uint32Array;
  tfs: Uint16Array;
  length: number;
}

function lowerBound(a: Uint32Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * BM25 index keyed by non-negative integer slots (the store's internal ids).
 *
 * @example
 * ```ts
 * const index = await Bm25Index.create({ language: 'english' });
 * index.add(0, 'The quick brown fox'); index.add(1, 'A lazy dog');
 * const { slots, scores } = index.search('foxes', 10);
 * ```
 */
export class Bm25Index {
  /** The analyzer turning texts into terms. */
  readonly analyzer: Analyzer;
  /** Term-frequency saturation. */
  readonly k1: number;
  /** Length normalization. */
  readonly b: number;
  readonly #termIds = new Map<string, number>();
  readonly #terms: string[] = [];
  readonly #postings: Postings[] = [];
  /** Distinct term ids of each live slot, for removal; `undefined` for absent slots. */
  #docTerms: (Uint32Array | undefined)[] = [];
  #docLen = new Uint32Array(16);
  #docCount = 0;
  #totalLen = 0;
  #scratch = new Float64Array(0);
  #touched = new Uint32Array(0);

  private constructor(analyzer: Analyzer, k1: number, b: number) {
    this.analyzer = analyzer;
    this.k1 = k1;
    this.b = b;
  }

  /**
   * Creates an empty index.
   *
   * @param options - analyzer settings, `k1`, `b`
   * @returns the index
   * @throws {@link ValidationError} for `k1 < 0`, `b` outside [0, 1] or an unknown language
   */
  static async create(options: Bm25Options | (AnalyzerConfig & { k1?: number; b?: number }) = {}): Promise<Bm25Index> {
    const k1 = options.k1 ?? 1.2;
    const b = options.b ?? 0.75;
    if (!(Number.isFinite(k1) && k1 >= 0)) throw new ValidationError(`k1 must be a finite number >= 0, got ${k1}`);
    if (!(b >= 0 && b <= 1)) throw new ValidationError(`b must be in [0, 1], got ${b}`);
    return new Bm25Index(await loadAnalyzer(options), k1, b);
  }

  /** Number of indexed documents. */
  get documentCount(): number {
    return this.#docCount;
  }

  /** Number of distinct terms with at least one posting. */
  get termCount(): number {
    let n = 0;
    for (const p of this.#postings) if (p.length > 0) n++;
    return n;
  }

  /**
   * Whether a slot is indexed.
   *
   * @param slot - the slot
   * @returns true when present
   */
  has(slot: number): boolean {
    return this.#docTerms[slot] !== undefined;
  }

  /**
   * Indexes a document's text under `slot`, replacing what the slot held.
   *
   * @param slot - a non-negative integer
   * @param text - the text (may be empty: the document then matches nothing but counts in N)
   */
  add(slot: number, text: string): void {
    this.#addTerms(slot, this.analyzer.terms(text));
  }

  /**
   * Removes a slot's document.
   *
   * @param slot - the slot
   * @returns true when the slot was indexed
   */
  remove(slot: number): boolean {
    const termIds = this.#docTerms[slot];
    if (termIds === undefined) return false;
    for (const t of termIds) {
      const p = this.#postings[t];
      const i = lowerBound(p.slots, p.length, slot);
      p.slots.copyWithin(i, i + 1, p.length);
      p.tfs.copyWithin(i, i + 1, p.length);
      p.length--;
    }
    this.#docTerms[slot] = undefined;
    this.#totalLen -= this.#docLen[slot];
    this.#docLen[slot] = 0;
    this.#docCount--;
    return true;
  }

  /**
   * BM25 top-k.
   *
   * @param query - the query text (analyzed like documents)
   * @param k - how many hits
   * @param accept - optional predicate on slots (e.g. a metadata filter); rejected slots are skipped before top-k
   * @returns hits best first; empty when no query term occurs in the index
   */
  search(query: string, k: number, accept?: (slot: number) => boolean): Bm25Hits {
    if (!Number.isInteger(k) || k < 0) throw new ValidationError(`k must be a non-negative integer, got ${k}`);
    const queryTerms = [...new Set(this.analyzer.terms(query))];
    const n = this.#docCount;
    if (k === 0 || n === 0) return { slots: new Uint32Array(0), scores: new Float32Array(0) };
    if (this.#scratch.length < this.#docLen.length) {
      this.#scratch = new Float64Array(this.#docLen.length);
      this.#touched = new Uint32Array(this.#docLen.length);
    }
    const scores = this.#scratch;
    const touched = this.#touched;
    let touchedCount = 0;
    const avgdl = this.#totalLen / n || 1;
    const k1 = this.k1;
    const lengthFactor = k1 * this.b / avgdl;
    const constantFactor = k1 * (1 - this.b);
    for (const term of queryTerms) {
      const id = this.#termIds.get(term);
      if (id === undefined) continue;
      const p = this.#postings[id];
      if (p.length === 0) continue;
      const idf = Math.log(1 + (n - p.length + 0.5) / (p.length + 0.5));
      const { slots, tfs } = p;
      for (let i = 0; i < p.length; i++) {
        const slot = slots[i];
        const tf = tfs[i];
        if (scores[slot] === 0) touched[touchedCount++] = slot;
        // Tiny positive floor so a slot scored once is never re-added to `touched` (idf can be ~0 but not < 0).
        scores[slot] += idf * tf * (k1 + 1) / (tf + constantFactor + lengthFactor * this.#docLen[slot]) + 1e-300;
      }
    }
    // Top-k in a bounded heap keyed by −score (its top is the worst kept hit).
    const heap = new MaxHeap(Math.min(k, touchedCount) || 1);
    for (let i = 0; i < touchedCount; i++) {
      const slot = touched[i];
      const key = -scores[slot];
      scores[slot] = 0;
      if (accept !== undefined && !accept(slot)) continue;
      if (heap.size < k) heap.push(key, slot);
      else if (key < heap.topKey()) heap.replaceTop(key, slot);
    }
    const size = heap.size;
    const heapScores = Float64Array.from(heap.keys.subarray(0, size), (key) => -key);
    const heapSlots = heap.vals.subarray(0, size);
    const order = Array.from({ length: size }, (_, i) => i).sort((a, b) =>
      heapScores[b] - heapScores[a] || heapSlots[a] - heapSlots[b]);
    return {
      slots: Uint32Array.from(order, (i) => heapSlots[i]),
      scores: Float32Array.from(order, (i) => heapScores[i]),
    };
  }

  #addTerms(slot: number, terms: readonly string[]): void {
    if (!Number.isInteger(slot) || slot < 0 || slot > 0xfffffffe) throw new ValidationError(`invalid slot ${slot}`);
    if (this.#docTerms[slot] !== undefined) this.remove(slot);
    const counts = new Map<number, number>();
    for (const term of terms) {
      let id = this.#termIds.get(term);
      if (id === undefined) {
        id = this.#terms.length;
        this.#termIds.set(term, id);
        this.#terms.push(term);
        this.#postings.push({ slots: new Uint32Array(4), tfs: new Uint16Array(4), length: 0 });
      }
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const [id, tf] of counts) this.#insertPosting(this.#postings[id], slot, Math.min(tf, MAX_TF));
    if (slot >= this.#docLen.length) {
      const grown = new Uint32Array(Math.max(slot + 1, this.#docLen.length * 2));
      grown.set(this.#docLen);
      this.#docLen = grown;
    }
    this.#docTerms[slot] = Uint32Array.from(counts.keys());
    this.#docLen[slot] = terms.length;
    this.#totalLen += terms.length;
    this.#docCount++;
  }

  #insertPosting(p: Postings, slot: number, tf: number): void {
    if (p.length === p.slots.length) {
      const slots = new Uint32Array(p.slots.length * 2);
      slots.set(p.slots);
      const tfs = new Uint16Array(p.tfs.length * 2);
      tfs.set(p.tfs);
      p.slots = slots;
      p.tfs = tfs;
    }
    // Slots mostly arrive in increasing order: append is the common case.
    const i = p.length > 0 && p.slots[p.length - 1] > slot ? lowerBound(p.slots, p.length, slot) : p.length;
    p.slots.copyWithin(i + 1, i, p.length);
    p.tfs.copyWithin(i + 1, i, p.length);
    p.slots[i] = slot;
    p.tfs[i] = tf;
    p.length++;
  }

  /**
   * Serializes the index (parameters, analyzer settings, vocabulary, postings, document lengths).
   *
   * @returns the bytes, versioned; the caller adds its own checksum
   */
  serialize(): Uint8Array {
    const config = encoder.encode(JSON.stringify({ analyzer: this.analyzer.config, k1: this.k1, b: this.b }));
    const live: number[] = [];
    let size = 16 + config.length + 4;
    const termBytes: Uint8Array[] = [];
    this.#postings.forEach((p, id) => {
      if (p.length === 0) return;
      live.push(id);
      const t = encoder.encode(this.#terms[id]);
      termBytes.push(t);
      size += 4 + t.length + 4 + p.length * 6;
    });
    const slots: number[] = [];
    this.#docTerms.forEach((t, slot) => { if (t !== undefined) slots.push(slot); });
    size += 4 + slots.length * 8;
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    let o = 0;
    const u32 = (v: number): void => { view.setUint32(o, v, true); o += 4; };
    u32(MAGIC); u32(VERSION); u32(config.length); u32(0);
    out.set(config, o); o += config.length;
    u32(live.length);
    live.forEach((id, i) => {
      const p = this.#postings[id];
      u32(termBytes[i].length); out.set(termBytes[i], o); o += termBytes[i].length;
      u32(p.length);
      for (let j = 0; j < p.length; j++) u32(p.slots[j]);
      for (let j = 0; j < p.length; j++) { view.setUint16(o, p.tfs[j], true); o += 2; }
    });
    u32(slots.length);
    for (const slot of slots) { u32(slot); u32(this.#docLen[slot]); }
    return out;
  }

  /**
   * Rebuilds an index from {@link Bm25Index.serialize}'s bytes.
   *
   * @param bytes - the serialized index
   * @returns the index
   * @throws {@link CorruptDataError} when the bytes are not a valid serialized index
   */
  static async deserialize(bytes: Uint8Array): Promise<Bm25Index> {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let o = 0;
    const need = (n: number): void => {
      if (o + n > bytes.length) throw new CorruptDataError('BM25 index is truncated');
    };
    const u32 = (): number => { need(4); const v = view.getUint32(o, true); o += 4; return v; };
    const str = (len: number): string => {
      need(len);
      try { return decoder.decode(bytes.subarray(o, (o += len))); } catch (e) {
        throw new CorruptDataError('BM25 index has invalid UTF-8', undefined, { cause: e });
      }
    };
    if (u32() !== MAGIC) throw new CorruptDataError('not a BM25 index (bad magic)');
    const version = u32();
    if (version !== VERSION) throw new CorruptDataError(`unknown BM25 index version ${version}`);
    const configLen = u32();
    u32();
    let config: { analyzer: AnalyzerConfig; k1: number; b: number };
    try { config = JSON.parse(str(configLen)); } catch (e) {
      if (e instanceof CorruptDataError) throw e;
      throw new CorruptDataError('BM25 index settings do not parse', undefined, { cause: e });
    }
    const index = await Bm25Index.create({ ...config.analyzer, k1: config.k1, b: config.b });
    const termCount = u32();
    const perDoc = new Map<number, number[]>();
    for (let id = 0; id < termCount; id++) {
      const term = str(u32());
      const count = u32();
      need(count * 6);
      const slots = new Uint32Array(count);
      for (let j = 0; j < count; j++) slots[j] = view.getUint32(o + 4 * j, true);
      o += 4 * count;
      const tfs = new Uint16Array(count);
      for (let j = 0; j < count; j++) tfs[j] = view.getUint16(o + 2 * j, true);
      o += 2 * count;
      for (let j = 1; j < count; j++) {
        if (slots[j] <= slots[j - 1]) throw new CorruptDataError('BM25 postings are not sorted');
      }
      if (index.#termIds.has(term)) throw new CorruptDataError('BM25 vocabulary has a duplicate term');
      index.#termIds.set(term, id);
      index.#terms.push(term);
      index.#postings.push({ slots, tfs, length: count });
      for (const slot of slots) {
        const list = perDoc.get(slot);
        if (list === undefined) perDoc.set(slot, [id]);
        else list.push(id);
      }
    }
    const docCount = u32();
    for (let i = 0; i < docCount; i++) {
      const slot = u32();
      const len = u32();
      if (slot >= index.#docLen.length) {
        const grown = new Uint32Array(Math.max(slot + 1, index.#docLen.length * 2));
        grown.set(index.#docLen);
        index.#docLen = grown;
      }
      if (index.#docTerms[slot] !== undefined) throw new CorruptDataError('BM25 index lists a document twice');
      index.#docTerms[slot] = Uint32Array.from(perDoc.get(slot) ?? []);
      perDoc.delete(slot);
      index.#docLen[slot] = len;
      index.#totalLen += len;
      index.#docCount++;
    }
    if (perDoc.size > 0) throw new CorruptDataError('BM25 postings reference documents that are not indexed');
    if (o !== bytes.length) throw new CorruptDataError('BM25 index has trailing bytes');
    return index;
  }
}
