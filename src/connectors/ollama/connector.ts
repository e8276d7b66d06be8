/**
 * The Ollama connector: `/api/embed`, chat and generate (whole or streamed as NDJSON), listing and pulling models,
 * through the official `ollama` client.
 *
 * @module
 */
import type { ChatResponse, GenerateResponse } from 'ollama';
import type { ChatDelta, ChatOptions, ChatResult, FinishReason, TokenUsage } from '../../core/contracts.js';
import { InvalidResponseError, ValidationError } from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import { readEnv } from '../../internal/env.js';
import { estimateTokens } from '../../resilience/batching.js';
import { type AttemptContext, ResilientCaller } from '../../resilience/caller.js';
import { resilientStream } from '../../resilience/stream.js';
import { RemoteConnector } from '../shared/connector.js';
import { toConnectorError } from '../shared/errors.js';
import { type RemoteConnectorOptions, resolveEndpoints } from '../shared/options.js';
import type { EmbeddingPrompts } from '../../core/contracts.js';
import { RemoteEmbedder } from '../shared/remote-embedder.js';
import { type RemoteChatOptions, RemoteGenerator } from '../shared/remote-generator.js';
import { Secret } from '../shared/secret.js';
import { type AttemptClient, attemptClient, mapOllamaError, type OllamaEndpoint } from './client.js';

/** Ollama's default address. */
export const OLLAMA_DEFAULT_HOST = 'http://127.0.0.1:11434';

/** Options for {@link OllamaConnector}. */
export interface OllamaConnectorOptions extends RemoteConnectorOptions {
  /**
   * Server address.
   * @defaultValue `ABI_OLLAMA_HOST`, else `OLLAMA_HOST`, else `http://127.0.0.1:11434`
   */
  host?: string;
  /**
   * Bearer token for an Ollama behind an authenticating proxy or ollama.com. Never printed.
   * @defaultValue `ABI_OLLAMA_API_KEY`, else `OLLAMA_API_KEY`, else none
   */
  apiKey?: string;
  /**
   * Extra headers on every request.
   * @defaultValue none
   */
  headers?: Record<string, string>;
}

/** Options for {@link OllamaConnector.embedder}. */
export interface OllamaEmbedderOptions {
  /**
   * Output dimensions, for models that support truncation.
   * @defaultValue the model's own
   */
  dimensions?: number;
  /**
   * Prompts prepended by input type (e.g. nomic-embed-text's `search_query: ` / `search_document: `).
   * @defaultValue none
   */
  prompts?: EmbeddingPrompts;
  /**
   * Let the server truncate inputs longer than the context instead of failing.
   * @defaultValue true (Ollama's default)
   */
  truncate?: boolean;
  /**
   * How long the model stays loaded after the request (`'5m'`, seconds, `-1` forever).
   * @defaultValue the server's
   */
  keepAlive?: string | number;
  /**
   * Most inputs per request.
   * @defaultValue 256
   */
  maxInputs?: number;
  /**
   * Most estimated tokens per request.
   * @defaultValue 65536
   */
  maxTokens?: number;
  /**
   * Requests in flight at once for one `embed` call.
   * @defaultValue the connector's `concurrency` (4)
   */
  concurrency?: number;
}

/** Options for {@link OllamaConnector.generator} and the generate methods. */
export interface OllamaGeneratorOptions {
  /**
   * How long the model stays loaded after the request.
   * @defaultValue the server's
   */
  keepAlive?: string | number;
  /**
   * Further Ollama model options (`num_ctx`, `seed`, `repeat_penalty`, …, as Ollama names them); the call's
   * `maxTokens`, `temperature`, `topP` and `stop` take precedence.
   * @defaultValue none
   */
  modelOptions?: Record<string, unknown>;
}

/** A model installed on the server, from {@link OllamaConnector.listModels}. */
export interface OllamaModelInfo {
  /** Name with tag, e.g. `nomic-embed-text:latest`. */
  name: string;
  /** Size on disk in bytes. */
  size: number;
  /** Content digest. */
  digest: string;
  /** Last modification, ISO 8601. */
  modifiedAt: string;
  /** Model family, e.g. `llama`, when reported. */
  family: string | undefined;
  /** Parameter count as reported, e.g. `8.0B`. */
  parameterSize: string | undefined;
  /** Quantization, e.g. `Q4_K_M`. */
  quantization: string | undefined;
}

