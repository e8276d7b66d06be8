import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AbortError, AuthenticationError, ConnectionError, InvalidResponseError, MissingApiKeyError, ModelNotFoundError,
  OpenAIConnector, type OpenAIConnectorOptions, ProviderError, RateLimitError, TimeoutError,
} from '../../src/index.js';
import { scaledClock } from '../helpers/clocks.js';
import { gate, sleep, vectorFor } from '../helpers/fake-server.js';
import { type FakeOpenAI, startFakeOpenAI } from '../helpers/openai-server.js';

const KEY = 'sk-test-0123456789abcdefSECRET';
let server: FakeOpenAI;

beforeAll(async () => {
  server = await startFakeOpenAI({ apiKey: KEY });
});
afterAll(() => server.close());
afterEach(() => {
  server.faults.length = 0;
  server.requests.length = 0;
  server.holdStream = undefined;
  server.streamWords = undefined;
  vi.unstubAllEnvs();
});

const connect = (o: OpenAIConnectorOptions = {}) =>
  new OpenAIConnector({ apiKey: KEY, baseURL: `${server.url}/v1`, clock: scaledClock(0.001), ...o });
const texts = (n: number, tag = 't') => Array.from({ length: n }, (_, i) => `${tag} ${i}`);
const embedRequests = () => server.requests.filter((r) => r.path === '/v1/embeddings');

describe('OpenAIConnector embeddings', () => {
  it('embeds through the official client (base64 on the wire), honouring `index` order and dimensions', async () => {
    const e = connect().embedder('text-embedding-3-small', { dimensions: 16 });
    expect(e.dimension).toBe(16);
    const input = ['alpha', 'beta', 'gamma'];
    const out = await e.embed(input);
    expect(out.map((v) => Array.from(v))).toEqual(input.map((t) => Array.from(vectorFor(t, 16))));
    const [req] = embedRequests();
    expect(req.body).toMatchObject({ model: 'text-embedding-3-small', input, encoding_format: 'base64', dimensions: 16 });
    expect(req.headers['user-agent']).toMatch(/OpenAI\/JS/);
    const floats = await connect().embedder('m', { encodingFormat: 'float' }).embed(['alpha']);
    expect(Array.from(floats[0])).toEqual(Array.from(vectorFor('alpha', 8)));
  });
  it('splits large calls at 2048 inputs and keeps order, nothing lost or duplicated', async () => {
    const input = texts(4100);
    const out = await connect().embedder().embed(input);
    expect(embedRequests().map((r) => (r.body as { input: string[] }).input.length)).toEqual([2048, 2048, 4]);
    out.forEach((v, i) => expect(v[0]).toBe(vectorFor(input[i], 8)[0]));
  });
  it('under concurrency and faults, every input comes back exactly once in order', async () => {
    const input = texts(300);
    server.inject(
      { path: /embeddings/, status: 503, body: { error: { message: 'overloaded', type: 'server_error' } } },
      { path: /embeddings/, status: 500 }, { path: /embeddings/, status: 502, body: 'Bad Gateway' }, { path: /embeddings/, reset: true },
      { path: /embeddings/, status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached', type: 'requests' } } },
    );
    const out = await connect({ concurrency: 3 }).embedder('m', { maxInputs: 7 }).embed(input);
    expect(out).toHaveLength(300);
    out.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(vectorFor(input[i], 8))));
    const served = embedRequests().flatMap((r) => (r.body as { input: string[] }).input);
    // Failed attempts are re-sent: each input succeeded once, failed attempts account for the rest.
    expect(new Set(served)).toEqual(new Set(input));
    expect(served.length).toBe(300 + 7 * 5);
  });
  it('waits what Retry-After says on 429, then succeeds', async () => {
    const clock = scaledClock(0.001);
    server.inject({ status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } });
    const out = await connect({ clock }).embedder().embed(['x']);
    expect(out).toHaveLength(1);
    expect(clock.sleeps).toEqual([2000]);
  });
  it('maps failures to typed errors', async () => {
    const e = connect({ retry: false }).embedder();
    server.inject({ status: 429, headers: { 'retry-after': '3' }, body: { error: { message: 'Rate limit reached', type: 'requests' } } });
    const rl = await e.embed(['x']).catch((err: unknown) => err) as RateLimitError;
    expect(rl).toBeInstanceOf(RateLimitError);
    expect(rl).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterMs: 3000, provider: 'openai', message: 'Rate limit reached' });
    server.inject({ status: 503, body: { error: { message: 'The engine is currently overloaded', type: 'server_error' } } });
    expect(await e.embed(['x']).catch((err: unknown) => err)).toMatchObject({
      code: 'PROVIDER_ERROR', status: 503, message: 'The engine is currently overloaded', retryable: true,
    });
    server.inject({ status: 400, body: { error: { message: 'Invalid input', type: 'invalid_request_error' } } });
    const bad = await connect().embedder().embed(['x']).catch((err: unknown) => err);
    expect(bad).toMatchObject({ code: 'PROVIDER_ERROR', status: 400, retryable: false });
    expect(embedRequests().length).toBe(3); // the 400 was not retried
    expect(await connect().embedder('missing-model').embed(['x']).catch((err: unknown) => err)).toBeInstanceOf(ModelNotFoundError);
    const wrongKey = new OpenAIConnector({ apiKey: 'sk-wrong-key', baseURL: `${server.url}/v1` });
    expect(await wrongKey.embedder().embed(['x']).catch((err: unknown) => err)).toBeInstanceOf(AuthenticationError);
  });
  it('a response slower than the timeout is a TimeoutError, retried when attempts remain', async () => {
    server.inject({ path: /embeddings/, delayMs: 400 });
    const err = await connect({ retry: false, timeout: 50 }).embedder().embed(['x']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    server.inject({ path: /embeddings/, delayMs: 400 });
    server.requests.length = 0;
    expect(await connect({ timeout: 100 }).embedder().embed(['x'])).toHaveLength(1);
    expect(embedRequests().length).toBe(2); // the slow attempt timed out, the retry answered
  });
  it('connection reset, malformed JSON and a wrong number of embeddings are typed errors', async () => {
    const e = connect({ retry: false }).embedder();
    server.inject({ reset: true });
    expect(await e.embed(['x']).catch((err: unknown) => err)).toBeInstanceOf(ConnectionError);
    server.inject({ malformed: true });
    expect(await e.embed(['x']).catch((err: unknown) => err)).toMatchObject({ code: 'INVALID_RESPONSE' });
    server.inject({ wrongCount: true });
    const wrong = await e.embed(['x', 'y', 'z']).catch((err: unknown) => err);
    expect(wrong).toBeInstanceOf(InvalidResponseError);
    expect((wrong as Error).message).toMatch(/2 embeddings for 3 inputs/);
  });
  it('cancellation stops further requests', async () => {
    const input = texts(40);
    for (let i = 0; i < 40; i++) server.inject({ path: /embeddings/, delayMs: 30 });
    let sent = 0; // counted where the client sends, so requests still in transit at the abort count too
    const counting: typeof fetch = (url, init) => { sent++; return fetch(url, init); };
    const c = new AbortController();
    const p = connect({ concurrency: 2, fetch: counting }).embedder('m', { maxInputs: 1 }).embed(input, { signal: c.signal });
    await sleep(75);
    c.abort();
    const atAbort = sent;
    await expect(p).rejects.toBeInstanceOf(AbortError);
    await sleep(120);
    expect(sent).toBe(atAbort);
    expect(embedRequests().length).toBeLessThanOrEqual(atAbort);
    expect(atAbort).toBeLessThan(12);
  });
  it('fails over from a dead endpoint to a live one', async () => {
    const e = connect({ endpoints: ['http://127.0.0.1:9/v1', `${server.url}/v1`] }).embedder();
    for (let i = 0; i < 4; i++) expect(await e.embed(['x'])).toHaveLength(1);
  });
});

