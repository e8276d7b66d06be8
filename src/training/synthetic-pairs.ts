/**
 * Synthetic training pairs from a corpus: any {@link Generator} connector writes questions that each chunk answers,
 * and every (question, chunk) becomes a pair — LlamaIndex's `generate_qa_embedding_pairs` in TypeScript, with its
 * prompt. Chunks are processed in order with bounded concurrency; a chunk whose answer holds no usable question is
 * reported, not fatal, while connector errors (auth, rate limit after retries) propagate.
 *
 * @module
 */
import type { ChatOptions, Document, Generator } from '../core/contracts.js';
import { ValidationError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';
import type { TrainingPair } from './embedded-pairs.js';

/** LlamaIndex's `DEFAULT_QA_GENERATE_PROMPT_TMPL`, with `{context}` and `{count}` placeholders. */
export const DEFAULT_QUESTION_PROMPT = `Context information is below.

---------------------
{context}
---------------------

Given the context information and not prior knowledge, generate only questions based on the below query.

You are a Teacher/ Professor. Your task is to setup {count} questions for an upcoming quiz/examination. The questions should be diverse in nature across the document. Restrict the questions to the context information provided.`;

/** Options for {@link generateSyntheticPairs}. */
export interface SyntheticPairsOptions {
  /** Questions asked per chunk. @defaultValue 1 */
  questionsPerChunk?: number;
  /** Prompt template with `{context}` and `{count}`. @defaultValue {@link DEFAULT_QUESTION_PROMPT} */
  prompt?: string;
  /** Chunks in flight at once. @defaultValue 4 */
  concurrency?: number;
  /** Passed to each `chat` call (temperature 0 by default, for repeatable questions where the provider allows). */
  chat?: Omit<ChatOptions, 'signal'>;
  /** Aborts the remaining calls. */
  signal?: AbortSignal;
  /** Called after each chunk with the count done. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link generateSyntheticPairs} returns. */
export interface SyntheticPairsResult {
  /** One pair per usable question, in chunk order. */
  pairs: TrainingPair[];
  /** Indices of chunks whose answer held no usable question. */
  skipped: number[];
}

/**
 * Asks `generator` for questions about each chunk and pairs each question with its chunk.
 *
 * @param generator - any chat connector (OpenAI, Ollama, Hugging Face, the local scheduler)
 * @param chunks - passages (strings or documents; a document's `text` is used)
 * @param options - questions per chunk, prompt, concurrency, chat options, signal
 * @returns the pairs and the chunks that gave none
 * @throws {@link ValidationError} for bad options or an empty chunk
 * @throws the generator's typed errors; {@link AbortError} when the signal fires
 * @example
 * ```ts
 * const { pairs } = await generateSyntheticPairs(new OllamaConnector().generator('llama3.2'), chunks);
 * ```
 */
export async function generateSyntheticPairs(
  generator: Generator, chunks: readonly (string | Document)[], options: SyntheticPairsOptions = {},
): Promise<SyntheticPairsResult> {
  const count = options.questionsPerChunk ?? 1;
  const concurrency = options.concurrency ?? 4;
  const template = options.prompt ?? DEFAULT_QUESTION_PROMPT;
  if (!Number.isInteger(count) || count < 1) throw new ValidationError(`questionsPerChunk must be a positive integer, got ${count}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ValidationError(`concurrency must be a positive integer, got ${concurrency}`);
  if (!template.includes('{context}')) throw new ValidationError('prompt must contain {context}');
  const texts = chunks.map((c, i) => {
    const t = typeof c === 'string' ? c : c?.text;
    if (typeof t !== 'string' || t.trim() === '') throw new ValidationError(`chunk ${i} has no text`);
    return t;
  });
  const results: string[][] = new Array(texts.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < texts.length) {
      const i = next++;
      throwIfAborted(options.signal);
      const prompt = template.replaceAll('{context}', texts[i]).replaceAll('{count}', String(count));
      const answer = await generator.chat([{ role: 'user', content: prompt }], { temperature: 0, ...options.chat, signal: options.signal });
      results[i] = parseQuestions(answer.text).slice(0, count);
      options.onProgress?.(++done, texts.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, texts.length) }, worker));
  const pairs: TrainingPair[] = [];
  const skipped: number[] = [];
  results.forEach((qs, i) => {
    if (qs.length === 0) skipped.push(i);
    for (const q of qs) pairs.push({ query: q, positive: texts[i] });
  });
  return { pairs, skipped };
}

/**
 * Extracts questions from a generated answer: one per line, with list markers (`1.`, `2)`, `-`, `*`, `Q1:`,
 * `Question 1:`) and surrounding quotes removed; lines with fewer than 3 words are dropped.
 *
 * @param text - the generated answer
 * @returns the questions, in order
 * @example
 * ```ts
 * parseQuestions('1. What is X?\n2. Why Y?'); // ['What is X?', 'Why Y?']
 * ```
 */
export function parseQuestions(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
      .replace(/^(?:question\s*\d*\s*[:.)-]|q\s*\d+\s*[:.)-]|\d+\s*[.):-]|[-*•])\s*/i, '')
      .replace(/^["'“]+|["'”]+$/g, '')
      .trim();
    if (line.split(/\s+/).length >= 3) out.push(line);
  }
  return out;
}
