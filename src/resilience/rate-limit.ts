/**
 * Client-side rate limiting by requests and tokens per minute: two token buckets and a FIFO queue of waiters.
 *
 * Hand-written rather than taken from `bottleneck` (unmaintained since 2019) or `limiter` (one bucket, no abort):
 * we need both budgets at once, weighted acquisitions, abortable waits and an injectable clock.
 *
 * @module
 */
import { RateLimitError, ValidationError } from '../core/errors.js';
import { throwIfAborted, toAbortError } from '../internal/abort.js';
import { type Clock, systemClock } from './clock.js';

/** Options for {@link RateLimiter}. */
export interface RateLimitOptions {
  /**
   * Requests allowed per minute; unlimited when undefined.
   * @defaultValue undefined
   */
  requestsPerMinute?: number;
  /**
   * Tokens (as estimated by the caller) allowed per minute; unlimited when undefined.
   * @defaultValue undefined
   */
  tokensPerMinute?: number;
  /**
   * Longest wait for capacity, in milliseconds. When a request would wait longer it fails at once with a
   * `RateLimitError` (code `RATE_LIMITED`, `retryAfterMs` set) instead of queueing.
   * @defaultValue Infinity
   */
  maxWaitMs?: number;
  /**
   * Time source.
   * @defaultValue systemClock
   */
  clock?: Clock;
}

interface Bucket {
  capacity: number;
  perMs: number;
  level: number;
}

interface Waiter {
  tokens: number;
  resolve: () => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Spaces requests so that at most `requestsPerMinute` requests and `tokensPerMinute` tokens go out per minute
 * (token buckets holding one minute of budget, refilled continuously). Waiters are served first come, first served;
 * a waiting call can be aborted. A single request larger than the whole per-minute token budget is let through
 * once the bucket is full (it would otherwise never run), leaving the bucket in debt.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ requestsPerMinute: 3_000, tokensPerMinute: 1_000_000 });
 * await limiter.acquire(estimatedTokens, { signal });
 * ```
 */
export class RateLimiter {
  readonly #buckets: Bucket[] = [];
  readonly #requests: Bucket | undefined;
  readonly #tokens: Bucket | undefined;
  readonly #maxWaitMs: number;
  readonly #clock: Clock;
  readonly #queue: Waiter[] = [];
  #last: number;
  #pumping = false;
  #pumpAbort: AbortController | undefined;

  /**
   * @param options - budgets per minute, longest wait, clock
   * @throws {@link ValidationError} when a budget is not a positive number
   */
  constructor(options: RateLimitOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#maxWaitMs = options.maxWaitMs ?? Infinity;
    const bucket = (perMinute: number | undefined, name: string): Bucket | undefined => {
      if (perMinute === undefined) return undefined;
      if (!(perMinute > 0) || !Number.isFinite(perMinute)) throw new ValidationError(`${name} must be a positive number`);
      const b = { capacity: perMinute, perMs: perMinute / 60_000, level: perMinute };
      this.#buckets.push(b);
      return b;
    };
    this.#requests = bucket(options.requestsPerMinute, 'requestsPerMinute');
    this.#tokens = bucket(options.tokensPerMinute, 'tokensPerMinute');
    this.#last = this.#clock.now();
  }

  /** Whether any budget is configured. */
  get enabled(): boolean {
    return this.#buckets.length > 0;
  }

  /** Calls waiting for capacity. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Waits until one request of `tokens` tokens fits both budgets, then takes it from them.
   *
   * @param tokens - the request's estimated tokens (0 when only requests are limited)
   * @param options - `signal` aborts the wait
   * @returns when the request may go
   * @throws {@link AbortError} when the signal fires while waiting
   * @throws {@link RateLimitError} when the wait would exceed `maxWaitMs`
   */
  async acquire(tokens = 0, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.enabled) return;
    throwIfAborted(options.signal);
    const need = Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
    this.#refill();
    if (this.#queue.length === 0 && this.#fits(need)) {
      this.#take(need);
      return;
    }
    const wait = this.#projectedWait(need);
    if (wait > this.#maxWaitMs) {
      throw new RateLimitError(`Client-side rate limit: a request would wait ${Math.ceil(wait)} ms`, {
        provider: 'rate-limiter', retryAfterMs: Math.ceil(wait),
      });
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        tokens: need, resolve, reject, signal: options.signal,
        onAbort: () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(toAbortError(options.signal!));
          this.#restartPump();
        },
      };
      options.signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      void this.#pump();
    });
  }

  #refill(): void {
    const now = this.#clock.now();
    const dt = Math.max(0, now - this.#last);
    this.#last = now;
    for (const b of this.#buckets) b.level = Math.min(b.capacity, b.level + dt * b.perMs);
  }

  #fits(tokens: number): boolean {
    if (this.#requests && this.#requests.level < 1) return false;
    // A request bigger than the whole budget goes once the bucket is full.
    if (this.#tokens && this.#tokens.level < Math.min(tokens, this.#tokens.capacity)) return false;
    return true;
  }

  #take(tokens: number): void {
    if (this.#requests) this.#requests.level -= 1;
    if (this.#tokens) this.#tokens.level -= tokens;
  }

  /** Milliseconds until the head of the queue (or `tokens` when the queue is empty) fits. */
  #waitFor(tokens: number): number {
    let ms = 0;
    if (this.#requests && this.#requests.level < 1) ms = Math.max(ms, (1 - this.#requests.level) / this.#requests.perMs);
    if (this.#tokens) {
      const need = Math.min(tokens, this.#tokens.capacity);
      if (this.#tokens.level < need) ms = Math.max(ms, (need - this.#tokens.level) / this.#tokens.perMs);
    }
    return ms;
  }

  /** Estimated wait for a newcomer behind everyone already queued. */
  #projectedWait(tokens: number): number {
    let ms = 0;
    if (this.#requests) {
      const debt = this.#queue.length + 1 - this.#requests.level;
      if (debt > 0) ms = Math.max(ms, debt / this.#requests.perMs);
    }
    if (this.#tokens) {
      const cap = this.#tokens.capacity;
      const demand = this.#queue.reduce((s, w) => s + Math.min(w.tokens, cap), 0) + Math.min(tokens, cap);
      const debt = demand - this.#tokens.level;
      if (debt > 0) ms = Math.max(ms, debt / this.#tokens.perMs);
    }
    return ms;
  }

  #restartPump(): void {
    this.#pumpAbort?.abort();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        this.#refill();
        const head = this.#queue[0];
        if (this.#fits(head.tokens)) {
          this.#queue.shift();
          head.signal?.removeEventListener('abort', head.onAbort);
          this.#take(head.tokens);
          head.resolve();
          continue;
        }
        this.#pumpAbort = new AbortController();
        try {
          await this.#clock.sleep(Math.max(1, this.#waitFor(head.tokens)), this.#pumpAbort.signal);
        } catch {
          // Restarted because a waiter left the queue; recompute.
        }
      }
    } finally {
      this.#pumpAbort = undefined;
      this.#pumping = false;
    }
  }
}
