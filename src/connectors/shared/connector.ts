/**
 * {@link RemoteConnector}: what the OpenAI, Ollama and Hugging Face connectors share — their endpoints, the
 * resilience policy every request goes through, the credentials kept out of errors, closing, and a description
 * without credentials.
 *
 * @module
 */
import { inspect } from 'node:util';
import type { ResilientCaller } from '../../resilience/caller.js';
import type { FailureContext } from './errors.js';
import { buildCaller, type RemoteConnectorOptions } from './options.js';
import { safeUrl, type Secret } from './secret.js';

/** An endpoint as a connector keeps it (with whatever client state the connector adds). */
export interface ConnectorEndpoint {
  /** Id used in events and health (the URL without credentials). */
  id: string;
  /** Base URL; `undefined` for a provider-routed endpoint (the Hugging Face serverless router). */
  url: string | undefined;
  /** Balancer weight. */
  weight: number;
}

/**
 * The base of every remote connector: it owns the endpoints and the {@link ResilientCaller} built from the
 * connector's {@link RemoteConnectorOptions}; subclasses add the provider's models (embedder, reranker, generator).
 *
 * @typeParam E - the connector's endpoint (with whatever client state it keeps)
 * @typeParam P - the provider name
 */
export abstract class RemoteConnector<E extends ConnectorEndpoint, P extends string = string> {
  /** Provider name on errors and cache keys. */
  readonly provider: P;
  readonly #name: string;
  readonly #endpoints: readonly E[];
  readonly #caller: ResilientCaller<E>;
  readonly #secrets: readonly (Secret | undefined)[];

  /**
   * @param name - the class name, for {@link RemoteConnector.toString}
   * @param provider - provider name
   * @param endpoints - the resolved endpoints, each with the credential it is sent
   * @param options - balancer, retry, timeout, rate limit, clock and event options
   * @param probe - the active health check of one endpoint, when the balancer is asked to probe (it must not use
   *   `this`: it may run before the subclass's constructor has finished)
   * @internal
   */
  protected constructor(
    name: string, provider: P, endpoints: readonly (E & { apiKey: Secret | undefined })[], options: RemoteConnectorOptions,
    probe: ((endpoint: E, signal: AbortSignal) => Promise<unknown>) | undefined,
  ) {
    this.provider = provider;
    this.#name = name;
    this.#endpoints = endpoints;
    this.#secrets = endpoints.map((e) => e.apiKey);
    this.#caller = buildCaller<E>(provider, endpoints.map((e) => ({ id: e.id, weight: e.weight, value: e })), options, probe);
  }

  /** Ids (URLs without credentials) of the endpoints. */
  get endpointIds(): string[] {
    return this.#endpoints.map((e) => e.id);
  }

  /** The resilience policy every request of this connector goes through (health, events). */
  get caller(): ResilientCaller<unknown> {
    return this.#caller as ResilientCaller<unknown>;
  }

  /** Stops background health probes. */
  close(): void {
    this.#caller.close();
  }

  /**
   * A description without credentials.
   *
   * @returns e.g. `OpenAIConnector(https://api.openai.com/v1)`
   */
  toString(): string {
    return `${this.#name}(${this.#endpoints.map((e) => (e.url ? safeUrl(e.url) : e.id)).join(', ')})`;
  }

  /** @returns the same as {@link RemoteConnector.toString} */
  [inspect.custom](): string {
    return this.toString();
  }

  /** The endpoints, for the subclass's requests. @internal */
  protected get endpoints(): readonly E[] {
    return this.#endpoints;
  }

  /** The caller typed with the subclass's endpoint, for the models it builds. @internal */
  protected get remote(): ResilientCaller<E> {
    return this.#caller;
  }

  /**
   * What error mapping needs about a failed request: the provider, the attempt's signal, and the credentials that
   * must not appear in the error.
   *
   * @param signal - the attempt's signal
   * @returns the failure context
   * @internal
   */
  protected failureContext(signal: AbortSignal): FailureContext {
    return { provider: this.provider, signal, secrets: this.#secrets };
  }
}
