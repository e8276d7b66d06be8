/**
 * The contracts every abi-sdk component implements: documents, embedders and generators (the reranker contract
 * lives with retrieval, in `retrieval/reranker.ts`). Connectors (OpenAI, Ollama, Hugging Face, the local scheduler)
 * and the local engine all speak these.
 *
 * @module
 */

/** A JSON value that can be stored as metadata. */
export type MetadataValue = string | number | boolean | null | MetadataValue[] | { [key: string]: MetadataValue };

/** Metadata attached to a document or a stored vector: a JSON object. Round-trips unchanged through every store. */
export type Metadata = { [key: string]: MetadataValue };

/** A piece of text with a stable id and metadata. */
export interface Document {
  /** Unique, non-empty id. */
  id: string;
  /** The text. */
  text: string;
  /** JSON metadata; filters match against it. */
  metadata: Metadata;
}

/** Options every call that waits accepts. */
export interface CallOptions {
  /** Aborts the call; the promise rejects with an `AbortError` (code `ABORTED`). */
  signal?: AbortSignal;
  /**
   * Milliseconds one attempt may take before it fails with a `TimeoutError` (code `TIMEOUT`). Components that retry
   * (the remote connectors) give every attempt its own timeout and may retry a timed-out attempt; a streamed answer
   * applies it to the first delta and to every gap between deltas. Bound a whole call with
   * `signal: AbortSignal.timeout(ms)`.
   */
  timeout?: number;
}

/** Options for {@link Embedder.embed}. */
export interface EmbedOptions extends CallOptions {
  /**
   * What the texts are, for models that embed queries and documents differently (e5's `query: ` prefix,
   * nomic's `search_query: `). Defaults to `'document'`.
   */
  inputType?: 'query' | 'document';
}

/**
 * Turns texts into vectors. One contract for the local engine, the local scheduler and every remote provider.
 *
 * @example
 * ```ts
 * const embedder: Embedder = new HashingEmbedder({ dimension: 256 });
 * const [a, b] = await embedder.embed(['red apple', 'green apple']);
 * ```
 */
export interface Embedder {
  /** The vector length, or `undefined` until the first call for providers that do not declare it. */
  readonly dimension: number | undefined;
  /** Model identifier, e.g. `text-embedding-3-small` or a local folder's name. */
  readonly model: string;
  /**
   * Embeds texts, preserving order: result `i` belongs to `texts[i]`.
   *
   * @param texts - the texts; an empty array gives an empty result
   * @param options - signal, timeout and input type
   * @returns one vector per text
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /**
   * Embeds one search query (applies the model's query prompt, if any).
   *
   * @param text - the query
   * @param options - signal and timeout
   * @returns the query vector
   */
  embedQuery(text: string, options?: CallOptions): Promise<Float32Array>;
  /**
   * Embeds documents for indexing (applies the model's document prompt, if any).
   *
   * @param texts - the documents
   * @param options - signal and timeout
   * @returns one vector per document
   */
  embedDocuments(texts: readonly string[], options?: CallOptions): Promise<Float32Array[]>;
}

/** A chat message. */
export interface ChatMessage {
  /** Who speaks. */
  role: 'system' | 'user' | 'assistant';
  /** The text. */
  content: string;
}

/** Options for {@link Generator.chat} and {@link Generator.chatStream}. */
export interface ChatOptions extends CallOptions {
  /** Maximum tokens to generate. */
  maxTokens?: number;
  /** Sampling temperature. */
  temperature?: number;
  /** Nucleus sampling. */
  topP?: number;
  /** Stop sequences. */
  stop?: string[];
}

/** Token accounting for a generation. */
export interface TokenUsage {
  /** Tokens in the prompt. */
  promptTokens: number;
  /** Tokens generated. */
  completionTokens: number;
  /** Sum of both. */
  totalTokens: number;
}

/** Why generation stopped. */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

/** The result of {@link Generator.chat}. */
export interface ChatResult {
  /** The generated text. */
  text: string;
  /** Why generation stopped. */
  finishReason: FinishReason;
  /** Token usage, when the provider reports it. */
  usage: TokenUsage | undefined;
  /** The model that answered. */
  model: string;
}

/** One increment of a streamed generation. */
export interface ChatDelta {
  /** New text since the previous delta (may be empty on the final delta). */
  text: string;
  /** Set on the final delta. */
  finishReason?: FinishReason;
  /** Set on the final delta when the provider reports usage. */
  usage?: TokenUsage;
}

/**
 * Generates text from chat messages, whole or streamed.
 *
 * @example
 * ```ts
 * for await (const delta of generator.chatStream([{ role: 'user', content: 'Hi' }])) process.stdout.write(delta.text);
 * ```
 */
export interface Generator {
  /** Model identifier. */
  readonly model: string;
  /**
   * Generates a whole answer.
   *
   * @param messages - the conversation
   * @param options - sampling, signal, timeout
   * @returns text, finish reason and usage
   */
  chat(messages: readonly ChatMessage[], options?: ChatOptions): Promise<ChatResult>;
  /**
   * Streams the answer; the first delta arrives before the response ends. Breaking out of the loop or
   * aborting the signal cancels the request.
   *
   * @param messages - the conversation
   * @param options - sampling, signal, timeout
   * @returns the deltas
   */
  chatStream(messages: readonly ChatMessage[], options?: ChatOptions): AsyncIterable<ChatDelta>;
}

/** Texts prepended to inputs by kind, for models trained with instructions (`search_query: `, `query: `). */
export interface EmbeddingPrompts {
  /** Prepended to queries (`embedQuery`, `inputType: 'query'`). */
  query?: string;
  /** Prepended to documents (`embedDocuments`, `embed` by default). */
  document?: string;
}

/** What determines an embedder's output; the embedding cache keys on it (see `CachedEmbedder`). */
export interface EmbedderFingerprint {
  /** Provider name, e.g. `openai`. */
  provider: string;
  /** Model id. */
  model: string;
  /** Requested output dimensions, when the provider truncates on request. */
  dimensions: number | undefined;
  /** The prompt prepended for this input type (`''` for none). */
  prompt: string;
}

/**
 * Options of a graceful close: how long work in flight may take to finish, and a signal that stops the wait early.
 * When either ends the wait, what is left is cut (failed with `CLOSED`, connections closed) and the close completes.
 */
export interface DrainOptions {
  /** How long work in flight may take to finish, in milliseconds (the default depends on the closer). */
  deadlineMs?: number;
  /** Ends the wait early, as if the deadline had passed. */
  signal?: AbortSignal;
}
