/**
 * A Redis embedding cache (through `ioredis`, an optional peer dependency) that never fails an embed: when Redis
 * is down or slow, lookups miss and writes are skipped, with one warning per outage.
 *
 * @module
 */
import type { Redis, RedisOptions } from 'ioredis';
import { AbortError, ConnectionError, ValidationError } from '../core/errors.js';
import { raceAbort } from '../internal/abort.js';
import { withTimeout } from '../resilience/timeout.js';
import { readEnv } from '../internal/env.js';
import { loadPeer } from '../internal/peer.js';
import type { EmbeddingCache } from './types.js';

/**
 * The part of an `ioredis` client this cache uses; an `ioredis` `Redis` instance fits. Declared here so the SDK's
 * types do not require `ioredis` to be installed.
 */
export interface RedisClientLike {
  /** Connection status; `'ready'` when commands can be sent. */
  readonly status: string;
  /**
   * `MGET` returning raw bytes.
   *
   * @param keys - full keys
   * @returns one value (or null) per key
   */
  mgetBuffer(keys: string[]): Promise<(Buffer | null)[]>;
  /**
   * A command pipeline.
   *
   * @returns a pipeline with `set` and `exec`
   */
  pipeline(): RedisPipelineLike;
}

/** The part of an `ioredis` pipeline the cache uses. */
export interface RedisPipelineLike {
  /**
   * Queues `SET key value EX seconds`.
   *
   * @param key - full key
   * @param value - raw bytes
   * @param mode - `'EX'`
   * @param seconds - time to live
   * @returns the pipeline (ignored)
   */
  set(key: string, value: Buffer, mode: 'EX', seconds: number): unknown;
  /**
   * Sends the queued commands.
   *
   * @returns one `[error, result]` pair per command
   */
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** Options for {@link RedisEmbeddingCache}. */
export interface RedisEmbeddingCacheOptions {
  /**
   * Connection URL (`redis://[:password@]host:port/db`, `rediss://` for TLS). Ignored when `client` is given.
   * @defaultValue `ABI_REDIS_URL`, else `REDIS_URL`, else `redis://127.0.0.1:6379`
   */
  url?: string;
  /**
   * An `ioredis` client to use instead of opening one (it is not closed by {@link RedisEmbeddingCache.close}). To
   * degrade quickly during an outage it should have `enableOfflineQueue: false` and a `commandTimeout`.
   * @defaultValue none
   */
  client?: RedisClientLike;
  /**
   * Time to live of every entry, in seconds.
   * @defaultValue 604800 (7 days)
   */
  ttlSeconds?: number;
  /**
   * Prefix of every key.
   * @defaultValue 'abi:emb:'
   */
  keyPrefix?: string;
  /**
   * Longest wait for one Redis command (and for connecting), in milliseconds; past it the lookup is a miss.
   * @defaultValue 1000
   */
  timeoutMs?: number;
  /**
   * Receives the warning when Redis becomes unavailable (once per outage) and the notice when it is back.
   * @defaultValue `process.emitWarning` with code `ABI_CACHE_UNAVAILABLE`
   */
  onWarning?: (message: string) => void;
}

/** A Redis URL without its password, for messages. */
function safeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '[invalid url]';
  }
}

/**
 * Vectors in Redis as raw little-endian float32 bytes (`MGET` for lookups, pipelined `SET … EX` for writes), with a
 * TTL. Built for degradation: the client queues nothing while disconnected (`enableOfflineQueue: false`), every
 * command has a timeout, reconnection runs in the background, and any failure turns into misses plus a single
 * warning until Redis answers again.
 *
 * @example
 * ```ts
 * const redis = new RedisEmbeddingCache({ url: 'redis://127.0.0.1:6379', ttlSeconds: 86_400 });
 * const embedder = new CachedEmbedder({ embedder: inner, cache: [new LruEmbeddingCache(), redis] });
 * // …
 * await redis.close();
 * ```
 */
export class RedisEmbeddingCache implements EmbeddingCache {
  /** `redis`. */
  readonly name = 'redis';
  readonly #options: RedisEmbeddingCacheOptions;
  readonly #url: string;
  readonly #ttl: number;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #warn: (message: string) => void;
  #client: Promise<Redis> | undefined;
  #own = false;
  #firstConnect: Promise<void> | undefined;
  #connectedOnce = false;
  #down = false;
  #closed = false;

