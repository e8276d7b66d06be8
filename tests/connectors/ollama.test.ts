import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AbortError, ConnectionError, InvalidResponseError, ModelNotFoundError, OllamaConnector, type OllamaConnectorOptions,
  type OllamaPullProgress, ProviderError, RateLimitError, TimeoutError,
} from '../../src/index.js';
import { scaledClock } from '../helpers/clocks.js';
import { gate, sleep, vectorFor } from '../helpers/fake-server.js';
import { type FakeOllama, startFakeOllama } from '../helpers/ollama-server.js';

let server: FakeOllama;
beforeAll(async () => {
  server = await startFakeOllama();
});
afterAll(() => server.close());
afterEach(() => {
  server.faults.length = 0;
  server.requests.length = 0;
  server.holdStream = undefined;
  server.chunkDelayMs = 2;
  vi.unstubAllEnvs();
});

const connect = (o: OllamaConnectorOptions = {}) => new OllamaConnector({ host: server.url, clock: scaledClock(0.001), ...o });
const texts = (n: number) => Array.from({ length: n }, (_, i) => `passage ${i}`);
const embeds = () => server.requests.filter((r) => r.path === '/api/embed');

describe('OllamaConnector embeddings', () => {
  it('embeds through /api/embed in order, with prompts by input type', async () => {
    const e = connect().embedder('nomic-embed-text', { prompts: { query: 'search_query: ', document: 'search_document: ' }, keepAlive: '10m' });
    const docs = await e.embedDocuments(['red', 'green']);
    expect(docs.map((v) => Array.from(v))).toEqual(['search_document: red', 'search_document: green'].map((t) => Array.from(vectorFor(t, 8))));
    const q = await e.embedQuery('red');
    expect(Array.from(q)).toEqual(Array.from(vectorFor('search_query: red', 8)));
    expect(embeds()[0].body).toMatchObject({ model: 'nomic-embed-text', input: ['search_document: red', 'search_document: green'], keep_alive: '10m' });
    expect(e.dimension).toBe(8);
    expect(e.fingerprint('query')).toEqual({ provider: 'ollama', model: 'nomic-embed-text', dimensions: undefined, prompt: 'search_query: ' });
  });
  it('batches, survives 429/5xx/resets, and returns every input once in order', async () => {
    const input = texts(200);
    server.inject(
      { path: /embed/, status: 429, headers: { 'retry-after': '1' }, body: { error: 'too many requests' } },
      { path: /embed/, status: 500, body: { error: 'llama runner process has terminated' } },
      { path: /embed/, status: 502, body: 'Bad Gateway' }, { path: /embed/, status: 503, body: { error: 'server busy' } },
      { path: /embed/, reset: true },
    );
    const clock = scaledClock(0.001);
    const out = await connect({ concurrency: 3, clock }).embedder('nomic-embed-text', { maxInputs: 16 }).embed(input);
    out.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(vectorFor(input[i], 8))));
    expect(clock.sleeps).toContain(1000); // Retry-After honoured
    expect(embeds().length).toBe(Math.ceil(200 / 16) + 5);
  });
  it('maps failures to typed errors', async () => {
    const e = connect({ retry: false }).embedder('nomic-embed-text');
    const missing = await connect().embedder('no-such-model').embed(['x']).catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(ModelNotFoundError);
    expect(missing).toMatchObject({ code: 'MODEL_NOT_FOUND', status: 404, message: 'model "no-such-model" not found, try pulling it first' });
    expect(embeds().length).toBe(1); // 404 is not retried
    server.inject({ status: 429, headers: { 'retry-after': '4' }, body: { error: 'rate limited' } });
    const limited = await e.embed(['x']).catch((err: unknown) => err);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterMs: 4000, retryable: true });
    server.inject({ status: 500, body: { error: 'llama runner process has terminated: exit status 2' } });
    const five = await e.embed(['x']).catch((err: unknown) => err);
    expect(five).toBeInstanceOf(ProviderError);
    expect(five).toMatchObject({ status: 500, message: 'llama runner process has terminated: exit status 2' });
    server.inject({ reset: true });
    expect(await e.embed(['x']).catch((err: unknown) => err)).toBeInstanceOf(ConnectionError);
    server.inject({ malformed: true });
    expect(await e.embed(['x']).catch((err: unknown) => err)).toMatchObject({ code: 'INVALID_RESPONSE' });
    server.inject({ wrongCount: true });
    expect(await e.embed(['x', 'y']).catch((err: unknown) => err)).toBeInstanceOf(InvalidResponseError);
    server.inject({ delayMs: 300 });
    expect(await connect({ retry: false, timeout: 40 }).embedder('nomic-embed-text').embed(['x']).catch((err: unknown) => err))
      .toBeInstanceOf(TimeoutError);
  });
  it('cancellation stops further requests', async () => {
    for (let i = 0; i < 30; i++) server.inject({ path: /embed/, delayMs: 25 });
    let sent = 0;
    const counting: typeof fetch = (url, init) => { sent++; return fetch(url, init); };
    const c = new AbortController();
    const p = connect({ concurrency: 2, fetch: counting }).embedder('nomic-embed-text', { maxInputs: 1 }).embed(texts(30), { signal: c.signal });
    await sleep(60);
    c.abort();
    const atAbort = sent;
    await expect(p).rejects.toBeInstanceOf(AbortError);
    await sleep(80);
    expect(sent).toBe(atAbort);
    expect(atAbort).toBeLessThan(12);
  });
});

