/**
 * {@link migrateStore}: copies every record of one backend into another (e.g. an embedded store into Postgres),
 * streaming in id order, batch by batch, resumable from the last committed id.
 *
 * @module
 */
import type { CallOptions } from '../core/contracts.js';
import { DimensionMismatchError, ValidationError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';
import type { ScannableBackend, VectorStoreBackend } from '../retrieval/backend.js';

/** Progress of {@link migrateStore}, reported after each committed batch. */
export interface MigrateProgress {
  /** Records copied by this call. */
  copied: number;
  /** Id of the last record committed to the target: pass it as `resumeFrom` to continue after a failure. */
  lastId: string;
}

/** Options of {@link migrateStore}. */
export interface MigrateOptions extends CallOptions {
  /**
   * Records per batch (each batch is one atomic `upsert` on the target).
   * @defaultValue 2000
   */
  batchSize?: number;
  /** Continue after this id (the `lastId` of the last progress report of an interrupted run). */
  resumeFrom?: string;
  /** Called after each committed batch. */
  onProgress?: (progress: MigrateProgress) => void | Promise<void>;
}

/** What {@link migrateStore} did. */
export interface MigrateResult {
  /** Records copied by this call. */
  copied: number;
  /** Id of the last record copied, or the `resumeFrom` given when nothing was left. */
  lastId: string | undefined;
}

/**
 * Streams every record of `from` into `to`, in ascending id order, one atomic batch at a time. Records are upserted,
 * so running it again (or resuming from an older id) is harmless. Vectors, text and metadata are copied as stored
 * (for `cosine`, the unit-length vectors).
 *
 * @param from - the source (the embedded `VectorStore`, or any {@link ScannableBackend})
 * @param to - the target backend (e.g. a `PgVectorStore`)
 * @param options - batch size, resume point, progress callback, signal
 * @returns how many records were copied and the last id
 * @throws {@link DimensionMismatchError} when the two backends' dimensions differ
 * @throws {@link ValidationError} when their metrics differ or the batch size is bad
 * @throws {@link AbortError} when the signal fires (every reported batch is committed)
 *
 * @example
 * ```ts
 * const from = await VectorStore.open({ path: './store', dimension: 384 });
 * const to = await PgVectorStore.open({ connectionString, table: 'docs', dimension: 384 });
 * await migrateStore(from, to, { onProgress: (p) => console.log(p.copied, p.lastId) });
 * ```
 */
export async function migrateStore(from: ScannableBackend, to: VectorStoreBackend, options: MigrateOptions = {}): Promise<MigrateResult> {
  const batchSize = options.batchSize ?? 2000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError('batchSize must be a positive integer');
  if (from.dimension !== to.dimension) {
    throw new DimensionMismatchError(to.dimension, from.dimension, 'migration source');
  }
  if (from.metric !== to.metric) throw new ValidationError(`source metric ${from.metric} differs from target metric ${to.metric}`);
  let copied = 0;
  let lastId = options.resumeFrom;
  for await (const batch of from.scan({ after: options.resumeFrom, batchSize, signal: options.signal })) {
    throwIfAborted(options.signal);
    await to.upsert(batch, { signal: options.signal });
    copied += batch.length;
    lastId = batch[batch.length - 1].id;
    await options.onProgress?.({ copied, lastId });
  }
  return { copied, lastId };
}
