// LocalScheduler serving a trained adapter (`serve --adapter`): the scheduler's vectors equal AdaptedEmbedder's over
// the engine on the same model (queries, documents, Matryoshka), differ from the base model's, and an adapter file
// for another base model stops the start with ModelMismatchError.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelMismatchError, NotFoundError } from '../../src/core/errors.js';
import { LocalEmbedder } from '../../src/engine/local-embedder.js';
import { LocalScheduler } from '../../src/scheduler/local-scheduler.js';
import { AdaptedEmbedder } from '../../src/embedders/adapted.js';
import { cosine, maxAbsDiff, modelDir, variedTexts } from '../engine/helpers.js';
import { saveNoisyAdapter } from '../training/helpers.js';

const texts = variedTexts(12, 3);
let dir: string;
let direct: LocalEmbedder;
let both: string;
let queryOnly: string;
let otherBase: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'abi-sched-adapter-'));
  direct = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { threads: 1 });
  both = join(dir, 'both.abi-adapter');
  queryOnly = join(dir, 'query.abi-adapter');
  otherBase = join(dir, 'other.abi-adapter');
  await saveNoisyAdapter(direct, both, 'both', 7);
  await saveNoisyAdapter(direct, queryOnly, 'query', 8);
  const prompts = await LocalEmbedder.fromFolder(modelDir('tiny-bert-prompts'), { threads: 1 });
  try {
    await saveNoisyAdapter(prompts, otherBase, 'both', 9);
  } finally {
    await prompts.close();
  }
});
afterAll(async () => {
  await direct.close();
  await rm(dir, { recursive: true, force: true });
});

const close = (a: Float32Array[], b: Float32Array[]): void => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(v.length).toBe(b[i].length);
    expect(maxAbsDiff(v, b[i])).toBeLessThan(1e-4);
  });
};

describe('LocalScheduler with adapters', () => {
  it('gives AdaptedEmbedder\'s vectors for queries, documents and Matryoshka dimensions; other models stay unadapted', async () => {
    const s = await LocalScheduler.create({
      models: [
        { id: 'tiny-bert', dir: modelDir('tiny-bert'), adapter: both },
        { id: 'q-only', dir: modelDir('tiny-bert') },
        { id: 'plain', dir: modelDir('tiny-bert') },
      ],
      adapters: { 'q-only': queryOnly },
      devices: ['cpu'], threadsPerWorker: 1,
    });
    try {
      const adapted = await AdaptedEmbedder.load(direct, both);
      const adapted8 = await AdaptedEmbedder.load(direct, both, { dimensions: 8 });
      const qOnly = await AdaptedEmbedder.load(direct, queryOnly);
      const [docs, queries, docs8, plain, qDocs, qQueries] = await Promise.all([
        s.embed('tiny-bert', texts),
        s.embed('tiny-bert', texts, { kind: 'query' }),
        s.embed('tiny-bert', texts, { dimensions: 8 }),
        s.embed('plain', texts),
        s.embed('q-only', texts, { kind: 'document' }),
        s.embed('q-only', texts, { kind: 'query' }),
      ]);
      close(docs, await adapted.embedDocuments(texts));
      close(queries, await adapted.embed(texts, { inputType: 'query' }));
      close(docs8, await adapted8.embedDocuments(texts));
      close(qDocs, await qOnly.embedDocuments(texts));
      close(qQueries, await qOnly.embed(texts, { inputType: 'query' }));
      close(plain, await direct.embedDocuments(texts));
      // The adapter changes the vectors (a test that cannot pass with the adapter ignored).
      for (let i = 0; i < texts.length; i++) {
        expect(cosine(docs[i], plain[i])).toBeLessThan(0.99);
        expect(cosine(qQueries[i], plain[i])).toBeLessThan(0.99);
        expect(cosine(qDocs[i], plain[i])).toBeGreaterThan(0.9999); // apply: 'query' leaves documents as the base gives them
      }
      expect(docs8[0].length).toBe(8);
      expect(Math.hypot(...docs8[0])).toBeCloseTo(1, 5);
      await expect(s.embed('tiny-bert', texts, { dimensions: 33 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      // The served adapter is named as AdaptedEmbedder names it (the server's embedding cache keys on it).
      const served = s.models().find((m) => m.id === 'tiny-bert')!;
      expect(served).toMatchObject({ dimension: 32, adapter: expect.stringMatching(/^adapter-[0-9a-f]{12}$/) });
      expect(adapted.model).toBe(`tiny-bert+${served.adapter}`);
      expect(s.models().find((m) => m.id === 'plain')!.adapter).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it('refuses to start with an adapter for another base model, or for a model it does not serve', async () => {
    // Another model's name.
    await expect(LocalScheduler.create({ models: [{ id: 'tiny-bert', dir: modelDir('tiny-bert'), adapter: otherBase }], devices: ['cpu'], threadsPerWorker: 1 }))
      .rejects.toBeInstanceOf(ModelMismatchError);
    // The right name on another model's weights and pooling: caught by the probe.
    await expect(LocalScheduler.create({ models: [{ id: 'tiny-bert', dir: modelDir('tiny-bert-lasttoken'), adapter: both }], devices: ['cpu'], threadsPerWorker: 1 }))
      .rejects.toThrow(/probe cosine/);
    await expect(LocalScheduler.create({ models: [{ id: 'tiny-bert', dir: modelDir('tiny-bert') }], adapters: { nope: both }, devices: ['cpu'], threadsPerWorker: 1 }))
      .rejects.toBeInstanceOf(NotFoundError);
  });
});
