/**
 * {@link ResilientCaller}: the one place where retry, per-attempt timeouts, circuit breakers, rate limits and load
 * balancing wrap a call. Every connector sends every request through one of these.
 *
 * @module
 */
import { AbiError, ValidationError } from '../core/errors.js';
import { linkedSignal, throwIfAborted, toAbortError } from '../internal/abort.js';
import { type BalancerOptions, type EndpointSpec, LoadBalancer, type EndpointStatus } from './balancer.js';
import type { CallOutcome } from './breaker.js';
import { type Clock, systemClock } from './clock.js';
import { emit, type ResilienceEventListener } from './events.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { isRetryable, resolveRetryOptions, retryDelay, type RetryOptions } from './retry.js';

/** What the call function receives for one attempt. */
export interface AttemptContext<E> {
  /** The endpoint chosen for this attempt. */
  endpoint: E;
  /** Its id. */
  endpointId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * Fires when the caller aborts or this attempt's timeout elapses (reason: `AbortError` / `TimeoutError`).
   * Pass it to every request the attempt makes.
   */
  signal: AbortSignal;
}

/** Options for {@link ResilientCaller}. */
export interface ResilientCallerOptions<E> {
  /**
   * The endpoints to balance over. Defaults to a single endpoint `{ id: 'default', value: undefined }`, for
   * wrapping a call that has no endpoint choice.
   * @defaultValue one anonymous endpoint
   */
  endpoints?: readonly EndpointSpec<E>[];
  /**
   * Provider name put on errors the machinery raises itself (circuit open, local rate limit).
   * @defaultValue 'unknown'
   */
  provider?: string;
  /**
   * Retry policy, or `false` for a single attempt.
   * @defaultValue 3 attempts, 500 ms ×2 up to 30 s, ±25% jitter
   */
  retry?: RetryOptions | false;
  /**
   * Default per-attempt timeout in milliseconds (a call's own `timeout` overrides it).
   * @defaultValue 120000
   */
  timeout?: number;
  /**
   * Client-side rate limit shared by all endpoints.
   * @defaultValue none
   */
  rateLimit?: RateLimitOptions;
  /**
   * Balancing strategy, ejection, per-endpoint circuit breakers, health probes.
   * @defaultValue round-robin, eject after 3 failures for 30 s, breaker 5 failures / 60 s / 2 successes
   */
  balancer?: Omit<BalancerOptions<E>, 'clock' | 'onEvent' | 'provider'>;
  /**
   * Decides whether a failure is the endpoint's fault (`'failure'`, counts toward its circuit and ejection), proof
   * that it answered (`'success'`) or neither (`'ignored'`).
   * @defaultValue {@link defaultClassify}
   */
  classify?: (err: unknown) => CallOutcome;
  /**
   * Time source for backoff waits, cool-downs and rate limits.
   * @defaultValue systemClock
   */
  clock?: Clock;
  /**
   * Receives retry, breaker, ejection and probe events.
   * @defaultValue none
   */
  onEvent?: ResilienceEventListener;
}

/** Per-call options for {@link ResilientCaller.call}. */
export interface ResilientCallOptions {
  /** Aborts the call, including backoff and rate-limit waits. */
  signal?: AbortSignal;
  /** Per-attempt timeout in milliseconds; overrides the caller's default. */
  timeout?: number;
  /** Total attempts for this call; overrides the retry policy's `maxAttempts`. */
  maxAttempts?: number;
  /** Consistent-hashing key (e.g. the input text). */
  key?: string;
  /** Estimated tokens, charged to the tokens-per-minute budget on every attempt. */
  tokens?: number;
}

/**
 * Default classification of a failure for breakers and ejection: server-side trouble (5xx, timeouts, connection
 * errors) is the endpoint's failure; a rate limit, 4xx or bad request proves it answers; aborts and a model still
 * loading say nothing.
 *
 * @param err - the failure
 * @returns the outcome to record
 */
export function defaultClassify(err: unknown): CallOutcome {
  if (!(err instanceof AbiError)) return 'failure';
  // A model still loading is busy, not broken: opening its circuit would only delay its first answer.
  if (err.code === 'ABORTED' || err.code === 'CIRCUIT_OPEN' || err.code === 'MODEL_LOADING') return 'ignored';
  if (err.code === 'RATE_LIMITED') return 'success';
  return err.retryable ? 'failure' : 'success';
}

/**
 * Wraps any async call with the SDK's resilience policy, over one or many endpoints:
 *
 * 1. pick an endpoint (balancer strategy; skip open circuits, ejected and probe-failing endpoints);
 * 2. wait for the client-side rate limit (requests and tokens per minute);
 * 3. run the attempt with its own timeout, linked to the caller's signal;
 * 4. on a retryable failure, fail over at once to an endpoint not yet tried by this call, or — when every
 *    endpoint has been tried — wait (provider-requested `Retry-After`, else exponential backoff with jitter) and
 *    try again, up to `maxAttempts` attempts in all.
 *
 * The call function must throw {@link AbiError}s (map vendor errors first); anything else is treated as a
 * non-retryable failure and rethrown as is. A failure after the caller's signal fired becomes an `AbortError`.
 *
 * @example
 * ```ts
 * const caller = new ResilientCaller({
 *   provider: 'my-service',
 *   endpoints: [{ id: 'a', value: 'http://10.0.0.1:8080' }, { id: 'b', value: 'http://10.0.0.2:8080' }],
 *   retry: { maxAttempts: 4 },
 *   rateLimit: { requestsPerMinute: 600 },
 * });
 * const body = await caller.call(async ({ endpoint, signal }) => {
 *   const res = await fetch(`${endpoint}/embed`, { method: 'POST', body: '…', signal });
 *   if (!res.ok) throw connectorErrorFromStatus(res.status, await res.text(), { provider: 'my-service' });
 *   return res.json();
 * }, { signal: AbortSignal.timeout(60_000) });
 * ```
 */
