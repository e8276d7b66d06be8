/**
 * The Hugging Face Hub's HTTP protocol, as `huggingface_hub` speaks it: the file list
 * (`GET {endpoint}/api/models/{repo}/revision/{rev}`), file metadata (`HEAD {endpoint}/{repo}/resolve/{rev}/{path}`:
 * `X-Repo-Commit`, `ETag`, and on an LFS file's 302 `X-Linked-Etag` / `X-Linked-Size`) and file contents (GET with
 * `Range`). Redirects are followed by hand so the token goes to the Hub's own origin only, never to a storage host.
 * Hub errors (`X-Error-Code`) become typed errors that name the model and never contain the token.
 *
 * @module
 */
import {
  AbiError, ConnectionError, EntryNotFoundError, GatedRepoError, HubError, type HubErrorOptions, RepoNotFoundError,
  RevisionNotFoundError, ValidationError,
} from '../core/errors.js';
import { sleep, toAbortError } from '../internal/abort.js';
import { readEnv } from '../internal/env.js';
import { parseRetryAfter, resolveRetryOptions, retryDelay, type RetryOptions } from '../resilience/retry.js';
import type { HubModelRef } from './model-id.js';

/** The public Hub. */
export const HF_DEFAULT_ENDPOINT = 'https://huggingface.co';

