// Bad requests get 4xx with each protocol's error body (never a 500); limits; BUSY → fast 503 with Retry-After.
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbiServer } from '../../src/server/index.js';
import { call, EMBED_MODEL, EngineService, RERANK_MODEL, startServer } from './helpers.js';

let service: EngineService;
let server: AbiServer;
let url: string;

beforeAll(async () => {
  service = await EngineService.open();
  ({ server, url } = await startServer({
    service,
    limits: { maxBodyBytes: 4096, maxInputs: 8, maxTokensPerRequest: 300, rateLimit: undefined },
  }));
});
afterAll(async () => {
  await server.close();
  await service.close();
});

const openaiError = { error: { message: expect.any(String), type: 'invalid_request_error', code: expect.any(String) } };

describe('bad input gets a 4xx in the protocol’s shape', () => {
  const cases: [string, string, string | undefined, number, unknown][] = [
    ['/v1/embeddings', 'not json', undefined, 400, openaiError],
    ['/v1/embeddings', '[1,2]', undefined, 400, openaiError],
    ['/v1/embeddings', '{"model":"tiny-bert"}', undefined, 400, openaiError],
    ['/v1/embeddings', '{"model":"tiny-bert","input":[1,2]}', undefined, 400, openaiError],
    ['/v1/embeddings', '{"model":"tiny-bert","input":[]}', undefined, 400, openaiError],
    ['/v1/embeddings', '{"model":"tiny-bert","input":"x","encoding_format":"hex"}', undefined, 400, openaiError],
    ['/v1/embeddings', '{"model":"tiny-bert","input":"x","dimensions":0}', undefined, 400, openaiError],
    ['/v1/embeddings', '{"model":"tiny-bert","input":"x","dimensions":100000}', undefined, 400, openaiError],
    ['/v1/embeddings', '{"input":"x"}', undefined, 400, openaiError],
    ['/v1/embeddings', '', undefined, 400, openaiError],
    ['/v1/embeddings', '{"model":"tiny-bert","input":"x"}', 'application/xml', 415, openaiError],
    ['/embed', '{"inputs":5}', undefined, 422, { error: expect.any(String), error_type: 'Validation' }],
    ['/embed', '{', undefined, 422, { error: expect.stringMatching(/JSON/), error_type: 'Validation' }],
    ['/rerank', '{"query":"q"}', undefined, 422, { error: expect.any(String), error_type: 'Validation' }],
    ['/rerank', '{"query":"q","texts":"one"}', undefined, 422, { error: expect.any(String), error_type: 'Validation' }],
    ['/api/embed', '{"model":"tiny-bert","input":{"a":1}}', undefined, 400, { error: expect.any(String) }],
    ['/api/embed', 'null', undefined, 400, { error: expect.any(String) }],
  ];
  it.each(cases)('POST %s %s → %i', async (path, raw, type, status, body) => {
    const r = await call(`${url}${path}`, { raw, headers: { 'content-type': type ?? 'application/json' } });
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject(body as object);
  });
  it('unknown models are 404 in each dialect; a reranker is not an embedding model', async () => {
    expect(await call(`${url}/v1/embeddings`, { body: { model: 'nope', input: 'x' } })).toMatchObject({
      status: 404, body: { error: { code: 'model_not_found', type: 'invalid_request_error' } },
    });
    expect((await call(`${url}/v1/embeddings`, { body: { model: RERANK_MODEL, input: 'x' } })).status).toBe(404);
    expect(await call(`${url}/api/embed`, { body: { model: 'nope', input: 'x' } })).toMatchObject({ status: 404, body: { error: expect.stringMatching(/nope/) } });
    expect(await call(`${url}/rerank`, { body: { model: EMBED_MODEL, query: 'q', texts: ['a'] } })).toMatchObject({
      status: 404, body: { error_type: 'NotFound' },
    });
  });
  it('unknown routes are 404 and wrong methods 405', async () => {
    expect(await call(`${url}/v2/anything`)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await call(`${url}/api/nothing`)).toMatchObject({ status: 404, body: { error: expect.any(String) } });
    expect((await call(`${url}/v1/embeddings`)).status).toBe(405);
    expect((await call(`${url}/health`, { method: 'POST', body: {} })).status).toBe(405);
  });
});

