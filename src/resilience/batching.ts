/**
 * Splitting a large input list into requests that respect a provider's limits, running them with bounded
 * concurrency, and putting the results back in the caller's order.
 *
 * @module
 */
import { InvalidResponseError, ValidationError } from '../core/errors.js';
import { throwIfAborted, toAbortError } from '../internal/abort.js';

/** A provider's per-request limits. */
export interface BatchLimits {
  /** Most inputs in one request (OpenAI: 2048; Text-Embeddings-Inference: 32 by default). */
  maxInputs: number;
  /**
   * Most estimated tokens in one request, summed over its inputs (OpenAI: 300,000). An input that alone exceeds it
   * goes in a request of its own (the provider then decides: truncate or refuse).
   * @defaultValue Infinity
   */
  maxTokens?: number;
  /**
   * Token estimate for one input.
   * @defaultValue {@link estimateTokens}
   */
  estimateTokens?: (text: string) => number;
}

/** One planned request: which inputs (indices into the caller's array, ascending) and their estimated tokens. */
export interface Batch {
  /** Indices into the caller's input array, ascending. */
  readonly indices: Int32Array;
  /** Sum of the inputs' estimated tokens (for rate limiting). */
  readonly tokens: number;
  /** The first input's text: a consistent-hashing key that lands on the batch's group owner. */
  readonly key: string | undefined;
}

/**
 * A deliberately generous token estimate without a tokenizer: one token per 3 UTF-8 bytes, plus one. Real BPE
 * vocabularies average ~4 bytes per token on English and ~1 token per 3-byte CJK character, so this over-counts
 * English (safe for limits) and is close for CJK.
 *
 * @param text - the input
 * @returns estimated tokens (≥ 1)
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3) + 1;
}

/**
 * Plans requests: consecutive inputs (or, with `groupOf`, consecutive inputs of the same group) are packed greedily
 * until adding the next would exceed `maxInputs` or `maxTokens`.
 *
 * @param texts - the caller's inputs
 * @param limits - the provider's per-request limits
 * @param groupOf - optional grouping (e.g. the consistent-hash owner of each text); a batch never mixes groups
 * @returns the batches; every index appears in exactly one, in ascending order within it
 * @throws {@link ValidationError} when `maxInputs` is not a positive integer or an input is not a string
 * @example
 * ```ts
 * const batches = planRequestBatches(texts, { maxInputs: 2048, maxTokens: 300_000 });
 * ```
 */
export function planRequestBatches(
  texts: readonly string[],
  limits: BatchLimits,
  groupOf?: (text: string, index: number) => string,
): Batch[] {
  const maxInputs = limits.maxInputs;
  if (!Number.isInteger(maxInputs) || maxInputs < 1) throw new ValidationError('maxInputs must be a positive integer');
  const maxTokens = limits.maxTokens ?? Infinity;
  const estimate = limits.estimateTokens ?? estimateTokens;
  const groups = new Map<string, number[]>();
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (typeof text !== 'string') throw new ValidationError(`Input ${i} is not a string`);
    const g = groupOf ? groupOf(text, i) : '';
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(i);
  }
  const batches: Batch[] = [];
  for (const list of groups.values()) {
    let start = 0;
    let tokens = 0;
    const flush = (end: number): void => {
      if (end > start) batches.push({ indices: Int32Array.from(list.slice(start, end)), tokens, key: texts[list[start]] });
      start = end;
      tokens = 0;
    };
    for (let j = 0; j < list.length; j++) {
      const e = estimate(texts[list[j]]);
      const t = Number.isFinite(e) && e > 0 ? e : 0;
      if (j > start && (j - start >= maxInputs || tokens + t > maxTokens)) flush(j);
      tokens += t;
    }
    flush(list.length);
  }
  return batches;
}

/** Options for {@link runBatches}. */
export interface RunBatchesOptions {
  /**
   * Requests in flight at once.
   * @defaultValue 4
   */
  concurrency?: number;
  /** Aborts every request in flight and starts no new one. */
  signal?: AbortSignal;
  /**
   * Provider name for the error raised when a batch returns the wrong number of results.
   * @defaultValue 'unknown'
   */
  provider?: string;
}

/**
 * Runs the batches with at most `concurrency` in flight and assembles one result per input, in the caller's order.
 * The first failure aborts the batches in flight (through the signal `run` receives), starts no new batch, and is
 * what the promise rejects with; so does the caller's abort (as an `AbortError`).
 *
 * @param total - number of inputs (results array length)
 * @param batches - from {@link planRequestBatches}
 * @param run - runs one batch; must return one result per index, in the batch's index order
 * @param options - concurrency, signal
 * @returns `total` results; result `i` belongs to input `i`
 * @throws {@link InvalidResponseError} when a batch returns the wrong number of results
 * @throws {@link AbortError} when the signal fires
 * @throws the first batch failure
 * @example
 * ```ts
 * const vectors = await runBatches(texts.length, planRequestBatches(texts, { maxInputs: 32 }),
 *   (batch, signal) => embedRequest([...batch.indices].map((i) => texts[i]), signal), { concurrency: 4 });
 * ```
 */
export async function runBatches<R>(
  total: number,
  batches: readonly Batch[],
  run: (batch: Batch, signal: AbortSignal) => Promise<readonly R[]>,
  options: RunBatchesOptions = {},
): Promise<R[]> {
  throwIfAborted(options.signal);
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ValidationError('concurrency must be a positive integer');
  const out = new Array<R>(total);
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(options.signal!.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!stop.signal.aborted && next < batches.length) {
      const batch = batches[next++];
      try {
        const results = await run(batch, stop.signal);
        if (results.length !== batch.indices.length) {
          throw new InvalidResponseError(
            `Expected ${batch.indices.length} results for a batch, got ${results.length}`,
            { provider: options.provider ?? 'unknown' },
          );
        }
        for (let j = 0; j < results.length; j++) out[batch.indices[j]] = results[j];
      } catch (error) {
        failure ??= { error };
        stop.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (options.signal?.aborted) throw toAbortError(options.signal);
  if (failure) throw failure.error;
  return out;
}
