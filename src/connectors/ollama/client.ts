/**
 * The `ollama` package, loaded lazily (optional peer dependency), one client per attempt, and its errors mapped.
 *
 * @internal
 * @module
 */
import type { Ollama } from 'ollama';
import { type AbiError, ConnectionError, ModelNotFoundError, ProviderError } from '../../core/errors.js';
import { attemptFetch, type FailureContext, httpError } from '../shared/errors.js';
import { peerExport } from '../../internal/peer.js';
import type { Secret } from '../shared/secret.js';

/** The `Ollama` class, imported once; a clear install hint when `ollama` is missing. */
const loadOllama = peerExport<typeof Ollama>('ollama', 'OllamaConnector', () => import('ollama'), 'Ollama');

/** An Ollama server. */
export interface OllamaEndpoint {
  id: string;
  url: string;
  apiKey: Secret | undefined;
  weight: number;
}

/** A client plus what the error mapper needs from its last response. */
export interface AttemptClient {
  client: Ollama;
  last: { response?: Response };
}

/**
 * A client bound to one attempt: `ollama` takes no per-call signal for non-streamed requests (and has no retries to
 * turn off), so the attempt's signal rides in through the `fetch` it is given, which also keeps the last response's
 * headers (`Retry-After`) that `ResponseError` drops. Building one is a few property assignments.
 */
export async function attemptClient(
  endpoint: OllamaEndpoint, signal: AbortSignal, baseFetch: typeof globalThis.fetch | undefined, headers: Record<string, string> | undefined,
): Promise<AttemptClient> {
  const Ctor = await loadOllama();
  const { fetch: boundFetch, last } = attemptFetch(baseFetch ?? globalThis.fetch, signal);
  const auth = endpoint.apiKey ? { Authorization: `Bearer ${endpoint.apiKey.reveal()}` } : {};
  return { client: new Ctor({ host: endpoint.url, fetch: boundFetch, headers: { ...headers, ...auth } }), last };
}

/** Maps `ollama`'s `ResponseError` (HTTP status) and its in-stream `{ error }` lines. */
export function mapOllamaError(err: unknown, ctx: FailureContext, last: { response?: Response }): AbiError | undefined {
  if (!(err instanceof Error)) return undefined;
  const status = (err as { status_code?: unknown }).status_code;
  if (err.name === 'ResponseError' && typeof status === 'number') {
    return httpError(status, ctx, { body: { error: err.message }, headers: last.response?.headers, cause: err, notFoundIsModel: true });
  }
  // An error line inside a 200 stream ("pull model manifest: file does not exist").
  if (last.response?.ok && err.name === 'Error' && !/fetch failed|terminated|other side closed/i.test(err.message)) {
    if (/file does not exist|not found/i.test(err.message)) return new ModelNotFoundError(err.message, { provider: ctx.provider, cause: err });
    if (/Did not receive done/i.test(err.message)) {
      return new ConnectionError('The Ollama stream ended before its final message', { provider: ctx.provider, cause: err });
    }
    return new ProviderError(err.message, { provider: ctx.provider, cause: err });
  }
  return undefined;
}
