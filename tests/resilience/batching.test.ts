import { describe, expect, it } from 'vitest';
import {
  AbortError, InvalidResponseError, ProviderError, ValidationError,
} from '../../src/index.js';
import { estimateTokens, planRequestBatches, runBatches } from '../../src/resilience/batching.js';

const texts = (n: number) => Array.from({ length: n }, (_, i) => `text number ${i}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('planRequestBatches', () => {
  it('respects max inputs and max tokens, covering every input once in order', () => {
    const input = texts(1000).map((t, i) => (i % 7 === 0 ? t.repeat(40) : t));
    const batches = planRequestBatches(input, { maxInputs: 64, maxTokens: 900 });
    const seen = batches.flatMap((b) => [...b.indices]);
    expect(seen).toEqual(input.map((_, i) => i));
    for (const b of batches) {
      expect(b.indices.length).toBeLessThanOrEqual(64);
      const tokens = [...b.indices].reduce((s, i) => s + estimateTokens(input[i]), 0);
      expect(tokens).toBe(b.tokens);
      if (b.indices.length > 1) expect(tokens).toBeLessThanOrEqual(900);
    }
  });
  it('puts an input bigger than the token limit in a request of its own', () => {
    const batches = planRequestBatches(['a', 'x'.repeat(3000), 'b'], { maxInputs: 10, maxTokens: 100 });
    expect(batches.map((b) => [...b.indices])).toEqual([[0], [1], [2]]);
  });
  it('never mixes groups, and keys each batch with a text of its group', () => {
    const input = texts(50);
    const batches = planRequestBatches(input, { maxInputs: 4 }, (_, i) => (i % 3 === 0 ? 'x' : 'y'));
    for (const b of batches) {
      const groups = new Set([...b.indices].map((i) => (i % 3 === 0 ? 'x' : 'y')));
      expect(groups.size).toBe(1);
      expect(b.key).toBe(input[b.indices[0]]);
    }
  });
  it('rejects non-strings and bad limits', () => {
    expect(() => planRequestBatches(['a', 3 as unknown as string], { maxInputs: 2 })).toThrow(ValidationError);
    expect(() => planRequestBatches(['a'], { maxInputs: 0 })).toThrow(ValidationError);
  });
});

describe('runBatches', () => {
  it('reassembles results in the caller’s order with bounded concurrency', async () => {
    const input = texts(500);
    const batches = planRequestBatches(input, { maxInputs: 7 });
    let inFlight = 0;
    let maxInFlight = 0;
    const out = await runBatches(input.length, batches, async (b) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(Math.random() * 5);
      inFlight--;
      return [...b.indices].map((i) => input[i].toUpperCase());
    }, { concurrency: 3 });
    expect(out).toEqual(input.map((t) => t.toUpperCase()));
    expect(maxInFlight).toBe(3);
  });
  it('stops starting batches after the first failure and aborts those in flight', async () => {
    const batches = planRequestBatches(texts(100), { maxInputs: 1 });
    const started: number[] = [];
    const abortedSeen: number[] = [];
    const err = await runBatches(100, batches, async (b, signal) => {
      started.push(b.indices[0]);
      if (b.indices[0] === 3) throw new ProviderError('boom', { provider: 't', status: 500 });
      await new Promise((r) => setTimeout(r, 20));
      if (signal.aborted) abortedSeen.push(b.indices[0]);
      return ['x'];
    }, { concurrency: 4 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(started.length).toBe(4);
    expect(abortedSeen.sort()).toEqual([0, 1, 2]);
  });
  it('cancellation stops further batches', async () => {
    const batches = planRequestBatches(texts(100), { maxInputs: 1 });
    const c = new AbortController();
    let started = 0;
    const p = runBatches(100, batches, async () => {
      started++;
      await sleep(10);
      return ['x'];
    }, { concurrency: 2, signal: c.signal });
    await sleep(35);
    c.abort();
    await expect(p).rejects.toBeInstanceOf(AbortError);
    const atAbort = started;
    await sleep(40);
    expect(started).toBe(atAbort);
    expect(started).toBeLessThan(20);
  });
  it('a batch answering with the wrong number of results is an InvalidResponseError', async () => {
    const err = await runBatches(3, planRequestBatches(['a', 'b', 'c'], { maxInputs: 3 }), async () => ['only one'], { provider: 'p' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect((err as InvalidResponseError).provider).toBe('p');
  });
});
