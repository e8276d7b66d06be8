/**
 * `abi-sdk/server`: serve local models over HTTP with OpenAI-, Text-Embeddings-Inference- and Ollama-compatible
 * endpoints, API keys with roles, TLS and mutual TLS, request limits, Prometheus metrics, OpenTelemetry spans and
 * JSON logs. See the server guide (docs/server.md).
 *
 * @example
 * ```ts
 * import { createServer, KeyStore } from 'abi-sdk/server';
 * const server = createServer({ service: scheduler, auth: { keys: KeyStore.open('./data') } });
 * await server.listen(8080, '0.0.0.0');
 * ```
 *
 * @packageDocumentation
 * @module abi-sdk/server
 */
export {
  AbiServer, createServer, type CreateServerOptions, type MountedRoute, type ServerAuthOptions, type ServerCloseOptions,
} from './server.js';
export {
  type ApiKeyInfo, type CreateKeyOptions, type IssuedKey, type KeyRateLimit, KeyStore, type KeyStoreOptions, type Role,
} from './auth/keys.js';
export type { ServerLimits } from './inference.js';
// MountedRoute.dialect names it.
export type { ErrorDialect } from './error-status.js';
export { ServerMetrics, type ServerMetricsOptions } from './metrics.js';
export type { ServerTlsOptions } from './tls.js';
export { traceContextFetch } from './tracing.js';
export type {
  InferenceService, SchedulerStats, ServedModel,
} from '../scheduler/types.js';
