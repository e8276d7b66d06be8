/**
 * The HTTP server: OpenAI-, TEI- and Ollama-compatible endpoints over an {@link InferenceService}, with API keys,
 * TLS, request limits, Prometheus metrics, OpenTelemetry spans and JSON logs.
 *
 * @module
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import {
  AbiError, AuthenticationError, ClosedError, ConnectorError, NotFoundError, PermissionDeniedError, ValidationError,
} from '../core/errors.js';
import type { DrainOptions } from '../core/contracts.js';
import type { EmbeddingCache } from '../cache/types.js';
import { Drain } from '../internal/drain.js';
import type { InferenceService } from '../scheduler/types.js';
import type { FederatedCoordinator } from '../training/federated/coordinator.js';
import type { KeyStore, Role } from './auth/keys.js';
import { errorBody, type ErrorDialect, HttpError, httpStatusOf } from './error-status.js';
import { type RequestContext, requestIdOf, sendJson } from './http.js';
import { InferenceGateway, noModels, resolveLimits, type ServerLimits } from './inference.js';
import { ServerMetrics, type ServerMetricsOptions } from './metrics.js';
import { adminRoutes } from './routes/admin.js';
import { encodeRoutes } from './routes/encode.js';
import { federatedRoutes } from './routes/federated.js';
import { ollamaRoutes } from './routes/ollama.js';
import { openaiRoutes } from './routes/openai.js';
import { opsRoutes } from './routes/ops.js';
import { teiRoutes } from './routes/tei.js';
import type { Route, RouteEnv } from './routes/types.js';
import { readTlsFiles, type ServerTlsOptions, TlsReloader } from './tls.js';
import { extractContext, recordError, startServerSpan } from './tracing.js';

/** Authentication settings. */
export interface ServerAuthOptions {
  /** Where API keys live (see {@link KeyStore.open}); turns on `Authorization: Bearer` checks and the admin API. */
  keys: KeyStore;
}

/** Options of {@link createServer}. */
export interface CreateServerOptions {
  /**
   * What runs the models: a `LocalScheduler`, or any {@link InferenceService}. May be left out only when the server
   * hosts a federated coordinator and nothing else (it then serves no models).
   */
  service?: InferenceService;
  /**
   * A federated training coordinator to expose under `/v1/federated/*` (role `federated`).
   * @defaultValue none
   */
  federated?: FederatedCoordinator;
  /**
   * API keys. Without them every endpoint is open and the admin API is not mounted (bind to loopback then).
   * @defaultValue none
   */
  auth?: ServerAuthOptions;
  /**
   * Serve HTTPS (and mutual TLS with `clientCaFile`), reloading certificates when their files change.
   * @defaultValue plain HTTP
   */
  tls?: ServerTlsOptions;
  /** Body size, inputs, tokens and per-key rate limits. */
  limits?: ServerLimits;
  /**
   * A pino logger; `false` for none.
   * @defaultValue JSON logs at `info` to stdout
   */
  logger?: Logger | false;
  /**
   * Prometheus metrics options; `false` turns `/metrics` off.
   * @defaultValue a registry of the server's own
   */
  metrics?: ServerMetricsOptions | false;
  /**
   * An embedding cache tier in front of the service (hits and misses are counted in `abi_cache_*`).
   * @defaultValue none
   */
  cache?: EmbeddingCache;
}

/** A route a server mounts (see {@link AbiServer.routes}). */
export interface MountedRoute {
  /** HTTP method. */
  method: 'GET' | 'POST' | 'DELETE';
  /** Path; `:name` segments are path parameters. */
  path: string;
  /** The error body shape it answers with. */
  dialect: ErrorDialect;
  /** Role a key needs when authentication is on; `null` for public routes. */
  role: Role | null;
}

/** Options of {@link AbiServer.close}. */
export interface ServerCloseOptions extends DrainOptions {
  /**
   * How long requests in flight may take to finish before their connections are cut, in milliseconds.
   * @defaultValue 10_000
   */
  deadlineMs?: number;
  /** Stops waiting for requests in flight: their connections are cut at once. */
  signal?: AbortSignal;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, regex: new RegExp(`^${source}$`), names };
}

