import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HuggingFaceConnector, OllamaConnector, OpenAIConnector, type ResilientCaller } from '../../src/index.js';
import { startFakeHf, type FakeHf } from '../helpers/hf-server.js';
import { startFakeOllama, type FakeOllama } from '../helpers/ollama-server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/openai-server.js';
import { freePort } from '../helpers/redis-server.js';

let openai: FakeOpenAI;
let ollama: FakeOllama;
let hf: FakeHf;
let dead: string;
beforeAll(async () => {
  [openai, ollama, hf] = await Promise.all([startFakeOpenAI(), startFakeOllama(), startFakeHf()]);
  dead = `http://127.0.0.1:${await freePort()}`; // nothing listens there
});
afterAll(() => Promise.all([openai.close(), ollama.close(), hf.close()]));

const cases = [
  {
    name: 'OpenAI (GET /models)', probe: '/v1/models',
    make: () => new OpenAIConnector({ apiKey: 'sk-x', endpoints: [`${dead}/v1`, `${openai.url}/v1`], balancer: { healthCheck: { intervalMs: 60_000 } } }),
    embed: (c: OpenAIConnector) => c.embedder('m').embed(['a', 'b']), server: () => openai,
  },
  {
    name: 'Ollama (GET /api/version)', probe: '/api/version',
    make: () => new OllamaConnector({ endpoints: [dead, ollama.url], balancer: { healthCheck: true } }),
    embed: (c: OllamaConnector) => c.embedder('nomic-embed-text').embed(['a', 'b']), server: () => ollama,
  },
  {
    name: 'Hugging Face endpoints (GET /health)', probe: '/health',
    make: () => new HuggingFaceConnector({ endpoints: [dead, hf.url], balancer: { healthCheck: { intervalMs: 60_000, timeoutMs: 1000 } } }),
    embed: (c: HuggingFaceConnector) => c.embedder('m').embed(['a', 'b']), server: () => hf,
  },
] as const;

describe('active health probes of each connector', () => {
  it.each(cases)('$name marks a dead endpoint unhealthy and keeps traffic off it', async (c) => {
    const connector = c.make() as { caller: ResilientCaller<unknown>; close(): void };
    try {
      await connector.caller.balancer.probeNow();
      const status = connector.caller.status();
      expect(status.map((s) => s.probeHealthy)).toEqual([false, true]);
      expect(c.server().count(new RegExp(`^${c.probe}$`))).toBeGreaterThan(0);
      for (let i = 0; i < 4; i++) expect(await (c.embed as (x: unknown) => Promise<Float32Array[]>)(connector)).toHaveLength(2);
      expect(connector.caller.status()[0].consecutiveFailures).toBe(0); // never tried
    } finally {
      connector.close();
    }
  });
});
