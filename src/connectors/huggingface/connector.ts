/**
 * The Hugging Face connector: feature extraction (embeddings) and chat completion through the official
 * `@huggingface/inference` client — against a dedicated endpoint (Inference Endpoints, Text-Embeddings-Inference,
 * Text-Generation-Inference) or the serverless router — and reranking against a TEI endpoint's `/rerank`.
 *
 * @module
 */
import type { ChatResult, EmbeddingPrompts, FinishReason } from '../../core/contracts.js';
import { InvalidResponseError, MissingApiKeyError, ValidationError } from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import { readEnv } from '../../internal/env.js';
import { estimateTokens } from '../../resilience/batching.js';
import type { AttemptContext } from '../../resilience/caller.js';
import { RemoteConnector } from '../shared/connector.js';
import { httpError, toConnectorError } from '../shared/errors.js';
import { finishReasonOf, openAIStyleDeltas, type OpenAIStyleChunk, usageOf } from '../shared/openai-stream.js';
import { type RemoteConnectorOptions, resolveEndpoints } from '../shared/options.js';
import { RemoteEmbedder } from '../shared/remote-embedder.js';
import { type RemoteChatOptions, RemoteGenerator } from '../shared/remote-generator.js';
import { RemoteReranker } from '../shared/remote-reranker.js';
import { Secret } from '../shared/secret.js';
import { attemptClient, type HfAttempt, type HfEndpoint, mapHfError } from './client.js';

const TOKEN_ENV = ['ABI_HF_API_TOKEN', 'HF_API_TOKEN', 'HUGGING_FACE_HUB_TOKEN'];

/** Options for {@link HuggingFaceConnector}. */
export interface HuggingFaceConnectorOptions extends RemoteConnectorOptions {
  /**
   * Access token (`hf_…`, or a third-party provider's key). Never printed. Required for the serverless router,
   * optional for a dedicated endpoint.
   * @defaultValue `ABI_HF_API_TOKEN`, else `HF_API_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`
   */
  apiToken?: string;
  /**
   * URL of a dedicated endpoint (an Inference Endpoint, or a TEI / TGI server). Without one, requests go to the
   * serverless router.
   * @defaultValue `ABI_HF_BASE_URL`, else none (serverless)
   */
  endpointUrl?: string;
  /**
   * Serverless inference provider (only without an endpoint).
   * @defaultValue 'hf-inference'
   */
  inferenceProvider?: string;
}

/** Server-side prompt names by input type (keys of the model's sentence-transformers `prompts`). */
export interface PromptNames {
  /** Prompt name for queries. */
  query?: string;
  /** Prompt name for documents. */
  document?: string;
}

/** Options for {@link HuggingFaceConnector.embedder}. */
export interface HuggingFaceEmbedderOptions {
  /**
   * Ask the server to L2-normalize vectors.
   * @defaultValue the server's (TEI: true)
   */
  normalize?: boolean;
  /**
   * Let the server truncate inputs longer than the model's maximum instead of failing.
   * @defaultValue the server's (TEI: false)
   */
  truncate?: boolean;
  /**
   * Server-side prompt names by input type (sentence-transformers `prompts`; TEI's `prompt_name`).
   * @defaultValue none
   */
  promptNames?: PromptNames;
  /**
   * Client-side prompts prepended by input type.
   * @defaultValue none
   */
  prompts?: EmbeddingPrompts;
  /**
   * Most inputs per request.
   * @defaultValue 32 (TEI's default `--max-client-batch-size`)
   */
  maxInputs?: number;
  /**
   * Most estimated tokens per request.
   * @defaultValue 16384 (TEI's default `--max-batch-tokens`)
   */
  maxTokens?: number;
  /**
   * Requests in flight at once for one `embed` call.
   * @defaultValue the connector's `concurrency` (4)
   */
  concurrency?: number;
}

/** Options for {@link HuggingFaceConnector.reranker}. */
export interface HuggingFaceRerankerOptions {
  /**
   * Let the server truncate pairs past the model's maximum length (TEI's `truncate`), so long passages are scored
   * on their beginning instead of failing the request with a 413. `false` makes such a pair an error.
   * @defaultValue true
   */
  truncate?: boolean;
  /**
   * Return raw logits instead of sigmoid scores.
   * @defaultValue false
   */
  rawScores?: boolean;
  /**
   * Most documents per request.
   * @defaultValue 32 (TEI's default `--max-client-batch-size`)
   */
  maxInputs?: number;
}

