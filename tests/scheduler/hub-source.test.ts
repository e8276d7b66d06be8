// The scheduler with `hf:` model sources: fetched from the loopback Hub into the HF cache, served under the
// repository id, same vectors as the folder; offline with nothing cached, a typed error before any worker starts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelNotCachedError } from '../../src/core/errors.js';
import { LocalEmbedder } from '../../src/engine/local-embedder.js';
import { LocalScheduler } from '../../src/scheduler/local-scheduler.js';
import { modelDir, tempDir } from '../engine/helpers.js';
import { type FakeHub, repoFromFolder, startFakeHub } from '../helpers/hub-server.js';

let hub: FakeHub;
let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  tmp = tempDir('abi-sched-hub-');
  hub = await startFakeHub([repoFromFolder('abi-test/tiny-bert', modelDir('tiny-bert')), repoFromFolder('abi-test/tiny-cross-encoder', modelDir('tiny-cross-encoder'))]);
});
afterAll(async () => {
  await hub.close();
  tmp.cleanup();
});

describe('LocalScheduler with hf: sources', () => {
  it('serves Hub models by repository id, with the same vectors as the folder', async () => {
    const hubOpts = { endpoint: hub.endpoint, cacheDir: join(tmp.dir, 'hf'), token: false as const };
    const s = await LocalScheduler.create({
      models: 'hf:abi-test/tiny-bert,hf:abi-test/tiny-cross-encoder@main', hub: hubOpts, devices: ['cpu'], threadsPerWorker: 1,
    });
    const direct = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { threads: 1 });
    try {
      expect(s.models().map((m) => [m.id, m.kind]).sort()).toEqual([['abi-test/tiny-bert', 'embedding'], ['abi-test/tiny-cross-encoder', 'reranker']]);
      const texts = ['one fish', 'two fish'];
      const got = await s.embed('abi-test/tiny-bert', texts);
      const want = await direct.embedDocuments(texts);
      got.forEach((v, i) => v.forEach((x, j) => expect(x).toBeCloseTo(want[i]![j]!, 5)));
      expect((await s.rerank('abi-test/tiny-cross-encoder', 'fish', texts)).length).toBe(2);
    } finally {
      await s.close();
      await direct.close();
    }
    const explicit = await LocalScheduler.create({ models: [{ id: 'e', dir: 'hf:abi-test/tiny-bert' }], hub: { ...hubOpts, offline: true }, devices: ['cpu'], threadsPerWorker: 1 });
    expect(explicit.models().map((m) => m.id)).toEqual(['e']);
    await explicit.close();
    await expect(LocalScheduler.create({ models: 'hf:abi-test/unknown', hub: { ...hubOpts, offline: true }, devices: ['cpu'] }))
      .rejects.toBeInstanceOf(ModelNotCachedError);
  });
});