/** A progress event of {@link OllamaConnector.pull}. */
export interface OllamaPullProgress {
  /** The endpoint pulling. */
  endpointId: string;
  /** Ollama's status line: `pulling manifest`, `pulling <digest>`, `verifying sha256 digest`, `success`. */
  status: string;
  /** The layer being downloaded. */
  digest: string | undefined;
  /** The layer's size in bytes. */
  total: number | undefined;
  /** Bytes of the layer downloaded so far. */
  completed: number | undefined;
}

const FINISH: Record<string, FinishReason> = { stop: 'stop', length: 'length' };

function usageOf(r: { prompt_eval_count?: number; eval_count?: number }): TokenUsage | undefined {
  if (r.prompt_eval_count === undefined && r.eval_count === undefined) return undefined;
  const promptTokens = r.prompt_eval_count ?? 0;
  const completionTokens = r.eval_count ?? 0;
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

/**
 * Connects to one or more Ollama servers. Create embedders and generators from it; list and pull models.
 *
 * Configuration precedence: options > `ABI_OLLAMA_HOST` > `OLLAMA_HOST` > `http://127.0.0.1:11434`.
 *
 * @example
 * ```ts
 * const ollama = new OllamaConnector();
 * await ollama.pull('nomic-embed-text', { onProgress: (p) => console.log(p.status, p.completed, p.total) });
 * const embedder = ollama.embedder('nomic-embed-text', { prompts: { query: 'search_query: ', document: 'search_document: ' } });
 * const [v] = await embedder.embed(['hello']);
 * for await (const d of ollama.generator('llama3.2').chatStream([{ role: 'user', content: 'Hi' }])) process.stdout.write(d.text);
 * ```
 */
export class OllamaConnector extends RemoteConnector<OllamaEndpoint, 'ollama'> {
  readonly #options: OllamaConnectorOptions;

  /**
   * @param options - host or endpoints, headers, resilience settings
   * @throws {@link ValidationError} for a malformed host URL
   */
  constructor(options: OllamaConnectorOptions = {}) {
    let host = options.host?.trim() || readEnv('ABI_OLLAMA_HOST', 'OLLAMA_HOST') || OLLAMA_DEFAULT_HOST;
    if (!/^https?:\/\//i.test(host)) host = `http://${host}`; // OLLAMA_HOST is often `0.0.0.0:11434`
    const key = options.apiKey?.trim() || readEnv('ABI_OLLAMA_API_KEY', 'OLLAMA_API_KEY');
    super('OllamaConnector', 'ollama', resolveEndpoints(options, host, key ? new Secret(key) : undefined), options,
      async (ep, signal) => (await attemptClient(ep, signal, options.fetch, options.headers)).client.version());
    this.#options = options;
  }

  /**
   * An embedder for `model` (`POST /api/embed`).
   *
   * @param model - e.g. `nomic-embed-text`, `mxbai-embed-large`
   * @param options - dimensions, prompts, truncation, keep-alive, request limits
   * @returns an {@link Embedder}
   * @throws {@link ValidationError} for an empty model name or bad limits
   */
  embedder(model: string, options: OllamaEmbedderOptions = {}): RemoteEmbedder<unknown> {
    if (!model) throw new ValidationError('OllamaConnector.embedder needs a model name');
    return new RemoteEmbedder<OllamaEndpoint>({
      provider: this.provider, model, caller: this.remote, dimensions: options.dimensions, prompts: options.prompts,
      concurrency: options.concurrency ?? this.#options.concurrency,
      limits: { maxInputs: options.maxInputs ?? 256, maxTokens: options.maxTokens ?? 65_536 },
      embedBatch: (ctx, texts) => this.#attempt(ctx, async ({ client }) => {
        const res = await client.embed({
          model, input: texts,
          ...(options.truncate !== undefined ? { truncate: options.truncate } : {}),
          ...(options.keepAlive !== undefined ? { keep_alive: options.keepAlive } : {}),
          ...(options.dimensions ? { dimensions: options.dimensions } : {}),
        });
        return toVectors(res?.embeddings, texts.length);
      }),
    }) as RemoteEmbedder<unknown>;
  }

  /**
   * A chat generator for `model` (`POST /api/chat`; streamed as NDJSON).
   *
   * @param model - e.g. `llama3.2`
   * @param options - keep-alive and model options
   * @returns a {@link Generator}
   * @throws {@link ValidationError} for an empty model name
   */
  generator(model: string, options: OllamaGeneratorOptions = {}): RemoteGenerator<unknown> {
    if (!model) throw new ValidationError('OllamaConnector.generator needs a model name');
    const request = (messages: readonly { role: string; content: string }[], o: ChatOptions) => ({
      model, messages: messages.map((m) => ({ role: m.role, content: m.content })), ...this.#common(options, o),
    });
    return new RemoteGenerator<OllamaEndpoint>({
      provider: this.provider, model, caller: this.remote,
      chat: (ctx, messages, o) => this.#attempt(ctx, async ({ client }) => {
        const r = await client.chat({ ...request(messages, o), stream: false });
        if (typeof r?.message?.content !== 'string') throw this.#invalid('chat response without message.content');
        return { text: r.message.content, finishReason: FINISH[r.done_reason] ?? 'other', usage: usageOf(r), model: r.model ?? model };
      }),
      stream: (ctx, messages, o) => this.#attempt(ctx, async (ac) => {
        const it = await ac.client.chat({ ...request(messages, o), stream: true });
        return this.#deltas(it, (c: ChatResponse) => c.message?.content, ctx.signal, ac);
      }),
    }) as RemoteGenerator<unknown>;
  }

  /**
   * Completes a raw prompt (`POST /api/generate`).
   *
   * @param model - the model
   * @param prompt - the prompt
   * @param options - sampling, signal, timeout, attempts, keep-alive, model options
   * @returns text, finish reason and usage
   * @throws {@link ValidationError} for a non-string prompt
   * @throws {@link ModelNotFoundError} when the model is not installed; other typed errors as for `chat`
   */
  async generate(model: string, prompt: string, options: RemoteChatOptions & OllamaGeneratorOptions = {}): Promise<ChatResult> {
    if (typeof prompt !== 'string') throw new ValidationError('prompt must be a string');
    throwIfAborted(options.signal);
    return this.remote.call((ctx) => this.#attempt(ctx, async ({ client }) => {
      const r = await client.generate({ model, prompt, stream: false, ...this.#common(options, options) });
      if (typeof r?.response !== 'string') throw this.#invalid('generate response without response text');
      return { text: r.response, finishReason: FINISH[r.done_reason] ?? 'other', usage: usageOf(r), model: r.model ?? model };
    }), { ...callOptions(options), tokens: estimateTokens(prompt) + (options.maxTokens ?? 0) });
  }

  /**
   * Streams the completion of a raw prompt (`POST /api/generate`, NDJSON); retried only before the first delta.
   *
   * @param model - the model
   * @param prompt - the prompt
   * @param options - sampling, signal, timeout (first delta and between deltas), keep-alive, model options
   * @returns the deltas; the last carries the finish reason and usage
   * @throws {@link ValidationError} for a non-string prompt; typed errors as for `chatStream`
   */
  async *generateStream(
    model: string, prompt: string, options: RemoteChatOptions & OllamaGeneratorOptions = {},
  ): AsyncGenerator<ChatDelta, void, undefined> {
    if (typeof prompt !== 'string') throw new ValidationError('prompt must be a string');
    yield* resilientStream(this.remote, (ctx) => this.#attempt(ctx, async (ac) => {
      const it = await ac.client.generate({ model, prompt, stream: true, ...this.#common(options, options) });
      return this.#deltas(it, (c: GenerateResponse) => c.response, ctx.signal, ac);
    }), { ...callOptions(options), tokens: estimateTokens(prompt) + (options.maxTokens ?? 0) });
  }

  /**
   * Lists the models installed on the server (`GET /api/tags`), from the first endpoint that answers.
   *
   * @param options - signal and timeout
   * @returns the models
   * @throws {@link AbortError}, {@link TimeoutError}, {@link ConnectionError} or another typed error
   */
  async listModels(options: { signal?: AbortSignal; timeout?: number } = {}): Promise<OllamaModelInfo[]> {
    return this.remote.call((ctx) => this.#attempt(ctx, async ({ client }) => {
      const r = await client.list();
      if (!Array.isArray(r?.models)) throw this.#invalid('tags response without models');
      return r.models.map((m) => ({
        name: m.name, size: m.size, digest: m.digest, modifiedAt: String(m.modified_at),
        family: m.details?.family, parameterSize: m.details?.parameter_size, quantization: m.details?.quantization_level,
      }));
    }), options);
  }

  /**
   * Downloads a model on every endpoint (`POST /api/pull`, streamed progress), in parallel. The request is retried
   * until progress starts flowing; `timeout` bounds the silence between progress events.
   *
   * @param model - the model to pull, e.g. `nomic-embed-text`
   * @param options - progress callback, signal, timeout, `insecure` registries
   * @returns when every endpoint reported `success`
   * @throws {@link ModelNotFoundError} when the registry has no such model
   * @throws {@link AbortError}, {@link TimeoutError}, {@link ConnectionError} or another typed error
   */
  async pull(
    model: string,
    options: { onProgress?: (p: OllamaPullProgress) => void; signal?: AbortSignal; timeout?: number; insecure?: boolean } = {},
  ): Promise<void> {
    if (!model) throw new ValidationError('pull needs a model name');
    await Promise.all(this.endpoints.map(async (endpoint) => {
      const one = new ResilientCaller<OllamaEndpoint>({
        provider: this.provider, endpoints: [{ id: endpoint.id, value: endpoint }], retry: this.#options.retry,
        timeout: this.#options.timeout, clock: this.#options.clock, onEvent: this.#options.onEvent,
      });
      let success = false;
      const events = resilientStream(one, (ctx) => this.#attempt(ctx, async (ac) => {
        const it = await ac.client.pull({ model, stream: true, ...(options.insecure ? { insecure: true } : {}) });
        return this.#mapped(it, ctx.signal, ac);
      }), { signal: options.signal, timeout: options.timeout });
      for await (const p of events) {
        if (p.status === 'success') success = true;
        options.onProgress?.({ endpointId: endpoint.id, status: p.status, digest: p.digest || undefined, total: p.total, completed: p.completed });
      }
      if (!success) throw this.#invalid(`pull of ${model} ended without success`);
    }));
  }

  #client(endpoint: OllamaEndpoint, signal: AbortSignal): Promise<AttemptClient> {
    return attemptClient(endpoint, signal, this.#options.fetch, this.#options.headers);
  }

  /** Runs one attempt with a client bound to its signal, mapping every failure to a typed error. */
  async #attempt<T>(ctx: AttemptContext<OllamaEndpoint>, fn: (ac: AttemptClient) => Promise<T>): Promise<T> {
    const ac = await this.#client(ctx.endpoint, ctx.signal);
    try {
      return await fn(ac);
    } catch (err) {
      throw this.#map(err, ctx.signal, ac);
    }
  }

  #common(options: OllamaGeneratorOptions, o: ChatOptions) {
    const modelOptions: Record<string, unknown> = {
      ...options.modelOptions,
      ...(o.maxTokens !== undefined ? { num_predict: o.maxTokens } : {}),
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
      ...(o.topP !== undefined ? { top_p: o.topP } : {}),
      ...(o.stop !== undefined ? { stop: o.stop } : {}),
    };
    return {
      ...(options.keepAlive !== undefined ? { keep_alive: options.keepAlive } : {}),
      ...(Object.keys(modelOptions).length ? { options: modelOptions } : {}),
    };
  }

  async *#mapped<T>(it: AsyncIterable<T>, signal: AbortSignal, ac: AttemptClient): AsyncGenerator<T, void, undefined> {
    try {
      yield* it;
    } catch (err) {
      throw this.#map(err, signal, ac);
    }
  }

  async *#deltas<C extends { done?: boolean; done_reason?: string; prompt_eval_count?: number; eval_count?: number }>(
    it: AsyncIterable<C>, text: (c: C) => string | undefined, signal: AbortSignal, ac: AttemptClient,
  ): AsyncGenerator<ChatDelta, void, undefined> {
    for await (const c of this.#mapped(it, signal, ac)) {
      const t = text(c) ?? '';
      if (c.done) {
        const usage = usageOf(c);
        if (t) yield { text: t };
        yield { text: '', finishReason: FINISH[c.done_reason ?? ''] ?? 'other', ...(usage ? { usage } : {}) };
        return;
      }
      if (t) yield { text: t };
    }
  }

  #invalid(why: string): InvalidResponseError {
    return new InvalidResponseError(`ollama: ${why}`, { provider: this.provider });
  }

  #map(err: unknown, signal: AbortSignal, ac: AttemptClient) {
    const ctx = this.failureContext(signal);
    return toConnectorError(err, ctx, (e) => mapOllamaError(e, ctx, ac.last));
  }
}

function callOptions(o: RemoteChatOptions) {
  return { signal: o.signal, timeout: o.timeout, maxAttempts: o.maxAttempts };
}

function toVectors(embeddings: unknown, expected: number): Float32Array[] {
  const bad = (why: string) => new InvalidResponseError(`ollama embed response: ${why}`, { provider: 'ollama' });
  if (!Array.isArray(embeddings)) throw bad('no embeddings array');
  if (embeddings.length !== expected) throw bad(`${embeddings.length} embeddings for ${expected} inputs`);
  return embeddings.map((e: unknown) => {
    if (!Array.isArray(e)) throw bad('an embedding is not an array');
    const v = new Float32Array(e.length);
    for (let i = 0; i < e.length; i++) {
      if (typeof e[i] !== 'number') throw bad('an embedding contains a non-number');
      v[i] = e[i];
    }
    return v;
  });
}
