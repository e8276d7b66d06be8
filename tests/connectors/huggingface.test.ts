import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AbortError, ConnectionError, HuggingFaceConnector, type HuggingFaceConnectorOptions, InvalidResponseError,
  MissingApiKeyError, ModelLoadingError, ProviderError, RateLimitError, TimeoutError, ValidationError,
} from '../../src/index.js';
import { scaledClock } from '../helpers/clocks.js';
import { gate, sleep, vectorFor } from '../helpers/fake-server.js';
import { type FakeHf, fakeRelevance, startFakeHf } from '../helpers/hf-server.js';

const TOKEN = 'hf_testtoken0123456789SECRET';
let server: FakeHf;
beforeAll(async () => {
  server = await startFakeHf({ token: TOKEN });
});
afterAll(() => server.close());
afterEach(() => {
  server.faults.length = 0;
  server.requests.length = 0;
  server.holdStream = undefined;
  vi.unstubAllEnvs();
});

const connect = (o: HuggingFaceConnectorOptions = {}) =>
  new HuggingFaceConnector({ apiToken: TOKEN, endpointUrl: server.url, clock: scaledClock(0.001), ...o });
const texts = (n: number) => Array.from({ length: n }, (_, i) => `sentence ${i}`);
const loading = { status: 503, body: { error: 'Model BAAI/bge-small-en-v1.5 is currently loading', estimated_time: 20.0 } };

describe('HuggingFaceConnector embeddings (dedicated endpoint / TEI)', () => {
  it('embeds in batches of 32 through featureExtraction, in order, with server-side prompt names', async () => {
    const e = connect().embedder('BAAI/bge-small-en-v1.5', { promptNames: { query: 'query' }, normalize: true });
    const input = texts(100);
    const out = await e.embed(input);
    out.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(vectorFor(input[i], 8))));
    const posts = server.requests.filter((r) => r.path === '/');
    expect(posts.map((r) => (r.body as { inputs: string[] }).inputs.length)).toEqual([32, 32, 32, 4]);
    expect(posts[0].body).toMatchObject({ normalize: true });
    expect(posts[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    const q = await e.embedQuery('what is up');
    expect(Array.from(q)).toEqual(Array.from(vectorFor('[query] what is up', 8)));
    expect(e.fingerprint('query').prompt).toContain('prompt_name=query');
    expect(e.fingerprint('document').prompt).toBe('');
  });
  it('waits out a loading model (503 + estimated_time) and then succeeds', async () => {
    const clock = scaledClock(0.001);
    server.inject(loading);
    const out = await connect({ clock }).embedder('m').embed(['x']);
    expect(out).toHaveLength(1);
    expect(clock.sleeps).toEqual([20_000]);
  });
  it('maps failures to typed errors', async () => {
    const e = connect({ retry: false }).embedder('m');
    server.inject(loading);
    const l = await e.embed(['x']).catch((err: unknown) => err);
    expect(l).toBeInstanceOf(ModelLoadingError);
    expect(l).toMatchObject({ code: 'MODEL_LOADING', status: 503, estimatedMs: 20_000, retryable: true });
    server.inject({ status: 429, headers: { 'retry-after': '7' }, body: { error: 'Model is overloaded', error_type: 'Overloaded' } });
    const rl = await e.embed(['x']).catch((err: unknown) => err);
    expect(rl).toBeInstanceOf(RateLimitError);
    expect(rl).toMatchObject({ retryAfterMs: 7000, message: 'Model is overloaded' });
    server.inject({ status: 500, body: { error: 'CUDA out of memory', error_type: 'Backend' } });
    expect(await e.embed(['x']).catch((err: unknown) => err)).toMatchObject({ code: 'PROVIDER_ERROR', status: 500, message: 'CUDA out of memory' });
    server.inject({ status: 502, body: 'upstream connect error' });
    expect(await e.embed(['x']).catch((err: unknown) => err)).toMatchObject({ code: 'PROVIDER_ERROR', status: 502 });
    expect(await connect({ retry: false }).embedder('m', { maxInputs: 64 }).embed(texts(40)).catch((err: unknown) => err))
      .toMatchObject({ code: 'PROVIDER_ERROR', status: 413, retryable: false });
    server.inject({ reset: true });
    expect(await e.embed(['x']).catch((err: unknown) => err)).toBeInstanceOf(ConnectionError);
    server.inject({ malformed: true });
    expect(await e.embed(['x']).catch((err: unknown) => err)).toMatchObject({ code: 'INVALID_RESPONSE' });
    server.inject({ wrongCount: true });
    expect(await e.embed(['x', 'y']).catch((err: unknown) => err)).toBeInstanceOf(InvalidResponseError);
    server.inject({ delayMs: 300 });
    expect(await connect({ retry: false, timeout: 40 }).embedder('m').embed(['x']).catch((err: unknown) => err)).toBeInstanceOf(TimeoutError);
  });
  it('retries 5xx and resets without losing, duplicating or reordering inputs', async () => {
    server.inject({ status: 500 }, { status: 502, body: 'Bad Gateway' }, { reset: true }, loading);
    const input = texts(150);
    const out = await connect({ concurrency: 3 }).embedder('m').embed(input);
    out.forEach((v, i) => expect(v[0]).toBe(vectorFor(input[i], 8)[0]));
  });
  it('cancellation stops further requests', async () => {
    for (let i = 0; i < 30; i++) server.inject({ delayMs: 25 });
    let sent = 0;
    const counting: typeof fetch = (url, init) => { sent++; return fetch(url, init); };
    const c = new AbortController();
    const p = connect({ concurrency: 2, fetch: counting }).embedder('m', { maxInputs: 1 }).embed(texts(30), { signal: c.signal });
    await sleep(60);
    c.abort();
    const atAbort = sent;
    await expect(p).rejects.toBeInstanceOf(AbortError);
    await sleep(80);
    expect(sent).toBe(atAbort);
  });
});

