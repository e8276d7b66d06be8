// LocalSchedulerConnector in-process and against the real server (`createServer` over a real LocalScheduler), so the
// remote path runs the OpenAI and Hugging Face connectors against abi-sdk's own endpoints end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEmbedder } from '../../src/engine/local-embedder.js';
import { LocalCrossEncoder } from '../../src/engine/cross-encoder.js';
import { LocalScheduler } from '../../src/scheduler/local-scheduler.js';
import { LocalSchedulerConnector } from '../../src/scheduler/connector.js';
import type { AbiServer } from '../../src/server/index.js';
import { modelDir, variedTexts } from '../engine/helpers.js';
import { startServer } from '../server/helpers.js';

const models = [{ id: 'tiny-bert', dir: modelDir('tiny-bert') }, { id: 'tiny-cross-encoder', dir: modelDir('tiny-cross-encoder') }];
const texts = variedTexts(12, 3);

let scheduler: LocalScheduler;
let server: AbiServer;
let url: string;
let direct: LocalEmbedder;
let cross: LocalCrossEncoder;
beforeAll(async () => {
  scheduler = await LocalScheduler.create({ models, devices: ['cpu'], threadsPerWorker: 1, onBatch: (b) => server?.metrics?.observeBatch(b) });
  ({ server, url } = await startServer({ service: scheduler }));
  direct = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { threads: 1 });
  cross = await LocalCrossEncoder.fromFolder(modelDir('tiny-cross-encoder'), { threads: 1 });
});
afterAll(async () => {
  await server.close();
  await scheduler.close();
  await direct.close();
  await cross.close();
});

describe('LocalSchedulerConnector', () => {
  it('in-process: Embedder and Reranker over the scheduler, prompts and dimensions passed through', async () => {
    const local = new LocalSchedulerConnector({ scheduler });
    const embedder = local.embedder('tiny-bert');
    expect(embedder.dimension).toBe(32);
    expect((await embedder.embedDocuments(texts)).map((v) => [...v])).toEqual((await direct.embed(texts)).map((v) => [...v]));
    const q = await embedder.embedQuery(texts[0]);
    expect([...q]).toEqual([...(await direct.embed([texts[0]], { inputType: 'query' }))[0]]);
    const small = local.embedder('tiny-bert', { dimensions: 8 });
    expect((await small.embed(['x']))[0].length).toBe(8);
    const ranked = await local.reranker('tiny-cross-encoder').rerank('a question', texts, { topN: 4 });
    expect(ranked).toEqual(await cross.rerank('a question', texts, { topN: 4 }));
    expect(local.target).toBe('in-process');
  });

  it('remote: the same results through the server, by URL option or ABI_LOCAL_SCHEDULER_URL', async () => {
    const remote = new LocalSchedulerConnector({ url });
    const vectors = await remote.embedder('tiny-bert').embed(texts);
    const want = await direct.embed(texts);
    vectors.forEach((v, i) => want[i].forEach((x, j) => expect(v[j]).toBeCloseTo(x, 6)));
    const ranked = await remote.reranker('tiny-cross-encoder').rerank('a question', texts, { topN: 4 });
    const wantRanked = await cross.rerank('a question', texts, { topN: 4 });
    expect(ranked.map((r) => r.index)).toEqual(wantRanked.map((r) => r.index));
    ranked.forEach((r, i) => expect(r.score).toBeCloseTo(wantRanked[i].score, 5));

    process.env.ABI_LOCAL_SCHEDULER_URL = url;
    try {
      const fromEnv = new LocalSchedulerConnector();
      expect(fromEnv.target).toBe(url.replace(/\/+$/, ''));
      expect((await fromEnv.embedder('tiny-bert').embed(['x']))[0].length).toBe(32);
    } finally {
      delete process.env.ABI_LOCAL_SCHEDULER_URL;
    }
    process.env.LOCAL_SCHEDULER_URL = url;
    try {
      expect(new LocalSchedulerConnector().target).toBe(url.replace(/\/+$/, ''));
    } finally {
      delete process.env.LOCAL_SCHEDULER_URL;
    }
  });

  it('the server exports the scheduler batches as Prometheus metrics', async () => {
    await new LocalSchedulerConnector({ url }).embedder('tiny-bert').embed(['one', 'two', 'three']);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/abi_batch_texts_count\{model="tiny-bert",operation="embed"\} [1-9]/);
    expect(text).toMatch(/abi_device_texts_total\{device="cpu"\} [1-9]/);
    expect(text).toMatch(/abi_scheduler_batches [1-9]/);
  });

  it('remote errors are typed: unknown model, unreachable server; no target at all is a ValidationError', async () => {
    const remote = new LocalSchedulerConnector({ url, retry: false });
    await expect(remote.embedder('nope').embed(['x'])).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    const dead = new LocalSchedulerConnector({ url: 'http://127.0.0.1:9', retry: false });
    await expect(dead.embedder('tiny-bert').embed(['x'])).rejects.toMatchObject({ code: 'CONNECTION_ERROR' });
    expect(() => new LocalSchedulerConnector()).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
