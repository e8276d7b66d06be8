// `upsertStream`: batches with backpressure (the source is pulled no further ahead than the batch being filled),
// abort mid-stream, a failing source leaving only whole batches, repeated ids, and the real store on disk.
import { describe, expect, it } from 'vitest';
import {
  AbortError, DimensionMismatchError, NotFoundError, SourceError, upsertStream, ValidationError, VectorStore,
  type VectorRecord, type VectorStoreBackend,
} from '../../src/index.js';
import { tempDir } from './helpers.js';

const rec = (i: number, id = `r${String(i).padStart(6, '0')}`): VectorRecord => ({ id, vector: [Math.cos(i), Math.sin(i), 1] });

/** A source that counts how far it has been pulled, and whether it was closed. */
function counting(n: number, fail?: { at: number; error: unknown }): { source: AsyncGenerator<VectorRecord>; pulled: () => number; closed: () => boolean } {
  let pulled = 0;
  let closed = false;
  async function* gen(): AsyncGenerator<VectorRecord> {
    try {
      for (let i = 0; i < n; i++) {
        if (fail && i === fail.at) throw fail.error;
        pulled++;
        yield rec(i);
      }
    } finally {
      closed = true;
    }
  }
  return { source: gen(), pulled: () => pulled, closed: () => closed };
}

/** A store that records the batches it is given and how far the source had been pulled at each call. */
function recording(pulled: () => number): { store: Pick<VectorStoreBackend, 'upsert'>; batches: VectorRecord[][]; pulledAt: number[] } {
  const batches: VectorRecord[][] = [];
  const pulledAt: number[] = [];
  return {
    batches, pulledAt,
    store: {
      async upsert(records) {
        pulledAt.push(pulled());
        batches.push([...records]);
        await new Promise((r) => setTimeout(r, 1));
      },
    },
  };
}

describe('upsertStream', () => {
  it('pulls the source no further ahead than one batch (backpressure), and writes every record in order', async () => {
    const src = counting(1050);
    const rec = recording(src.pulled);
    const result = await upsertStream(rec.store, src.source, { batchSize: 100 });
    expect(result).toEqual({ written: 1050, batches: 11 });
    expect(rec.batches.map((b) => b.length)).toEqual([...Array(10).fill(100), 50]);
    // When batch k is written the source has produced exactly k batches' worth: nothing was read ahead.
    expect(rec.pulledAt).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1050]);
    expect(rec.batches.flat().map((r) => r.id)).toEqual(Array.from({ length: 1050 }, (_, i) => `r${String(i).padStart(6, '0')}`));
  });

  it('stops at an abort mid-stream: earlier batches stay, the source is closed, the rejection is AbortError', async () => {
    const src = counting(10_000);
    const stop = new AbortController();
    const progress: number[] = [];
    const store = await VectorStore.open({ dimension: 3, index: { type: 'flat' } });
    const run = upsertStream(store, src.source, {
      batchSize: 50, signal: stop.signal,
      onBatch: (p) => {
        progress.push(p.written);
        if (p.batches === 3) stop.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(progress).toEqual([50, 100, 150]);
    expect(await store.count()).toBe(150);
    expect(src.pulled()).toBeLessThanOrEqual(150 + 50);
    await new Promise((r) => setTimeout(r, 5));
    expect(src.closed()).toBe(true);
    await store.close();
  });

  it('an abort while the source is waiting rejects at once', async () => {
    const stop = new AbortController();
    async function* stuck(): AsyncGenerator<VectorRecord> {
      yield rec(0);
      await new Promise(() => {}); // never yields again
    }
    const store = await VectorStore.open({ dimension: 3, index: { type: 'flat' } });
    const run = upsertStream(store, stuck(), { batchSize: 10, signal: stop.signal });
    setTimeout(() => stop.abort(), 20);
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(await store.count()).toBe(0); // the partial batch was dropped
    await store.close();
  });

  it('a failing source rejects with SourceError (cause kept, written counted) and leaves only whole batches', async () => {
    const boom = new Error('line 731: not JSON');
    const src = counting(1000, { at: 731, error: boom });
    const store = await VectorStore.open({ dimension: 3, index: { type: 'flat' } });
    const err = await upsertStream(store, src.source, { batchSize: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ code: 'SOURCE_FAILED', written: 700, cause: boom });
    expect((err as Error).message).toMatch(/after 700 records.*line 731/);
    expect(await store.count()).toBe(700);
    expect(await store.get('r000699')).toBeDefined();
    expect(await store.get('r000700')).toBeUndefined();
    await store.close();
  });

  it('passes a typed error from the source through as it is', async () => {
    const src = counting(500, { at: 250, error: new NotFoundError('gone') });
    const store = await VectorStore.open({ dimension: 3, index: { type: 'flat' } });
    await expect(upsertStream(store, src.source, { batchSize: 100 })).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.count()).toBe(200);
    await store.close();
  });

  it('a store error fails its batch only; the source is closed', async () => {
    async function* mixed(): AsyncGenerator<VectorRecord> {
      for (let i = 0; i < 30; i++) yield i === 25 ? { id: 'bad', vector: [1, 2] } : rec(i);
    }
    const store = await VectorStore.open({ dimension: 3, index: { type: 'flat' } });
    await expect(upsertStream(store, mixed(), { batchSize: 10 })).rejects.toBeInstanceOf(DimensionMismatchError);
    expect(await store.count()).toBe(20);
    await store.close();
  });

  it('a repeated id writes the batch so far first, so the later record wins (as one upsert per record would)', async () => {
    const records = [rec(0, 'a'), rec(1, 'b'), { id: 'a', vector: [0, 0, 1], text: 'second' }, rec(3, 'c')];
    const store = await VectorStore.open({ dimension: 3, index: { type: 'flat' } });
    expect(await upsertStream(store, records, { batchSize: 10 })).toEqual({ written: 4, batches: 2 });
    expect((await store.get('a'))!.text).toBe('second');
    expect(await store.count()).toBe(3);
    await store.close();
  });

  it('takes a plain iterable, checks batchSize, and streams into a store on disk that reopens with every record', async () => {
    await expect(upsertStream({ upsert: async () => {} }, [], { batchSize: 0 })).rejects.toBeInstanceOf(ValidationError);
    const tmp = tempDir('abi-upsert-stream-');
    try {
      const store = await VectorStore.open({ path: tmp.dir, dimension: 3 });
      const all = Array.from({ length: 2500 }, (_, i) => rec(i));
      expect(await upsertStream(store, all, { batchSize: 512 })).toEqual({ written: 2500, batches: 5 });
      await store.close();
      const again = await VectorStore.open({ path: tmp.dir, dimension: 3 });
      expect(await again.count()).toBe(2500);
      await again.close();
    } finally {
      tmp.cleanup();
    }
  });
});
