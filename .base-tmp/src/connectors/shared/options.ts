/**
 * Options every remote connector accepts, and turning them into a {@link ResilientCaller}.
 *
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import type { BalanceStrategy } from '../../resilience/balancer.js';
import type { CircuitBreakerOptions } from '../../resilience/breaker.js';
import { ResilientCaller } from '../../resilience/caller.js';
import type { Clock } from '../../resilience/clock.js';
import type { ResilienceEventListener } from '../../resilience/events.js';
import type { RateLimitOptions } from '../../resilience/rate-limit.js';
import type { RetryOptions } from '../../resilience/retry.js';
import { safeUrl, Secret } from './secret.js';

/** One endpoint of a connector that balances over several servers of the same model. */
export interface EndpointConfig {
  /** Base URL of the server (for OpenAI-compatible servers, up to and including `/v1`). */
  url: string;
  /** Credential for this endpoint; defaults to the connector's. Never printed. */
  apiKey?: string;
  /**
   * Share of traffic for `weighted` and `consistent-hash` balancing.
   * @defaultValue 1
   */
  weight?: number;
  /**
   * Stable id (events, errors, consistent hashing).
   * @defaultValue the URL without credentials or query
   */
  id?: string;
}

/** Interval and timeout of a connector's active health probes. */
export interface HealthCheckOptions {
  /**
   * Milliseconds between probe rounds.
   * @defaultValue 10000
   */
  intervalMs?: number;
  /**
   * Milliseconds one probe may take.
   * @defaultValue 5000
   */
  timeoutMs?: number;
}

/** Load-balancing settings of a connector with several endpoints. */
export interface ConnectorBalancerOptions {
  /**
   * How to pick an endpoint.
   * @defaultValue 'round-robin'
   */
  strategy?: BalanceStrategy;
  /**
   * Consecutive failures that eject an endpoint for `ejectionMs`; `0` disables.
   * @defaultValue 3
   */
  ejectAfterFailures?: number;
  /**
   * How long an ejected endpoint is skipped, in milliseconds.
   * @defaultValue 30000
   */
  ejectionMs?: number;
  /**
   * Per-endpoint circuit breaker, or `false` for none.
   * @defaultValue 5 failures open it, half-open after 60 s, 2 successes close it
   */
  breaker?: CircuitBreakerOptions | false;
  /**
   * Active health probes with the connector's own check (OpenAI: `GET /models`, Ollama: `GET /api/version`,
   * Hugging Face endpoints: `GET /health`); `true` for the default interval.
   * @defaultValue false
   */
  healthCheck?: boolean | HealthCheckOptions;
}

/** Options shared by every remote connector. */
export interface RemoteConnectorOptions {
  /**
   * Several endpoints serving the same models; overrides the single base URL / host option.
   * @defaultValue one endpoint from the base URL option or environment
   */
  endpoints?: ReadonlyArray<string | EndpointConfig>;
  /**
   * Load balancing over `endpoints`.
   * @defaultValue round-robin with passive ejection and per-endpoint breakers
   */
  balancer?: ConnectorBalancerOptions;
  /**
   * Retry policy, or `false` to try once.
   * @defaultValue 3 attempts; 500 ms ×2 up to 30 s, ±25% jitter; Retry-After honoured up to 60 s
   */
  retry?: RetryOptions | false;
  /**
   * Per-attempt timeout in milliseconds (calls may pass their own `timeout`).
   * @defaultValue 120000
   */
  timeout?: number;
  /**
   * Client-side limit on requests and estimated tokens per minute.
   * @defaultValue none
   */
  rateLimit?: RateLimitOptions;
  /**
   * Requests in flight at once when one `embed` or `rerank` call is split into several.
   * @defaultValue 4
   */
  concurrency?: number;
  /**
   * The `fetch` the vendor client uses.
   * @defaultValue globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * Time source for backoff, cool-downs and rate limits (tests inject a scaled clock).
   * @defaultValue systemClock
   */
  clock?: Clock;
  /**
   * Receives retry, breaker, ejection and probe events.
   * @defaultValue none
   */
  onEvent?: ResilienceEventListener;
}

/** An endpoint after normalization: id, URL and credential. @internal */
export interface ResolvedEndpoint {
  id: string;
  url: string;
  apiKey: Secret | undefined;
  weight: number;
}

/**
 * Normalizes the endpoint list (or the single base URL) and attaches credentials.
 *
 * @internal
 */
export function resolveEndpoints(
  options: RemoteConnectorOptions,
  single: string | undefined,
  apiKey: Secret | undefined,
): ResolvedEndpoint[] {
  const list: ReadonlyArray<string | EndpointConfig> = options.endpoints?.length ? options.endpoints : single ? [single] : [];
  return list.map((e) => {
    const c: EndpointConfig = typeof e === 'string' ? { url: e } : e;
    if (typeof c.url !== 'string' || !/^https?:\/\//i.test(c.url)) {
      throw new ValidationError(`Endpoint URL must start with http:// or https://, got ${JSON.stringify(safeUrl(String(c.url)))}`);
    }
    return {
      id: c.id ?? safeUrl(c.url),
      url: c.url.replace(/\/+$/, ''),
      apiKey: c.apiKey ? new Secret(c.apiKey) : apiKey,
      weight: c.weight ?? 1,
    };
  });
}

/**
 * Builds the connector's {@link ResilientCaller} over its endpoints.
 *
 * @internal
 */
export function buildCaller<E>(
  provider: string,
  endpoints: ReadonlyArray<{ id: string; weight: number; value: E }>,
  options: RemoteConnectorOptions,
  probe: ((endpoint: E, signal: AbortSignal) => Promise<unknown>) | undefined,
): ResilientCaller<E> {
  const b = options.balancer ?? {};
  const hc = b.healthCheck;
  return new ResilientCaller<E>({
    provider,
    endpoints: endpoints.map((e) => ({ id: e.id, value: e.value, weight: e.weight })),
    retry: options.retry,
    timeout: options.timeout,
    rateLimit: options.rateLimit,
    clock: options.clock,
    onEvent: options.onEvent,
    balancer: {
      strategy: b.strategy, ejectAfterFailures: b.ejectAfterFailures, ejectionMs: b.ejectionMs, breaker: b.breaker,
      ...(hc && probe ? { probe: { check: probe, ...(typeof hc === 'object' ? hc : {}) } } : {}),
    },
  });
}
