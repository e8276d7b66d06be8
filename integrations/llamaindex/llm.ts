import {
  BaseLLM, type ChatMessage as LlamaChatMessage, type ChatResponse, type ChatResponseChunk, extractText,
  type LLMChatParamsNonStreaming, type LLMChatParamsStreaming, type LLMMetadata,
} from 'llamaindex';
import { type CallOptions, type ChatMessage, type ChatOptions, type Generator, ValidationError } from '../../src/index.js';

/** Options of {@link AbiLLM}. */
export interface AbiLLMOptions extends Pick<CallOptions, 'signal' | 'timeout'> {
  /** Any abi-sdk generator, e.g. `new OllamaConnector().generator('llama3.2')`. */
  generator: Generator;
  /** Sampling temperature sent with every call (the provider's default when unset). */
  temperature?: number;
  /** Nucleus sampling sent with every call (the provider's default when unset). */
  topP?: number;
  /** Maximum tokens generated per call (the provider's default when unset). */
  maxTokens?: number;
  /**
   * Context window LlamaIndex assumes when it packs retrieved text into prompts.
   * @defaultValue 4096
   */
  contextWindow?: number;
}

const ROLE: Record<string, ChatMessage['role']> = { user: 'user', assistant: 'assistant', system: 'system', developer: 'system', memory: 'system' };

/**
 * A LlamaIndex.TS LLM over any abi-sdk {@link abi-sdk!Generator} (Ollama, OpenAI-compatible, local scheduler), so a query
 * engine or chat engine answers through abi-sdk's connectors with their retries, timeouts and rate limits. Text
 * only: tool calls and structured output are not supported.
 *
 * @example
 * ```ts
 * import { OllamaConnector } from 'abi-sdk';
 * import { AbiLLM } from 'abi-sdk/llamaindex';
 *
 * const llm = new AbiLLM({ generator: new OllamaConnector().generator('llama3.2'), temperature: 0 });
 * const engine = index.asQueryEngine({ responseSynthesizer: getResponseSynthesizer('compact', { llm }) });
 * ```
 */
export class AbiLLM extends BaseLLM {
  /** The wrapped abi-sdk generator. */
  readonly generator: Generator;
  readonly #options: AbiLLMOptions;

  /**
   * Wraps a generator.
   *
   * @param options - generator, sampling, context window, signal, timeout
   * @throws {@link abi-sdk!ValidationError} for a missing generator or a bad context window
   */
  constructor(options: AbiLLMOptions) {
    super();
    if (!options?.generator || typeof options.generator.chat !== 'function') throw new ValidationError('AbiLLM needs a generator');
    const window = options.contextWindow ?? 4096;
    if (!Number.isInteger(window) || window < 1) throw new ValidationError(`contextWindow must be a positive integer, got ${window}`);
    this.generator = options.generator;
    this.#options = { ...options, contextWindow: window };
  }

  /** LlamaIndex's description of the model (sampling defaults, context window). */
  get metadata(): LLMMetadata {
    const o = this.#options;
    return {
      model: this.generator.model, temperature: o.temperature ?? 0.7, topP: o.topP ?? 1,
      maxTokens: o.maxTokens, contextWindow: o.contextWindow!, tokenizer: undefined, structuredOutput: false,
    };
  }

  /**
   * Streams a reply: one chunk per generator delta.
   *
   * @param params - messages and `stream: true`
   * @returns the chunks
   */
  chat(params: LLMChatParamsStreaming): Promise<AsyncIterable<ChatResponseChunk>>;
  /**
   * Generates a whole reply.
   *
   * @param params - messages
   * @returns the assistant message; `raw` holds abi-sdk's `ChatResult`
   * @throws {@link abi-sdk!ConnectorError} (and its subclasses) from the generator
   */
  chat(params: LLMChatParamsNonStreaming): Promise<ChatResponse>;
  async chat(params: LLMChatParamsStreaming | LLMChatParamsNonStreaming): Promise<AsyncIterable<ChatResponseChunk> | ChatResponse> {
    if (!params || !Array.isArray(params.messages)) throw new ValidationError('chat needs messages');
    const messages = params.messages.map((m: LlamaChatMessage): ChatMessage => ({ role: ROLE[m.role] ?? 'user', content: extractText(m.content) }));
    const o = this.#options;
    const options: ChatOptions = {
      signal: o.signal, timeout: o.timeout, temperature: o.temperature, topP: o.topP, maxTokens: o.maxTokens,
    };
    if (params.stream) {
      const generator = this.generator;
      return (async function* stream(): AsyncIterable<ChatResponseChunk> {
        for await (const delta of generator.chatStream(messages, options)) yield { delta: delta.text, raw: delta };
      })();
    }
    const result = await this.generator.chat(messages, options);
    return { message: { role: 'assistant', content: result.text }, raw: result };
  }
}
