import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BaseEmbedder, CachedEmbedder, type EmbedOptions, type EmbeddingCache,
  HashingEmbedder, LruEmbeddingCache, OpenAIConnector,
} from '../../src/index.js';
import { embeddingCacheKey, embeddingCacheKeys } from '../../src/cache/key.js';
import { vectorFor } from '../helpers/fake-server.js';
import { type FakeOpenAI, startFakeOpenAI } from '../helpers/openai-server.js';

/** Counts what reaches the wrapped embedder. */
class Counting extends BaseEmbedder {
  readonly inner = new HashingEmbedder({ dimension: 16 });
  readonly dimension = 16;
  readonly model = 'counting';
  calls: string[][] = [];
  async embed(texts: readonly string[], options?: EmbedOptions) {
    this.calls.push([...texts]);
    return this.inner.embed(texts, options);
  }
}

describe('embedding cache keys', () => {
  const base = { provider: 'openai', model: 'text-embedding-3-small', dimensions: 512, prompt: '', text: 'hello' };
  it('are stable hex digests that change with every field', () => {
    const k = embeddingCacheKey(base);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(embeddingCacheKey({ ...base })).toBe(k);
    for (const change of [{ provider: 'ollama' }, { model: 'x' }, { dimensions: 256 }, { dimensions: undefined }, { prompt: 'query: ' }, { text: 'hello ' }]) {
      expect(embeddingCacheKey({ ...base, ...change })).not.toBe(k);
    }
  });
  it('cannot be confused by moving characters between fields', () => {
    expect(embeddingCacheKey({ ...base, provider: 'ab', model: 'c' })).not.toBe(embeddingCacheKey({ ...base, provider: 'a', model: 'bc' }));
    expect(embeddingCacheKey({ ...base, prompt: 'q', text: 'x' })).not.toBe(embeddingCacheKey({ ...base, prompt: '', text: 'qx' }));
  });
  it('batch keys equal single keys', () => {
    const { text: _, ...parts } = base;
    expect(embeddingCacheKeys(parts, ['a', 'b'])).toEqual([embeddingCacheKey({ ...parts, text: 'a' }), embeddingCacheKey({ ...parts, text: 'b' })]);
  });
});

describe('LruEmbeddingCache', () => {
  it('stays within its byte budget and evicts the least recently used', async () => {
    const v = () => new Float32Array(100); // 400 bytes + key + overhead ≈ 500: three fit in 1800, four do not
    const lru = new LruEmbeddingCache({ maxBytes: 1800 });
    await lru.setMany([['a', v()], ['b', v()], ['c', v()]]);
    expect(lru.size).toBe(3);
    await lru.getMany(['a']); // a is now the most recent
    await lru.setMany([['d', v()]]);
    expect(lru.bytes).toBeLessThanOrEqual(1800);
    const [a, b, c, d] = await lru.getMany(['a', 'b', 'c', 'd']);
    expect([!!a, !!b, !!c, !!d]).toEqual([true, false, true, true]);
  });
  it('copies vectors in and out', async () => {
    const lru = new LruEmbeddingCache();
    const v = Float32Array.of(1, 2, 3);
    await lru.setMany([['k', v]]);
    v[0] = 99;
    const [got] = await lru.getMany(['k']);
    expect(Array.from(got!)).toEqual([1, 2, 3]);
    got![1] = 42;
    expect(Array.from((await lru.getMany(['k']))[0]!)).toEqual([1, 2, 3]);
  });
});

