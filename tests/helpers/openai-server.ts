/**
 * An OpenAI wire-protocol double: POST /v1/embeddings (float and base64, `dimensions`), POST /v1/chat/completions
 * (JSON, and SSE with `stream: true` + `stream_options.include_usage`), GET /v1/models; bearer-key check.
 */
import type { ServerResponse } from 'node:http';
import { type FakeServer, json, sleep, startFakeServer, toBase64, vectorFor } from './fake-server.js';

export interface FakeOpenAI extends FakeServer {
  /** Dimension of returned vectors when the request does not ask for one. */
  dim: number;
  /** When set, a streamed response waits on it after the first content chunk. */
  holdStream?: Promise<void>;
  /** Delay between streamed chunks. */
  chunkDelayMs: number;
  /** Words streamed back (default: echo of the last user message). */
  streamWords?: string[];
}

const apiError = (res: ServerResponse, status: number, message: string, type: string, code: string | null = null) =>
  json(res, status, { error: { message, type, param: null, code } });

export async function startFakeOpenAI(options: { apiKey?: string; dim?: number } = {}): Promise<FakeOpenAI> {
  // The route reads the live settings from the returned object, so tests can change them between requests.
  const state = {} as FakeOpenAI;
  const server = await startFakeServer(async (req, res, fault) => {
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      apiError(res, 401, 'Incorrect API key provided: sk-...xxxx.', 'invalid_request_error', 'invalid_api_key');
      return;
    }
    if (req.method === 'GET' && req.path === '/v1/models') {
      json(res, 200, { object: 'list', data: [{ id: 'text-embedding-3-small', object: 'model', created: 0, owned_by: 'openai' }] });
      return;
    }
    const body = req.body as Record<string, unknown>;
    if (req.method === 'POST' && req.path === '/v1/embeddings') {
      const input = body.input;
      if (!Array.isArray(input) || input.some((x) => typeof x !== 'string')) {
        apiError(res, 400, "'$.input' is invalid.", 'invalid_request_error');
        return;
      }
      if (body.model === 'missing-model') {
        apiError(res, 404, 'The model `missing-model` does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found');
        return;
      }
      const dim = typeof body.dimensions === 'number' ? body.dimensions : state.dim;
      const texts = fault?.wrongCount ? input.slice(1) : input;
      // Real servers do not promise order; send the data reversed so `index` must be honoured.
      const data = texts.map((t: string, index: number) => {
        const v = vectorFor(t, dim);
        return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? toBase64(v) : Array.from(v) };
      }).reverse();
      json(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: input.length, total_tokens: input.length } });
      return;
    }
    if (req.method === 'POST' && req.path === '/v1/chat/completions') {
      const messages = body.messages as { role: string; content: string }[];
      const last = messages[messages.length - 1]?.content ?? '';
      const words = state.streamWords ?? `echo: ${last}`.split(/(?<= )/);
      const maxTokens = (body.max_tokens ?? body.max_completion_tokens) as number | undefined;
      const out = maxTokens !== undefined ? words.slice(0, maxTokens) : words;
      const finish = maxTokens !== undefined && maxTokens < words.length ? 'length' : 'stop';
      const usage = { prompt_tokens: messages.length * 5, completion_tokens: out.length, total_tokens: messages.length * 5 + out.length };
      if (!body.stream) {
        json(res, 200, {
          id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: out.join('') }, finish_reason: finish }], usage,
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      const chunk = (delta: object, finish_reason: string | null = null) => ({
        id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: body.model,
        choices: [{ index: 0, delta, finish_reason }],
      });
      send(chunk({ role: 'assistant', content: '' }));
      for (let i = 0; i < out.length; i++) {
        if (fault?.resetAfterChunks !== undefined && i === fault.resetAfterChunks) {
          res.socket?.destroy();
          return;
        }
        send(chunk({ content: out[i] }));
        if (i === 0 && state.holdStream) await state.holdStream;
        await sleep(state.chunkDelayMs);
      }
      send(chunk({}, finish));
      if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
        send({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [], usage });
      }
      res.write('data: [DONE]\n\n');
      res.end();
      return;
    }
    apiError(res, 404, `Unknown route ${req.method} ${req.path}`, 'invalid_request_error');
  });
  return Object.assign(state, server, { dim: options.dim ?? 8, chunkDelayMs: 2 });
}
