/**
 * A Hugging Face wire-protocol double. As a dedicated endpoint (TEI/TGI): POST / and /embed (feature extraction,
 * `number[][]`), POST /rerank (`[{ index, score }]` best first; 422 past 32 texts like TEI), POST
 * /v1/chat/completions (JSON or SSE), GET /health. As the serverless router + Hub: POST
 * /hf-inference/models/:id/pipeline/feature-extraction, /hf-inference/models/:id/v1/chat/completions, and GET
 * /api/models/:id (inference provider mapping).
 */
import type { ServerResponse } from 'node:http';
import { type FakeServer, json, type RecordedRequest, sleep, startFakeServer, vectorFor } from './fake-server.js';

export interface FakeHf extends FakeServer {
  dim: number;
  holdStream?: Promise<void>;
  maxClientBatch: number;
  /** Longest (query + text) pair in whitespace-separated words, like TEI's `--max-input-length` in tokens. */
  maxInputTokens: number;
}

/** The fake cross-encoder: fraction of the query's words found in the text, plus a tiny length tie-breaker. */
export function fakeRelevance(query: string, text: string): number {
  const q = query.toLowerCase().split(/\W+/).filter(Boolean);
  const t = new Set(text.toLowerCase().split(/\W+/));
  return q.filter((w) => t.has(w)).length / Math.max(1, q.length) + 1e-4 / (1 + text.length);
}

export async function startFakeHf(options: { token?: string; dim?: number } = {}): Promise<FakeHf> {
  const state = {} as FakeHf;
  const chat = async (req: RecordedRequest, res: ServerResponse, resetAfterChunks: number | undefined) => {
    const body = req.body as { model?: string; messages: { content: string }[]; stream?: boolean; max_tokens?: number };
    const words = `echo: ${body.messages.at(-1)!.content}`.split(/(?<= )/);
    const out = body.max_tokens !== undefined ? words.slice(0, body.max_tokens) : words;
    const finish = body.max_tokens !== undefined && body.max_tokens < words.length ? 'length' : 'stop';
    const usage = { prompt_tokens: 7, completion_tokens: out.length, total_tokens: 7 + out.length };
    const model = body.model ?? 'tgi';
    if (!body.stream) {
      json(res, 200, { id: '', object: 'chat.completion', created: 1, model, system_fingerprint: '3.0.0-native',
        choices: [{ index: 0, message: { role: 'assistant', content: out.join('') }, logprobs: null, finish_reason: finish }], usage });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    for (let i = 0; i < out.length; i++) {
      if (resetAfterChunks !== undefined && i === resetAfterChunks) {
        res.socket?.destroy();
        return;
      }
      send({ object: 'chat.completion.chunk', id: '', created: 1, model, system_fingerprint: '3.0.0-native',
        choices: [{ index: 0, delta: { role: 'assistant', content: out[i] }, logprobs: null, finish_reason: i === out.length - 1 ? finish : null }], usage: null });
      if (i === 0 && state.holdStream) await state.holdStream;
      await sleep(2);
    }
    send({ object: 'chat.completion.chunk', id: '', created: 1, model, choices: [], usage });
    res.write('data: [DONE]\n\n');
    res.end();
  };
  const embed = (req: RecordedRequest, res: ServerResponse, wrongCount: boolean | undefined) => {
    const body = req.body as { inputs: string | string[]; prompt_name?: string };
    const inputs = typeof body.inputs === 'string' ? [body.inputs] : body.inputs;
    if (inputs.length > state.maxClientBatch) {
      json(res, 413, { error: `batch size ${inputs.length} > maximum allowed batch size ${state.maxClientBatch}`, error_type: 'Validation' });
      return;
    }
    const prefix = body.prompt_name ? `[${body.prompt_name}] ` : '';
    const out = wrongCount ? inputs.slice(1) : inputs;
    json(res, 200, out.map((t) => Array.from(vectorFor(prefix + t, state.dim))));
  };
  const server = await startFakeServer(async (req, res, fault) => {
    if (req.path.startsWith('/api/models/')) {
      const id = req.path.slice('/api/models/'.length);
      json(res, 200, { _id: 'x', id, inferenceProviderMapping: { 'hf-inference': { status: 'live', providerId: id, task: id.includes('chat') ? 'conversational' : 'feature-extraction' } } });
      return;
    }
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      json(res, 401, { error: 'Invalid credentials in Authorization header' });
      return;
    }
    if (req.method === 'GET' && req.path === '/health') {
      res.writeHead(200);
      res.end();
      return;
    }
    if (req.method !== 'POST') return json(res, 405, { error: 'method not allowed' });
    if (req.path === '/' || req.path === '/embed' || /^\/hf-inference\/models\/.+\/pipeline\/feature-extraction$/.test(req.path)) {
      embed(req, res, fault?.wrongCount);
      return;
    }
    if (req.path === '/rerank') {
      const body = req.body as { query: string; texts: string[]; truncate?: boolean };
      if (body.texts.length > state.maxClientBatch) {
        json(res, 422, { error: `batch size ${body.texts.length} > maximum allowed batch size ${state.maxClientBatch}`, error_type: 'Validation' });
        return;
      }
      // TEI checks each (query, text) pair against the model's max input length: 413 unless `truncate` is set.
      const words = (s: string) => s.split(/\s+/).filter(Boolean);
      const budget = (t: string) => state.maxInputTokens - words(body.query).length;
      const tooLong = body.texts.findIndex((t) => words(t).length > budget(t));
      if (tooLong >= 0 && !body.truncate) {
        json(res, 413, { error: `Input validation error: \`inputs\` must have less than ${state.maxInputTokens} tokens. Given: ${words(body.query).length + words(body.texts[tooLong]).length}`, error_type: 'Validation' });
        return;
      }
      const cut = body.texts.map((t) => (words(t).length > budget(t) ? words(t).slice(0, Math.max(0, budget(t))).join(' ') : t));
      const texts = fault?.wrongCount ? cut.slice(1) : cut;
      const ranked = texts.map((t, index) => ({ index, score: fakeRelevance(body.query, t) })).sort((a, b) => b.score - a.score);
      json(res, 200, ranked);
      return;
    }
    if (req.path.endsWith('/v1/completions')) {
      const body = req.body as { model?: string; prompt: string; max_tokens?: number };
      const words = `echo: ${body.prompt}`.split(/(?<= )/);
      const out = body.max_tokens !== undefined ? words.slice(0, body.max_tokens) : words;
      json(res, 200, { id: '', object: 'text_completion', created: 1, model: body.model ?? 'tgi',
        choices: [{ index: 0, text: out.join(''), logprobs: null, finish_reason: out.length < words.length ? 'length' : 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: out.length, total_tokens: 3 + out.length } });
      return;
    }
    if (req.path.endsWith('/v1/chat/completions')) {
      await chat(req, res, fault?.resetAfterChunks);
      return;
    }
    json(res, 404, { error: 'Not Found' });
  });
  return Object.assign(state, server, { dim: options.dim ?? 8, maxClientBatch: 32, maxInputTokens: 512 });
}