describe('HuggingFaceConnector reranking (TEI /rerank)', () => {
  const query = 'capital city of France';
  const docs = Array.from({ length: 70 }, (_, i) => (i % 10 === 3 ? `Paris is the capital city of France (${i})` : i % 7 === 0 ? `France is in Europe ${i}` : `unrelated text ${i}`));
  it('scores all documents in batches of 32 and returns them best first', async () => {
    const ranked = await connect().reranker('BAAI/bge-reranker-base').rerank(query, docs);
    // The batches go out concurrently, so their arrival order is the network's: compare the sizes, not the order.
    expect(server.requests.filter((r) => r.path === '/rerank').map((r) => (r.body as { texts: string[] }).texts.length)
      .sort((x, y) => y - x)).toEqual([32, 32, 6]);
    expect(ranked).toHaveLength(70);
    expect(new Set(ranked.map((r) => r.index)).size).toBe(70);
    const expected = docs.map((d, index) => ({ index, score: fakeRelevance(query, d) }))
      .sort((a, b) => b.score - a.score || a.index - b.index);
    expect(ranked.map((r) => r.index)).toEqual(expected.map((r) => r.index));
    ranked.forEach((r) => expect(r.score).toBeCloseTo(fakeRelevance(query, docs[r.index]), 10));
    const top = await connect().reranker().rerank(query, docs, { topN: 3, batchSize: 10 });
    expect(top.map((r) => r.index)).toEqual(expected.slice(0, 3).map((r) => r.index));
  });
  it('a wrong number of scores is INVALID_RESPONSE; bad options are INVALID_INPUT', async () => {
    server.inject({ path: /rerank/, wrongCount: true });
    expect(await connect({ retry: false }).reranker().rerank('q', ['a', 'b']).catch((e: unknown) => e)).toBeInstanceOf(InvalidResponseError);
    expect(await connect().reranker().rerank('q', ['a'], { topN: -1 }).catch((e: unknown) => e)).toBeInstanceOf(ValidationError);
    expect(await connect().reranker().rerank('q', [])).toEqual([]);
  });
  it('long passages are truncated by the server, not dropped; truncate: false makes them an error', async () => {
    const long = `Paris is the capital city of France. ${'filler '.repeat(2000)}`;
    const tail = `${'filler '.repeat(2000)} Paris is the capital city of France.`;
    const ranked = await connect().reranker().rerank(query, ['unrelated text', long, tail]);
    expect(ranked.map((r) => r.index)).toEqual([1, 0, 2]);
    expect(ranked[0].score).toBeGreaterThan(0.9);
    expect(server.requests.filter((r) => r.path === '/rerank').at(-1)!.body).toMatchObject({ truncate: true });
    const err = await connect({ retry: false }).reranker(undefined, { truncate: false }).rerank(query, [long]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).status).toBe(413);
  });
  it('ties keep document order, across batches too', async () => {
    const docs = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'Paris France' : 'nothing here'));
    const ranked = await connect().reranker().rerank('Paris', docs, { batchSize: 7 });
    expect(ranked.map((r) => r.index)).toEqual([...docs.keys()].filter((i) => i % 2 === 0).concat([...docs.keys()].filter((i) => i % 2 === 1)));
  });
});

