import { describe, expect, it } from 'vitest';
import {
  AbiError, AuthenticationError, ConnectorError, connectorErrorFromStatus, DimensionMismatchError, isAbiError,
  ProviderError, RateLimitError, TimeoutError,
} from '../../src/index.js';

describe('errors', () => {
  it('carry stable codes, names and instanceof families', () => {
    const e = new DimensionMismatchError(384, 3, 'record "a"');
    expect(e).toBeInstanceOf(AbiError);
    expect(e.code).toBe('DIMENSION_MISMATCH');
    expect(e.name).toBe('DimensionMismatchError');
    expect(e.message).toContain('record "a"');
    expect(isAbiError(e, 'DIMENSION_MISMATCH')).toBe(true);
    expect(isAbiError(new Error('x'))).toBe(false);
    expect(new TimeoutError(50).retryable).toBe(true);
  });
  it('maps HTTP statuses to the narrowest class', () => {
    const opts = { provider: 'openai', requestId: 'req_1' };
    expect(connectorErrorFromStatus(401, 'no', opts)).toBeInstanceOf(AuthenticationError);
    const rl = connectorErrorFromStatus(429, 'slow down', { ...opts, retryAfterMs: 1500 });
    expect(rl).toBeInstanceOf(RateLimitError);
    expect((rl as RateLimitError).retryAfterMs).toBe(1500);
    expect(rl.retryable).toBe(true);
    const s500 = connectorErrorFromStatus(500, 'boom', opts);
    expect(s500).toBeInstanceOf(ProviderError);
    expect(s500.retryable).toBe(true);
    expect(connectorErrorFromStatus(400, 'bad', opts).retryable).toBe(false);
    expect(s500).toBeInstanceOf(ConnectorError);
    expect((s500 as ConnectorError).status).toBe(500);
  });
});
