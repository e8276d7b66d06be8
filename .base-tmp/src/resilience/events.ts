/**
 * Events the resilience machinery reports, for logs and metrics (`onEvent` options).
 *
 * @module
 */

/** An attempt failed and another follows. */
export interface RetryEvent {
  /** `'retry'`. */
  type: 'retry';
  /** The endpoint the failed attempt went to. */
  endpointId: string;
  /** The failed attempt's number (1 for the first). */
  attempt: number;
  /** Wait before the next attempt, in milliseconds (0 for an immediate failover to another endpoint). */
  delayMs: number;
  /** The failure. */
  error: unknown;
}

/** An endpoint's circuit changed state. */
export interface BreakerEvent {
  /** `'breaker'`. */
  type: 'breaker';
  /** The endpoint. */
  endpointId: string;
  /** The new state. */
  state: 'closed' | 'open' | 'half-open';
}

/** An endpoint failed `ejectAfterFailures` times in a row and is skipped for a while. */
export interface EjectedEvent {
  /** `'ejected'`. */
  type: 'ejected';
  /** The endpoint. */
  endpointId: string;
  /** Clock time (milliseconds) until which it is skipped. */
  untilMs: number;
}

/** An active health probe finished. */
export interface ProbeEvent {
  /** `'probe'`. */
  type: 'probe';
  /** The endpoint probed. */
  endpointId: string;
  /** Whether it passed. */
  healthy: boolean;
  /** Why it failed, when it did. */
  error?: unknown;
}

/** Something the resilience machinery did, for logs and metrics. */
export type ResilienceEvent = RetryEvent | BreakerEvent | EjectedEvent | ProbeEvent;

/** A listener for {@link ResilienceEvent}s. Exceptions it throws are swallowed. */
export type ResilienceEventListener = (event: ResilienceEvent) => void;

/** @internal */
export function emit(listener: ResilienceEventListener | undefined, event: ResilienceEvent): void {
  if (!listener) return;
  try {
    listener(event);
  } catch {
    // A faulty listener must not break a call.
  }
}
