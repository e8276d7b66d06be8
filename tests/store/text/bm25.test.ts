import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bm25Index } from '../../../src/store/text/bm25.js';
import { loadAnalyzer } from '../../../src/store/text/analyzer.js';
import { CorruptDataError, ValidationError } from '../../../src/index.js';

const corpus = [
  'The quick brown fox jumps over the lazy dog',
  'A quick brown dog outpaces a quick fox',
  'Lazy afternoons are for sleeping dogs',
  'Foxes are wild animals; dogs are domesticated',
  'Error code E4096 appears when the disk is full',
  'The café serves crème brûlée and espresso',
  '',
];

/** Straightforward BM25 over pre-analyzed term lists (the definition, written independently of the index). */
function referenceScores(docs: string[][], query: string[], k1 = 1.2, b = 0.75): Map<number, number> {
  const live = docs.map((d, i) => [i, d] as const);
  const N = live.length;
  const avgdl = live.reduce((s, [, d]) => s + d.length, 0) / N;
  const out = new Map<number, number>();
  for (const term of new Set(query)) {
    const df = live.filter(([, d]) => d.includes(term)).length;
    if (df === 0) continue;
    const idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
    for (const [i, d] of live) {
      const tf = d.filter((t) => t === term).length;
      if (tf === 0) continue;
      const s = idf * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * d.length / avgdl));
      out.set(i, (out.get(i) ?? 0) + s);
    }
  }
  return out;
}

describe('Bm25Index', () => {
  it('scores exactly like the BM25 definition', async () => {
    const index = await Bm25Index.create();
    const analyzer = await loadAnalyzer();
    corpus.forEach((t, i) => index.add(i, t));
    for (const q of ['quick fox', 'lazy dogs', 'E4096', 'crème brûlée', 'the', 'foxes dog dog']) {
      const ref = referenceScores(corpus.map((t) => analyzer.terms(t)), analyzer.terms(q));
      const { slots, scores } = index.search(q, 10);
      expect(slots.length, q).toBe(ref.size);
      slots.forEach((slot, i) => expect(scores[i], `${q} #${slot}`).toBeCloseTo(ref.get(slot)!, 5));
      for (let i = 1; i < scores.length; i++) expect(scores[i - 1]).toBeGreaterThanOrEqual(scores[i]);
    }
  });
  it('stems, drops stop words, normalizes unicode', async () => {
    const index = await Bm25Index.create();
    index.add(3, 'Running runners ran');
    index.add(5, 'CAFE\u0301 au lait');
    expect(Array.from(index.search('run', 5).slots)).toEqual([3]);
    expect(Array.from(index.search('café', 5).slots)).toEqual([5]);
    expect(index.search('the and of', 5).slots.length).toBe(0);
    expect(index.search('', 5).slots.length).toBe(0);
    expect(index.search('!!!', 5).slots.length).toBe(0);
  });
  it('supports other languages and custom stop words', async () => {
    const fr = await Bm25Index.create({ language: 'french' });
    fr.add(0, 'Les chevaux mangent');
    fr.add(1, 'Le cheval mange');
    expect(fr.search('cheval', 5).slots.length).toBe(2);
    const plain = await Bm25Index.create({ stemming: false, stopWords: ['x'] });
    plain.add(0, 'the running x');
    expect(plain.search('running', 5).slots.length).toBe(1);
    expect(plain.search('the', 5).slots.length).toBe(1);
    expect(plain.search('x', 5).slots.length).toBe(0);
    await expect(Bm25Index.create({ language: 'klingon' as never })).rejects.toBeInstanceOf(ValidationError);
    await expect(Bm25Index.create({ b: 2 })).rejects.toBeInstanceOf(ValidationError);
  });
  it('applies the predicate before top-k and breaks ties by slot', async () => {
    const index = await Bm25Index.create();
    for (let i = 0; i < 20; i++) index.add(i, 'same words here');
    const { slots } = index.search('words', 5, (s) => s % 2 === 1);
    expect(Array.from(slots)).toEqual([1, 3, 5, 7, 9]);
    expect(() => index.search('x', -1)).toThrow(ValidationError);
  });
  it('add/replace/remove keep statistics identical to a fresh build (property)', async () => {
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ slot: fc.nat(15), text: fc.array(fc.constantFrom(...words), { maxLength: 6 }).map((w) => w.join(' ')), del: fc.boolean() }), { maxLength: 40 }),
      async (ops) => {
        const index = await Bm25Index.create();
        const state = new Map<number, string>();
        for (const op of ops) {
          if (op.del) { expect(index.remove(op.slot)).toBe(state.delete(op.slot)); } else { index.add(op.slot, op.text); state.set(op.slot, op.text); }
        }
        const fresh = await Bm25Index.create();
        [...state.keys()].sort((a, b) => b - a).forEach((s) => fresh.add(s, state.get(s)!)); // reverse order: exercises inserts
        expect(index.documentCount).toBe(state.size);
        for (const q of words) {
          const a = index.search(q, 20);
          const b = fresh.search(q, 20);
          expect(Array.from(a.slots)).toEqual(Array.from(b.slots));
          a.scores.forEach((s, i) => expect(s).toBeCloseTo(b.scores[i], 5));
        }
        const round = await Bm25Index.deserialize(index.serialize());
        for (const q of words) expect(Array.from(round.search(q, 20).slots)).toEqual(Array.from(index.search(q, 20).slots));
      },
    ), { numRuns: 60 });
  });
  it('round-trips through serialization and rejects corrupt bytes', async () => {
    const index = await Bm25Index.create({ k1: 1.5, b: 0.5, language: 'english' });
    corpus.forEach((t, i) => index.add(i * 3, t));
    const bytes = index.serialize();
    const back = await Bm25Index.deserialize(bytes);
    expect(back.k1).toBe(1.5);
    expect(back.documentCount).toBe(index.documentCount);
    const a = index.search('quick dog', 10);
    const b = back.search('quick dog', 10);
    expect(Array.from(b.slots)).toEqual(Array.from(a.slots));
    expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
    await expect(Bm25Index.deserialize(bytes.subarray(0, bytes.length - 3))).rejects.toBeInstanceOf(CorruptDataError);
    const bad = bytes.slice(); bad[0] ^= 1;
    await expect(Bm25Index.deserialize(bad)).rejects.toBeInstanceOf(CorruptDataError);
    await expect(Bm25Index.deserialize(new Uint8Array([...bytes, 0]))).rejects.toBeInstanceOf(CorruptDataError);
  });
});