const TOKEN_ENV = ['ABI_HF_TOKEN', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'] as const;
const MAX_REDIRECTS = 5;

/** Options of {@link HubClient}. */
export interface HubClientOptions {
  /**
   * The Hub (or a mirror) to ask.
   * @defaultValue `ABI_HF_ENDPOINT`, else `HF_ENDPOINT`, else `https://huggingface.co`
   */
  endpoint?: string;
  /**
   * Access token for private and gated models, sent as `Authorization: Bearer` to the endpoint's origin only;
   * `false` sends none even when the environment has one.
   * @defaultValue `ABI_HF_TOKEN`, else `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`
   */
  token?: string | false;
  /** Attempts for metadata requests and for each file (a failed download resumes where it stopped). */
  retry?: RetryOptions;
  /** The `fetch` to use (tests, proxies). @defaultValue the global `fetch` */
  fetch?: typeof fetch;
}

/** What the Hub says about one file at a revision ({@link HubClient.fileMetadata}). */
export interface HubFileMeta {
  /** The commit the revision resolved to (`X-Repo-Commit`). */
  commit: string | undefined;
  /** Git blob sha1 for a small file, sha256 for an LFS file (unquoted). */
  etag: string;
  /** Bytes, when the Hub said. */
  size: number | undefined;
  /** Whether the file is stored in LFS (its ETag is then its sha256). */
  lfs: boolean;
}

/** A repository's commit and file list ({@link HubClient.modelInfo}). */
export interface HubModelInfo {
  /** The commit sha the revision points at. */
  sha: string;
  /** Every file path in the repository at that commit (`siblings[].rfilename`). */
  siblings: string[];
}

/** Context of a request, for error messages. @internal */
export interface HubRequestContext extends HubModelRef {
  path?: string;
}

/**
 * A client of the Hub's file protocol. Used by {@link pullModel}; exposed for callers that list or fetch files
 * themselves.
 *
 * @example
 * ```ts
 * const hub = new HubClient();
 * const { sha, siblings } = await hub.modelInfo({ repoId: 'BAAI/bge-small-en-v1.5', revision: 'main' });
 * ```
 */
export class HubClient {
  /** The endpoint, without a trailing slash. */
  readonly endpoint: string;
  /** Whether a token is configured (the token itself is never exposed). */
  readonly hasToken: boolean;
  readonly #token: string | undefined;
  readonly #origin: string;
  readonly #fetch: typeof fetch;
  readonly #retry: ReturnType<typeof resolveRetryOptions>;

  /**
   * Creates the client.
   *
   * @param options - endpoint, token, retries, fetch
   * @throws {ValidationError} when the endpoint is not an http(s) URL
   */
  constructor(options: HubClientOptions = {}) {
    const endpoint = (options.endpoint?.trim() || readEnv('ABI_HF_ENDPOINT', 'HF_ENDPOINT') || HF_DEFAULT_ENDPOINT).replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(endpoint);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    } catch (err) {
      throw new ValidationError(`bad Hub endpoint ${JSON.stringify(endpoint)}: expected an http(s) URL`, { cause: err });
    }
    this.endpoint = endpoint;
    this.#origin = url.origin;
    this.#token = options.token === false ? undefined : options.token?.trim() || readEnv(...TOKEN_ENV);
    this.hasToken = this.#token !== undefined;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#retry = resolveRetryOptions(options.retry);
  }

  /**
   * The download URL of a file: `{endpoint}/{repo}/resolve/{revision}/{path}`.
   *
   * @param ref - repository and revision
   * @param path - file path inside the repository
   * @returns the URL
   */
  fileUrl(ref: HubModelRef, path: string): string {
    return `${this.endpoint}/${ref.repoId}/resolve/${encodeURIComponent(ref.revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  /**
   * The commit a revision points at and the repository's file list (`GET /api/models/{repo}/revision/{rev}`).
   *
   * @param ref - repository and revision
   * @param signal - cancels the request
   * @returns commit sha and file paths
   * @throws {RepoNotFoundError} {@link RevisionNotFoundError} {@link GatedRepoError} {@link HubError} for Hub errors
   * @throws {ConnectionError} when the Hub cannot be reached
   * @throws {AbortError} when `signal` fires
   */
  async modelInfo(ref: HubModelRef, signal?: AbortSignal): Promise<HubModelInfo> {
    const url = `${this.endpoint}/api/models/${ref.repoId}/revision/${encodeURIComponent(ref.revision)}`;
    return this.#withRetry(signal, async () => {
      const { res } = await this.request(url, 'GET', ref, { signal, headers: { accept: 'application/json' } });
      if (!res.ok) throw await hubHttpError(res, ref, this);
      let body: unknown;
      try {
        body = await res.json();
      } catch (err) {
        throw new HubError('INVALID_RESPONSE', `the Hub's file list for ${ref.repoId} is not JSON`, { ...ref, status: res.status, cause: err });
      }
      const b = body as { sha?: unknown; siblings?: unknown };
      const siblings = Array.isArray(b.siblings) ? b.siblings.map((s) => (s as { rfilename?: unknown })?.rfilename) : undefined;
      if (typeof b.sha !== 'string' || !/^[0-9a-f]{40}$/.test(b.sha) || !siblings?.every((s) => typeof s === 'string')) {
        throw new HubError('INVALID_RESPONSE', `the Hub's file list for ${ref.repoId}@${ref.revision} lacks sha or siblings[].rfilename`, { ...ref, status: res.status });
      }
      return { sha: b.sha, siblings: siblings as string[] };
    });
  }

  /**
   * A file's metadata (`HEAD` on its resolve URL, redirects to another host not followed: an LFS file's 302
   * carries `X-Linked-Etag` and `X-Linked-Size`).
   *
   * @param ref - repository and revision
   * @param path - file path
   * @param signal - cancels the request
   * @returns commit, ETag, size, whether LFS
   * @throws {EntryNotFoundError} and the other Hub errors of {@link HubClient.modelInfo}
   */
  async fileMetadata(ref: HubModelRef, path: string, signal?: AbortSignal): Promise<HubFileMeta> {
    const ctx = { ...ref, path };
    return this.#withRetry(signal, async () => {
      const { res } = await this.request(this.fileUrl(ref, path), 'HEAD', ctx, { signal, crossHost: false });
      if (res.status >= 400) throw await hubHttpError(res, ctx, this);
      const h = res.headers;
      const linked = h.get('x-linked-etag');
      const etag = normalizeEtag(linked ?? h.get('etag'));
      const sizeText = h.get('x-linked-size') ?? h.get('content-length');
      const size = sizeText !== null && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined;
      if (!etag || !/^[\w.-]+$/.test(etag)) {
        throw new HubError('INVALID_RESPONSE', `the Hub sent no usable ETag for ${path} of ${ref.repoId}@${ref.revision}`, { ...ctx, status: res.status });
      }
      return { commit: h.get('x-repo-commit') ?? undefined, etag, size, lfs: linked !== null || /^[0-9a-f]{64}$/.test(etag) };
    });
  }

  /**
   * Sends one request, following redirects by hand: the token goes only to the endpoint's origin; with
   * `crossHost: false` a redirect to another origin is returned rather than followed.
   *
   * @internal
   */
  async request(
    url: string, method: 'GET' | 'HEAD', ctx: HubRequestContext,
    opts: { signal?: AbortSignal; headers?: Record<string, string>; crossHost?: boolean } = {},
  ): Promise<{ res: Response; url: string }> {
    let current = new URL(url);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'abi-sdk; node', ...opts.headers };
      if (this.#token !== undefined && current.origin === this.#origin) headers.authorization = `Bearer ${this.#token}`;
      let res: Response;
      try {
        res = await this.#fetch(current, { method, headers, redirect: 'manual', signal: opts.signal });
      } catch (err) {
        if (opts.signal?.aborted) throw toAbortError(opts.signal);
        throw new ConnectionError(`cannot reach the Hub at ${current.origin} for ${ctx.repoId}: ${this.scrub(String((err as Error)?.cause ?? (err as Error)?.message ?? err))}`,
          { provider: 'huggingface-hub', cause: err });
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, current);
        if (opts.crossHost === false && next.origin !== current.origin) return { res, url: current.href };
        await res.body?.cancel().catch(() => {});
        if (hop >= MAX_REDIRECTS) {
          throw new HubError('INVALID_RESPONSE', `too many redirects fetching ${ctx.path ?? ctx.repoId}`, { ...ctx, status: res.status });
        }
        current = next;
        continue;
      }
      return { res, url: current.href };
    }
  }

  /** Removes the token from a text that may echo it (a server message, a URL). @internal */
  scrub(text: string): string {
    return this.#token ? text.split(this.#token).join('***') : text;
  }

  /** Runs `fn` with the client's retry policy (connection errors, 429, 5xx), the waits abortable. @internal */
  async #withRetry<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const wait = attempt < this.#retry.maxAttempts ? retryDelay(err, attempt, this.#retry) : undefined;
        if (wait === undefined) throw err;
        await sleep(wait, signal);
      }
    }
  }

  /** The retry policy, for the downloader. @internal */
  get retryOptions(): ReturnType<typeof resolveRetryOptions> {
    return this.#retry;
  }
}

