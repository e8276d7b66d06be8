/**
 * Streaming through the resilience policy: the request is retried only until its first item arrives (a stream that
 * has produced output is never replayed); after that, the per-attempt timeout becomes an idle timeout between items,
 * and the caller's signal or leaving the loop cancels the request.
 *
 * @module
 */
import { toAbortError } from '../internal/abort.js';
import type { AttemptContext, ResilientCaller, ResilientCallOptions } from './caller.js';
import { idleTimeout } from './timeout.js';

/**
 * Opens a stream through `caller` and yields its items.
 *
 * `open` receives the attempt context; its `signal` stays live for the whole stream (it fires on the caller's abort,
 * on an idle timeout, or when the consumer stops early), so pass it to the request. The iterator `open` returns
 * must throw {@link AbiError}s (map vendor errors inside it).
 *
 * @param caller - the policy to open the stream under
 * @param open - starts one attempt's request and returns its items
 * @param options - signal, timeout (to the first item, then between items), attempts, key, tokens
 * @returns the items, first one included
 * @throws whatever the last attempt to open failed with, or the stream's own error after the first item
 * @example
 * ```ts
 * for await (const delta of resilientStream(caller, ({ endpoint, signal }) => openSse(endpoint, signal), { signal })) {
 *   process.stdout.write(delta.text);
 * }
 * ```
 */
export async function* resilientStream<E, T>(
  caller: ResilientCaller<E>,
  open: (ctx: AttemptContext<E>) => Promise<AsyncIterator<T>> | AsyncIterator<T>,
  options: ResilientCallOptions = {},
): AsyncGenerator<T, void, undefined> {
  // Lives as long as the stream: linked to the caller's signal, aborted on idle timeout or early exit.
  const life = new AbortController();
  const onAbort = (): void => life.abort(options.signal!.reason);
  if (options.signal?.aborted) life.abort(options.signal.reason);
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  let iterator: AsyncIterator<T> | undefined;
  let finished = false;
  try {
    const opened = await caller.call(async (ctx) => {
      const signal = AbortSignal.any([ctx.signal, life.signal]);
      const it = await open({ ...ctx, signal });
      try {
        return { it, first: await it.next() };
      } catch (err) {
        await it.return?.().catch(() => undefined);
        throw err;
      }
    }, options);
    iterator = opened.it;
    if (opened.first.done) {
      finished = true;
      return;
    }
    yield opened.first.value;
    const timeout = options.timeout ?? caller.defaultTimeout;
    for await (const item of idleTimeout(iterator, timeout, life)) yield item;
    finished = true;
  } catch (err) {
    if (options.signal?.aborted) throw toAbortError(options.signal);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      life.abort(new DOMException('The stream was closed', 'AbortError'));
      await iterator?.return?.(undefined).catch(() => undefined);
    }
  }
}
