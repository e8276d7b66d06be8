/**
 * Events the resilience machinery reports, for logs and metrics (`onEvent` options).
 *
 * @module
 */

/**
 * Something the resilience machinery did. `endpointId` names the endpoint concerned (see {@link EndpointSpec}).
 *
 * - `retry`: an attempt failed and another follows after `delayMs` (0 for an immediate failover).
 * - `breaker`: an endpoint's circuit changed state.
 * - `ejected`: an endpoint failed `ejectAfterFailures` times in a row and is skipped until `untilMs` (clock time).
 * - `probe`: an active health probe finished.
 */
export type ResilienceEvent =
  | { type: 'retry'; endpointId: string; attempt: number; delayMs: number; error: unknown }
  | { type: 'breaker'; endpointId: string; state: 'closed' | 'open' | 'half-open' }
  | { type: 'ejected'; endpointId: string; untilMs: number }
  | { type: 'probe'; endpointId: string; healthy: boolean; error?: unknown };

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
