import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { CachedEmbedder, HashingEmbedder, LruEmbeddingCache, RedisEmbeddingCache } from '../../src/index.js';
import { REDIS_MISSING, type RedisProcess, redisInstalled, redisSkipped, startRedis } from '../helpers/redis-server.js';

if (redisSkipped) console.warn(`Redis cache tests skipped: ABI_SKIP_REDIS=1${redisInstalled ? '' : ` (${REDIS_MISSING})`}`);

/** Counts texts that reach the embedder. */
function counting() {
  const inner = new HashingEmbedder({ dimension: 32 });
  const seen: string[] = [];
  const e = Object.assign(Object.create(inner) as HashingEmbedder, {
    embed: async (texts: readonly string[]) => {
      seen.push(...texts);
      return inner.embed(texts);
    },
  });
  return { e, seen };
}

describe.skipIf(redisSkipped)('RedisEmbeddingCache against a real redis-server', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    if (!redisInstalled) throw new Error(REDIS_MISSING); // fail loudly in CI rather than skip
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('stores raw float32 vectors with a TTL and answers hits exactly', async () => {
    const cache = new RedisEmbeddingCache({ url: redis.url, ttlSeconds: 3600, keyPrefix: 't1:' });
    const v = Float32Array.of(0.25, -1.5, 3.125, Math.fround(Math.PI));
    await cache.setMany([['k1', v]]);
    const [hit, miss] = await cache.getMany(['k1', 'nope']);
    expect(Array.from(hit!)).toEqual(Array.from(v));
    expect(miss).toBeUndefined();
    const direct = new Redis(redis.url);
    try {
      const ttl = await direct.ttl('t1:k1');
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);
      expect((await direct.getBuffer('t1:k1'))!.length).toBe(16);
    } finally {
      direct.disconnect();
    }
    await cache.close();
  });

  it('only misses reach the embedder; a shared Redis serves a second process’s LRU', async () => {
    const a = counting();
    const cacheA = new RedisEmbeddingCache({ url: redis.url, keyPrefix: 't2:' });
    const ea = new CachedEmbedder({ embedder: a.e, cache: [new LruEmbeddingCache(), cacheA] });
    const first = await ea.embed(['alpha', 'beta']);
    expect(a.seen).toEqual(['alpha', 'beta']);
    // Another "process": empty LRU, same Redis.
    const b = counting();
    const cacheB = new RedisEmbeddingCache({ url: redis.url, keyPrefix: 't2:' });
    const lruB = new LruEmbeddingCache();
    const eb = new CachedEmbedder({ embedder: b.e, cache: [lruB, cacheB] });
    const got = await eb.embed(['beta', 'gamma', 'alpha']);
    expect(b.seen).toEqual(['gamma']);
    expect(Array.from(got[0])).toEqual(Array.from(first[1]));
    expect(Array.from(got[2])).toEqual(Array.from(first[0]));
    expect(lruB.size).toBe(3); // Redis hits were copied into the faster tier
    await cacheA.close();
    await cacheB.close();
  });

  it('a Redis outage mid-run degrades to no cache with one warning; embeds keep succeeding; it recovers', async () => {
    const own = await startRedis();
    const warnings: string[] = [];
    const cache = new RedisEmbeddingCache({ url: own.url, keyPrefix: 't3:', timeoutMs: 300, onWarning: (m) => warnings.push(m) });
    const c = counting();
    const e = new CachedEmbedder({ embedder: c.e, cache });
    const before = await e.embed(['one', 'two']);
    await e.embed(['one', 'two']);
    expect(c.seen).toEqual(['one', 'two']); // second call was all hits
    await own.kill();
    const during: Float32Array[][] = [];
    for (let i = 0; i < 5; i++) during.push(await e.embed(['one', 'two', `new ${i}`]));
    for (const out of during) {
      expect(out).toHaveLength(3);
      expect(Array.from(out[0])).toEqual(Array.from(before[0]));
    }
    expect(cache.degraded).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/unavailable; embedding without it/);
    // Back on the same port: the background reconnect picks it up.
    const again = await startRedis(own.port);
    try {
      const deadline = Date.now() + 15_000;
      while (cache.degraded && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        await e.embed(['after']);
      }
      expect(cache.degraded).toBe(false);
      expect(warnings.at(-1)).toMatch(/available again/);
    } finally {
      await cache.close();
      await again.stop();
    }
  });

  it('uses an ioredis client passed in, and leaves it open', async () => {
    const client = new Redis(redis.url, { enableOfflineQueue: false, commandTimeout: 500, lazyConnect: false });
    await new Promise((r) => client.once('ready', r));
    const cache = new RedisEmbeddingCache({ client, keyPrefix: 't5:' });
    await cache.setMany([['k', Float32Array.of(1, 2)]]);
    expect(Array.from((await cache.getMany(['k']))[0]!)).toEqual([1, 2]);
    await cache.close();
    expect(client.status).toBe('ready');
    client.disconnect();
  });

  it('a cache pointed at nothing never fails an embed', async () => {
    const warnings: string[] = [];
    const cache = new RedisEmbeddingCache({ url: 'redis://127.0.0.1:9', timeoutMs: 200, onWarning: (m) => warnings.push(m) });
    const out = await new CachedEmbedder({ embedder: new HashingEmbedder({ dimension: 8 }), cache }).embed(['x', 'y']);
    expect(out).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    await cache.close();
  });

  it('keeps the password out of messages', () => {
    expect(String(new RedisEmbeddingCache({ url: 'redis://:hunter2pass@10.0.0.1:6379/0' }))).toBe('RedisEmbeddingCache(redis://10.0.0.1:6379/0)');
  });
});
