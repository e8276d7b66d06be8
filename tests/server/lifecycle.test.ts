// Shutdown drains requests in flight; a client that goes away aborts its job; readiness follows the service.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RerankResult } from '../../src/retrieval/reranker.js';
import { AbortError } from '../../src/core/errors.js';
import type { InferenceService, SchedulerStats, ServedModel } from '../../src/scheduler/types.js';
import { call, EMBED_MODEL, EngineService, startServer } from './helpers.js';

/** Holds every embed call until released; records the signals it got. */
class GatedService implements InferenceService {
  readonly inner: EngineService;
  gate = deferred();
  readonly signals: AbortSignal[] = [];
  isReady = true;
  constructor(inner: EngineService) {
    this.inner = inner;
  }
  async embed(model: string, texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    this.signals.push(options.signal!);
    await new Promise<void>((resolve, reject) => {
      void this.gate.promise.then(resolve);
      options.signal?.addEventListener('abort', () => reject(new AbortError()), { once: true });
    });
    return this.inner.embed(model, texts, options);
  }
  rerank(model: string, query: string, documents: readonly string[]): Promise<RerankResult[]> {
    return this.inner.rerank(model, query, documents);
  }
  models(): readonly ServedModel[] {
    return this.inner.models();
  }
  stats(): SchedulerStats {
    return this.inner.stats();
  }
  ready(): boolean {
    return this.isReady;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

let inner: EngineService;
beforeAll(async () => {
  inner = await EngineService.open();
});
afterAll(() => inner.close());

describe('lifecycle', () => {
  it('close() lets a request in flight finish, then refuses connections', async () => {
    const service = new GatedService(inner);
    service.gate = deferred();
    const { server, url } = await startServer({ service });
    const pending = call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'slow' } });
    await expect.poll(() => server.inFlight).toBe(1);
    const closed = server.close({ deadlineMs: 5000 });
    setTimeout(() => service.gate.resolve(), 100);
    const r = await pending;
    expect(r.status).toBe(200);
    await closed;
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('close({ signal }) stops waiting for requests in flight and cuts their connections', async () => {
    const service = new GatedService(inner);
    service.gate = deferred();
    const { server, url } = await startServer({ service });
    const pending = call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'slow' } }).catch((err: unknown) => err);
    await expect.poll(() => server.inFlight).toBe(1);
    const c = new AbortController();
    const closed = server.close({ deadlineMs: 60_000, signal: c.signal });
    c.abort();
    await closed; // long before the deadline
    expect(await pending).toBeInstanceOf(Error);
    service.gate.resolve();
  });

  it('a client that disconnects aborts the job’s signal', async () => {
    const service = new GatedService(inner);
    service.gate = deferred();
    const { server, url } = await startServer({ service });
    try {
      const req = request(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      req.on('error', () => {});
      req.end(JSON.stringify({ model: EMBED_MODEL, input: 'abandoned' }));
      await expect.poll(() => service.signals.length).toBe(1);
      req.destroy();
      await expect.poll(() => service.signals[0].aborted).toBe(true);
      await expect.poll(() => server.inFlight).toBe(0);
    } finally {
      service.gate.resolve();
      await server.close();
    }
  });

  it('/ready is 503 while the service is not ready', async () => {
    const service = new GatedService(inner);
    const { server, url } = await startServer({ service });
    try {
      service.isReady = false;
      expect(await call(`${url}/ready`)).toMatchObject({ status: 503, body: { status: 'not ready' } });
      expect((await call(`${url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
