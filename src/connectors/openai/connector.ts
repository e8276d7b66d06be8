/**
 * The OpenAI connector: embeddings and chat completions through the official `openai` client, against OpenAI or
 * any OpenAI-compatible server (Azure OpenAI's v1 endpoint, vLLM, LM Studio, llama.cpp, abi-sdk's own server).
 *
 * @module
 */
import type { OpenAI } from 'openai';
import type { ChatMessage, ChatOptions, ChatResult, EmbeddingPrompts, FinishReason } from '../../core/contracts.js';
import { InvalidResponseError, MissingApiKeyError, ValidationError } from '../../core/errors.js';
import { readEnv } from '../../internal/env.js';
import { RemoteConnector } from '../shared/connector.js';
import { toConnectorError } from '../shared/errors.js';
import { finishReasonOf, openAIStyleDeltas, usageOf } from '../shared/openai-stream.js';
import { type RemoteConnectorOptions, type ResolvedEndpoint, resolveEndpoints } from '../shared/options.js';
import { RemoteEmbedder } from '../shared/remote-embedder.js';
import { RemoteGenerator } from '../shared/remote-generator.js';
import { Secret } from '../shared/secret.js';
import { createOpenAIClient, mapOpenAIError } from './client.js';

/** OpenAI's public API. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Options for {@link OpenAIConnector}. */
export interface OpenAIConnectorOptions extends RemoteConnectorOptions {
  /**
   * API key. Never printed or put in errors.
   * @defaultValue `ABI_OPENAI_API_KEY`, else `OPENAI_API_KEY`
   */
  apiKey?: string;
  /**
   * Base URL of an OpenAI-compatible API, up to and including `/v1`.
   * @defaultValue `ABI_OPENAI_BASE_URL`, else `OPENAI_BASE_URL`, else `https://api.openai.com/v1`
   */
  baseURL?: string;
  /**
   * Headers sent with every request (e.g. Azure's `api-key`).
   * @defaultValue none
   */
  defaultHeaders?: Record<string, string>;
  /**
   * Query parameters sent with every request (e.g. Azure's `api-version`).
   * @defaultValue none
   */
  defaultQuery?: Record<string, string>;
}

/** Options for {@link OpenAIConnector.embedder}. */
export interface OpenAIEmbedderOptions {
  /**
   * Output dimensions (`text-embedding-3-*` shorten on request).
   * @defaultValue the model's own
   */
  dimensions?: number;
  /**
   * Prompts prepended by input type.
   * @defaultValue none
   */
  prompts?: EmbeddingPrompts;
  /**
   * Wire encoding: `base64` (4 bytes per number, decoded straight into a `Float32Array`) or `float` (JSON numbers,
   * for servers without base64 support).
   * @defaultValue 'base64'
   */
  encodingFormat?: 'base64' | 'float';
  /**
   * Most inputs per request.
   * @defaultValue 2048 (OpenAI's limit)
   */
  maxInputs?: number;
  /**
   * Most estimated tokens per request.
   * @defaultValue 300000 (OpenAI's limit)
   */
  maxTokens?: number;
  /**
   * Requests in flight at once for one `embed` call.
   * @defaultValue the connector's `concurrency` (4)
   */
  concurrency?: number;
}

/** Options for {@link OpenAIConnector.generator}. */
export interface OpenAIGeneratorOptions {
  /**
   * Which request field carries `maxTokens`: OpenAI's reasoning models accept only `max_completion_tokens`; many
   * compatible servers only `max_tokens`.
   * @defaultValue `max_completion_tokens` for api.openai.com, else `max_tokens`
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

// The endpoint type appears in the public declaration (the connector's base class is generic over it), so its client
// is `unknown` there: the root types must not import the optional `openai` peer. `openaiOf` gives it back its type.
interface Endpoint extends ResolvedEndpoint {
  client(): Promise<unknown>;
}

/** The endpoint's OpenAI client (created on first use). */
async function openaiOf(endpoint: Endpoint): Promise<OpenAI> {
  return (await endpoint.client()) as OpenAI;
}

const FINISH: Record<string, FinishReason> = {
  stop: 'stop', length: 'length', content_filter: 'content_filter', tool_calls: 'tool_calls', function_call: 'tool_calls',
};

/**
 * Connects to OpenAI or an OpenAI-compatible server. Create embedders and generators from it; they share its
 * endpoints, rate limit, circuit breakers and retry policy.
 *
 * Configuration precedence: options > `ABI_OPENAI_*` > `OPENAI_*` > defaults.
 *
 * @example
 * ```ts
 * const openai = new OpenAIConnector();                       // reads ABI_OPENAI_API_KEY / OPENAI_API_KEY
 * const embedder = openai.embedder('text-embedding-3-small', { dimensions: 512 });
 * const vectors = await embedder.embed(['hello', 'world']);
 * const { text } = await openai.generator('gpt-4o-mini').chat([{ role: 'user', content: 'Hi' }]);
 * ```
 */
export class OpenAIConnector extends RemoteConnector<Endpoint, 'openai'> {
  readonly #options: OpenAIConnectorOptions;

