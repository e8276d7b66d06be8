// Checkpoints: an aborted run resumes to exactly the weights of an uninterrupted one; damage is a typed error.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortError, ConflictError, CorruptDataError } from '../../src/core/errors.js';
import { AdapterTrainer, type AdapterTrainerOptions } from '../../src/training/trainer.js';
import { syntheticPairs } from './helpers.js';

const d = 12;
const train = syntheticPairs({ count: 100, dimension: d, seed: 4, negatives: true });
const val = syntheticPairs({ count: 40, dimension: d, seed: 5 });
const opts: AdapterTrainerOptions = { adapter: { dimension: d, rank: 4, hidden: 8 }, epochs: 4, batchSize: 16, learningRate: 0.02, seed: 9, patience: 0 };
const dirs: string[] = [];
const tmp = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'abi-train-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function interrupted(path: string, stopAt: number, everySteps: number): Promise<void> {
  const controller = new AbortController();
  const run = new AdapterTrainer(opts).fit(train, {
    validation: val, signal: controller.signal, checkpoint: { path, everySteps },
    onStep: (step) => { if (step === stopAt) controller.abort(); },
  });
  await expect(run).rejects.toBeInstanceOf(AbortError);
}

describe('training checkpoints', () => {
  it('resume after an abort (mid-epoch and at an epoch boundary) gives bit-identical weights and history', async () => {
    const whole = await new AdapterTrainer(opts).fit(train, { validation: val });
    for (const stopAt of [3, 7, 14]) { // 7 steps per epoch: 7 and 14 are epoch ends
      const path = join(await tmp(), 'run.ckpt');
      await interrupted(path, stopAt, 2);
      const resumed = await new AdapterTrainer(opts).fit(train, { validation: val, checkpoint: { path }, resume: true });
      expect(Buffer.from(resumed.adapter.parameters.buffer).equals(Buffer.from(whole.adapter.parameters.buffer))).toBe(true);
      expect(resumed.history).toEqual(whole.history);
      expect(resumed.steps).toBe(whole.steps);
    }
  });

  it('resume of a finished run returns its result without training again', async () => {
    const path = join(await tmp(), 'done.ckpt');
    const first = await new AdapterTrainer(opts).fit(train, { validation: val, checkpoint: { path } });
    let steps = 0;
    const again = await new AdapterTrainer(opts).fit(train, { validation: val, checkpoint: { path }, resume: true, onStep: () => steps++ });
    expect(steps).toBe(0);
    expect(again.adapter.parameters).toEqual(first.adapter.parameters);
  });

  it('a corrupt, truncated or foreign checkpoint is a typed error, never a silent restart', async () => {
    const dir = await tmp();
    const path = join(dir, 'c.ckpt');
    await interrupted(path, 5, 0);
    const good = await readFile(path);
    const resume = (): Promise<unknown> => new AdapterTrainer(opts).fit(train, { validation: val, checkpoint: { path }, resume: true });
    const flipped = Buffer.from(good);
    flipped[flipped.length - 10] ^= 0xff;
    await writeFile(path, flipped);
    await expect(resume()).rejects.toBeInstanceOf(CorruptDataError);
    await writeFile(path, good.subarray(0, good.length - 100));
    await expect(resume()).rejects.toBeInstanceOf(CorruptDataError);
    await writeFile(path, Buffer.from('not a checkpoint at all, just some text that is long enough to have a header'));
    await expect(resume()).rejects.toMatchObject({ code: 'CORRUPT_DATA' });
    await writeFile(path, good);
    await expect(new AdapterTrainer({ ...opts, seed: 10 }).fit(train, { validation: val, checkpoint: { path }, resume: true }))
      .rejects.toBeInstanceOf(ConflictError);
    await expect(new AdapterTrainer(opts).fit(val, { checkpoint: { path }, resume: true })).rejects.toBeInstanceOf(ConflictError);
    await expect(resume()).resolves.toBeDefined();
  });

  it('resume with no checkpoint file yet starts from the beginning and writes one', async () => {
    const path = join(await tmp(), 'missing.ckpt');
    const fresh = await new AdapterTrainer(opts).fit(train, { checkpoint: { path }, resume: true });
    const plain = await new AdapterTrainer(opts).fit(train);
    expect(fresh.adapter.parameters).toEqual(plain.adapter.parameters);
    await expect(readFile(path)).resolves.toBeInstanceOf(Buffer);
  });
});
