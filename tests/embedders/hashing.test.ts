import { describe, expect, it } from 'vitest';
import { AbortError, HashingEmbedder, ValidationError } from '../../src/index.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('HashingEmbedder', () => {
  it('is deterministic, normalized, and of the configured dimension', async () => {
    const e = new HashingEmbedder({ dimension: 128 });
    const [a, b] = await e.embed(['The quick brown fox', 'The quick brown fox']);
    expect(a.length).toBe(128);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(dot(a, a)).toBeCloseTo(1, 5);
  });
  it('ranks lexically similar texts above unrelated ones', async () => {
    const e = new HashingEmbedder({ dimension: 512 });
    const [q, near, far] = await e.embed(['quick brown foxes', 'the quick brown fox jumps', 'tax law of medieval Venice']);
    expect(dot(q, near)).toBeGreaterThan(dot(q, far) + 0.2);
  });
  it('normalizes case and unicode forms', async () => {
    const e = new HashingEmbedder({ dimension: 64 });
    const [a, b] = await e.embed(['CAFÉ', 'cafe\u0301']);
    expect(dot(a, b)).toBeCloseTo(1, 5);
  });
  it('gives the zero vector for texts without words, and validates options', async () => {
    const [z] = await new HashingEmbedder({ dimension: 8 }).embed(['  ...  ']);
    expect(Array.from(z)).toEqual(new Array(8).fill(0));
    expect(() => new HashingEmbedder({ dimension: 0 })).toThrow(ValidationError);
  });
  it('honours an aborted signal', async () => {
    const c = new AbortController();
    c.abort();
    await expect(new HashingEmbedder().embed(['x'], { signal: c.signal })).rejects.toBeInstanceOf(AbortError);
  });
  it('embedQuery and embedDocuments agree with embed', async () => {
    const e = new HashingEmbedder({ dimension: 32 });
    const q = await e.embedQuery('hello');
    const [d] = await e.embedDocuments(['hello']);
    expect(Array.from(q)).toEqual(Array.from(d));
  });
});
