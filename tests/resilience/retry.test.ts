import { describe, expect, it } from 'vitest';
import {
  AbortError, DEFAULT_RETRY_OPTIONS, InvalidResponseError, isRetryable, ModelLoadingError, ProviderError, RateLimitError, TimeoutError, ValidationError,
} from '../../src/index.js';
import { backoffDelay, parseRetryAfter, resolveRetryOptions, retryDelay } from '../../src/resilience/retry.js';

const fixed = (r: number) => resolveRetryOptions({ random: () => r });

describe('retry policy', () => {
  it('doubles from 500 ms and caps at 30 s (no jitter at the midpoint)', () => {
    const o = fixed(0.5);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(n, o)))
      .toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
  it('jitters within ±25% and never exceeds the cap', () => {
    expect(backoffDelay(3, fixed(0))).toBe(1500);
    expect(backoffDelay(3, fixed(0.999999))).toBeCloseTo(2500, 0);
    expect(backoffDelay(10, fixed(0.999999))).toBe(30000);
    expect(backoffDelay(10, fixed(0))).toBe(22500);
    const o = resolveRetryOptions({});
    for (let i = 0; i < 1000; i++) {
      const d = backoffDelay(2, o);
      expect(d).toBeGreaterThanOrEqual(750);
      expect(d).toBeLessThanOrEqual(1250);
    }
  });
  it('reads Retry-After in seconds, HTTP dates and retry-after-ms', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(parseRetryAfter({ 'Retry-After': '1.5' })).toBe(1500);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }, now)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
  it('retries 408/429/5xx, connection errors, timeouts and loading models, never 4xx or aborts', () => {
    const p = { provider: 'x' };
    expect(isRetryable(new ProviderError('boom', { ...p, status: 503 }))).toBe(true);
    expect(isRetryable(new ProviderError('timeout', { ...p, status: 408 }))).toBe(true);
    expect(isRetryable(new ProviderError('bad', { ...p, status: 400 }))).toBe(false);
    expect(isRetryable(new ProviderError('nope', { ...p, status: 404 }))).toBe(false);
    expect(isRetryable(new RateLimitError('slow', p))).toBe(true);
    expect(isRetryable(new TimeoutError(10))).toBe(true);
    expect(isRetryable(new AbortError())).toBe(false);
    expect(isRetryable(new InvalidResponseError('junk', p))).toBe(false);
    expect(isRetryable(new Error('plain'))).toBe(false);
  });
  it('honours the provider-requested wait up to maxRetryAfterMs, then gives up', () => {
    const o = fixed(0.5);
    expect(retryDelay(new RateLimitError('slow', { provider: 'x', retryAfterMs: 7000 }), 1, o)).toBe(7000);
    expect(retryDelay(new ModelLoadingError('loading', { provider: 'hf', estimatedMs: 20_000 }), 1, o)).toBe(20_000);
    expect(retryDelay(new RateLimitError('slow', { provider: 'x', retryAfterMs: 61_000 }), 1, o)).toBeUndefined();
    expect(retryDelay(new ProviderError('bad', { provider: 'x', status: 400 }), 1, o)).toBeUndefined();
    expect(retryDelay(new ProviderError('boom', { provider: 'x', status: 500 }), 2, o)).toBe(1000);
  });
  it('rejects nonsense options', () => {
    expect(() => resolveRetryOptions({ maxAttempts: 0 })).toThrow(ValidationError);
    expect(() => resolveRetryOptions({ jitter: 2 })).toThrow(ValidationError);
    expect(() => resolveRetryOptions({ maxAttempts: 1.5 })).toThrow(ValidationError);
    // Unset fields take the defaults; undefined does not erase one.
    expect(resolveRetryOptions({ maxAttempts: 5, factor: undefined })).toEqual({ ...DEFAULT_RETRY_OPTIONS, maxAttempts: 5 });
    // Bad input is never retried: a retry would fail the same way.
    expect(isRetryable(new ValidationError('dimensions must be positive'))).toBe(false);
  });
});