describe('HuggingFaceConnector chat', () => {
  it('chats and streams over SSE; the first delta arrives before the response ends', async () => {
    const g = connect().generator('tgi-model');
    expect(await g.chat([{ role: 'user', content: 'hi there' }], { maxTokens: 2 })).toMatchObject({ text: 'echo: hi ', finishReason: 'length' });
    const hold = gate();
    server.holdStream = hold.promise;
    const it = g.chatStream([{ role: 'user', content: 'a b' }])[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ text: 'echo: ' });
    hold.open();
    const rest = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest.map((d) => d.text).join('')).toBe('a b');
    expect(rest.at(-1)).toMatchObject({ finishReason: 'stop', usage: { promptTokens: 7, completionTokens: 3 } });
  });
  it('completes raw prompts (text generation)', async () => {
    const r = await connect().generate('once upon a time', { maxTokens: 2, temperature: 0.5 });
    expect(r.text).toBe('echo: once ');
    expect(server.requests.at(-1)).toMatchObject({ path: '/v1/completions', body: { prompt: 'once upon a time', max_tokens: 2, temperature: 0.5 } });
  });
  it('a reset mid-stream is a ConnectionError and is not replayed', async () => {
    server.inject({ path: /chat/, resetAfterChunks: 1 });
    const err = await (async () => {
      for await (const _ of connect().generator('m').chatStream([{ role: 'user', content: 'a b c' }])) { /* drain */ }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(server.count(/chat/)).toBe(1);
  });
});

describe('HuggingFaceConnector serverless router', () => {
  // The official client talks to https://router.huggingface.co and https://huggingface.co; route both here.
  const viaLoopback: typeof fetch = (url, init) =>
    fetch(String(url).replace('https://router.huggingface.co', server.url).replace('https://huggingface.co', server.url), init);
  it('embeds and chats through the router URLs with the token', async () => {
    vi.stubEnv('ABI_HF_BASE_URL', '');
    const hf = new HuggingFaceConnector({ apiToken: TOKEN, fetch: viaLoopback });
    const v = await hf.embedder('BAAI/bge-small-en-v1.5').embed(['hello']);
    expect(Array.from(v[0])).toEqual(Array.from(vectorFor('hello', 8)));
    expect(server.requests.map((r) => r.path)).toContain('/hf-inference/models/BAAI/bge-small-en-v1.5/pipeline/feature-extraction');
    expect((await hf.generator('org/chat-model').chat([{ role: 'user', content: 'yo' }])).text).toBe('echo: yo');
    expect(server.requests.at(-1)!.path).toBe('/hf-inference/models/org/chat-model/v1/chat/completions');
    expect(() => hf.reranker()).toThrow(ValidationError);
    expect(() => hf.embedder()).toThrow(ValidationError);
  });
});

