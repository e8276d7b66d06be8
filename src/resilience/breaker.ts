/**
 * A circuit breaker: closed → open after consecutive failures → half-open after a pause → closed after
 * consecutive successes of trial calls.
 *
 * Why not `cockatiel`'s `CircuitBreakerPolicy` (read in its 3.2.1 source): its half-open state closes on the first
 * successful trial call (the issue asks for two), and it reads `Date.now()` directly, so cool-downs cannot be driven
 * by a test clock. The state machine is small enough to own.
 *
 * @module
 */
import { CircuitOpenError, ValidationError } from '../core/errors.js';
import { type Clock, systemClock } from './clock.js';

/** The states of a {@link CircuitBreaker}. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options for {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures that open the circuit.
   * @defaultValue 5
   */
  failureThreshold?: number;
  /**
   * Milliseconds the circuit stays open before letting a trial call through (half-open).
   * @defaultValue 60000
   */
  halfOpenAfterMs?: number;
  /**
   * Consecutive successful trial calls that close a half-open circuit.
   * @defaultValue 2
   */
  successThreshold?: number;
  /**
   * Trial calls allowed at the same time while half-open.
   * @defaultValue 1
   */
  halfOpenMaxConcurrent?: number;
  /**
   * Time source for the open period.
   * @defaultValue systemClock
   */
  clock?: Clock;
  /**
   * Called on every state change.
   * @defaultValue none
   */
  onStateChange?: (state: CircuitState) => void;
}

/** What happened to a call that passed the breaker; see {@link CircuitBreaker.record}. */
export type CallOutcome = 'success' | 'failure' | 'ignored';

/**
 * Stops calling an endpoint that keeps failing. Closed: calls pass, consecutive failures are counted; at
 * `failureThreshold` the circuit opens. Open: calls are refused ({@link CircuitOpenError}) for `halfOpenAfterMs`.
 * Half-open: up to `halfOpenMaxConcurrent` trial calls pass; `successThreshold` consecutive successes close the
 * circuit, any failure opens it again for another `halfOpenAfterMs`.
 *
 * Only failures that say something about the endpoint's health should be recorded as `'failure'` (5xx, timeouts,
 * connection errors); a 4xx proves the endpoint answers and counts as `'success'`; an abort is `'ignored'`.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ failureThreshold: 5, halfOpenAfterMs: 60_000, successThreshold: 2 });
 * const data = await breaker.execute(() => fetch(url).then((r) => r.json()));
 * ```
 */
export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #halfOpenAfterMs: number;
  readonly #successThreshold: number;
  readonly #halfOpenMax: number;
  readonly #clock: Clock;
  readonly #onStateChange: ((state: CircuitState) => void) | undefined;
  #state: CircuitState = 'closed';
  #failures = 0;
  #successes = 0;
  #openedAt = 0;
  #trials = 0;

  /**
   * @param options - thresholds, open period, clock
   * @throws {@link ValidationError} when a threshold is not a positive integer
   */
  constructor(options: CircuitBreakerOptions = {}) {
    this.#failureThreshold = options.failureThreshold ?? 5;
    this.#halfOpenAfterMs = options.halfOpenAfterMs ?? 60_000;
    this.#successThreshold = options.successThreshold ?? 2;
    this.#halfOpenMax = options.halfOpenMaxConcurrent ?? 1;
    for (const [k, v] of Object.entries({
      failureThreshold: this.#failureThreshold, successThreshold: this.#successThreshold, halfOpenMaxConcurrent: this.#halfOpenMax,
    })) {
      if (!Number.isInteger(v) || v < 1) throw new ValidationError(`${k} must be an integer ≥ 1`);
    }
    if (!(this.#halfOpenAfterMs >= 0)) throw new ValidationError('halfOpenAfterMs must be ≥ 0');
    this.#clock = options.clock ?? systemClock;
    this.#onStateChange = options.onStateChange;
  }

  /** The current state (an open circuit whose pause is over reports `'half-open'`). */
  get state(): CircuitState {
    this.#advance();
    return this.#state;
  }

  /**
   * Whether a call would be let through now, without taking a trial slot.
   *
   * @returns true when closed, or half-open with a free trial slot
   */
  canPass(): boolean {
    this.#advance();
    return this.#state === 'closed' || (this.#state === 'half-open' && this.#trials < this.#halfOpenMax);
  }

  /**
   * Milliseconds until an open circuit lets a trial call through (0 when it would now).
   *
   * @returns milliseconds
   */
  msUntilHalfOpen(): number {
    return this.#state === 'open' ? Math.max(0, this.#openedAt + this.#halfOpenAfterMs - this.#clock.now()) : 0;
  }

  /**
   * Takes permission for one call. Every successful `tryAcquire()` must be followed by exactly one
   * {@link CircuitBreaker.record}.
   *
   * @returns false when the circuit refuses the call
   */
  tryAcquire(): boolean {
    if (!this.canPass()) return false;
    if (this.#state === 'half-open') this.#trials++;
    return true;
  }

  /**
   * Records the outcome of a call admitted by {@link CircuitBreaker.tryAcquire}.
   *
   * @param outcome - `'success'`, `'failure'` or `'ignored'` (neither; e.g. the caller aborted)
   */
  record(outcome: CallOutcome): void {
    const trial = this.#state === 'half-open';
    if (trial && this.#trials > 0) this.#trials--;
    if (outcome === 'ignored') return;
    if (outcome === 'success') {
      this.#failures = 0;
      if (trial && ++this.#successes >= this.#successThreshold) this.#set('closed');
      return;
    }
    if (trial) {
      this.#open();
      return;
    }
    if (this.#state === 'closed' && ++this.#failures >= this.#failureThreshold) this.#open();
  }

  /**
   * Runs `fn` through the breaker, recording success on resolve and failure on reject (or what `classify` says).
   *
   * @param fn - the call
   * @param classify - maps a rejection to an outcome; defaults to `'failure'`
   * @returns what `fn` returns
   * @throws {@link CircuitOpenError} when the circuit refuses the call
   */
  async execute<T>(fn: () => Promise<T>, classify: (err: unknown) => CallOutcome = () => 'failure'): Promise<T> {
    if (!this.tryAcquire()) {
      throw new CircuitOpenError(`Circuit open; next trial in ${this.msUntilHalfOpen()} ms`, { provider: 'circuit-breaker' });
    }
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      this.record(classify(err));
      throw err;
    }
    this.record('success');
    return value;
  }

  #open(): void {
    this.#openedAt = this.#clock.now();
    this.#failures = 0;
    this.#successes = 0;
    this.#trials = 0;
    this.#set('open');
  }

  #advance(): void {
    if (this.#state === 'open' && this.#clock.now() - this.#openedAt >= this.#halfOpenAfterMs) {
      this.#successes = 0;
      this.#trials = 0;
      this.#set('half-open');
    }
  }

  #set(state: CircuitState): void {
    if (this.#state === state) return;
    this.#state = state;
    if (state === 'closed') this.#failures = 0;
    this.#onStateChange?.(state);
  }
}