describe('OllamaConnector chat and generate', () => {
  it('chats whole and maps done_reason and token counts', async () => {
    const g = connect().generator('llama3.2', { modelOptions: { seed: 7 } });
    const r = await g.chat([{ role: 'user', content: 'why is the sky blue' }], { maxTokens: 3, temperature: 0.2 });
    expect(r).toEqual({ text: 'echo: why is ', finishReason: 'length', usage: { promptTokens: 26, completionTokens: 3, totalTokens: 29 }, model: 'llama3.2' });
    expect(server.requests.at(-1)!.body).toMatchObject({ stream: false, options: { seed: 7, num_predict: 3, temperature: 0.2 } });
  });
  it('streams NDJSON: the first delta arrives before the response ends', async () => {
    const hold = gate();
    server.holdStream = hold.promise;
    const it = connect().generator('llama3.2').chatStream([{ role: 'user', content: 'one two' }])[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ text: 'echo: ' });
    hold.open();
    const rest = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest.map((d) => d.text).join('')).toBe('one two');
    expect(rest.at(-1)).toMatchObject({ finishReason: 'stop', usage: { promptTokens: 26 } });
  });
  it('a reset mid-stream is a ConnectionError and is not replayed; a missing model is MODEL_NOT_FOUND', async () => {
    server.inject({ path: /chat/, resetAfterChunks: 1 });
    const got: string[] = [];
    const err = await (async () => {
      for await (const d of connect().generator('llama3.2').chatStream([{ role: 'user', content: 'a b c' }])) got.push(d.text);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(got).toEqual(['echo: ']);
    expect(server.count(/chat/)).toBe(1);
    const missing = await (async () => {
      for await (const _ of connect().generator('nope').chatStream([{ role: 'user', content: 'x' }])) { /* drain */ }
    })().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ModelNotFoundError);
  });
  it('generate and generateStream complete raw prompts', async () => {
    const c = connect();
    expect((await c.generate('llama3.2', 'hello world')).text).toBe('echo: hello world');
    let text = '';
    let last;
    for await (const d of c.generateStream('llama3.2', 'hello world')) {
      text += d.text;
      last = d;
    }
    expect(text).toBe('echo: hello world');
    expect(last).toMatchObject({ finishReason: 'stop' });
    expect(server.requests.at(-1)).toMatchObject({ path: '/api/generate', body: { stream: true, prompt: 'hello world' } });
  });
});

describe('OllamaConnector models', () => {
  it('lists models and pulls with progress events', async () => {
    const c = connect();
    expect((await c.listModels()).map((m) => m.name)).toEqual(['nomic-embed-text:latest', 'llama3.2:latest']);
    const events: OllamaPullProgress[] = [];
    await c.pull('all-minilm', { onProgress: (p) => events.push(p) });
    expect(events[0]).toMatchObject({ status: 'pulling manifest', endpointId: server.url });
    expect(events.filter((e) => e.completed !== undefined).map((e) => e.completed)).toEqual([0, 250, 500, 750, 1000]);
    expect(events.at(-1)!.status).toBe('success');
    expect((await c.listModels()).map((m) => m.name)).toContain('all-minilm:latest');
    expect(await c.pull('does-not-exist').catch((e: unknown) => e)).toBeInstanceOf(ModelNotFoundError);
  });
});

describe('OllamaConnector configuration', () => {
  it('host precedence: option > ABI_OLLAMA_HOST > OLLAMA_HOST > default; the key never shows', async () => {
    vi.stubEnv('ABI_OLLAMA_HOST', '');
    vi.stubEnv('OLLAMA_HOST', '');
    expect(String(new OllamaConnector())).toBe('OllamaConnector(http://127.0.0.1:11434)');
    vi.stubEnv('OLLAMA_HOST', '0.0.0.0:1234');
    expect(String(new OllamaConnector())).toBe('OllamaConnector(http://0.0.0.0:1234)');
    vi.stubEnv('ABI_OLLAMA_HOST', server.url);
    expect((await new OllamaConnector().listModels()).map((m) => m.name)).toContain('llama3.2:latest');
    expect(String(new OllamaConnector({ host: 'http://10.0.0.5:11434' }))).toBe('OllamaConnector(http://10.0.0.5:11434)');
    const secret = 'ollama-secret-token-123';
    const authed = await startFakeOllama({ apiKey: secret });
    try {
      const c = new OllamaConnector({ host: authed.url, apiKey: secret });
      expect(await c.listModels()).toHaveLength(2);
      expect(inspect(c, { depth: 10, showHidden: true }) + String(c)).not.toContain(secret);
      const denied = await new OllamaConnector({ host: authed.url, apiKey: 'wrong', retry: false }).listModels().catch((e: unknown) => e);
      expect(denied).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    } finally {
      await authed.close();
    }
  });
});
