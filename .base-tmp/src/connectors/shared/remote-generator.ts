/**
 * {@link RemoteGenerator}: the {@link Generator} every connector returns, over the shared resilience machinery.
 *
 * @module
 */
import type { ChatDelta, ChatMessage, ChatOptions, ChatResult, Generator } from '../../core/contracts.js';
import { ValidationError } from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import { estimateTokens } from '../../resilience/batching.js';
import type { AttemptContext, ResilientCaller } from '../../resilience/caller.js';
import { resilientStream } from '../../resilience/stream.js';

/** Options for {@link RemoteGenerator} (what a connector supplies). */
export interface RemoteGeneratorOptions<E> {
  /** Provider name. */
  provider: string;
  /** Model id. */
  model: string;
  /** The connector's resilience policy and endpoints. */
  caller: ResilientCaller<E>;
  /** One non-streamed request to the attempt's endpoint; must pass `ctx.signal` on and throw typed errors. */
  chat: (ctx: AttemptContext<E>, messages: readonly ChatMessage[], options: ChatOptions) => Promise<ChatResult>;
  /**
   * Opens one streamed request; the iterator yields deltas as they arrive and throws typed errors. `ctx.signal`
   * stays live for the whole stream.
   */
  stream: (
    ctx: AttemptContext<E>, messages: readonly ChatMessage[], options: ChatOptions,
  ) => AsyncIterator<ChatDelta> | Promise<AsyncIterator<ChatDelta>>;
}

/** Per-call options of a remote generator: the contract's plus the attempt count. */
export interface RemoteChatOptions extends ChatOptions {
  /** Total attempts for this call (a stream is retried only before its first delta). */
  maxAttempts?: number;
}

const ROLES = new Set(['system', 'user', 'assistant']);

/**
 * Checks a conversation before it is sent.
 *
 * @internal
 */
export function validateMessages(messages: readonly ChatMessage[]): void {
  if (!Array.isArray(messages) || messages.length === 0) throw new ValidationError('messages must be a non-empty array');
  messages.forEach((m, i) => {
    if (!m || !ROLES.has(m.role)) throw new ValidationError(`messages[${i}].role must be system, user or assistant`);
    if (typeof m.content !== 'string') throw new ValidationError(`messages[${i}].content must be a string`);
  });
}

/**
 * A {@link Generator} backed by a remote provider: requests are retried and failed over by the connector's
 * {@link ResilientCaller}; streams are retried only until their first delta, time out when the provider goes
 * silent for longer than `timeout`, and cancel the request when the signal fires or the loop is left.
 *
 * @example
 * ```ts
 * const generator = connector.generator('gpt-4o-mini');
 * const { text } = await generator.chat([{ role: 'user', content: 'Say hi' }], { maxTokens: 20 });
 * ```
 */
export class RemoteGenerator<E = unknown> implements Generator {
  /** Provider name. */
  readonly provider: string;
  /** Model id. */
  readonly model: string;
  readonly #options: RemoteGeneratorOptions<E>;

  /** @param options - provider, model, caller and the two request functions */
  constructor(options: RemoteGeneratorOptions<E>) {
    this.provider = options.provider;
    this.model = options.model;
    this.#options = options;
  }

  /**
   * {@inheritDoc Generator.chat}
   * @throws {@link ValidationError} for an empty conversation or a bad role
   * @throws {@link AbortError}, {@link TimeoutError}, or the provider's typed error once retries are exhausted
   */
  async chat(messages: readonly ChatMessage[], options: RemoteChatOptions = {}): Promise<ChatResult> {
    validateMessages(messages);
    throwIfAborted(options.signal);
    return this.#options.caller.call((ctx) => this.#options.chat(ctx, messages, options), this.#callOptions(messages, options));
  }

  /**
   * {@inheritDoc Generator.chatStream}
   * @throws {@link ValidationError} for an empty conversation or a bad role
   * @throws {@link TimeoutError} when no delta arrives within `timeout`
   * @throws {@link AbortError} when the signal fires
   * @throws {@link ConnectionError} when the connection drops mid-stream (not retried: output was already given)
   */
  async *chatStream(messages: readonly ChatMessage[], options: RemoteChatOptions = {}): AsyncGenerator<ChatDelta, void, undefined> {
    validateMessages(messages);
    throwIfAborted(options.signal);
    yield* resilientStream(this.#options.caller, (ctx) => this.#options.stream(ctx, messages, options),
      this.#callOptions(messages, options));
  }

  /**
   * A short description (no credentials).
   *
   * @returns e.g. `RemoteGenerator(openai:gpt-4o-mini)`
   */
  toString(): string {
    return `RemoteGenerator(${this.provider}:${this.model})`;
  }

  #callOptions(messages: readonly ChatMessage[], options: RemoteChatOptions) {
    const tokens = messages.reduce((s, m) => s + estimateTokens(m.content), 0) + (options.maxTokens ?? 0);
    return { signal: options.signal, timeout: options.timeout, maxAttempts: options.maxAttempts, tokens, key: messages[messages.length - 1].content };
  }
}