  /**
   * @param options - credentials, base URL or endpoints, resilience settings
   * @throws {@link MissingApiKeyError} when no API key is configured
   * @throws {@link ValidationError} for a malformed endpoint URL
   */
  constructor(options: OpenAIConnectorOptions = {}) {
    const key = options.apiKey?.trim() || readEnv('ABI_OPENAI_API_KEY', 'OPENAI_API_KEY');
    const apiKey = key ? new Secret(key) : undefined;
    const baseURL = options.baseURL?.trim() || readEnv('ABI_OPENAI_BASE_URL', 'OPENAI_BASE_URL') || OPENAI_DEFAULT_BASE_URL;
    const resolved = resolveEndpoints(options, baseURL, apiKey);
    if (resolved.some((e) => !e.apiKey)) throw new MissingApiKeyError('openai', ['ABI_OPENAI_API_KEY', 'OPENAI_API_KEY']);
    const endpoints = resolved.map((e): Endpoint => {
      let client: Promise<OpenAI> | undefined;
      return {
        ...e,
        client: () => (client ??= createOpenAIClient({
          baseURL: e.url, apiKey: e.apiKey, fetch: options.fetch,
          defaultHeaders: options.defaultHeaders, defaultQuery: options.defaultQuery,
        }).catch((err: unknown) => { client = undefined; throw err; })),
      };
    });
    super('OpenAIConnector', 'openai', endpoints, options, async (ep, signal) => (await openaiOf(ep)).models.list({ signal }));
    this.#options = options;
  }

  /**
   * An embedder for `model`.
   *
   * @param model - embedding model id
   * @param options - dimensions, prompts, encoding, request limits
   * @returns an {@link Embedder}
   * @throws {@link ValidationError} for bad dimensions or limits
   * @defaultValue model: `text-embedding-3-small`
   */
  embedder(model = 'text-embedding-3-small', options: OpenAIEmbedderOptions = {}): RemoteEmbedder<unknown> {
    const format = options.encodingFormat ?? 'base64';
    if (format !== 'base64' && format !== 'float') throw new ValidationError('encodingFormat must be base64 or float');
    const embedder = new RemoteEmbedder<Endpoint>({
      provider: this.provider, model, caller: this.remote, dimensions: options.dimensions, prompts: options.prompts,
      concurrency: options.concurrency ?? this.#options.concurrency,
      limits: { maxInputs: options.maxInputs ?? 2048, maxTokens: options.maxTokens ?? 300_000 },
      embedBatch: async (ctx, texts) => {
        try {
          const client = await openaiOf(ctx.endpoint);
          const res = await client.embeddings.create({
            model, input: texts, encoding_format: format, ...(options.dimensions ? { dimensions: options.dimensions } : {}),
          }, { signal: ctx.signal, maxRetries: 0 });
          return decodeEmbeddings(res, texts.length, this.provider);
        } catch (err) {
          throw this.#map(err, ctx.signal);
        }
      },
    });
    return embedder as RemoteEmbedder<unknown>;
  }

