import { describe, expect, it } from 'vitest';
import {
  AbortError, ConnectionError, ProviderError, ResilientCaller, resilientStream, TimeoutError,
} from '../../src/index.js';
import { manualClock } from '../helpers/clocks.js';

const p = { provider: 'test' };

/** A producer that yields `items` with `gapMs` between them, honouring the signal like a fetch body would. */
async function* produce(items: string[], gapMs: number, signal: AbortSignal, failAfter?: number): AsyncGenerator<string> {
  for (let i = 0; i < items.length; i++) {
    if (failAfter !== undefined && i === failAfter) throw new ConnectionError('reset mid-stream', p);
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const t = setTimeout(resolve, gapMs);
      signal.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason); }, { once: true });
    });
    yield items[i];
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('resilientStream', () => {
  it('retries opening until the first item, then streams the rest', async () => {
    const caller = new ResilientCaller({ ...p, clock: manualClock() });
    let opens = 0;
    const items = await collect(resilientStream(caller, ({ signal }) => {
      if (++opens === 1) throw new ProviderError('busy', { ...p, status: 503 });
      return produce(['a', 'b', 'c'], 1, signal);
    }));
    expect(items).toEqual(['a', 'b', 'c']);
    expect(opens).toBe(2);
  });
  it('does not replay a stream that failed after its first item', async () => {
    const caller = new ResilientCaller({ ...p, clock: manualClock() });
    let opens = 0;
    const got: string[] = [];
    const err = await (async () => {
      for await (const x of resilientStream(caller, ({ signal }) => { opens++; return produce(['a', 'b', 'c'], 1, signal, 2); })) got.push(x);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(got).toEqual(['a', 'b']);
    expect(opens).toBe(1);
  });
  it('fails with TimeoutError when the stream goes silent longer than the timeout', async () => {
    const caller = new ResilientCaller({ ...p, clock: manualClock(), retry: false });
    let sawAbort = false;
    const err = await collect(resilientStream(caller, async function* ({ signal }) {
      signal.addEventListener('abort', () => { sawAbort = true; });
      yield* produce(['a'], 1, signal);
      yield* produce(['b'], 500, signal);
    }, { timeout: 50 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(sawAbort).toBe(true);
  });
  it('breaking out of the loop aborts the request; the caller’s signal cancels it with AbortError', async () => {
    const caller = new ResilientCaller({ ...p, clock: manualClock() });
    let signalSeen: AbortSignal | undefined;
    for await (const x of resilientStream(caller, ({ signal }) => { signalSeen = signal; return produce(['a', 'b', 'c'], 1, signal); })) {
      expect(x).toBe('a');
      break;
    }
    expect(signalSeen!.aborted).toBe(true);
    const c = new AbortController();
    const err = await (async () => {
      for await (const x of resilientStream(caller, ({ signal }) => produce(['a', 'b', 'c'], 30, signal), { signal: c.signal })) {
        if (x === 'a') c.abort();
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
  });
});
