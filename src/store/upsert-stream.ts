/**
 * `upsertStream`: writes the records of an (async) iterable into any store backend in batches, with backpressure —
 * the next record is pulled only once the batch before it is written, so memory holds at most one batch however
 * long the stream is. Works over every {@link VectorStoreBackend} (the embedded store, pgvector, Qdrant): it only
 * calls `upsert`.
 *
 * @module
 */
import type { CallOptions } from '../core/contracts.js';
import { AbiError, SourceError, ValidationError } from '../core/errors.js';
import { raceAbort, throwIfAborted } from '../internal/abort.js';
import type { VectorRecord, VectorStoreBackend } from '../retrieval/backend.js';

/** Default records per `upsert` call of {@link upsertStream}. */
export const DEFAULT_UPSERT_BATCH = 256;

/** What {@link upsertStream} has written so far (passed to `onBatch` after each batch, and returned at the end). */
export interface UpsertStreamResult {
  /** Records written (a record whose id came twice counts twice: both writes happened). */
  written: number;
  /** `upsert` calls made. */
  batches: number;
}

/** Options of {@link upsertStream}. */
export interface UpsertStreamOptions extends CallOptions {
  /**
   * Records per `upsert` call: the most the stream holds at once.
   * @defaultValue 256
   */
  batchSize?: number;
  /** Called after each batch is written (progress; resume after `written` records). */
  onBatch?: (progress: UpsertStreamResult) => void;
}

/**
 * Writes records from an iterable or async iterable into a store, one batch (`batchSize` records) per `upsert` call.
 * The source is pulled no further ahead than the batch being filled, so an async generator reading a file line by
 * line keeps memory flat. Each batch is atomic as `upsert` is; an id that repeats inside a batch first writes the
 * batch so far, so the later record wins as it would with one `upsert` per record.
 *
 * @param store - where to write (only its `upsert` is called)
 * @param records - the records, e.g. an async generator
 * @param options - batch size, progress callback, signal
 * @returns how many records and batches were written
 * @throws {@link AbortError} when the signal fires (between batches, or while waiting on the source); whole batches
 *   written before stay, the batch being filled is dropped, and the source is closed (`return()`)
 * @throws {@link SourceError} when the source throws an error that is not an {@link AbiError} (its `written` says
 *   how many records were written; the batch being filled is dropped); an `AbiError` from the source is rethrown as is
 * @throws the store's `upsert` errors ({@link ValidationError}, {@link DimensionMismatchError}, …): the failing batch
 *   is not written, earlier ones are
 * @example
 * ```ts
 * async function* lines(): AsyncGenerator<VectorRecord> {
 *   for (let i = 0; i < 100_000; i++) yield { id: `r${i}`, vector: [Math.cos(i), Math.sin(i)] };
 * }
 * const store = await VectorStore.open({ dimension: 2 });
 * const { written } = await upsertStream(store, lines(), { batchSize: 1000 });
 * ```
 */
export async function upsertStream(
  store: Pick<VectorStoreBackend, 'upsert'>,
  records: AsyncIterable<VectorRecord> | Iterable<VectorRecord>,
  options: UpsertStreamOptions = {},
): Promise<UpsertStreamResult> {
  const { signal, onBatch } = options;
  const batchSize = options.batchSize ?? DEFAULT_UPSERT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError(`batchSize must be a positive integer, got ${String(batchSize)}`);
  throwIfAborted(signal);
  const it: AsyncIterator<VectorRecord> | Iterator<VectorRecord> = Symbol.asyncIterator in records
    ? (records as AsyncIterable<VectorRecord>)[Symbol.asyncIterator]()
    : (records as Iterable<VectorRecord>)[Symbol.iterator]();
  const progress: UpsertStreamResult = { written: 0, batches: 0 };
  let batch: VectorRecord[] = [];
  const ids = new Set<string>();
  const write = async (): Promise<void> => {
    await store.upsert(batch, { signal });
    progress.written += batch.length;
    progress.batches++;
    batch = [];
    ids.clear();
    onBatch?.({ ...progress });
  };
  let finished = false;
  try {
    for (;;) {
      throwIfAborted(signal);
      let step: IteratorResult<VectorRecord>;
      try {
        step = await raceAbort(Promise.resolve(it.next()), signal);
      } catch (err) {
        if (signal?.aborted) throw err; // the source may still be running: closed below
        finished = true; // a source that threw is done
        throw err instanceof AbiError ? err : new SourceError(progress.written, { cause: err });
      }
      if (step.done) {
        finished = true;
        break;
      }
      const record = step.value;
      const id = (record as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && ids.has(id)) await write();
      batch.push(record);
      if (typeof id === 'string') ids.add(id);
      if (batch.length >= batchSize) await write();
    }
    if (batch.length > 0) await write();
    return progress;
  } finally {
    if (!finished) {
      // Close the source (its finally blocks release files). After an abort it may still be busy: do not wait on it.
      const closing = Promise.resolve().then(() => it.return?.()).catch(() => undefined);
      if (!signal?.aborted) await closing;
    }
  }
}
