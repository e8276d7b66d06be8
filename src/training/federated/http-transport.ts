/**
 * The federated client's HTTP transport: the coordinator's `/v1/federated/*` endpoints over node:http or node:https
 * (with a private CA and, for mutual TLS, a client certificate), bearer API keys, binary frames for weights and
 * updates, and the server's error bodies turned back into typed errors.
 *
 * @module
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  AbiError, type AbiErrorCode, ConflictError, ConnectionError, connectorErrorFromStatus, InvalidResponseError,
  InvalidUpdateError, NotFoundError, ValidationError,
} from '../../core/errors.js';
import { throwIfAborted, toAbortError } from '../../internal/abort.js';
import { CLIENT_HEADER, type CommitRequest, type JoinInfo, type RoundInfo, type UpdateAck } from './protocol.js';
import type { FederatedTransport } from './transport.js';

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** The coordinator's base URL, e.g. `https://coordinator:8443`. */
  url: string;
  /** API key with the `federated` role (sent as `Authorization: Bearer`). */
  apiKey?: string;
  /** PEM CA bundle to trust for the coordinator's certificate. */
  ca?: string | Buffer;
  /** PEM client certificate, for mutual TLS. */
  cert?: string | Buffer;
  /** PEM client key, for mutual TLS. */
  key?: string | Buffer;
  /**
   * Per-request timeout in milliseconds.
   * @defaultValue 120_000
   */
  timeoutMs?: number;
}

interface Answer {
  status: number;
  type: string;
  body: Buffer;
}

const PROVIDER = 'abi-federated';

/**
 * Talks to a coordinator mounted on an abi-sdk server.
 *
 * @example
 * ```ts
 * const transport = new HttpTransport({ url: 'https://coord:8443', apiKey: process.env.ABI_FEDERATED_KEY, ca: readFileSync('ca.pem') });
 * ```
 */
export class HttpTransport implements FederatedTransport {
  readonly #base: URL;
  readonly #options: HttpTransportOptions;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #secure: boolean;

  /**
   * @param options - URL, API key, TLS material, timeout
   * @throws {ValidationError} for a URL that is not http(s)
   */
  constructor(options: HttpTransportOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch (err) {
      throw new ValidationError(`not a URL: ${options.url}`, { cause: err });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ValidationError('the coordinator URL must be http or https');
    this.#base = base;
    this.#options = options;
    this.#secure = base.protocol === 'https:';
    this.#agent = this.#secure
      ? new HttpsAgent({ keepAlive: true, ca: options.ca, cert: options.cert, key: options.key })
      : new HttpAgent({ keepAlive: true });
  }

  /** {@inheritDoc FederatedTransport.join} */
  async join(clientId: string | undefined, signal?: AbortSignal): Promise<JoinInfo> {
    return this.#json<JoinInfo>(await this.#call('POST', '/v1/federated/join', undefined, jsonBody(clientId ? { clientId } : {}), signal));
  }

  /** {@inheritDoc FederatedTransport.round} */
  async round(clientId: string, signal?: AbortSignal): Promise<RoundInfo> {
    return this.#json<RoundInfo>(await this.#call('GET', '/v1/federated/round', clientId, undefined, signal));
  }

  /** {@inheritDoc FederatedTransport.model} */
  async model(clientId: string, signal?: AbortSignal): Promise<Uint8Array> {
    return (await this.#call('GET', '/v1/federated/model', clientId, undefined, signal)).body;
  }

  /** {@inheritDoc FederatedTransport.commit} */
  async commit(clientId: string, request: CommitRequest, signal?: AbortSignal): Promise<void> {
    await this.#call('POST', '/v1/federated/commit', clientId, jsonBody(request), signal);
  }

  /** {@inheritDoc FederatedTransport.submit} */
  async submit(clientId: string, frame: Uint8Array, signal?: AbortSignal): Promise<UpdateAck> {
    const body = { type: 'application/octet-stream', bytes: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength) };
    return this.#json<UpdateAck>(await this.#call('POST', '/v1/federated/update', clientId, body, signal));
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  #json<T>(a: Answer): T {
    try {
      return JSON.parse(a.body.toString('utf8')) as T;
    } catch (err) {
      throw new InvalidResponseError('coordinator answer is not JSON', { provider: PROVIDER, status: a.status, cause: err });
    }
  }

  #call(method: 'GET' | 'POST', path: string, clientId: string | undefined, body: { type: string; bytes: Buffer } | undefined, signal?: AbortSignal): Promise<Answer> {
    throwIfAborted(signal);
    const url = new URL(path, this.#base);
    const headers: Record<string, string> = { accept: 'application/json, application/octet-stream' };
    if (this.#options.apiKey) headers.authorization = `Bearer ${this.#options.apiKey}`;
    if (clientId) headers[CLIENT_HEADER] = clientId;
    if (body) {
      headers['content-type'] = body.type;
      headers['content-length'] = String(body.bytes.length);
    }
    const send = this.#secure ? httpsRequest : httpRequest;
    return new Promise<Answer>((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.#agent, timeout: this.#options.timeoutMs ?? 120_000 }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new ConnectionError(`reading the answer of ${method} ${path} failed`, { provider: PROVIDER, cause: err })));
        res.on('end', () => {
          const answer = { status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) };
          if (answer.status >= 200 && answer.status < 300) resolve(answer);
          else reject(errorOf(answer, method, path));
        });
      });
      const onAbort = (): void => {
        req.destroy();
        reject(toAbortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('close', () => signal?.removeEventListener('abort', onAbort));
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.#options.timeoutMs ?? 120_000} ms`)));
      req.on('error', (err) => reject(new ConnectionError(`${method} ${path} failed: ${err.message}`, { provider: PROVIDER, cause: err })));
      req.end(body?.bytes);
    });
  }
}

function jsonBody(value: unknown): { type: string; bytes: Buffer } {
  return { type: 'application/json', bytes: Buffer.from(JSON.stringify(value), 'utf8') };
}

/** Turns the server's OpenAI-style error body back into the coordinator's typed error. */
function errorOf(a: Answer, method: string, path: string): AbiError {
  let message = `${method} ${path} answered ${a.status}`;
  let code: string | undefined;
  let param: unknown;
  try {
    const parsed = JSON.parse(a.body.toString('utf8')) as { error?: { message?: string; code?: string; param?: unknown } };
    if (parsed.error?.message) message = parsed.error.message;
    code = parsed.error?.code?.toUpperCase();
    param = parsed.error?.param;
  } catch {
    // Not an abi-sdk error body (a proxy's page): keep the status line.
  }
  switch (code as AbiErrorCode | undefined) {
    case 'INVALID_UPDATE':
      return new InvalidUpdateError(typeof param === 'string' ? param as InvalidUpdateError['reason'] : 'frame', message);
    case 'NOT_FOUND':
      return new NotFoundError(message);
    case 'CONFLICT':
      return new ConflictError(message);
    case 'INVALID_INPUT':
      return new ValidationError(message);
    default:
      return connectorErrorFromStatus(a.status, message, { provider: PROVIDER, status: a.status, body: a.type.includes('json') ? a.body.toString('utf8') : undefined });
  }
}