describe('HuggingFaceConnector configuration, secrets, balancing', () => {
  it('token precedence: option > ABI_HF_API_TOKEN > HF_API_TOKEN > HUGGING_FACE_HUB_TOKEN; base URL from ABI_HF_BASE_URL', async () => {
    for (const k of ['ABI_HF_API_TOKEN', 'HF_API_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'ABI_HF_BASE_URL']) vi.stubEnv(k, '');
    expect(() => new HuggingFaceConnector()).toThrow(MissingApiKeyError);
    vi.stubEnv('ABI_HF_BASE_URL', server.url);
    const ok = (c: HuggingFaceConnector) => c.embedder('m').embed(['x'], { maxAttempts: 1 }).then(() => 'ok', (e: { code: string }) => e.code);
    expect(await ok(new HuggingFaceConnector())).toBe('UNAUTHORIZED'); // no token sent to a dedicated endpoint
    vi.stubEnv('HUGGING_FACE_HUB_TOKEN', TOKEN);
    expect(await ok(new HuggingFaceConnector())).toBe('ok');
    vi.stubEnv('HF_API_TOKEN', 'hf_wrong');
    expect(await ok(new HuggingFaceConnector())).toBe('UNAUTHORIZED');
    vi.stubEnv('ABI_HF_API_TOKEN', TOKEN);
    expect(await ok(new HuggingFaceConnector())).toBe('ok');
    expect(await ok(new HuggingFaceConnector({ apiToken: 'hf_wrong_option' }))).toBe('UNAUTHORIZED');
  });
  it('never shows the token', async () => {
    const c = connect();
    expect(inspect(c, { depth: 10, showHidden: true }) + String(c) + JSON.stringify(c)).not.toContain(TOKEN);
    server.inject({ status: 401, body: { error: `bad token ${TOKEN}` } });
    const err = await c.embedder('m').embed(['x']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(inspect(err, { depth: 20, showHidden: true })).not.toContain(TOKEN);
    // A server error that echoes the token: a ProviderError (retryable, with the status), the token still hidden.
    server.inject({ status: 500, body: { error: `backend failed for ${TOKEN}` } });
    const five = await c.embedder('m').embed(['x'], { maxAttempts: 1 }).catch((e: unknown) => e);
    expect(five).toBeInstanceOf(ProviderError);
    expect(five).toMatchObject({ code: 'PROVIDER_ERROR', status: 500, retryable: true });
    expect(inspect(five, { depth: 20, showHidden: true }) + String(five)).not.toContain(TOKEN);
  });
  it('consistent hashing sends each text to the same endpoint every time, and fails over when it dies', async () => {
    const other = await startFakeHf({ token: TOKEN });
    try {
      const c = connect({ endpointUrl: undefined, endpoints: [server.url, other.url], balancer: { strategy: 'consistent-hash' } });
      const input = texts(64);
      await c.embedder('m', { maxInputs: 8 }).embed(input);
      const on = (s: FakeHf) => new Set(s.requests.flatMap((r) => (r.body as { inputs: string[] }).inputs));
      const a1 = on(server);
      const b1 = on(other);
      expect(a1.size + b1.size).toBe(64);
      expect(a1.size).toBeGreaterThan(10);
      expect(b1.size).toBeGreaterThan(10);
      server.requests.length = 0;
      other.requests.length = 0;
      const again = await c.embedder('m', { maxInputs: 8 }).embed(input);
      expect(on(server)).toEqual(a1);
      expect(on(other)).toEqual(b1);
      again.forEach((v, i) => expect(v[0]).toBe(vectorFor(input[i], 8)[0]));
      await other.close();
      const after = await c.embedder('m', { maxInputs: 8 }).embed(input);
      after.forEach((v, i) => expect(v[0]).toBe(vectorFor(input[i], 8)[0]));
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});
