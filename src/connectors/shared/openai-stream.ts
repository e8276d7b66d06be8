/**
 * OpenAI-style chat answers, as OpenAI, TGI, vLLM and the Hugging Face router send them: usage in snake_case,
 * provider finish reasons, and a stream of chunks turned into the SDK's {@link ChatDelta}s.
 *
 * @module
 * @internal
 */
import type { ChatDelta, FinishReason, TokenUsage } from '../../core/contracts.js';

/** Token counts in OpenAI's shape. @internal */
export interface OpenAIStyleUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/** The fields of a streamed chat chunk read here (OpenAI's `chat.completion.chunk`). @internal */
export interface OpenAIStyleChunk {
  choices?: { delta?: { content?: string | null } | null; finish_reason?: string | null }[] | null;
  usage?: OpenAIStyleUsage | null;
}

/**
 * The SDK's usage from OpenAI's (`total_tokens` defaults to the sum).
 *
 * @internal
 */
export function usageOf(u: OpenAIStyleUsage | null | undefined): TokenUsage | undefined {
  if (!u) return undefined;
  const promptTokens = u.prompt_tokens ?? 0;
  const completionTokens = u.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: u.total_tokens ?? promptTokens + completionTokens };
}

/**
 * A provider's finish reason through its table; unknown or missing ones are `'other'`.
 *
 * @internal
 */
export function finishReasonOf(reason: string | null | undefined, table: Readonly<Record<string, FinishReason>>): FinishReason {
  return (reason ? table[reason] : undefined) ?? 'other';
}

/**
 * Chunks → deltas: one delta per non-empty content piece, then a final empty delta with the finish reason and
 * usage (the last usage seen; OpenAI sends it in a trailing chunk with no choices). Errors from the stream go
 * through `mapError`.
 *
 * @internal
 */
export async function* openAIStyleDeltas(
  chunks: AsyncIterable<OpenAIStyleChunk>,
  finishTable: Readonly<Record<string, FinishReason>>,
  mapError: (err: unknown) => Error,
): AsyncGenerator<ChatDelta, void, undefined> {
  let finish: FinishReason | undefined;
  let usage: TokenUsage | undefined;
  try {
    for await (const chunk of chunks) {
      if (chunk.usage) usage = usageOf(chunk.usage);
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.finish_reason) finish = finishReasonOf(choice.finish_reason, finishTable);
      const text = choice.delta?.content ?? '';
      if (text) yield { text };
    }
  } catch (err) {
    throw mapError(err);
  }
  yield { text: '', finishReason: finish ?? 'other', ...(usage ? { usage } : {}) };
}
