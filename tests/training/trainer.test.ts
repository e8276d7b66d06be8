// AdapterTrainer: learning, determinism, held-out improvement, early stopping, federated local rounds.
import { describe, expect, it } from 'vitest';
import { AbortError, ValidationError } from '../../src/core/errors.js';
import { AdapterTrainer } from '../../src/training/trainer.js';
import { syntheticPairs } from './helpers.js';

const d = 16;
const train = syntheticPairs({ count: 192, dimension: d, seed: 1 });
const val = syntheticPairs({ count: 96, dimension: d, seed: 2 });

describe('AdapterTrainer', () => {
  it('lowers the loss and raises held-out nDCG@10 over the base model', async () => {
    const trainer = new AdapterTrainer({ adapter: { dimension: d }, epochs: 8, batchSize: 32, learningRate: 0.03, seed: 3, patience: 0 });
    const result = await trainer.fit(train, { validation: val });
    const losses = result.history.map((h) => h.loss);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.8);
    const after = trainer.evaluate(result.adapter, val);
    expect(result.baseline!.ndcg).toBeLessThan(0.7);
    expect(after.ndcg).toBeGreaterThan(result.baseline!.ndcg + 0.1);
    expect(after.recall).toBeGreaterThanOrEqual(result.baseline!.recall);
  });

  it('learns with a low-rank map plus MLP, query-only, and hard negatives', async () => {
    const withNeg = syntheticPairs({ count: 192, dimension: d, seed: 1, negatives: true });
    const trainer = new AdapterTrainer({ adapter: { dimension: d, rank: 8, hidden: 16, apply: 'query' }, epochs: 10, learningRate: 0.01, seed: 1 });
    const result = await trainer.fit(withNeg, { validation: val });
    expect(trainer.evaluate(result.adapter, val).ndcg).toBeGreaterThan(result.baseline!.ndcg + 0.05);
  });

  it('is deterministic: the same seed gives identical weights, another seed different ones', async () => {
    const opts = { adapter: { dimension: d, rank: 4, hidden: 8 }, epochs: 2, seed: 5 };
    const a = await new AdapterTrainer(opts).fit(train);
    const b = await new AdapterTrainer(opts).fit(train);
    const c = await new AdapterTrainer({ ...opts, seed: 6 }).fit(train);
    expect(Buffer.from(a.adapter.parameters.buffer).equals(Buffer.from(b.adapter.parameters.buffer))).toBe(true);
    expect(Buffer.from(a.adapter.parameters.buffer).equals(Buffer.from(c.adapter.parameters.buffer))).toBe(false);
  });

  it('stops early when validation stops improving and keeps the best epoch', async () => {
    // A learning rate this high overshoots quickly; patience 1 must stop the run and keep the best weights.
    const trainer = new AdapterTrainer({ adapter: { dimension: d }, epochs: 30, learningRate: 0.05, patience: 1, seed: 2 });
    const result = await trainer.fit(train, { validation: val });
    expect(result.stoppedEarly).toBe(true);
    expect(result.history.length).toBeLessThan(30);
    const best = Math.max(...result.history.map((h) => h.validation!.ndcg));
    expect(trainer.evaluate(result.adapter, val).ndcg).toBe(best);
    expect(result.history[result.bestEpoch].validation!.ndcg).toBe(best);
  });

  it('trainLocal runs E epochs from given parameters; the proximal term keeps them nearer the global ones', async () => {
    const trainer = new AdapterTrainer({ adapter: { dimension: d, rank: 4 }, learningRate: 0.01, seed: 1 });
    const start = trainer.initialAdapter().parameters;
    const copy = Float32Array.from(start);
    const free = await trainer.trainLocal(start, train, { epochs: 2, round: 1 });
    const prox = await trainer.trainLocal(start, train, { epochs: 2, round: 1, proximalMu: 5 });
    expect(start).toEqual(copy); // input untouched
    expect(free.samples).toBe(train.count);
    expect(free.steps).toBe(2 * Math.ceil(train.count / 32));
    const dist = (p: Float32Array): number => Math.hypot(...Array.from(p, (v, i) => v - start[i]));
    expect(dist(free.parameters)).toBeGreaterThan(0);
    expect(dist(prox.parameters)).toBeLessThan(dist(free.parameters));
    const again = await trainer.trainLocal(start, train, { epochs: 2, round: 1 });
    expect(again.parameters).toEqual(free.parameters);
    await expect(trainer.trainLocal(new Float32Array(3), train)).rejects.toBeInstanceOf(ValidationError);
    await expect(trainer.trainLocal(start, train, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it('rejects bad hyper-parameters and data of the wrong dimension', async () => {
    expect(() => new AdapterTrainer({ adapter: { dimension: d }, learningRate: -1 })).toThrow(ValidationError);
    expect(() => new AdapterTrainer({ adapter: { dimension: 0 } })).toThrow(ValidationError);
    const trainer = new AdapterTrainer({ adapter: { dimension: 8 } });
    await expect(trainer.fit(train)).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
  });
});