function dialectOfPath(path: string): ErrorDialect {
  if (path.startsWith('/api/')) return 'ollama';
  if (path === '/embed' || path === '/rerank' || path === '/') return 'tei';
  return 'openai';
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/**
 * A running (or ready to run) server. Create one with {@link createServer}.
 */
export class AbiServer {
  /** The underlying Node.js server (`https.Server` with TLS). */
  readonly httpServer: HttpServer | HttpsServer;
  /** The metrics, unless turned off. */
  readonly metrics: ServerMetrics | undefined;
  /** The API keys, when authentication is on. */
  readonly keys: KeyStore | undefined;
  /** The logger in use. */
  readonly logger: Logger;
  /** Times the TLS context was reloaded from changed files. */
  tlsReloads = 0;
  readonly #routes: CompiledRoute[];
  readonly #env: RouteEnv;
  readonly #tls: TlsReloader | undefined;
  readonly #secure: boolean;
  #inFlight = 0;
  readonly #drain = new Drain(() => this.#inFlight === 0);
  #closing = false;
  #closed: Promise<void> | undefined;

  /** @internal */
  constructor(options: CreateServerOptions) {
    if (!options?.service && !options?.federated) throw new ValidationError('createServer needs a service (or a federated coordinator)');
    const service = options.service ?? noModels();
    this.logger = options.logger === false ? pino({ enabled: false }) : options.logger ?? pino({ name: 'abi-sdk' });
    this.metrics = options.metrics === false ? undefined : new ServerMetrics(service, options.metrics ?? {});
    this.keys = options.auth?.keys;
    const limits = resolveLimits(options.limits);
    this.#routes = [
      ...openaiRoutes, ...teiRoutes, ...ollamaRoutes, ...encodeRoutes, ...opsRoutes, ...(this.keys ? adminRoutes : []),
      ...(options.federated ? federatedRoutes : []),
    ].map(compile);
    this.#env = {
      service, limits, keys: this.keys, metrics: this.metrics, federated: options.federated,
      gateway: new InferenceGateway(service, limits, this.metrics, options.cache), routes: this.#routes,
    };
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.#secure = options.tls !== undefined;
    if (options.tls) {
      const https = createHttpsServer(readTlsFiles(options.tls), handler);
      this.httpServer = https;
      this.#tls = new TlsReloader(https, options.tls,
        () => {
          this.tlsReloads++;
          this.logger.info('tls certificates reloaded');
        },
        (err) => this.logger.error({ err }, 'tls reload failed; keeping the current certificates'));
    } else {
      this.httpServer = createHttpServer(handler);
    }
    this.httpServer.requestTimeout = 120_000;
    this.httpServer.headersTimeout = 30_000;
  }

  /**
   * Starts listening.
   *
   * @param port - TCP port; 0 picks a free one
   * @param host - interface to bind
   * @returns the base URL, e.g. `http://127.0.0.1:8080`
   * @defaultValue port 8080, host `127.0.0.1`
   */
  async listen(port = 8080, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen(port, host, () => {
        this.httpServer.off('error', reject);
        resolve();
      });
    });
    this.logger.info({ url: this.url }, 'listening');
    return this.url;
  }

  /** The base URL once listening (`https://…` with TLS). */
  get url(): string {
    const a = this.httpServer.address() as AddressInfo | null;
    if (!a) return '';
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `${this.#secure ? 'https' : 'http'}://${host}:${a.port}`;
  }

  /** The routes this server mounts: method, path, error dialect and the role a key needs (`null`: public). */
  get routes(): readonly MountedRoute[] {
    return this.#routes.map(({ method, path, dialect, role }) => ({ method, path, dialect, role }));
  }

  /** Requests being served right now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Reloads the TLS certificates from their files now (they are also reloaded when the files change).
   *
   * @returns whether the new certificates were installed
   */
  reloadTls(): boolean {
    return this.#tls?.reload() ?? false;
  }

  /**
   * Stops accepting connections, lets requests in flight finish (new requests on open connections get 503), then
   * closes. Does not close the service.
   *
   * @param options - how long to wait for requests in flight
   * @returns when the server is closed
   */
  close(options: ServerCloseOptions = {}): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      this.#tls?.close();
      const done = new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
      this.httpServer.closeIdleConnections();
      await this.#drain.wait({ deadlineMs: options.deadlineMs ?? 10_000, signal: options.signal });
      this.httpServer.closeAllConnections();
      await done;
      this.keys?.close();
      this.logger.info('closed');
    })();
    return this.#closed;
  }

  #match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | 'method' | undefined {
    let wrongMethod = false;
    for (const route of this.#routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        wrongMethod = true;
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => (params[n] = safeDecode(m[i + 1])));
      return { route, params };
    }
    return wrongMethod ? 'method' : undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const found = this.#match(method, path);
    const routeName = typeof found === 'object' ? found.route.path : 'unmatched';
    const dialect = typeof found === 'object' ? found.route.dialect : dialectOfPath(path);
    const { span, ctx: otel } = startServerSpan(extractContext(req.headers), `${method} ${routeName}`, {
      'http.request.method': method, 'url.path': path, 'http.route': routeName,
    });
    const log = this.logger.child({ reqId: requestId });
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort(new ClosedError('client connection'));
    });
    const ctx: RequestContext = {
      req, res, requestId, key: undefined, signal: abort.signal, log, span, otel,
      params: typeof found === 'object' ? found.params : {}, dialect,
    };
    this.#inFlight++;
    try {
      if (this.#closing) throw new ClosedError('server');
      if (found === undefined) throw new NotFoundError(`No route for ${method} ${path}`);
      if (found === 'method') throw new HttpError(405, 'UNSUPPORTED', `Method ${method} is not allowed on ${path}`);
      this.#authorize(ctx, found.route);
      await found.route.handler(ctx, this.#env);
    } catch (err) {
      this.#fail(ctx, err);
    } finally {
      this.#inFlight--;
      this.#drain.notify();
      if (!res.headersSent) this.#fail(ctx, new Error('handler sent no response'));
      const status = res.statusCode;
      span.setAttribute('http.response.status_code', status);
      if (ctx.key) span.setAttribute('abi.principal', ctx.key.principal);
      span.end();
      const seconds = (performance.now() - started) / 1000;
      this.metrics?.observeRequest(routeName, method, status, seconds);
      log[status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info']({
        method, path, status, ms: Math.round(seconds * 1000 * 10) / 10, principal: ctx.key?.principal,
      }, 'request');
    }
  }

  #authorize(ctx: RequestContext, route: Route): void {
    if (!this.keys || route.role === null) return;
    const token = bearer(ctx.req);
    if (!token) throw new AuthenticationError('Missing API key: send Authorization: Bearer <key>', { provider: 'abi-sdk', status: 401 });
    ctx.key = this.keys.verify(token);
    if (!ctx.key.roles.includes(route.role)) {
      throw new PermissionDeniedError(`This API key lacks the "${route.role}" role`, { provider: 'abi-sdk', status: 403 });
    }
  }

  #fail(ctx: RequestContext, err: unknown): void {
    const status = httpStatusOf(err, ctx.dialect);
    const code = err instanceof AbiError ? err.code : 'INTERNAL';
    this.metrics?.errors.inc({ code });
    // HTTP semantic conventions: a server span's status stays unset for 4xx (the client's error).
    if (status >= 500) recordError(ctx.span, err);
    ctx.span.setAttribute('abi.error.code', code);
    if (status >= 500 && !(err instanceof AbiError)) ctx.log.error({ err }, 'unhandled error');
    const headers: Record<string, string> = {};
    if (status === 401) headers['www-authenticate'] = 'Bearer';
    if (err instanceof AbiError && (err.code === 'BUSY' || err.code === 'RATE_LIMITED' || err.code === 'CLOSED' || err.code === 'POOL_UNHEALTHY')) {
      const ms = err instanceof ConnectorError ? err.retryAfterMs : undefined;
      headers['retry-after'] = String(Math.max(1, Math.ceil((ms ?? 1000) / 1000)));
    }
    if (ctx.res.headersSent) {
      ctx.res.destroy();
      return;
    }
    // An unread body would otherwise keep the connection busy; answer, then close it.
    if (!ctx.req.complete) headers.connection = 'close';
    sendJson(ctx.res, status, errorBody(err, status, ctx.dialect), headers);
  }
}

/**
 * Creates the server (call {@link AbiServer.listen} to start it).
 *
 * @param options - the service, auth, TLS, limits, logger, metrics and cache
 * @returns the server
 * @throws `IOError` when TLS files cannot be read
 * @example
 * ```ts
 * import { createServer, KeyStore } from 'abi-sdk/server';
 * const server = createServer({ service: scheduler, auth: { keys: KeyStore.open('./data') } });
 * const url = await server.listen(8080, '0.0.0.0');
 * ```
 */
export function createServer(options: CreateServerOptions): AbiServer {
  return new AbiServer(options);
}
