import { describe, expect, it } from 'vitest';
import {
  AbortError, CircuitOpenError, ConnectionError, ModelLoadingError, ProviderError, RateLimitError, ResilientCaller,
  TimeoutError, type ResilienceEvent,
} from '../../src/index.js';
import { systemClock } from '../../src/resilience/clock.js';
import { manualClock, virtualClock } from '../helpers/clocks.js';

const p = { provider: 'test' };
const fail503 = () => new ProviderError('unavailable', { ...p, status: 503 });

describe('ResilientCaller', () => {
  it('retries retryable failures with ×2 backoff and returns the first success', async () => {
    const clock = manualClock();
    const events: ResilienceEvent[] = [];
    const caller = new ResilientCaller({ ...p, clock, retry: { maxAttempts: 4, random: () => 0.5 }, onEvent: (e) => events.push(e) });
    let n = 0;
    const v = await caller.call(async ({ attempt }) => {
      n++;
      if (attempt < 4) throw fail503();
      return 'ok';
    });
    expect(v).toBe('ok');
    expect(n).toBe(4);
    expect(clock.sleeps).toEqual([500, 1000, 2000]);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2, 3]);
  });
  it('gives up after maxAttempts (3 by default) with the last error; a call can override it', async () => {
    const caller = new ResilientCaller({ ...p, clock: manualClock() });
    let n = 0;
    await expect(caller.call(async () => { n++; throw fail503(); })).rejects.toMatchObject({ code: 'PROVIDER_ERROR', status: 503 });
    expect(n).toBe(3);
    n = 0;
    await expect(caller.call(async () => { n++; throw fail503(); }, { maxAttempts: 1 })).rejects.toBeInstanceOf(ProviderError);
    expect(n).toBe(1);
  });
  it('never retries a 4xx', async () => {
    const caller = new ResilientCaller({ ...p, clock: manualClock() });
    let n = 0;
    const err = await caller.call(async () => {
      n++;
      throw new ProviderError('bad request', { ...p, status: 400 });
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROVIDER_ERROR', status: 400 });
    expect(n).toBe(1);
  });
  it('waits exactly what Retry-After asked', async () => {
    const clock = manualClock();
    const caller = new ResilientCaller({ ...p, clock });
    let n = 0;
    await caller.call(async () => {
      if (n++ === 0) throw new RateLimitError('slow down', { ...p, status: 429, retryAfterMs: 2000 });
      return 1;
    });
    expect(clock.sleeps).toEqual([2000]);
  });
  it('aborting during a backoff wait rejects at once with AbortError and makes no further attempt', async () => {
    const caller = new ResilientCaller({ ...p, clock: systemClock, retry: { initialDelayMs: 10_000 } });
    const c = new AbortController();
    let n = 0;
    const started = Date.now();
    setTimeout(() => c.abort(), 30);
    await expect(caller.call(async () => { n++; throw fail503(); }, { signal: c.signal })).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(5000); // the backoff was 10 s: the abort cut it short
    await new Promise((r) => setTimeout(r, 50));
    expect(n).toBe(1);
  });
  it('gives each attempt its own timeout, linked to the caller’s signal', async () => {
    const caller = new ResilientCaller({ ...p, clock: manualClock(), timeout: 40 });
    const waitForAbort = (signal: AbortSignal) => new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted by signal')), { once: true });
    });
    let n = 0;
    const v = await caller.call(async ({ signal }) => (++n < 3 ? waitForAbort(signal) : 'third time'));
    expect(v).toBe('third time');
    const err = await caller.call(async ({ signal }) => waitForAbort(signal)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).timeoutMs).toBe(40);
    const c = new AbortController();
    setTimeout(() => c.abort(), 10);
    await expect(caller.call(async ({ signal }) => waitForAbort(signal), { signal: c.signal, timeout: 5000 }))
      .rejects.toBeInstanceOf(AbortError);
  });
  it('opens the circuit after 5 failures and refuses without calling; closes after 2 successful trials', async () => {
    const clock = manualClock();
    const caller = new ResilientCaller({ ...p, clock, retry: false });
    let calls = 0;
    const down = async () => { calls++; throw new ConnectionError('refused', p); };
    for (let i = 0; i < 5; i++) await expect(caller.call(down)).rejects.toBeInstanceOf(ConnectionError);
    await expect(caller.call(down)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(5);
    clock.advance(60_000);
    expect(await caller.call(async () => 'trial 1')).toBe('trial 1');
    expect(caller.status()[0].circuit).toBe('half-open');
    expect(await caller.call(async () => 'trial 2')).toBe('trial 2');
    expect(caller.status()[0].circuit).toBe('closed');
  });
  it('a model still loading neither opens the circuit nor ejects the endpoint', async () => {
    const caller = new ResilientCaller({ ...p, clock: manualClock(), retry: false });
    for (let i = 0; i < 8; i++) {
      await expect(caller.call(async () => { throw new ModelLoadingError('loading', { ...p, estimatedMs: 10 }); }))
        .rejects.toBeInstanceOf(ModelLoadingError);
    }
    expect(caller.status()[0]).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 });
  });
  it('charges the rate limit on every attempt', async () => {
    const clock = virtualClock();
    const caller = new ResilientCaller({ ...p, clock, rateLimit: { requestsPerMinute: 2 }, retry: { random: () => 0.5 } });
    let n = 0;
    await caller.call(async () => { if (n++ < 2) throw fail503(); return 0; });
    // attempts at t=0 and t=500 (backoff) use the budget; the third waits for a refill (30 s after t=0).
    expect(clock.time).toBeGreaterThanOrEqual(30_000);
  });
});
