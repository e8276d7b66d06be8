/**
 * The call path the remote embedder and the remote reranker share: plan requests within the provider's limits, run
 * them at bounded concurrency through the connector's {@link ResilientCaller} (rate limit, retries, failover, a
 * timeout per attempt), and return one answer per input in the inputs' order. The first failed request aborts the
 * others and is what the call rejects with.
 *
 * @internal
 * @module
 */
import { type BatchLimits, planRequestBatches, runBatches } from '../../resilience/batching.js';
import type { AttemptContext, ResilientCaller } from '../../resilience/caller.js';

/** What a remote model call sends and how. @internal */
export interface BatchedRequest<E, T> {
  /** Provider name, on errors. */
  provider: string;
  /** The connector's resilience policy and endpoints. */
  caller: ResilientCaller<E>;
  /** The provider's per-request limits. */
  limits: BatchLimits;
  /** Requests in flight at once. */
  concurrency: number;
  /**
   * Groups inputs by the endpoint that owns them under consistent hashing; a request then holds one group only and
   * goes to its owner (keyed by its first input).
   */
  groupOf?: (text: string) => string;
  /** Tokens a request carries besides its inputs' own, for the rate limiter (the reranker's query, once per document). */
  extraTokens?: (inputs: number) => number;
  /**
   * Sends one request within an attempt (pass `ctx.signal` on, throw typed errors) and returns one answer per input,
   * in order, already checked: what it throws is the attempt's failure.
   */
  send: (ctx: AttemptContext<E>, inputs: string[]) => Promise<T[]>;
}

/** Per-call options of a batched remote call. @internal */
export interface BatchedCallOptions {
  /** Aborts every request in flight and starts no new one. */
  signal?: AbortSignal;
  /** Milliseconds per attempt. */
  timeout?: number;
  /** Total attempts per request. */
  maxAttempts?: number;
}

/**
 * Runs a remote call over many inputs as requests within the provider's limits.
 *
 * @param inputs - the texts, each one input of a request
 * @param request - provider, caller, limits, concurrency, grouping and the request function
 * @param options - signal, timeout, attempts
 * @returns one answer per input, in the inputs' order
 * @throws the first failed request's error (typed), or an `AbortError` when the signal fires
 * @internal
 */
export function callInBatches<E, T>(inputs: readonly string[], request: BatchedRequest<E, T>, options: BatchedCallOptions): Promise<T[]> {
  const batches = planRequestBatches(inputs, request.limits, request.groupOf);
  return runBatches(inputs.length, batches, (batch, signal) => {
    const slice = Array.from(batch.indices, (i) => inputs[i]);
    return request.caller.call((ctx) => request.send(ctx, slice), {
      signal, timeout: options.timeout, maxAttempts: options.maxAttempts,
      tokens: batch.tokens + (request.extraTokens?.(slice.length) ?? 0), key: request.groupOf ? batch.key : undefined,
    });
  }, { concurrency: request.concurrency, signal: options.signal, provider: request.provider });
}
