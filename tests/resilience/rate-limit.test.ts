import { describe, expect, it } from 'vitest';
import { AbortError, RateLimiter, RateLimitError } from '../../src/index.js';
import { virtualClock } from '../helpers/clocks.js';

describe('RateLimiter', () => {
  it('lets a minute of requests through, then spaces them at the per-minute rate', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 3, clock });
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      await limiter.acquire();
      times.push(clock.time);
    }
    expect(times.slice(0, 3)).toEqual([0, 0, 0]);
    expect(times[3]).toBeCloseTo(20_000, -1);
    expect(times[4]).toBeCloseTo(40_000, -1);
    expect(times[5]).toBeCloseTo(60_000, -1);
  });
  it('limits tokens per minute, weighted by each request', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ tokensPerMinute: 1000, clock });
    await limiter.acquire(400);
    await limiter.acquire(400);
    expect(clock.time).toBe(0);
    await limiter.acquire(400); // needs 200 more tokens: 12 s at 1000/min
    expect(clock.time).toBeCloseTo(12_000, -1);
  });
  it('serves waiters first come, first served, and lets an oversized request through once full', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ tokensPerMinute: 100, clock });
    await limiter.acquire(100);
    const order: string[] = [];
    await Promise.all([
      limiter.acquire(250).then(() => order.push('big')),
      limiter.acquire(10).then(() => order.push('small')),
    ]);
    expect(order).toEqual(['big', 'small']);
    expect(clock.time).toBeGreaterThanOrEqual(60_000);
  });
  it('an aborted waiter leaves the queue; the others still get through', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 1, clock });
    await limiter.acquire();
    const c = new AbortController();
    const first = limiter.acquire(0, { signal: c.signal });
    const second = limiter.acquire();
    c.abort();
    await expect(first).rejects.toBeInstanceOf(AbortError);
    await second;
    expect(limiter.waiting).toBe(0);
  });
  it('refuses at once with RateLimitError when the wait would exceed maxWaitMs', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 60, maxWaitMs: 5_000, clock });
    for (let i = 0; i < 60; i++) await limiter.acquire();
    await limiter.acquire(); // ~1 s
    const err = await limiter.acquire().catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(RateLimitError); // ~1 s more is fine
    const many = Array.from({ length: 10 }, () => limiter.acquire().catch((e: unknown) => e));
    const results = await Promise.all(many);
    const refused = results.filter((r) => r instanceof RateLimitError) as RateLimitError[];
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].code).toBe('RATE_LIMITED');
    expect(refused[0].retryAfterMs).toBeGreaterThan(5_000);
  });
  it('is a no-op without budgets', async () => {
    const limiter = new RateLimiter();
    expect(limiter.enabled).toBe(false);
    await limiter.acquire(1e9);
  });
});
