// Prometheus scrape, OpenTelemetry spans continuing the caller's W3C trace, JSON logs with correlation ids.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RerankResult } from '../../src/retrieval/reranker.js';
import { LruEmbeddingCache, OpenAIConnector } from '../../src/index.js';
import type { InferenceService, SchedulerStats, ServedModel } from '../../src/scheduler/types.js';
import { type AbiServer, traceContextFetch } from '../../src/server/index.js';
import { call, captureLogs, EMBED_MODEL, EngineService, startServer } from './helpers.js';

const exporter = new InMemorySpanExporter();
let service: EngineService;
let server: AbiServer;
let url: string;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  service = await EngineService.open();
  logs = captureLogs();
  ({ server, url } = await startServer({ service, logger: logs.logger, cache: new LruEmbeddingCache({ maxBytes: 1 << 20 }) }));
});
afterAll(async () => {
  await server.close();
  await service.close();
  trace.disable();
  propagation.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

/** The value of one sample in a Prometheus text exposition. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (want.every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

describe('metrics', () => {
  it('counts requests, latency, texts, tokens, cache hits/misses, errors and reads the queue from the service', async () => {
    const before = (await call(`${url}/metrics`)).body as string;
    const base = sample(before, 'abi_texts_total', { model: EMBED_MODEL, operation: 'embed' }) ?? 0;
    await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: ['metrics a', 'metrics b'] } });
    await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: ['metrics a', 'metrics c'] } });
    await call(`${url}/rerank`, { body: { query: 'q', texts: ['x', 'y', 'z'] } });
    await call(`${url}/v1/embeddings`, { raw: '{oops', headers: { 'content-type': 'application/json' } });
    const res = await call(`${url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body as string;
    expect(sample(text, 'abi_requests_total', { route: '/v1/embeddings', method: 'POST', status: '200' })).toBe(2);
    expect(sample(text, 'abi_requests_total', { route: '/v1/embeddings', status: '400' })).toBe(1);
    expect(sample(text, 'abi_request_duration_seconds_count', { route: '/v1/embeddings' })).toBe(3);
    expect(sample(text, 'abi_texts_total', { model: EMBED_MODEL, operation: 'embed' })).toBe(base + 4);
    expect(sample(text, 'abi_texts_total', { operation: 'rerank' })).toBe(3);
    expect(sample(text, 'abi_tokens_total', { model: EMBED_MODEL, operation: 'embed' })).toBeGreaterThan(4);
    expect(sample(text, 'abi_cache_hits_total', { model: EMBED_MODEL })).toBe(1);
    expect(sample(text, 'abi_cache_misses_total', { model: EMBED_MODEL })).toBe(3);
    expect(sample(text, 'abi_errors_total', { code: 'INVALID_INPUT' })).toBe(1);
    expect(sample(text, 'abi_request_texts_bucket', { operation: 'embed', le: '2' })).toBe(2);
    expect(sample(text, 'abi_queue_depth')).toBe(0);
    expect(sample(text, 'abi_workers')).toBe(1);
    expect(sample(text, 'abi_model_loaded', { model: EMBED_MODEL, kind: 'embedding' })).toBe(1);
    expect(sample(text, 'abi_inference_duration_seconds_count', { model: EMBED_MODEL, operation: 'embed' })).toBe(2);
  });
  it('keeps each server’s metrics apart', async () => {
    const other = await startServer({ service });
    try {
      const text = (await call(`${other.url}/metrics`)).body as string;
      expect(sample(text, 'abi_texts_total', { model: EMBED_MODEL })).toBeUndefined();
    } finally {
      await other.server.close();
    }
  });
});

describe('tracing', () => {
  it('continues the caller’s W3C trace: server span → abi.embed span, with attributes', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const r = await call(`${url}/v1/embeddings`, {
      body: { model: EMBED_MODEL, input: ['traced'] }, headers: { traceparent: `00-${traceId}-${parentId}-01` },
    });
    expect(r.status).toBe(200);
    const spans = exporter.getFinishedSpans();
    const http = spans.find((s) => s.name === 'POST /v1/embeddings')!;
    const embed = spans.find((s) => s.name === 'abi.embed')!;
    expect(http.spanContext().traceId).toBe(traceId);
    expect(http.parentSpanContext?.spanId).toBe(parentId);
    expect(embed.spanContext().traceId).toBe(traceId);
    expect(embed.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(http.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/embeddings', 'http.response.status_code': 200 });
    expect(embed.attributes).toMatchObject({ 'abi.model': EMBED_MODEL, 'abi.inputs': 1 });
  });
  it('records the error code on the span (status unset for 4xx); without traceparent a new trace starts', async () => {
    await call(`${url}/rerank`, { body: { model: 'missing', query: 'q', texts: ['a'] } });
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('POST /rerank');
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.status.code).toBe(0); // unset for a 4xx, per the HTTP conventions
    expect(span.attributes['abi.error.code']).toBe('MODEL_NOT_FOUND');
    expect(span.attributes['http.response.status_code']).toBe(404);
  });
});

/** A service that forwards embeddings to another server through the OpenAI connector (a gateway in front of a GPU box). */
class ForwardingService implements InferenceService {
  readonly #inner: EngineService;
  readonly #connector: OpenAIConnector;
  constructor(inner: EngineService, upstream: string) {
    this.#inner = inner;
    this.#connector = new OpenAIConnector({ apiKey: 'unused', baseURL: `${upstream}/v1`, fetch: traceContextFetch() });
  }
  embed(model: string, texts: readonly string[]): Promise<Float32Array[]> {
    return this.#connector.embedder(model).embed(texts);
  }
  rerank(model: string, query: string, documents: readonly string[]): Promise<RerankResult[]> {
    return this.#inner.rerank(model, query, documents);
  }
  models(): readonly ServedModel[] {
    return this.#inner.models();
  }
  stats(): SchedulerStats {
    return this.#inner.stats();
  }
  ready(): boolean {
    return true;
  }
  async close(): Promise<void> {
    this.#connector.close();
  }
}

describe('trace context to outgoing connector calls', () => {
  it('a connector called while serving a request carries the trace to the next server', async () => {
    const front = await startServer({ service: new ForwardingService(service, url) });
    try {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const callerSpan = 'b7ad6b7169203331';
      const r = await call(`${front.url}/v1/embeddings`, {
        body: { model: EMBED_MODEL, input: ['hop'] }, headers: { traceparent: `00-${traceId}-${callerSpan}-01` },
      });
      expect(r.status).toBe(200);
      const finished = exporter.getFinishedSpans();
      const servers = finished.filter((s) => s.name === 'POST /v1/embeddings');
      expect(servers).toHaveLength(2);
      const frontSpan = servers.find((s) => s.parentSpanContext?.spanId === callerSpan)!;
      const backSpan = servers.find((s) => s !== frontSpan)!;
      const frontEmbed = finished.find((s) => s.name === 'abi.embed' && s.parentSpanContext?.spanId === frontSpan.spanContext().spanId)!;
      expect(backSpan.spanContext().traceId).toBe(traceId);
      expect(backSpan.parentSpanContext?.spanId).toBe(frontEmbed.spanContext().spanId);
    } finally {
      await front.server.close();
    }
  });
});

describe('logs', () => {
  it('one JSON line per request with the caller’s x-request-id (echoed back) or a fresh one', async () => {
    logs.lines.length = 0;
    const r = await call(`${url}/health`, { headers: { 'x-request-id': 'req-abc-123' } });
    expect(r.headers.get('x-request-id')).toBe('req-abc-123');
    const r2 = await call(`${url}/api/embed`, { body: { model: 'nope', input: 'x' }, headers: { 'x-request-id': 'bad id with spaces' } });
    const generated = r2.headers.get('x-request-id')!;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.lines).toEqual([
      expect.objectContaining({ reqId: 'req-abc-123', msg: 'request', method: 'GET', path: '/health', status: 200, level: 30 }),
      expect.objectContaining({ reqId: generated, msg: 'request', path: '/api/embed', status: 404, level: 40 }),
    ]);
    expect(typeof logs.lines[0].ms).toBe('number');
  });
});