describe('fuzzed bodies never get a 5xx', () => {
  const fields = fc.record({
    model: fc.oneof(fc.constant(EMBED_MODEL), fc.constant(RERANK_MODEL), fc.string(), fc.integer(), fc.constant(null)),
    input: fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null)), { maxLength: 4 }), fc.object({ maxDepth: 1 })),
    inputs: fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }), fc.double()),
    texts: fc.oneof(fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }), fc.string(), fc.boolean()),
    query: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
    dimensions: fc.oneof(fc.integer({ min: -2, max: 64 }), fc.double(), fc.string()),
    encoding_format: fc.oneof(fc.constant('float'), fc.constant('base64'), fc.string()),
    prompt_name: fc.oneof(fc.constant('query'), fc.string()),
    return_text: fc.oneof(fc.boolean(), fc.string()),
  }, { requiredKeys: [] });
  const body = fc.oneof(fields.map((o) => JSON.stringify(o)), fc.json(), fc.string({ maxLength: 40 }));
  it.each(['/v1/embeddings', '/embed', '/', '/rerank', '/api/embed'])('POST %s', async (path) => {
    await fc.assert(fc.asyncProperty(body, async (raw) => {
      const r = await call(`${url}${path}`, { raw, headers: { 'content-type': 'application/json' } });
      expect(r.status, `${raw} → ${JSON.stringify(r.body)}`).toBeLessThan(500);
      if (r.status >= 400) expect(r.body).toHaveProperty('error');
    }), { numRuns: 60, seed: 7 });
  });
});

describe('limits', () => {
  it('refuses a body past maxBodyBytes with 413 (declared or streamed)', async () => {
    const big = JSON.stringify({ model: EMBED_MODEL, input: 'x'.repeat(5000) });
    expect(await call(`${url}/v1/embeddings`, { raw: big, headers: { 'content-type': 'application/json' } })).toMatchObject({
      status: 413, body: { error: { code: 'capacity_exceeded' } },
    });
    // Chunked, no content-length: cut off as soon as it passes the limit.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/embed`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(`{"inputs":"${'y'.repeat(3000)}`);
      req.write(`${'y'.repeat(3000)}"}`);
      req.end();
    });
    expect(status).toBe(413);
  });
  it('refuses too many inputs and too many tokens with 413', async () => {
    const r = await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: Array.from({ length: 9 }, () => 'a') } });
    expect(r).toMatchObject({ status: 413, body: { error: { message: expect.stringMatching(/Too many inputs/) } } });
    const t = await call(`${url}/api/embed`, { body: { model: EMBED_MODEL, input: ['word '.repeat(200)] } });
    expect(t).toMatchObject({ status: 413, body: { error: expect.stringMatching(/Too many tokens/) } });
    expect(service.calls.filter((c) => c.n === 9)).toHaveLength(0);
  });
});

describe('overload', () => {
  it('answers BUSY with a fast 503 and Retry-After in every dialect, then recovers', async () => {
    service.maxConcurrent = 1;
    try {
      const texts = Array.from({ length: 8 }, (_, i) => `text number ${i} `.repeat(4));
      const burst = await Promise.all(Array.from({ length: 12 }, () => call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: texts } })));
      const busy = burst.filter((r) => r.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      expect(burst.filter((r) => r.status !== 503 && r.status !== 200)).toEqual([]);
      expect(busy[0].headers.get('retry-after')).toBe('1');
      expect(busy[0].body).toMatchObject({ error: { type: 'server_error', code: 'busy' } });
      service.maxConcurrent = 0;
      expect(await call(`${url}/embed`, { body: { inputs: 'x' } })).toMatchObject({ status: 503, body: { error_type: 'Overloaded' } });
      expect(await call(`${url}/api/embed`, { body: { model: EMBED_MODEL, input: 'x' } })).toMatchObject({ status: 503, body: { error: 'queue full' } });
    } finally {
      service.maxConcurrent = Infinity;
    }
    expect((await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'x' } })).status).toBe(200);
    expect(service.running).toBe(0);
  });
});

describe('per-key rate limits', () => {
  it('answers 429 with Retry-After once the budget is spent', async () => {
    const { server: s, url: u } = await startServer({ service, limits: { rateLimit: { requestsPerMinute: 3 } } });
    try {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 5; i++) {
        last = await call(`${u}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'x' } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(last!.body).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
    } finally {
      await s.close();
    }
  });
});

describe('health and readiness', () => {
  it('/health is 200; /ready follows the service', async () => {
    expect(await call(`${url}/health`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call(`${url}/ready`)).toMatchObject({ status: 200, body: { status: 'ready', models: 2, loaded: 2 } });
  });
});