export class ResilientCaller<E = undefined> {
  readonly #balancer: LoadBalancer<E>;
  readonly #limiter: RateLimiter | undefined;
  readonly #retry: Required<RetryOptions>;
  readonly #timeout: number | undefined;
  readonly #clock: Clock;
  readonly #classify: (err: unknown) => CallOutcome;
  readonly #onEvent: ResilienceEventListener | undefined;
  readonly #provider: string;

  /**
   * @param options - endpoints, retry, timeout, rate limit, balancer, clock
   * @throws {@link ValidationError} for an empty or inconsistent endpoint list
   */
  constructor(options: ResilientCallerOptions<E> = {}) {
    this.#provider = options.provider ?? 'unknown';
    this.#clock = options.clock ?? systemClock;
    this.#onEvent = options.onEvent;
    this.#retry = resolveRetryOptions(options.retry === false ? { maxAttempts: 1 } : options.retry);
    this.#timeout = options.timeout ?? 120_000;
    if (!(this.#timeout > 0)) throw new ValidationError('timeout must be a positive number of milliseconds');
    this.#classify = options.classify ?? defaultClassify;
    const endpoints = options.endpoints ?? [{ id: 'default', value: undefined as E }];
    this.#balancer = new LoadBalancer(endpoints, {
      ...options.balancer, clock: this.#clock, onEvent: this.#onEvent, provider: this.#provider,
    });
    const limiter = new RateLimiter({ ...options.rateLimit, clock: this.#clock });
    this.#limiter = limiter.enabled ? limiter : undefined;
  }

  /** The balancer, for `ownerOf` (grouping inputs by endpoint) and `status()`. */
  get balancer(): LoadBalancer<E> {
    return this.#balancer;
  }

  /** The default per-attempt timeout in milliseconds (`undefined`: none). */
  get defaultTimeout(): number | undefined {
    return this.#timeout;
  }

  /** The provider name errors carry. */
  get provider(): string {
    return this.#provider;
  }

  /**
   * Health of every endpoint.
   *
   * @returns one entry per endpoint
   */
  status(): EndpointStatus[] {
    return this.#balancer.status();
  }

  /**
   * Runs `fn` under the policy (see the class description).
   *
   * @param fn - one attempt; receives the endpoint and the attempt's signal
   * @param options - signal, per-attempt timeout, attempts, hashing key, token estimate
   * @returns what a successful attempt returned
   * @throws {@link ValidationError} for a non-positive `timeout` or `maxAttempts`
   * @throws {@link AbortError} when the caller's signal fires
   * @throws {@link TimeoutError} when the last attempt timed out
   * @throws {@link CircuitOpenError} when every endpoint's circuit is open
   * @throws {@link RateLimitError} when the provider or the local limiter refused and waiting is not allowed
   * @throws the last attempt's error when retries are exhausted or it is not retryable
   */
  async call<T>(fn: (ctx: AttemptContext<E>) => Promise<T>, options: ResilientCallOptions = {}): Promise<T> {
    const maxAttempts = options.maxAttempts ?? this.#retry.maxAttempts;
    const timeout = options.timeout ?? this.#timeout;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new ValidationError('maxAttempts must be an integer ≥ 1');
    if (timeout !== undefined && !(timeout > 0)) throw new ValidationError('timeout must be a positive number of milliseconds');
    const tried = new Set<string>();
    let retries = 0;
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(options.signal);
      // Rate limit first, so neither the endpoint choice nor the attempt's timer goes stale while waiting.
      if (this.#limiter) await this.#limiter.acquire(options.tokens ?? 0, { signal: options.signal });
      const lease = this.#balancer.acquire({ key: options.key, avoid: tried });
      let outcome: CallOutcome = 'ignored';
      const linked = linkedSignal(options.signal, timeout, `${this.#provider} request`);
      const signal = linked.signal ?? new AbortController().signal;
      let error: unknown;
      try {
        const value = await fn({ endpoint: lease.value, endpointId: lease.id, attempt, signal });
        outcome = 'success';
        return value;
      } catch (raw) {
        error = !(raw instanceof AbiError) && signal.aborted ? toAbortError(signal) : raw;
        if (options.signal?.aborted) error = toAbortError(options.signal);
        outcome = this.#classify(error);
      } finally {
        linked.dispose();
        lease.release(outcome);
      }
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      tried.add(lease.id);
      let delay: number | undefined;
      if (this.#balancer.hasUntried(tried)) {
        delay = 0; // fail over at once to an endpoint this call has not tried yet
      } else {
        delay = retryDelay(error, ++retries, this.#retry);
        tried.clear();
      }
      if (delay === undefined) throw error;
      emit(this.#onEvent, { type: 'retry', endpointId: lease.id, attempt, delayMs: delay, error });
      await this.#clock.sleep(delay, options.signal);
    }
  }

  /** Stops background work (health probes). */
  close(): void {
    this.#balancer.close();
  }
}