  /**
   * @param options - URL or client, TTL, key prefix, timeout, warning sink
   * @throws {@link ValidationError} for a non-positive TTL or timeout
   */
  constructor(options: RedisEmbeddingCacheOptions = {}) {
    this.#options = options;
    this.#url = options.url?.trim() || readEnv('ABI_REDIS_URL', 'REDIS_URL') || 'redis://127.0.0.1:6379';
    this.#ttl = options.ttlSeconds ?? 7 * 24 * 3600;
    this.#prefix = options.keyPrefix ?? 'abi:emb:';
    this.#timeoutMs = options.timeoutMs ?? 1000;
    if (!(this.#ttl > 0) || !Number.isInteger(this.#ttl)) throw new ValidationError('ttlSeconds must be a positive integer');
    if (!(this.#timeoutMs > 0)) throw new ValidationError('timeoutMs must be positive');
    this.#warn = options.onWarning ?? ((m) => process.emitWarning(m, { code: 'ABI_CACHE_UNAVAILABLE' }));
  }

  /** Whether the last Redis operation failed (the cache is currently being bypassed). */
  get degraded(): boolean {
    return this.#down;
  }

  /** {@inheritDoc EmbeddingCache.getMany} */
  async getMany(keys: readonly string[], options: { signal?: AbortSignal } = {}): Promise<(Float32Array | undefined)[]> {
    if (keys.length === 0) return [];
    const misses = (): undefined[] => keys.map(() => undefined);
    const redis = await this.#connect(options.signal);
    if (!redis) return misses();
    try {
      const values = await redis.mgetBuffer(keys.map((k) => this.#prefix + k));
      this.#recovered();
      return values.map((b) => {
        if (!b || b.length === 0 || b.length % 4 !== 0) return undefined;
        const v = new Float32Array(b.length / 4);
        new Uint8Array(v.buffer).set(b);
        return v;
      });
    } catch (err) {
      this.#failed(err);
      return misses();
    }
  }

  /** {@inheritDoc EmbeddingCache.setMany} */
  async setMany(entries: ReadonlyArray<readonly [string, Float32Array]>): Promise<void> {
    if (entries.length === 0) return;
    const redis = await this.#connect();
    if (!redis) return;
    try {
      const p = redis.pipeline();
      for (const [k, v] of entries) p.set(this.#prefix + k, Buffer.from(v.buffer, v.byteOffset, v.byteLength), 'EX', this.#ttl);
      const results = await p.exec();
      const failed = results?.find(([e]) => e);
      if (failed) throw failed[0];
      this.#recovered();
    } catch (err) {
      this.#failed(err);
    }
  }

  /**
   * Closes the connection this cache opened (not a client passed in).
   *
   * @returns when closed
   */
  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#client;
    this.#client = undefined;
    if (!pending || !this.#own) return;
    const redis = await pending.catch(() => undefined);
    redis?.disconnect();
  }

  /**
   * A description without the password.
   *
   * @returns e.g. `RedisEmbeddingCache(redis://127.0.0.1:6379)`
   */
  toString(): string {
    return `RedisEmbeddingCache(${this.#options.client ? 'client' : safeRedisUrl(this.#url)})`;
  }

  /**
   * The client, connected on first use; `undefined` (a miss) when connecting fails or the cache is closed. The first
   * connection is bounded by `timeoutMs` (a `TimeoutError`, reported as unavailable); `signal` stops this caller's wait.
   */
  async #connect(signal?: AbortSignal): Promise<RedisClientLike | undefined> {
    if (this.#closed) return undefined;
    if (this.#options.client) return this.#options.client;
    this.#client ??= this.#open();
    const redis = await this.#client;
    if (redis.status === 'ready') return redis;
    if (redis.status === 'wait') this.#firstConnect ??= withTimeout(() => redis.connect(), { timeout: this.#timeoutMs, what: 'Redis connection' });
    if (this.#firstConnect && !this.#connectedOnce) {
      try {
        await raceAbort(this.#firstConnect, signal);
        this.#connectedOnce = true;
        return redis;
      } catch (err) {
        if (err instanceof AbortError) throw err;
        this.#failed(err);
        return undefined;
      }
    }
    // Reconnecting in the background: skip Redis for now rather than wait.
    this.#failed(new ConnectionError(`connection is ${redis.status}`, { provider: 'redis' }));
    return undefined;
  }

  async #open(): Promise<Redis> {
    const mod: { Redis?: unknown; default?: unknown } = await loadPeer('ioredis', 'RedisEmbeddingCache', () => import('ioredis'));
    // ioredis is CommonJS: the class is `Redis` (named) or `default`, depending on how it was imported.
    const Ctor = (mod.Redis ?? mod.default) as new (url: string, o: RedisOptions) => Redis;
    const redis = new Ctor(this.#url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.#timeoutMs,
      connectTimeout: this.#timeoutMs,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
    });
    this.#own = true;
    // ioredis emits 'error' on every failed reconnect; without a listener Node would throw it.
    redis.on('error', (err: unknown) => this.#failed(err));
    return redis;
  }

  #failed(err: unknown): void {
    if (this.#down || this.#closed) return;
    this.#down = true;
    const why = err instanceof Error ? err.message : String(err);
    this.#warn(`Redis embedding cache ${safeRedisUrl(this.#url)} unavailable; embedding without it (${why.replaceAll(this.#url, safeRedisUrl(this.#url))})`);
  }

  #recovered(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#warn(`Redis embedding cache ${safeRedisUrl(this.#url)} is available again`);
  }
}
