/**
 * `@huggingface/inference`, loaded lazily (optional peer dependency), one client per attempt, and its errors mapped.
 *
 * @internal
 * @module
 */
import type { InferenceClient } from '@huggingface/inference';
import { type AbiError, InvalidResponseError, ValidationError } from '../../core/errors.js';
import { attemptFetch, type FailureContext, httpError } from '../shared/errors.js';
import { peerExport } from '../../internal/peer.js';
import type { Secret } from '../shared/secret.js';

/** The `InferenceClient` class, imported once; a clear install hint when `@huggingface/inference` is missing. */
const loadHf = peerExport<typeof InferenceClient>(
  '@huggingface/inference', 'HuggingFaceConnector', () => import('@huggingface/inference'), 'InferenceClient',
);

/** A dedicated endpoint (`url`) or, without one, Hugging Face's serverless router. */
export interface HfEndpoint {
  id: string;
  url: string | undefined;
  apiKey: Secret | undefined;
  weight: number;
}

/** A client bound to one attempt, the fetch it uses, and the last response (for `Retry-After`). */
export interface HfAttempt {
  client: InferenceClient;
  fetch: typeof fetch;
  last: { response?: Response };
  /** Per-call options: the attempt's signal and fetch, and the client's own 503 retry loop turned off. */
  callOptions: { signal: AbortSignal; fetch: typeof fetch; retry_on_error: false };
}

/**
 * A client for one attempt. `retry_on_error: false` matters: left on, the client re-sends every 503 ("model
 * loading") immediately and without limit; our policy waits `estimated_time` instead.
 */
export async function attemptClient(endpoint: HfEndpoint, signal: AbortSignal, baseFetch: typeof globalThis.fetch | undefined): Promise<HfAttempt> {
  const Ctor = await loadHf();
  const { fetch: boundFetch, last } = attemptFetch(baseFetch ?? globalThis.fetch, signal);
  const client = new Ctor(endpoint.apiKey?.reveal() ?? '', {
    ...(endpoint.url ? { endpointUrl: endpoint.url } : {}), fetch: boundFetch, retry_on_error: false,
  });
  return { client, fetch: boundFetch, last, callOptions: { signal, fetch: boundFetch, retry_on_error: false } };
}

/** Maps the client's error classes: HTTP errors by status (503 + loading → `MODEL_LOADING`), bad output, bad input. */
export function mapHfError(err: unknown, ctx: FailureContext, last: { response?: Response }, dedicated: boolean): AbiError | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & { httpResponse?: { status?: unknown; body?: unknown; requestId?: string } };
  if ((e.name === 'ProviderApiError' || e.name === 'HubApiError') && typeof e.httpResponse?.status === 'number') {
    const body = e.httpResponse.body === '' ? e.message.replace(/^Failed to perform inference:\s*/, '') : e.httpResponse.body;
    return httpError(e.httpResponse.status, ctx, {
      body, headers: last.response?.headers, cause: err, detectLoading: true, notFoundIsModel: !dedicated,
    });
  }
  if (e.name === 'ProviderOutputError') {
    return new InvalidResponseError(`huggingface: ${e.message}`, { provider: ctx.provider, cause: err });
  }
  if (e.name === 'InputError' || e.name === 'RoutingError') return new ValidationError(`huggingface: ${e.message}`, { cause: err });
  return undefined;
}
