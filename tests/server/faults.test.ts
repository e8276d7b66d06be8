// The server when what it stands on fails: a worker pool in a crash loop gives 503 with a code in every dialect
// (and Retry-After), /health says why, and both recover when the pool does; a failing or lying embedding cache never
// fails a request (the cache path uses CachedEmbedder's rules). Fails on any unhandled rejection or uncaught exception.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingCache } from '../../src/cache/types.js';
import { workerFaults } from '../../src/internal/crash-loop.js';
import { crashWorker, LocalScheduler } from '../../src/scheduler/local-scheduler.js';
import type { InferenceService } from '../../src/scheduler/types.js';
import { modelDir } from '../engine/helpers.js';
import { failOnProcessFaults, until } from '../helpers/process-faults.js';
import { call, EMBED_MODEL, EngineService, startServer } from './helpers.js';

failOnProcessFaults(() => {
  workerFaults.exitAtStart = false;
});

describe('an unhealthy worker pool', () => {
  it('gets 503 with a code in each dialect, /health says why, and both recover with the pool', async () => {
    const scheduler = await LocalScheduler.create({
      models: [{ id: EMBED_MODEL, dir: modelDir(EMBED_MODEL) }], devices: ['cpu'], threadsPerWorker: 1,
      respawn: { initialDelayMs: 20, maxDelayMs: 300, unhealthyAfter: 2 },
    });
    const { server, url } = await startServer({ service: scheduler });
    try {
      expect((await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'x' } })).status).toBe(200);
      expect(await call(`${url}/health`)).toMatchObject({ status: 200, body: { status: 'ok' } });
      // Every new worker now dies at start; the running one is killed, so the pool falls into a crash loop.
      workerFaults.exitAtStart = true;
      crashWorker(scheduler, 0);
      await until(() => scheduler.health().status === 'unhealthy', 30_000, 10);

      const openai = await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'x' } });
      expect(openai).toMatchObject({ status: 503, body: { error: { type: 'server_error', code: 'pool_unhealthy' } } });
      expect(openai.headers.get('retry-after')).toBe('1');
      expect(await call(`${url}/embed`, { body: { inputs: 'x' } })).toMatchObject({ status: 503, body: { error_type: 'Unhealthy' } });
      expect(await call(`${url}/api/embed`, { body: { model: EMBED_MODEL, input: 'x' } }))
        .toMatchObject({ status: 503, body: { error: expect.stringMatching(/unhealthy/) } });
      expect(await call(`${url}/health`)).toMatchObject({
        status: 503,
        body: { status: 'unhealthy', code: 'POOL_UNHEALTHY', reason: expect.stringMatching(/died 2 times in a row/), workers: 1, workersUp: 0 },
      });
      expect((await call(`${url}/ready`)).status).toBe(503);

      workerFaults.exitAtStart = false;
      await until(async () => (await call(`${url}/health`)).status === 200, 30_000, 10);
      expect(await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'x' } })).toMatchObject({ status: 200 });
      expect((await call(`${url}/ready`)).status).toBe(200);
    } finally {
      await server.close();
      await scheduler.close();
    }
  });

  it('a service double that reports unhealthy is refused before it is called, and recovers', async () => {
    const service = await EngineService.open();
    let health: { status: 'ok' | 'unhealthy'; reason?: string } = { status: 'unhealthy', reason: 'GPU lost' };
    const unhealthy: InferenceService = {
      embed: (m, t, o) => service.embed(m, t, o), rerank: (m, q, d, o) => service.rerank(m, q, d, o), models: () => service.models(),
      stats: () => service.stats(), ready: () => service.ready(), close: () => service.close(),
      health: () => ({ ...health, ...(health.status === 'unhealthy' ? { code: 'POOL_UNHEALTHY' } : {}) }),
    };
    const { server, url } = await startServer({ service: unhealthy });
    try {
      const calls = service.calls.length;
      expect(await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'x' } })).toMatchObject({ status: 503, body: { error: { code: 'pool_unhealthy' } } });
      expect(await call(`${url}/health`)).toMatchObject({ status: 503, body: { status: 'unhealthy', code: 'POOL_UNHEALTHY', reason: 'GPU lost' } });
      expect(service.calls.length).toBe(calls);
      health = { status: 'ok' };
      expect((await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'x' } })).status).toBe(200);
      expect(await call(`${url}/health`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    } finally {
      await server.close();
      await service.close();
    }
  });
});

describe('the server embedding cache path', () => {
  let service: EngineService;
  beforeAll(async () => {
    service = await EngineService.open();
  });
  afterAll(async () => {
    await service.close();
  });
  const embedVia = async (cache: EmbeddingCache | undefined, input: string[]): Promise<{ status: number; vectors: number[][] }> => {
    const { server, url } = await startServer({ service, ...(cache ? { cache } : {}) });
    try {
      const r = await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input } });
      return { status: r.status, vectors: r.status === 200 ? (r.body.data as { embedding: number[] }[]).map((d) => d.embedding) : [] };
    } finally {
      await server.close();
    }
  };

  it('a cache that throws never fails the request: the vectors are computed', async () => {
    const broken: EmbeddingCache = {
      name: 'broken',
      getMany: async () => { throw new Error('connection refused'); },
      setMany: async () => { throw new Error('connection refused'); },
    };
    const want = await embedVia(undefined, ['alpha', 'beta']);
    expect(await embedVia(broken, ['alpha', 'beta'])).toEqual(want);
  });

  it('cached vectors of the wrong length are ignored (computed instead)', async () => {
    const lying: EmbeddingCache = {
      name: 'lying',
      getMany: async (keys) => keys.map(() => new Float32Array(3).fill(0.5)),
      setMany: async () => {},
    };
    const want = await embedVia(undefined, ['alpha', 'gamma']);
    const got = await embedVia(lying, ['alpha', 'gamma']);
    expect(got).toEqual(want);
    expect(got.vectors[0]).toHaveLength(service.embedder.dimension!);
  });
});
