/**
 * An Ollama wire-protocol double: POST /api/embed, /api/chat, /api/generate (JSON, or NDJSON when `stream` is
 * true, Ollama's default), /api/pull (NDJSON progress), GET /api/tags, /api/version. Unknown models get Ollama's
 * 404 `{"error":"model \"x\" not found, try pulling it first"}`.
 */
import type { ServerResponse } from 'node:http';
import { type FakeServer, json, sleep, startFakeServer, vectorFor } from './fake-server.js';

export interface FakeOllama extends FakeServer {
  dim: number;
  models: Set<string>;
  /** Models the "registry" can pull. */
  registry: Set<string>;
  holdStream?: Promise<void>;
  chunkDelayMs: number;
}

const base = (name: string) => name.replace(/:latest$/, '');

export async function startFakeOllama(options: { dim?: number; apiKey?: string } = {}): Promise<FakeOllama> {
  const state = {} as FakeOllama;
  const ndjson = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    return (o: unknown) => res.write(`${JSON.stringify(o)}\n`);
  };
  const server = await startFakeServer(async (req, res, fault) => {
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      json(res, 401, { error: 'unauthorized' });
      return;
    }
    if (req.method === 'GET' && req.path === '/api/version') return json(res, 200, { version: '0.12.6' });
    if (req.method === 'GET' && req.path === '/api/tags') {
      return json(res, 200, {
        models: [...state.models].map((m) => ({
          name: `${m}:latest`, model: `${m}:latest`, modified_at: '2026-11-01T10:00:00.000Z', size: 274302450,
          digest: '0a109f422b47e3a30ba2b10eca18548e944e8a23073ee3f3e947efcf3c45e59f',
          details: { parent_model: '', format: 'gguf', family: 'nomic-bert', families: ['nomic-bert'], parameter_size: '137M', quantization_level: 'F16' },
        })),
      });
    }
    const body = req.body as Record<string, unknown>;
    const model = base(String(body?.model ?? body?.name ?? '')); // ollama-js sends pull's model as `name`
    if (req.method === 'POST' && req.path === '/api/pull') {
      const send = ndjson(res);
      send({ status: 'pulling manifest' });
      await sleep(state.chunkDelayMs);
      if (!state.registry.has(model)) {
        send({ error: 'pull model manifest: file does not exist' });
        res.end();
        return;
      }
      const total = 1000;
      for (let done = 0; done <= total; done += 250) {
        send({ status: 'pulling 970aa74c0a90', digest: 'sha256:970aa74c0a90', total, completed: done });
        await sleep(state.chunkDelayMs);
      }
      send({ status: 'verifying sha256 digest' });
      send({ status: 'writing manifest' });
      state.models.add(model);
      send({ status: 'success' });
      res.end();
      return;
    }
    if (!state.models.has(model)) {
      json(res, 404, { error: `model "${model}" not found, try pulling it first` });
      return;
    }
    if (req.method === 'POST' && req.path === '/api/embed') {
      const input = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
      const dim = typeof body.dimensions === 'number' ? body.dimensions : state.dim;
      const out = fault?.wrongCount ? input.slice(1) : input;
      json(res, 200, {
        model: body.model, embeddings: out.map((t) => Array.from(vectorFor(t, dim))),
        total_duration: 14143917, load_duration: 1019500, prompt_eval_count: input.length * 4,
      });
      return;
    }
    if (req.method === 'POST' && (req.path === '/api/chat' || req.path === '/api/generate')) {
      const chat = req.path === '/api/chat';
      const prompt = chat ? (body.messages as { content: string }[]).at(-1)!.content : String(body.prompt);
      const words = `echo: ${prompt}`.split(/(?<= )/);
      const limit = (body.options as { num_predict?: number } | undefined)?.num_predict;
      const out = limit !== undefined ? words.slice(0, limit) : words;
      const reason = limit !== undefined && limit < words.length ? 'length' : 'stop';
      const piece = (text: string, done: boolean) => ({
        model: body.model, created_at: new Date().toISOString(),
        ...(chat ? { message: { role: 'assistant', content: text } } : { response: text }),
        done,
        ...(done ? { done_reason: reason, total_duration: 4883583458, load_duration: 1334875, prompt_eval_count: 26, prompt_eval_duration: 342546000, eval_count: out.length, eval_duration: 4232710000 } : {}),
      });
      if (body.stream === false) {
        json(res, 200, piece(out.join(''), true));
        return;
      }
      const send = ndjson(res);
      for (let i = 0; i < out.length; i++) {
        if (fault?.resetAfterChunks !== undefined && i === fault.resetAfterChunks) {
          res.socket?.destroy();
          return;
        }
        send(piece(out[i], false));
        if (i === 0 && state.holdStream) await state.holdStream;
        await sleep(state.chunkDelayMs);
      }
      send(piece('', true));
      res.end();
      return;
    }
    json(res, 404, { error: '404 page not found' });
  });
  return Object.assign(state, server, {
    dim: options.dim ?? 8, models: new Set(['nomic-embed-text', 'llama3.2']), registry: new Set(['all-minilm']), chunkDelayMs: 2,
  });
}