const FINISH: Record<string, FinishReason> = { stop: 'stop', eos_token: 'stop', stop_sequence: 'stop', length: 'length' };

/**
 * Connects to Hugging Face: dedicated endpoints (one or several, balanced) or the serverless router. Create
 * embedders, generators and rerankers from it.
 *
 * Configuration precedence: options > `ABI_HF_API_TOKEN` > `HF_API_TOKEN` > `HUGGING_FACE_HUB_TOKEN` for the
 * token; options > `ABI_HF_BASE_URL` for the endpoint.
 *
 * @example
 * ```ts
 * const hf = new HuggingFaceConnector({ endpointUrl: 'http://127.0.0.1:8080' });   // a TEI server
 * const embedder = hf.embedder('BAAI/bge-small-en-v1.5');
 * const vectors = await embedder.embed(['hello']);
 * const ranked = await hf.reranker('BAAI/bge-reranker-base').rerank('capital of France', ['Berlin', 'Paris']);
 * ```
 */
export class HuggingFaceConnector extends RemoteConnector<HfEndpoint, 'huggingface'> {
  readonly #options: HuggingFaceConnectorOptions;
  readonly #dedicated: boolean;

  /**
   * @param options - token, endpoint(s) or serverless provider, resilience settings
   * @throws {@link MissingApiKeyError} when using the serverless router without a token
   * @throws {@link ValidationError} for a malformed endpoint URL
   */
  constructor(options: HuggingFaceConnectorOptions = {}) {
    const token = options.apiToken?.trim() || readEnv(...TOKEN_ENV);
    const apiKey = token ? new Secret(token) : undefined;
    const url = options.endpointUrl?.trim() || readEnv('ABI_HF_BASE_URL');
    const dedicated = resolveEndpoints(options, url, apiKey);
    const isDedicated = dedicated.length > 0;
    if (!isDedicated && !apiKey) throw new MissingApiKeyError('huggingface', TOKEN_ENV);
    const endpoints: HfEndpoint[] = isDedicated
      ? dedicated
      : [{ id: `huggingface-router/${options.inferenceProvider ?? 'hf-inference'}`, url: undefined, apiKey, weight: 1 }];
    super('HuggingFaceConnector', 'huggingface', endpoints, options,
      isDedicated ? (ep, signal) => probeHealth(ep, signal, options.fetch) : undefined);
    this.#options = options;
    this.#dedicated = isDedicated;
  }