  /**
   * A chat generator for `model`.
   *
   * @param model - chat model id
   * @param options - request-shape options
   * @returns a {@link Generator}
   * @defaultValue model: `gpt-4o-mini`
   */
  generator(model = 'gpt-4o-mini', options: OpenAIGeneratorOptions = {}): RemoteGenerator<unknown> {
    const official = this.endpoints.every((e) => /^https:\/\/api\.openai\.com(\/|$)/.test(e.url));
    const field = options.maxTokensField ?? (official ? 'max_completion_tokens' : 'max_tokens');
    const body = (messages: readonly ChatMessage[], o: ChatOptions) => ({
      model,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      ...(o.maxTokens !== undefined ? { [field]: o.maxTokens } : {}),
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
      ...(o.topP !== undefined ? { top_p: o.topP } : {}),
      ...(o.stop !== undefined ? { stop: o.stop } : {}),
    });
    const generator = new RemoteGenerator<Endpoint>({
      provider: this.provider, model, caller: this.remote,
      chat: async (ctx, messages, o) => {
        try {
          const client = await openaiOf(ctx.endpoint);
          const res = await client.chat.completions.create({ ...body(messages, o), stream: false }, { signal: ctx.signal, maxRetries: 0 });
          const choice = res?.choices?.[0];
          if (!choice || typeof choice.message?.content !== 'string' && choice.message?.content !== null) {
            throw new InvalidResponseError('openai returned a chat completion without choices', { provider: this.provider });
          }
          return {
            text: choice.message.content ?? '', finishReason: finishReasonOf(choice.finish_reason, FINISH),
            usage: usageOf(res.usage), model: res.model ?? model,
          };
        } catch (err) {
          throw this.#map(err, ctx.signal);
        }
      },
      stream: async (ctx, messages, o) => {
        let stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
        try {
          const client = await openaiOf(ctx.endpoint);
          stream = await client.chat.completions.create(
            { ...body(messages, o), stream: true, stream_options: { include_usage: true } },
            { signal: ctx.signal, maxRetries: 0 },
          );
        } catch (err) {
          throw this.#map(err, ctx.signal);
        }
        return openAIStyleDeltas(stream, FINISH, (err) => this.#map(err, ctx.signal));
      },
    });
    return generator as RemoteGenerator<unknown>;
  }

  /**
   * Lists the model ids the server offers (`GET /models`), from the first endpoint that answers.
   *
   * @param options - signal and timeout
   * @returns model ids
   * @throws {@link AbortError}, {@link TimeoutError} or the provider's typed error
   */
  async listModels(options: { signal?: AbortSignal; timeout?: number } = {}): Promise<string[]> {
    return this.remote.call(async (ctx) => {
      try {
        const page = await (await openaiOf(ctx.endpoint)).models.list({ signal: ctx.signal });
        return page.data.map((m) => m.id);
      } catch (err) {
        throw this.#map(err, ctx.signal);
      }
    }, options);
  }

  #map(err: unknown, signal: AbortSignal) {
    const ctx = this.failureContext(signal);
    return toConnectorError(err, ctx, (e) => mapOpenAIError(e, ctx));
  }
}

/**
 * Decodes an embeddings response: `data[i].index` places each vector (servers may reorder), every index exactly
 * once; base64 goes straight into a `Float32Array` (little-endian float32, as OpenAI sends it).
 */
function decodeEmbeddings(res: unknown, expected: number, provider: string): Float32Array[] {
  const bad = (why: string) => new InvalidResponseError(`${provider} embeddings response: ${why}`, { provider });
  const data = (res as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data)) throw bad('no data array');
  if (data.length !== expected) throw bad(`${data.length} embeddings for ${expected} inputs`);
  const out = new Array<Float32Array>(expected);
  data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
    const index = item?.index ?? position;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected || out[index]) {
      throw bad(`invalid or repeated index ${String(index)}`);
    }
    out[index] = decodeVector(item.embedding, bad);
  });
  return out;
}

function decodeVector(e: unknown, bad: (why: string) => Error): Float32Array {
  if (typeof e === 'string') {
    // Decode straight into the vector's memory: one allocation, no intermediate Buffer.
    const pad = e.endsWith('==') ? 2 : e.endsWith('=') ? 1 : 0;
    const bytes = (e.length / 4) * 3 - pad;
    if (e.length % 4 !== 0 || bytes <= 0 || bytes % 4 !== 0) throw bad('base64 embedding is not a whole number of float32s');
    const v = new Float32Array(bytes / 4);
    if (Buffer.from(v.buffer).write(e, 'base64') !== bytes) throw bad('embedding is not valid base64');
    return v;
  }
  if (Array.isArray(e)) {
    const v = new Float32Array(e.length);
    for (let i = 0; i < e.length; i++) {
      if (typeof e[i] !== 'number') throw bad('embedding contains a non-number');
      v[i] = e[i];
    }
    return v;
  }
  throw bad('embedding is neither base64 nor an array');
}