describe('OpenAIConnector chat', () => {
  it('returns text, finish reason and usage; maxTokens maps to max_tokens on compatible servers', async () => {
    const g = connect().generator('gpt-test');
    const r = await g.chat([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there' }]);
    expect(r).toEqual({ text: 'echo: hello there', finishReason: 'stop', usage: { promptTokens: 10, completionTokens: 3, totalTokens: 13 }, model: 'gpt-test' });
    const cut = await g.chat([{ role: 'user', content: 'one two three' }], { maxTokens: 2, temperature: 0 });
    expect(cut.finishReason).toBe('length');
    expect(server.requests.at(-1)!.body).toMatchObject({ max_tokens: 2, temperature: 0 });
  });
  it('streams over SSE: the first delta arrives before the response ends', async () => {
    const hold = gate();
    server.holdStream = hold.promise;
    const stream = connect().generator('gpt-test').chatStream([{ role: 'user', content: 'a b c d' }]);
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).toEqual({ text: 'echo: ' }); // the server is still holding the rest of the response
    hold.open();
    const rest: { text: string; finishReason?: string; usage?: unknown }[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest.map((d) => d.text).join('')).toBe('a b c d');
    expect(rest.at(-1)).toMatchObject({ text: '', finishReason: 'stop', usage: { completionTokens: 5 } });
  });
  it('a connection reset mid-stream fails the stream (not replayed); a 429 before the first token is retried', async () => {
    server.inject({ path: /chat/, resetAfterChunks: 2 });
    const got: string[] = [];
    const err = await (async () => {
      for await (const d of connect().generator('g').chatStream([{ role: 'user', content: 'one two three four' }])) got.push(d.text);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(got.join('')).toBe('echo: one ');
    expect(server.count(/chat/)).toBe(1);
    server.inject({ path: /chat/, status: 429, headers: { 'retry-after-ms': '10' }, body: { error: { message: 'slow', type: 'tokens' } } });
    let text = '';
    for await (const d of connect().generator('g').chatStream([{ role: 'user', content: 'x' }])) text += d.text;
    expect(text).toBe('echo: x');
  });
  it('aborting a stream cancels the request with AbortError', async () => {
    server.chunkDelayMs = 20;
    server.streamWords = Array.from({ length: 50 }, (_, i) => `w${i} `);
    const c = new AbortController();
    const got: string[] = [];
    const err = await (async () => {
      for await (const d of connect().generator('g').chatStream([{ role: 'user', content: 'x' }], { signal: c.signal })) {
        got.push(d.text);
        if (got.length === 3) c.abort();
      }
    })().catch((e: unknown) => e);
    server.chunkDelayMs = 2;
    expect(err).toBeInstanceOf(AbortError);
    expect(got.length).toBe(3);
  });
  it('a stream that goes silent past the timeout fails with TimeoutError', async () => {
    const hold = gate();
    server.holdStream = hold.promise;
    const err = await (async () => {
      for await (const _ of connect({ timeout: 80, retry: false }).generator('g').chatStream([{ role: 'user', content: 'a b' }])) { /* drain */ }
    })().catch((e: unknown) => e);
    hold.open();
    expect(err).toBeInstanceOf(TimeoutError);
  });
  it('lists models', async () => {
    expect(await connect().listModels()).toEqual(['text-embedding-3-small']);
  });
});

describe('OpenAIConnector configuration and secrets', () => {
  it('reads options > ABI_OPENAI_* > OPENAI_* and fails with MISSING_API_KEY when none is set', async () => {
    vi.stubEnv('ABI_OPENAI_API_KEY', '');
    vi.stubEnv('OPENAI_API_KEY', '');
    vi.stubEnv('ABI_OPENAI_BASE_URL', '');
    vi.stubEnv('OPENAI_BASE_URL', '');
    expect(() => new OpenAIConnector()).toThrow(MissingApiKeyError);
    try {
      new OpenAIConnector();
    } catch (e) {
      expect((e as MissingApiKeyError).code).toBe('MISSING_API_KEY');
      expect((e as Error).message).toContain('ABI_OPENAI_API_KEY or OPENAI_API_KEY');
    }
    vi.stubEnv('OPENAI_API_KEY', 'sk-vendor-env');
    vi.stubEnv('OPENAI_BASE_URL', 'http://127.0.0.1:1/v1');
    vi.stubEnv('ABI_OPENAI_BASE_URL', `${server.url}/v1`);
    expect(String(new OpenAIConnector())).toBe(`OpenAIConnector(${server.url}/v1)`);
    // vendor key is used when no ABI key is set: the fake server rejects it
    expect(await new OpenAIConnector().embedder().embed(['x'], { maxAttempts: 1 }).catch((e: unknown) => e)).toBeInstanceOf(AuthenticationError);
    vi.stubEnv('ABI_OPENAI_API_KEY', `  ${KEY}  `); // trimmed, and takes precedence
    expect(await new OpenAIConnector().embedder().embed(['x'])).toHaveLength(1);
    expect(String(new OpenAIConnector({ baseURL: 'http://10.1.2.3:8000/v1' }))).toBe('OpenAIConnector(http://10.1.2.3:8000/v1)');
  });
  it('never shows the key in toString, inspect, JSON or errors', async () => {
    const c = connect();
    const e = c.embedder();
    for (const text of [String(c), inspect(c, { depth: 10, showHidden: true }), JSON.stringify(c), inspect(e, { depth: 10, showHidden: true }), String(e)]) {
      expect(text).not.toContain(KEY);
    }
    server.inject({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error' } } });
    const err = await e.embed(['x']).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(inspect(err, { depth: 20, showHidden: true })).not.toContain(KEY);
    expect(JSON.stringify((err as AuthenticationError).body)).not.toContain(KEY);
    expect(String(err)).not.toContain(KEY);
    // A server error that echoes the key: a ProviderError (retryable, with the status), the key still hidden.
    server.inject({ status: 500, body: { error: { message: `upstream failed for ${KEY}`, type: 'server_error' } } });
    const five = await e.embed(['x'], { maxAttempts: 1 }).catch((x: unknown) => x);
    expect(five).toBeInstanceOf(ProviderError);
    expect(five).toMatchObject({ code: 'PROVIDER_ERROR', status: 500, retryable: true });
    expect(inspect(five, { depth: 20, showHidden: true }) + String(five)).not.toContain(KEY);
  });
});