  /**
   * An embedder (feature extraction). With a dedicated endpoint the model is informational (the cache keys on it);
   * serverless, it picks the model.
   *
   * @param model - model id, e.g. `BAAI/bge-small-en-v1.5`
   * @param options - normalization, truncation, prompts, request limits
   * @returns an {@link Embedder}
   * @throws {@link ValidationError} when no model is given for the serverless router
   * @defaultValue model: the endpoint's id when dedicated
   */
  embedder(model?: string, options: HuggingFaceEmbedderOptions = {}): RemoteEmbedder<unknown> {
    const id = this.#model(model);
    return new RemoteEmbedder<HfEndpoint>({
      provider: this.provider, model: id, caller: this.remote, prompts: options.prompts,
      serverPrompt: (t) => (t === 'query' ? options.promptNames?.query : options.promptNames?.document),
      concurrency: options.concurrency ?? this.#options.concurrency,
      limits: { maxInputs: options.maxInputs ?? 32, maxTokens: options.maxTokens ?? 16_384 },
      embedBatch: (ctx, texts, inputType) => this.#attempt(ctx, async (a) => {
        const promptName = inputType === 'query' ? options.promptNames?.query : options.promptNames?.document;
        const out = await a.client.featureExtraction({
          ...this.#target(model), inputs: texts,
          ...(options.normalize !== undefined ? { normalize: options.normalize } : {}),
          ...(options.truncate !== undefined ? { truncate: options.truncate } : {}),
          ...(promptName ? { prompt_name: promptName } : {}),
        }, a.callOptions);
        return toVectors(out, texts.length);
      }),
    }) as RemoteEmbedder<unknown>;
  }

  /**
   * A chat generator (chat completion; streamed over SSE). Works with TGI, vLLM-backed endpoints and the router.
   *
   * @param model - model id
   * @returns a {@link Generator}
   * @throws {@link ValidationError} when no model is given for the serverless router
   */
  generator(model?: string): RemoteGenerator<unknown> {
    const id = this.#model(model);
    const args = (messages: readonly { role: string; content: string }[], o: { maxTokens?: number; temperature?: number; topP?: number; stop?: string[] }) => ({
      ...this.#target(model), ...(model ? { model } : {}),
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      ...(o.maxTokens !== undefined ? { max_tokens: o.maxTokens } : {}),
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
      ...(o.topP !== undefined ? { top_p: o.topP } : {}),
      ...(o.stop !== undefined ? { stop: o.stop } : {}),
    });
    return new RemoteGenerator<HfEndpoint>({
      provider: this.provider, model: id, caller: this.remote,
      chat: (ctx, messages, o) => this.#attempt(ctx, async (a) => {
        const r = await a.client.chatCompletion(args(messages, o), a.callOptions);
        const choice = r?.choices?.[0];
        if (!choice || typeof choice.message?.content !== 'string') throw this.#invalid('chat completion without message content');
        return { text: choice.message.content, finishReason: finishReasonOf(choice.finish_reason, FINISH), usage: usageOf(r.usage), model: r.model ?? id };
      }),
      stream: (ctx, messages, o) => this.#attempt(ctx, async (a) => {
        const it = a.client.chatCompletionStream(args(messages, o), a.callOptions);
        return openAIStyleDeltas(it as AsyncIterable<OpenAIStyleChunk>, FINISH, (err) => this.#map(err, ctx.signal, a));
      }),
    }) as RemoteGenerator<unknown>;
  }

  /**
   * Completes a raw prompt (text generation: `/v1/completions` on TGI and the router). The client returns only the
   * text, so `finishReason` is `'other'` and `usage` is undefined; use {@link HuggingFaceConnector.generator} when
   * you need them.
   *
   * @param prompt - the prompt
   * @param options - `model` (required for the router), sampling, signal, timeout, attempts
   * @returns the completion
   * @throws {@link ValidationError} for a non-string prompt or a missing model on the router
   * @throws {@link AbortError}, {@link TimeoutError} or the provider's typed error once retries are exhausted
   */
  async generate(prompt: string, options: RemoteChatOptions & { model?: string } = {}): Promise<ChatResult> {
    if (typeof prompt !== 'string') throw new ValidationError('prompt must be a string');
    const id = this.#model(options.model);
    throwIfAborted(options.signal);
    const parameters = {
      ...(options.maxTokens !== undefined ? { max_new_tokens: options.maxTokens } : {}),
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      ...(options.topP !== undefined ? { top_p: options.topP } : {}),
      ...(options.stop !== undefined ? { stop: options.stop } : {}),
    };
    return this.remote.call((ctx) => this.#attempt(ctx, async (a) => {
      const r = await a.client.textGeneration({
        ...this.#target(options.model), inputs: prompt, ...(Object.keys(parameters).length ? { parameters } : {}),
      }, a.callOptions);
      if (typeof r?.generated_text !== 'string') throw this.#invalid('text generation without generated_text');
      return { text: r.generated_text, finishReason: 'other' as const, usage: undefined, model: id };
    }), { signal: options.signal, timeout: options.timeout, maxAttempts: options.maxAttempts, tokens: estimateTokens(prompt) + (options.maxTokens ?? 0) });
  }

  /**
   * A reranker over a Text-Embeddings-Inference endpoint's `POST /rerank`. `@huggingface/inference` has no rerank
   * task, so this one request goes out with `fetch` directly (same signal, retries, balancing and error mapping).
   *
   * @param model - the cross-encoder's id (informational; the endpoint serves one model)
   * @param options - truncation, raw scores, documents per request
   * @returns a {@link Reranker}
   * @throws {@link ValidationError} without a dedicated endpoint
   */
  reranker(model?: string, options: HuggingFaceRerankerOptions = {}): RemoteReranker<unknown> {
    if (!this.#dedicated) throw new ValidationError('HuggingFaceConnector.reranker needs a dedicated endpoint URL (a TEI server)');
    return new RemoteReranker<HfEndpoint>({
      provider: this.provider, model: this.#model(model), caller: this.remote,
      concurrency: this.#options.concurrency,
      limits: { maxInputs: options.maxInputs ?? 32 },
      scoreBatch: (ctx, query, documents) => this.#attempt(ctx, async (a) => {
        const res = await a.fetch(`${ctx.endpoint.url}/rerank`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...authHeaders(ctx.endpoint) },
          body: JSON.stringify({ query, texts: documents, raw_scores: options.rawScores ?? false, return_text: false, truncate: options.truncate ?? true }),
        });
        const text = await res.text();
        const body: unknown = text ? JSON.parse(text) : undefined;
        if (!res.ok) throw httpError(res.status, this.failureContext(ctx.signal), { body, headers: res.headers, detectLoading: true });
        return alignScores(body, documents.length);
      }),
    }) as RemoteReranker<unknown>;
  }

  #model(model: string | undefined): string {
    if (model) return model;
    if (!this.#dedicated) throw new ValidationError('The serverless router needs a model id');
    return this.endpoints[0].id;
  }

  /** Dedicated endpoints take no model/provider routing; serverless needs both. */
  #target(model: string | undefined) {
    return this.#dedicated ? {} : { model: model!, provider: (this.#options.inferenceProvider ?? 'hf-inference') as 'hf-inference' };
  }

  async #attempt<T>(ctx: AttemptContext<HfEndpoint>, fn: (a: HfAttempt) => Promise<T>): Promise<T> {
    const a = await attemptClient(ctx.endpoint, ctx.signal, this.#options.fetch);
    try {
      return await fn(a);
    } catch (err) {
      throw this.#map(err, ctx.signal, a);
    }
  }

  #invalid(why: string): InvalidResponseError {
    return new InvalidResponseError(`huggingface: ${why}`, { provider: this.provider });
  }

  #map(err: unknown, signal: AbortSignal, a: HfAttempt) {
    const ctx = this.failureContext(signal);
    return toConnectorError(err, ctx, (e) => mapHfError(e, ctx, a.last, this.#dedicated));
  }
}

