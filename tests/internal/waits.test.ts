// The shared waits: raceAbort (one abort race for work that takes no signal) and Drain (one graceful-close wait).
import { describe, expect, it } from 'vitest';
import { AbortError, TimeoutError, ValidationError } from '../../src/core/errors.js';
import { raceAbort } from '../../src/internal/abort.js';
import { Drain } from '../../src/internal/drain.js';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

describe('raceAbort', () => {
  it('settles with the work when no signal fires, and removes its listener', async () => {
    const c = new AbortController();
    const d = deferred<number>();
    const raced = raceAbort(d.promise, c.signal);
    d.resolve(7);
    expect(await raceAbort(Promise.resolve(1), undefined)).toBe(1);
    expect(await raced).toBe(7);
    await expect(raceAbort(Promise.reject(new ValidationError('bad')), c.signal)).rejects.toThrow(ValidationError);
    c.abort(); // a late abort no longer rejects anything
  });

  it('rejects at once when the signal fires, with the SDK error or a chosen one, and hands a late value back', async () => {
    const c = new AbortController();
    const d = deferred<{ id: number }>();
    const abandoned: { id: number }[] = [];
    const raced = raceAbort(d.promise, c.signal, { onAbandon: (v) => abandoned.push(v) });
    c.abort();
    await expect(raced).rejects.toThrow(AbortError);
    d.resolve({ id: 1 });
    await new Promise((r) => setImmediate(r));
    expect(abandoned).toEqual([{ id: 1 }]);
    await expect(raceAbort(new Promise(() => {}), AbortSignal.abort(), { error: () => new ValidationError('custom') })).rejects.toThrow('custom');
    await expect(raceAbort(new Promise(() => {}), AbortSignal.timeout(5))).rejects.toThrow(TimeoutError);
  });
});

describe('Drain', () => {
  it('resolves true when the owner goes idle, false at the deadline or when the signal fires', async () => {
    let busy = 2;
    const drain = new Drain(() => busy === 0);
    const idle = drain.wait({ deadlineMs: 5_000 });
    busy--;
    drain.notify(); // still busy: nothing resolves
    busy--;
    drain.notify();
    expect(await idle).toBe(true);
    expect(await drain.wait()).toBe(true);
    busy = 1;
    expect(await drain.wait({ deadlineMs: 10 })).toBe(false);
    const c = new AbortController();
    const cut = drain.wait({ signal: c.signal });
    c.abort();
    expect(await cut).toBe(false);
    expect(await drain.wait({ signal: AbortSignal.abort() })).toBe(false);
  });
});
