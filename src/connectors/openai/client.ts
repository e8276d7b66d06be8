/**
 * The `openai` package, loaded lazily (it is an optional peer dependency), and its errors mapped to ours.
 *
 * @internal
 * @module
 */
import type { OpenAI } from 'openai';
import { type AbiError, TimeoutError } from '../../core/errors.js';
import { type FailureContext, httpError } from '../shared/errors.js';
import { peerExport } from '../../internal/peer.js';
import type { Secret } from '../shared/secret.js';

/** The `OpenAI` class, imported once; a clear install hint when `openai` is missing. */
const loadOpenAI = peerExport<typeof OpenAI>('openai', 'OpenAIConnector', () => import('openai'), 'OpenAI');

/** What building a client needs. */
export interface OpenAIClientConfig {
  baseURL: string;
  apiKey: Secret | undefined;
  fetch: typeof fetch | undefined;
  defaultHeaders: Record<string, string> | undefined;
  defaultQuery: Record<string, string> | undefined;
}

/**
 * One client per endpoint, with the vendor's retries off (`maxRetries: 0`, as `@langchain/openai` does) so our
 * policy is the only one, and its own timeout out of the way (each attempt's signal carries ours).
 */
export async function createOpenAIClient(config: OpenAIClientConfig): Promise<OpenAI> {
  const Ctor = await loadOpenAI();
  return new Ctor({
    apiKey: config.apiKey?.reveal() ?? 'no-key',
    baseURL: config.baseURL,
    maxRetries: 0,
    timeout: 24 * 3_600_000,
    ...(config.fetch ? { fetch: config.fetch } : {}),
    ...(config.defaultHeaders ? { defaultHeaders: config.defaultHeaders } : {}),
    ...(config.defaultQuery ? { defaultQuery: config.defaultQuery } : {}),
  });
}

/** Maps `openai`'s `APIError` family; `undefined` for anything else (the shared mapper handles it). */
export function mapOpenAIError(err: unknown, ctx: FailureContext): AbiError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { name?: string; status?: unknown; headers?: Headers; error?: unknown; message?: string };
  if (e.name === 'APIConnectionTimeoutError') return new TimeoutError(NaN, 'openai request', { cause: err });
  if (typeof e.status !== 'number') return undefined;
  const text = typeof e.message === 'string' ? e.message.replace(/^\d{3}\s+/, '') : undefined;
  const body = e.error !== undefined && e.error !== null ? { error: e.error } : text;
  const code = (e.error as { code?: unknown } | undefined)?.code;
  return httpError(e.status, ctx, { headers: e.headers, body, cause: err, notFoundIsModel: code === 'model_not_found' });
}
