/**
 * {@link HashingEmbedder}: an embedder that needs no model and no network (signed feature hashing of words, word
 * bigrams and character n-grams), for offline quickstarts, tests and as a lexical baseline.
 *
 * @module
 */
import { BaseEmbedder } from '../core/base-embedder.js';
import type { EmbedOptions } from '../core/contracts.js';
import { ValidationError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';

/** Options for {@link HashingEmbedder}. */
export interface HashingEmbedderOptions {
  /**
   * Vector length.
   * @defaultValue 384
   */
  dimension?: number;
  /**
   * Character n-gram lengths taken from each word (with `<` and `>` marking its ends); `[]` disables them.
   * @defaultValue [3, 4, 5]
   */
  charNgrams?: number[];
  /**
   * Weight of each character n-gram relative to a word (which weighs 1).
   * @defaultValue 0.35
   */
  charNgramWeight?: number;
  /**
   * Weight of each word bigram.
   * @defaultValue 0.7
   */
  bigramWeight?: number;
  /**
   * Hash seed; two embedders agree only when seeds and all other options agree.
   * @defaultValue 0
   */
  seed?: number;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** MurmurHash3 (x86, 32-bit) over a string's UTF-16 code units, two per 32-bit block (no encoding step). */
function murmur3(text: string, seed: number): number {
  const n = text.length;
  const pairs = n & ~1;
  let h = seed >>> 0;
  for (let i = 0; i < pairs; i += 2) {
    let k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51); k = (k << 15) | (k >>> 17); k = Math.imul(k, 0x1b873593);
    h ^= k; h = (h << 13) | (h >>> 19); h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (n & 1) {
    let k = text.charCodeAt(n - 1);
    k = Math.imul(k, 0xcc9e2d51); k = (k << 15) | (k >>> 17); k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n * 2;
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A deterministic embedder that needs no model and no network: signed feature hashing (the "hashing trick") of
 * word unigrams, word bigrams and character n-grams, L2-normalized. Similar wording gives similar vectors; it
 * captures lexical, not semantic, similarity. Useful for offline quickstarts, tests and as a sparse-ish baseline.
 *
 * Texts are NFKC-normalized and lowercased. A text with no letters or digits embeds to the zero vector.
 *
 * @example
 * ```ts
 * const embedder = new HashingEmbedder({ dimension: 256 });
 * const [v] = await embedder.embed(['The quick brown fox']);
 * ```
 */
export class HashingEmbedder extends BaseEmbedder {
  /** Vector length. */
  readonly dimension: number;
  /** Identifies the configuration, e.g. `hashing-v2-384-c3.4.5-s0`. */
  readonly model: string;
  readonly #ngrams: number[];
  readonly #charWeight: number;
  readonly #bigramWeight: number;
  readonly #seed: number;

  /**
   * @param options - dimension, n-gram settings and seed
   * @throws {@link ValidationError} for a non-positive dimension or n-gram length
   */
  constructor(options: HashingEmbedderOptions = {}) {
    super();
    const dimension = options.dimension ?? 384;
    if (!Number.isInteger(dimension) || dimension < 1) throw new ValidationError(`dimension must be a positive integer, got ${dimension}`);
    const ngrams = options.charNgrams ?? [3, 4, 5];
    if (!ngrams.every((n) => Number.isInteger(n) && n > 0)) throw new ValidationError('charNgrams must be positive integers');
    this.dimension = dimension;
    this.#ngrams = [...ngrams];
    this.#charWeight = options.charNgramWeight ?? 0.35;
    this.#bigramWeight = options.bigramWeight ?? 0.7;
    this.#seed = options.seed ?? 0;
    this.model = `hashing-v2-${dimension}-c${ngrams.join('.')}-s${this.#seed}`;
  }

  /**
   * Embeds texts synchronously under the hood; the signal is checked between texts.
   *
   * @param texts - the texts
   * @param options - signal
   * @returns one L2-normalized vector per text
   * @throws {@link ValidationError} when a text is not a string
   */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const text of texts) {
      throwIfAborted(options.signal);
      if (typeof text !== 'string') throw new ValidationError('every text must be a string');
      out.push(this.embedOne(text));
    }
    return out;
  }

  /**
   * Embeds one text synchronously.
   *
   * @param text - the text
   * @returns an L2-normalized vector (all zeros when the text has no words)
   */
  embedOne(text: string): Float32Array {
    const v = new Float32Array(this.dimension);
    const words = text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      this.#add(v, `w:${w}`, 1);
      if (i > 0) this.#add(v, `b:${words[i - 1]} ${w}`, this.#bigramWeight);
      if (this.#ngrams.length > 0) {
        const marked = `<${w}>`;
        // Slice by code units when the word has no astral characters (the common case), else by code points.
        const cps = /[\uD800-\uDFFF]/.test(marked) ? Array.from(marked) : null;
        const len = cps ? cps.length : marked.length;
        for (const n of this.#ngrams) {
          for (let s = 0; s + n <= len; s++) {
            this.#add(v, `c:${cps ? cps.slice(s, s + n).join('') : marked.slice(s, s + n)}`, this.#charWeight);
          }
        }
      }
    }
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < v.length; i++) v[i] *= inv;
    }
    return v;
  }

  #add(v: Float32Array, feature: string, weight: number): void {
    const h = murmur3(feature, this.#seed);
    // One hash gives both: the bucket from its value modulo the dimension, the sign from a remix of its bits.
    const sign = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) < 0 ? -1 : 1;
    v[h % this.dimension] += sign * weight;
  }
}
