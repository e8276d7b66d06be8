// Every inference endpoint through the official clients (openai, ollama, @huggingface/inference) and abi-sdk's own
// connectors pointed at a real server over the real local engine: the connectors are tested end to end here.
import { InferenceClient } from '@huggingface/inference';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HuggingFaceConnector, OllamaConnector, OpenAIConnector } from '../../src/index.js';
import { type AbiServer, KeyStore } from '../../src/server/index.js';
import { cosine, tempDir } from '../engine/helpers.js';
import { EMBED_MODEL, EngineService, RERANK_MODEL, startServer } from './helpers.js';

let service: EngineService;
let server: AbiServer;
let url: string;
let key: string;
const dir = tempDir('abi-server-clients-');
const TEXTS = ['Paris is the capital of France.', 'The cat sat on the mat.', 'Vectors and embeddings', ''];

beforeAll(async () => {
  service = await EngineService.open();
  const keys = KeyStore.open(dir.dir, { watchIntervalMs: 0 });
  key = keys.create({ principal: 'clients', roles: ['embed'] }).key;
  ({ server, url } = await startServer({ service, auth: { keys } }));
});
afterAll(async () => {
  await server.close();
  await service.close();
  dir.cleanup();
});

async function expected(texts: readonly string[], dimensions?: number): Promise<Float32Array[]> {
  return service.embedder.embed(texts, dimensions ? { dimensions } : {});
}

function expectSame(actual: ArrayLike<number>[], wanted: Float32Array[]): void {
  expect(actual).toHaveLength(wanted.length);
  actual.forEach((v, i) => {
    expect(v.length).toBe(wanted[i].length);
    expect(cosine(v, wanted[i])).toBeGreaterThan(0.99999);
  });
}

describe('openai client against /v1', () => {
  const client = () => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
  it('embeds a string and an array, as base64 (the client default) and as floats', async () => {
    const one = await client().embeddings.create({ model: EMBED_MODEL, input: TEXTS[0] });
    expectSame(one.data.map((d) => d.embedding), await expected([TEXTS[0]]));
    expect(one.model).toBe(EMBED_MODEL);
    expect(one.usage.prompt_tokens).toBeGreaterThan(0);
    const many = await client().embeddings.create({ model: EMBED_MODEL, input: TEXTS, encoding_format: 'float' });
    expect(many.data.map((d) => d.index)).toEqual([0, 1, 2, 3]);
    expectSame(many.data.map((d) => d.embedding), await expected(TEXTS));
  });
  it('honours dimensions (Matryoshka truncation)', async () => {
    const r = await client().embeddings.create({ model: EMBED_MODEL, input: TEXTS.slice(0, 2), dimensions: 8 });
    expect(r.data[0].embedding).toHaveLength(8);
    expectSame(r.data.map((d) => d.embedding), await expected(TEXTS.slice(0, 2), 8));
  });
  it('lists models and maps errors to the client error classes', async () => {
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toEqual([EMBED_MODEL, RERANK_MODEL]);
    expect((await client().models.retrieve(EMBED_MODEL)).id).toBe(EMBED_MODEL);
    await expect(client().models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const missing = await client().embeddings.create({ model: 'nope', input: 'x' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    const bad = await new OpenAI({ apiKey: 'abi_wrong', baseURL: `${url}/v1`, maxRetries: 0 }).models.list().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('ollama client against /api', () => {
  const client = () => new Ollama({ host: url, headers: { authorization: `Bearer ${key}` } });
  it('embeds and lists tags', async () => {
    const r = await client().embed({ model: EMBED_MODEL, input: TEXTS });
    expect(r.model).toBe(EMBED_MODEL);
    expectSame(r.embeddings, await expected(TEXTS));
    const single = await client().embed({ model: EMBED_MODEL, input: TEXTS[1] });
    expectSame(single.embeddings, await expected([TEXTS[1]]));
    const tags = await client().list();
    expect(tags.models.map((m) => m.name)).toEqual([EMBED_MODEL, RERANK_MODEL]);
  });
  it('surfaces the Ollama error body', async () => {
    const err = await client().embed({ model: 'nope', input: 'x' }).catch((e: unknown) => e) as Error & { status_code?: number };
    expect(err.status_code).toBe(404);
    expect(err.message).toMatch(/does not exist/);
  });
});

describe('@huggingface/inference client against the TEI routes', () => {
  it('runs feature extraction on the endpoint URL', async () => {
    const client = new InferenceClient(key, { endpointUrl: url });
    const out = await client.featureExtraction({ inputs: TEXTS.slice(0, 3) }) as number[][];
    expectSame(out, await expected(TEXTS.slice(0, 3)));
  });
});

describe('abi-sdk connectors end to end', () => {
  it('OpenAIConnector embeds in order (split across requests) with dimensions', async () => {
    const e = new OpenAIConnector({ apiKey: key, baseURL: `${url}/v1` }).embedder(EMBED_MODEL, { dimensions: 16, maxInputs: 2 });
    expectSame(await e.embed(TEXTS), await expected(TEXTS, 16));
  });
  it('OllamaConnector embeds and lists models', async () => {
    const c = new OllamaConnector({ host: url, apiKey: key });
    expectSame(await c.embedder(EMBED_MODEL).embed(TEXTS), await expected(TEXTS));
    expect((await c.listModels()).map((m) => m.name)).toContain(EMBED_MODEL);
    c.close();
  });
  it('HuggingFaceConnector embeds through /, and reranks through /rerank like the local cross-encoder', async () => {
    const hf = new HuggingFaceConnector({ apiToken: key, endpointUrl: url });
    expectSame(await hf.embedder().embed(TEXTS.slice(0, 3)), await expected(TEXTS.slice(0, 3)));
    const docs = ['Berlin is in Germany', 'Paris is the capital of France', 'cats'];
    const got = await hf.reranker(RERANK_MODEL).rerank('capital of France', docs);
    const want = await service.reranker.rerank('capital of France', docs);
    expect(got.map((r) => r.index)).toEqual(want.map((r) => r.index));
    got.forEach((r, i) => expect(r.score).toBeCloseTo(want[i].score, 4));
    hf.close();
  });
  it('TEI /rerank answers [{ index, score, text? }] best first', async () => {
    const res = await fetch(`${url}/rerank`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'capital of France', texts: ['cats', 'Paris is the capital of France'], return_text: true }),
    });
    const body = await res.json() as { index: number; score: number; text: string }[];
    expect(res.status).toBe(200);
    expect(body[0].score).toBeGreaterThanOrEqual(body[1].score);
    expect(body.map((r) => r.text).sort()).toEqual(['Paris is the capital of France', 'cats']);
  });
});