/** The bearer header for an endpoint's token, when it has one. */
function authHeaders(endpoint: HfEndpoint): Record<string, string> {
  return endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey.reveal()}` } : {};
}

/** A dedicated endpoint's health check (TEI's `GET /health`: 200 once the model is loaded). */
async function probeHealth(endpoint: HfEndpoint, signal: AbortSignal, fetchFn: typeof fetch | undefined): Promise<void> {
  const res = await (fetchFn ?? fetch)(`${endpoint.url}/health`, { headers: authHeaders(endpoint), signal });
  await res.body?.cancel();
  if (!res.ok) throw httpError(res.status, { provider: 'huggingface', signal, secrets: [endpoint.apiKey] });
}

/** Feature-extraction output for a list of texts: one pooled vector each (`number[][]`). */
function toVectors(out: unknown, expected: number): Float32Array[] {
  const bad = (why: string) => new InvalidResponseError(`huggingface feature-extraction response: ${why}`, { provider: 'huggingface' });
  if (!Array.isArray(out)) throw bad('not an array');
  if (out.length !== expected) throw bad(`${out.length} embeddings for ${expected} inputs`);
  return out.map((row: unknown) => {
    if (!Array.isArray(row)) throw bad('an embedding is not an array');
    if (Array.isArray(row[0])) throw bad('token-level embeddings (no pooling): use a sentence-embedding model or a pooling endpoint');
    const v = new Float32Array(row.length);
    for (let i = 0; i < row.length; i++) {
      if (typeof row[i] !== 'number') throw bad('an embedding contains a non-number');
      v[i] = row[i] as number;
    }
    return v;
  });
}

/** TEI `/rerank` answers `[{ index, score }]` best first; turn it into one score per document, in order. */
function alignScores(body: unknown, n: number): Float64Array {
  const bad = (why: string) => new InvalidResponseError(`huggingface rerank response: ${why}`, { provider: 'huggingface' });
  if (!Array.isArray(body)) throw bad('not an array');
  if (body.length !== n) throw bad(`${body.length} scores for ${n} documents`);
  const scores = new Float64Array(n).fill(NaN);
  for (const r of body as { index?: unknown; score?: unknown }[]) {
    if (typeof r?.index !== 'number' || !Number.isInteger(r.index) || r.index < 0 || r.index >= n || !Number.isNaN(scores[r.index])) {
      throw bad(`invalid or repeated index ${String(r?.index)}`);
    }
    if (typeof r.score !== 'number' || !Number.isFinite(r.score)) throw bad('a score is not a number');
    scores[r.index] = r.score;
  }
  return scores;
}
