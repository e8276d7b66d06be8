import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, ClosedError, ModelLoadError, ValidationError } from '../../src/core/errors.js';
import { LocalCrossEncoder } from '../../src/engine/cross-encoder.js';
import { modelDir, variedTexts } from './helpers.js';

describe('LocalCrossEncoder', () => {
  let ce: LocalCrossEncoder;
  const docs = variedTexts(40, 11);
  beforeAll(async () => {
    ce = await LocalCrossEncoder.fromFolder(modelDir('tiny-cross-encoder'));
  });
  afterAll(() => ce.close());

  it('describes itself', () => {
    expect(ce).toMatchObject({ model: 'tiny-cross-encoder', maxLength: 128, numLabels: 1, activation: 'sigmoid', device: 'cpu' });
  });

  it('reranks best first with the scores of score(), cut to topN', async () => {
    const scores = await ce.score('capital of france', docs);
    const ranked = await ce.rerank('capital of france', docs);
    expect(ranked.map((r) => r.index).sort((a, b) => a - b)).toEqual(docs.map((_, i) => i));
    for (let k = 1; k < ranked.length; k++) expect(ranked[k - 1].score).toBeGreaterThanOrEqual(ranked[k].score);
    for (const r of ranked) expect(r.score).toBe(scores[r.index]);
    const top = await ce.rerank('capital of france', docs, { topN: 3 });
    expect(top).toEqual(ranked.slice(0, 3));
    expect(await ce.rerank('capital of france', docs, { topN: 0 })).toEqual([]);
    expect(await ce.rerank('capital of france', docs, { topN: 1000 })).toHaveLength(docs.length);
    expect(await ce.rerank('q', [])).toEqual([]);
  });

  it('is stable on ties: equal documents keep their input order', async () => {
    const ranked = await ce.rerank('query', ['same text', 'other', 'same text', 'same text']);
    const same = ranked.filter((r) => r.index !== 1).map((r) => r.index);
    expect(same).toEqual([0, 2, 3]);
  });

  it('activations: sigmoid of the logit by default, raw logits, softmax of one label is 1', async () => {
    const raw = await ce.score('q', docs.slice(0, 5), { activation: 'none' });
    const sig = await ce.score('q', docs.slice(0, 5));
    const soft = await ce.score('q', docs.slice(0, 5), { activation: 'softmax' });
    for (let i = 0; i < 5; i++) {
      expect(sig[i]).toBeCloseTo(1 / (1 + Math.exp(-raw[i])), 6);
      expect(soft[i]).toBe(1);
    }
    await expect(ce.score('q', ['d'], { activation: 'relu' as 'none' })).rejects.toThrow(ValidationError);
  });

  it('batch size does not change scores; scorePairs groups by first text', async () => {
    const a = await ce.score('capital of france', docs, { batchSize: 1 });
    const b = await ce.score('capital of france', docs, { batchSize: 64 });
    for (let i = 0; i < docs.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
    const pairs: [string, string][] = docs.slice(0, 6).map((d, i) => [i % 2 ? 'capital of france' : 'other query', d]);
    const viaPairs = await ce.scorePairs(pairs);
    const other = await ce.score('other query', docs.slice(0, 6));
    for (let i = 0; i < 6; i++) expect(Math.abs(viaPairs[i] - (i % 2 ? b[i] : other[i]))).toBeLessThan(1e-5);
    await expect(ce.scorePairs([['a'] as unknown as [string, string]])).rejects.toThrow(ValidationError);
    await expect(ce.score('q', ['d'], { batchSize: 0 })).rejects.toThrow(ValidationError);
  });

  it('long pairs are cut longest-first: a short query survives a long document', async () => {
    const longDoc = 'word '.repeat(5000);
    const tokens = await ce.tokenizePairs('capital of france', [longDoc]);
    expect(tokens.ids.length).toBe(128);
    expect(Array.from(tokens.ids.subarray(0, 6))).toEqual([101, 3007, 1997, 2605, 102, 2773]);
    const [s] = await ce.scoreTokenized(tokens);
    expect(Number.isFinite(s)).toBe(true);
  });

  it('typed errors and aborts', async () => {
    await expect(ce.rerank('q', docs, { topN: -1 })).rejects.toThrow(ValidationError);
    await expect(ce.rerank(3 as unknown as string, docs)).rejects.toThrow(ValidationError);
    await expect(ce.rerank('q', 'd' as unknown as string[])).rejects.toThrow(ValidationError);
    await expect(ce.rerank('q', docs, { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    // An embedding folder has no logits output.
    await expect(LocalCrossEncoder.fromFolder(modelDir('tiny-bert'))).rejects.toThrow(ModelLoadError);
    await expect(LocalCrossEncoder.fromFolder(modelDir('tiny-cross-encoder'), { labelIndex: 1 })).rejects.toThrow(ValidationError);
    const closed = await LocalCrossEncoder.fromFolder(modelDir('tiny-cross-encoder'), { dtype: 'int8' });
    expect((await closed.score('q', ['d']))[0]).toBeGreaterThan(0);
    await closed.close();
    await expect(closed.rerank('q', ['d'])).rejects.toThrow(ClosedError);
  });
});