describe('CachedEmbedder', () => {
  it('sends only misses, once each, and keeps the caller’s order', async () => {
    const inner = new Counting();
    const e = new CachedEmbedder({ embedder: inner, cache: new LruEmbeddingCache() });
    const first = await e.embed(['a', 'b', 'a', 'c']);
    expect(inner.calls).toEqual([['a', 'b', 'c']]);
    const second = await e.embed(['c', 'd', 'a', 'e', 'b']);
    expect(inner.calls[1]).toEqual(['d', 'e']);
    const expected = await new HashingEmbedder({ dimension: 16 }).embed(['c', 'd', 'a', 'e', 'b']);
    expect(second.map((v) => Array.from(v))).toEqual(expected.map((v) => Array.from(v)));
    expect(Array.from(first[0])).toEqual(Array.from(first[2]));
    expect(e.stats).toEqual({ hits: 3, misses: 6 });
    await e.embed(['a', 'b', 'c', 'd', 'e']);
    expect(inner.calls).toHaveLength(2); // all hits: the provider is not called
  });
  it('keys queries and documents apart unless the embedder says they are the same', async () => {
    const inner = new Counting();
    const e = new CachedEmbedder({ embedder: inner, cache: new LruEmbeddingCache() });
    await e.embedDocuments(['x']);
    await e.embedQuery('x');
    expect(inner.calls).toHaveLength(2); // unknown embedder: input type is part of the key
  });
  it('a stored vector of the wrong length is a miss', async () => {
    const inner = new Counting();
    const lru = new LruEmbeddingCache();
    const e = new CachedEmbedder({ embedder: inner, cache: lru });
    const key = embeddingCacheKey({ provider: 'Counting', model: 'counting', dimensions: 16, prompt: 'inputType=document', text: 'a' });
    await lru.setMany([[key, new Float32Array(3)]]);
    const [v] = await e.embed(['a']);
    expect(v.length).toBe(16);
    expect(inner.calls).toEqual([['a']]);
  });
  it('a tier that throws is a miss, never a failure', async () => {
    const broken: EmbeddingCache = {
      name: 'broken',
      getMany: () => Promise.reject(new Error('boom')),
      setMany: () => Promise.reject(new Error('boom')),
    };
    const inner = new Counting();
    const warnings: string[] = [];
    const e = new CachedEmbedder({ embedder: inner, cache: [broken, new LruEmbeddingCache()], onWarning: (m) => warnings.push(m) });
    expect(await e.embed(['a'])).toHaveLength(1);
    expect(await e.embed(['a', 'b'])).toHaveLength(2);
    expect(inner.calls).toEqual([['a'], ['b']]); // the LRU behind the broken tier still answers
    expect(warnings).toEqual(['Embedding cache tier "broken" failed; continuing without it: boom']);
  });

  describe('over the OpenAI connector', () => {
    let server: FakeOpenAI;
    beforeAll(async () => { server = await startFakeOpenAI(); });
    afterAll(() => server.close());
    it('only misses reach the provider; dimensions and prompts are part of the key', async () => {
      const openai = new OpenAIConnector({ apiKey: 'sk-x', baseURL: `${server.url}/v1` });
      const lru = new LruEmbeddingCache();
      const e = new CachedEmbedder({ embedder: openai.embedder('text-embedding-3-small', { dimensions: 4 }), cache: lru });
      await e.embed(['one', 'two']);
      const out = await e.embed(['two', 'three', 'one']);
      const inputs = server.requests.map((r) => (r.body as { input: string[] }).input);
      expect(inputs).toEqual([['one', 'two'], ['three']]);
      expect(out.map((v) => Array.from(v))).toEqual(['two', 'three', 'one'].map((t) => Array.from(vectorFor(t, 4))));
      // Same cache, different dimensions: no false hits.
      const wide = new CachedEmbedder({ embedder: openai.embedder('text-embedding-3-small', { dimensions: 6 }), cache: lru });
      expect((await wide.embed(['one']))[0].length).toBe(6);
      // No prompts configured: a query and a document of the same text share one entry.
      server.requests.length = 0;
      await e.embedQuery('one');
      expect(server.requests).toHaveLength(0);
      const prompted = new CachedEmbedder({ embedder: openai.embedder('text-embedding-3-small', { dimensions: 4, prompts: { query: 'query: ' } }), cache: lru });
      await prompted.embedQuery('one');
      expect(server.requests).toHaveLength(1);
    });
  });
});