/** `"abc"`, `W/"abc"` → `abc`. @internal */
export function normalizeEtag(etag: string | null): string | undefined {
  if (!etag) return undefined;
  return etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1') || undefined;
}

/**
 * The typed error for a Hub error response: `X-Error-Code` (`RepoNotFound`, `GatedRepo`, `RevisionNotFound`,
 * `EntryNotFound`) first, then the status. The message names the model, the revision and the fix; it is scrubbed
 * of the token.
 *
 * @internal
 */
export async function hubHttpError(res: Response, ctx: HubRequestContext, client: HubClient): Promise<AbiError> {
  const code = res.headers.get('x-error-code');
  let detail = res.headers.get('x-error-message') ?? '';
  if (!detail) {
    const text = await res.text().catch(() => '');
    try {
      const j = JSON.parse(text) as { error?: unknown };
      detail = typeof j.error === 'string' ? j.error : '';
    } catch {
      detail = text.slice(0, 200);
    }
  } else await res.body?.cancel().catch(() => {});
  detail = client.scrub(detail.trim());
  const what = `${ctx.repoId}${ctx.path ? ` file ${ctx.path}` : ''} at revision ${ctx.revision}`;
  const tail = detail ? ` (Hub: ${detail})` : '';
  const opts: HubErrorOptions = { ...ctx, status: res.status, body: detail || undefined, retryAfterMs: parseRetryAfter(res.headers) };
  const tokenHint = client.hasToken ? 'the token in use cannot see it' : 'no token was sent: set HF_TOKEN if it is private';
  if (code === 'GatedRepo') {
    return new GatedRepoError(`${ctx.repoId} is a gated model: accept its terms at ${client.endpoint}/${ctx.repoId} and ` +
      `${client.hasToken ? 'check that the token in use has access' : 'set HF_TOKEN to a token of that account'}${tail}`, opts);
  }
  if (code === 'RepoNotFound') return new RepoNotFoundError(`model ${ctx.repoId} not found on ${client.endpoint} (or it is private; ${tokenHint})${tail}`, opts);
  if (code === 'RevisionNotFound') return new RevisionNotFoundError(`model ${ctx.repoId} has no revision ${ctx.revision} (a branch, tag or commit)${tail}`, opts);
  if (code === 'EntryNotFound') return new EntryNotFoundError(`${what} does not exist${tail}`, opts);
  if (res.status === 401) {
    return new HubError('UNAUTHORIZED', `the Hub refused ${what} with 401: ${client.hasToken ? 'the token was rejected' : 'no token was sent (set HF_TOKEN)'}${tail}`, opts);
  }
  if (res.status === 403) return new HubError('FORBIDDEN', `the Hub refused ${what} with 403: the token lacks permission${tail}`, opts);
  if (res.status === 404) {
    return ctx.path ? new EntryNotFoundError(`${what} does not exist${tail}`, opts)
      : new RepoNotFoundError(`model ${ctx.repoId} not found on ${client.endpoint} (${tokenHint})${tail}`, opts);
  }
  if (res.status === 429) return new HubError('RATE_LIMITED', `the Hub rate-limited ${what}${tail}`, { ...opts, retryable: true });
  return new HubError('PROVIDER_ERROR', `the Hub answered ${res.status} for ${what}${tail}`, { ...opts, retryable: res.status >= 500 || res.status === 408 });
}
