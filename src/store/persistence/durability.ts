/**
 * The vector store's durability machinery: the directory lock, the write-ahead log, snapshots (checkpoints), the
 * serialized write queue and background compaction. {@link VectorStore} is the facade over it: it validates calls and
 * answers reads from {@link StoreDurability.collection}; every change goes through here.
 *
 * Failure contract (docs/store.md has the table): a failed fsync of any store file is sticky — the store turns
 * `failed`, and every later write, flush and close's final flush rejects with {@link DurabilityError} (reads keep
 * working; reopening recovers from the log). A write that fails for lack of space ({@link NoSpaceError}) or another
 * I/O error is cut back off the log and not applied, and the next write is tried afresh. Background work (periodic
 * sync, snapshots, compaction) never rejects into the void: each failure is counted in `stats()`, sent to `error`
 * listeners, and retried with capped backoff where that is safe.
 *
 * @module
 * @internal
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  AbiError, DimensionMismatchError, DurabilityError, IOError, UnsupportedError, ValidationError,
} from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import { fileError, makeDir, readWholeFile, unlinkFile } from '../../internal/durable-fs.js';
import { DirectoryLock } from '../../internal/file-lock.js';
import { yieldToLoop } from '../../internal/yield.js';
import { Collection, type CollectionConfig } from '../collection.js';
import { DiskVectors } from '../disk-vectors.js';
import { BuildPool } from '../hnsw-build-pool.js';
import { defaultWorkerThreads } from '../../internal/worker-supervisor.js';
import { checkLineage, type SnapshotLineage } from './lineage.js';
import {
  collectionFromSnapshot, collectionSections, decodeLogRecord, INDEX_CODES, KNOWN_SECTIONS, metricCode, metricOf,
  streamedSection, type LogOp,
} from './collection-codec.js';
import { readSnapshot, SectionType, writeSnapshot } from './snapshot.js';
import type { DurabilityMode, StoreErrorEvent, StoreFailureInfo, StoreJob, VectorStoreOptions } from '../types.js';
import type { DistanceMetric } from '../../retrieval/backend.js';
import { encodeWalRecord, scanWal, WAL_HEADER, WalWriter } from './wal.js';

const SNAPSHOT_FILE = 'snapshot.abs';
const LOG_FILE = 'wal.abw';
/**
 * Longest a write holds a collection's write lock in one go (then it lets readers in and yields). A search worker
 * waits at most this, or one record's insert when that takes longer (an HNSW insert: ~1 ms at 100k x 384).
 */
const WRITE_CHUNK_MS = 2;
/** Backoff of retried background work (snapshots, compactions): doubles from the first to the cap. */
const RETRY_FIRST_MS = 1000;
const RETRY_CAP_MS = 60_000;

/** Whether an error (or one along its cause chain) is a failed fsync/fdatasync: such a failure is sticky. */
function isSyncFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DurabilityError) return true;
    const syscall = (e as { syscall?: unknown }).syscall;
    if (syscall === 'fsync' || syscall === 'fdatasync' || syscall === 'sync') return true;
  }
  return false;
}

/** A typed error for an I/O failure: {@link NoSpaceError} for a full disk or quota, else {@link IOError}. */
function ioError(message: string, err: unknown): AbiError {
  if (err instanceof AbiError && !(err instanceof IOError)) return err;
  return fileError(message, err);
}

function info(err: AbiError, job: StoreJob): StoreFailureInfo {
  return { code: err.code, message: err.message, job, at: Date.now() };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Log, checkpoints and compaction of one store (in memory: the queue and compaction only). @internal */
export class StoreDurability {
  /** The store directory, or `undefined` in memory. */
  readonly path: string | undefined;
  readonly #dimension: number;
  readonly #metric: DistanceMetric;
  #c: Collection;
  readonly #durability: DurabilityMode;
  readonly #threshold: number;
  readonly #snapshotBytes: number;
  #lock: DirectoryLock | undefined;
  #wal: WalWriter | undefined;
  #lsn = 0;
  /** Generation of the current log (each checkpoint starts the next; see lineage.ts). */
  #generation = 1;
  #lastSnapshotBytes = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #compaction: { ops: LogOp[]; cancelled: boolean; done: Promise<void> } | undefined;
  #compactions = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Set by the first failed fsync; every later write, flush and close rejects with it. */
  #failure: { error: DurabilityError; info: StoreFailureInfo } | undefined;
  #listeners = new Set<(event: StoreErrorEvent) => void>();
  #backgroundErrors = 0;
  #lastBackgroundError: StoreFailureInfo | undefined;
  /** Snapshots started by writes wait until then after a failure (capped backoff). */
  #snapshotRetryAt = 0;
  #snapshotBackoff = RETRY_FIRST_MS;
  #compactionBackoff = RETRY_FIRST_MS;
  #compactionRetry: NodeJS.Timeout | undefined;
  /** Worker threads that plan large graph builds (batched construction); absent with `buildThreads: 0`. */
  readonly #planner: BuildPool | undefined;

  private constructor(options: VectorStoreOptions, c: Collection) {
    this.path = options.path;
    this.#dimension = c.dimension;
    this.#metric = c.metric;
    this.#c = c;
    this.#durability = options.durability ?? 'fsync';
    this.#threshold = options.compactionThreshold ?? 0.3;
    this.#snapshotBytes = options.snapshotLogBytes ?? 16 * 1024 * 1024;
    const threads = options.buildThreads ?? defaultWorkerThreads();
    // A worker failure during a build is reported here; the batch itself completes on the calling thread.
    this.#planner = threads > 0 ? new BuildPool(threads, (err) => void this.#background(err, 'build')) : undefined;
  }

  /** An in-memory store's machinery: no files, the same write queue and compaction. */
  static async inMemory(options: VectorStoreOptions, config: CollectionConfig): Promise<StoreDurability> {
    return new StoreDurability(options, await Collection.create(config));
  }

  /**
   * Opens `options.path`: takes the write lock, loads the snapshot, checks that the snapshot and log belong together
   * (lineage.ts; `options.recover`), replays the log (dropping a torn tail), starts
   * the periodic sync for durability `write` and a compaction that was due.
   */
  static async open(options: VectorStoreOptions, metric: DistanceMetric, config: CollectionConfig): Promise<StoreDurability> {
    const dir = options.path!;
    try {
      await makeDir(dir);
    } catch (err) {
      throw ioError(`cannot create store directory ${dir}`, err);
    }
    const lock = await DirectoryLock.acquire(resolve(dir));
    try {
      const d = await StoreDurability.#load(options, metric, dir, config);
      d.#lock = lock;
      if (d.#durability === 'write') {
        d.#timer = setInterval(() => void d.exclusive(() => d.#periodicSync()), options.syncIntervalMs ?? 1000);
        d.#timer.unref();
      }
      d.#startDueCompaction(); // e.g. an index that reached its training size just before a crash
      return d;
    } catch (err) {
      await lock.release().catch(() => undefined);
      if (err instanceof AbiError) throw err;
      throw ioError(`cannot open store ${dir}: ${(err as Error).message}`, err);
    }
  }

  static async #load(options: VectorStoreOptions, metric: DistanceMetric, dir: string, config: CollectionConfig): Promise<StoreDurability> {
    const snapPath = join(dir, SNAPSHOT_FILE), logPath = join(dir, LOG_FILE);
    for (const tmp of [`${snapPath}.tmp`, `${logPath}.tmp`]) {
      await unlinkFile(tmp).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      });
    }
    let c: Collection;
    let lastLsn = 0;
    let snapBytes = 0;
    let snapLineage: SnapshotLineage | null = null;
    if (await exists(snapPath)) {
      const snap = await readSnapshot(snapPath, KNOWN_SECTIONS, streamedSection);
      if (snap.header.dimension !== options.dimension) throw new DimensionMismatchError(snap.header.dimension, options.dimension, `store ${dir}`);
      const stored = metricOf(snap.header.metric);
      if (stored === undefined) throw new UnsupportedError(`snapshot metric code ${snap.header.metric} is not supported`);
      if (stored !== metric) throw new ValidationError(`store ${dir} uses metric ${stored}, not ${metric}`);
      c = await collectionFromSnapshot(snap, metric, snapPath);
      lastLsn = snap.header.lastLsn;
      snapBytes = snap.bytes;
      snapLineage = { path: snapPath, lastLsn, logGeneration: snap.header.logGeneration, logFirstLsn: snap.header.logFirstLsn };
    } else {
      c = await Collection.create(config);
    }
    const d = new StoreDurability(options, c);
    d.#lastSnapshotBytes = snapBytes;
    const scan = (await exists(logPath)) ? scanWal(await readWholeFile(logPath), options.dimension, logPath) : null;
    // A missing or mismatched file fails here unless the caller asked to open what is left.
    let recovered = false;
    try {
      checkLineage(snapLineage, scan && { path: logPath, generation: scan.generation, firstLsn: scan.firstLsn }, snapPath, logPath);
    } catch (err) {
      if (options.recover !== 'open-what-is-left') throw err;
      recovered = true;
    }
    if (scan) {
      d.#generation = scan.generation;
      const ops = scan.records.filter((r) => r.lsn > lastLsn).map((r) => decodeLogRecord(r, options.dimension, logPath));
      for (const op of ops) {
        throwIfAborted(options.signal);
        await d.#apply(op);
      }
      const last = scan.records.at(-1)?.lsn ?? 0;
      d.#lsn = Math.max(lastLsn, last);
      d.#wal = await WalWriter.append(logPath, scan.validLength);
    } else {
      d.#lsn = lastLsn;
      // The log the snapshot announced (a new store's first log is generation 1).
      d.#generation = Math.max(1, snapLineage?.logGeneration ?? 1);
      d.#wal = await WalWriter.create(logPath, options.dimension, lastLsn + 1, d.#generation);
    }
    // What was left is loaded: seal it as a consistent snapshot + log pair.
    if (recovered) await d.#checkpoint(true);
    return d;
  }

  /** The current collection (a compaction swaps it). */
  get collection(): Collection {
    return this.#c;
  }

  /** Runs `fn` after every earlier write (writes, flushes and swaps are serialized; searches are not). */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Logs a change, applies it to memory, then runs maintenance (compaction past the threshold, a snapshot when the
   * log has grown). Call inside {@link StoreDurability.exclusive}.
   *
   * @throws {@link NoSpaceError} when the disk is full (nothing is applied; a later write may succeed)
   * @throws {@link IOError} when the log cannot be written (nothing is applied)
   * @throws {@link DurabilityError} when the log's fsync failed, now or before
   */
  async write(kind: number, payload: Buffer, op: LogOp): Promise<void> {
    await this.#log(kind, payload);
    await this.#apply(op);
    await this.#maintain();
  }

  /**
   * Throws the sticky failure, as a fresh error of the same kind (its own stack, the first failure as cause).
   *
   * @throws {@link DurabilityError} once an fsync failed
   */
  assertWritable(): void {
    if (this.#failure) throw new DurabilityError(this.path, { cause: this.#failure.error.cause });
  }

  /** Records the first fsync failure (sticky), tells listeners, and returns the error to throw. */
  #fail(err: unknown, job: StoreJob): DurabilityError {
    if (!this.#failure) {
      const error = err instanceof DurabilityError ? err : new DurabilityError(this.path, { cause: err });
      this.#failure = { error, info: info(error, job) };
      this.#emit({ error, job });
      return error;
    }
    return new DurabilityError(this.path, { cause: this.#failure.error.cause });
  }

  /**
   * Reports a failure of the store's own background machinery (a search worker that died) to `error` listeners
   * and {@link StoreDurability.stats}.
   */
  report(err: unknown, job: StoreJob): void {
    this.#background(err, job);
  }

  /** Counts and reports a background failure (a failed fsync among them turns the store failed). */
  #background(err: unknown, job: StoreJob): AbiError {
    this.#backgroundErrors++;
    const error = err instanceof AbiError ? err : ioError(`${job} of ${this.path ?? 'an in-memory store'} failed: ${(err as Error)?.message}`, err);
    this.#lastBackgroundError = info(error, job);
    if (isSyncFailure(err)) return this.#fail(error instanceof DurabilityError ? error : err, job);
    this.#emit({ error, job });
    return error;
  }

  #emit(event: StoreErrorEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A listener that throws fails only itself: the store and the host process carry on.
      }
    }
  }

  /** Adds an `error` listener. */
  onError(listener: (event: StoreErrorEvent) => void): void {
    this.#listeners.add(listener);
  }

  /** Removes an `error` listener. */
  offError(listener: (event: StoreErrorEvent) => void): void {
    this.#listeners.delete(listener);
  }

  /** The periodic fdatasync of durability `write`: a failure turns the store failed (never an unhandled rejection). */
  async #periodicSync(): Promise<void> {
    if (this.#failure || this.#closed || !this.#wal) return;
    try {
      await this.#wal.sync();
    } catch (err) {
      this.#background(err, 'sync');
    }
  }

  /**
   * Applies a logged operation to memory in chunks of at most {@link WRITE_CHUNK_MS} (or one record, when one takes
   * longer), each under the collection's write lock, yielding to the event loop between chunks: search workers wait
   * for at most one chunk, and searches on this thread keep flowing too.
   */
  async #apply(op: LogOp): Promise<void> {
    const c = this.#c;
    this.#compaction?.ops.push(op);
    if (op.kind === 'upsert' && this.#planner !== undefined && c.batchesGraph(op.records.length)) {
      // Batched graph build: upsertMany takes the write lock itself, in chunks, and not while workers plan a batch.
      await c.upsertMany(op.records, this.#planner, false, WRITE_CHUNK_MS);
      return;
    }
    await c.lock.acquireWrite();
    try {
      if (op.kind === 'upsert') {
        let slice = performance.now();
        for (const r of op.records) {
          c.upsert(r.id, r.vector, r.text, r.metadataJson);
          if (performance.now() - slice > WRITE_CHUNK_MS) {
            c.lock.releaseWrite();
            await yieldToLoop();
            await c.lock.acquireWrite();
            slice = performance.now();
          }
        }
      } else {
        for (const id of op.ids) c.delete(id);
      }
    } finally {
      c.lock.releaseWrite();
    }
  }

  async #log(kind: number, payload: Buffer): Promise<void> {
    this.assertWritable();
    if (!this.path) return;
    const wal = this.#wal;
    if (!wal) throw this.#fail(new IOError(`the log of ${this.path} could not be reopened after a failed snapshot`), 'write');
    const lsn = this.#lsn + 1;
    try {
      await wal.write(encodeWalRecord(kind, lsn, payload), this.#durability === 'fsync');
    } catch (err) {
      // A failed fsync, or a failed write whose rollback failed too: the log's state is unknown from here on.
      if (wal.broken) throw this.#fail(err, 'write');
      throw ioError(`cannot append to the log of ${this.path}`, err);
    }
    this.#lsn = lsn;
  }

  /**
   * Waits for earlier writes and fsyncs the log.
   *
   * @throws {@link DurabilityError} when the fsync fails, now or before (sticky)
   */
  async flush(): Promise<void> {
    await this.exclusive(async () => {
      this.assertWritable();
      try {
        await this.#wal?.sync();
      } catch (err) {
        throw this.#fail(err, 'flush');
      }
    });
  }

  /**
   * Writes a snapshot after earlier writes and restarts the log.
   *
   * @throws {@link DurabilityError} once the store failed, or when an fsync fails now
   * @throws {@link NoSpaceError} / {@link IOError} when the snapshot cannot be written (the old one and the log stay valid)
   */
  async checkpoint(): Promise<void> {
    await this.exclusive(() => {
      this.assertWritable();
      return this.#checkpoint();
    });
  }

  async #checkpoint(force = false): Promise<void> {
    if (!this.#wal || !this.path) return;
    if (!force && this.#wal.size === WAL_HEADER && this.#lastSnapshotBytes > 0) return;
    const c = this.#c;
    const snapPath = join(this.path, SNAPSHOT_FILE), logPath = join(this.path, LOG_FILE);
    try {
      await this.#wal.sync();
      // The snapshot records the log that will follow it, so an open can tell when that log is missing.
      const generation = this.#generation + 1;
      const written = await writeSnapshot(snapPath, {
        dimension: this.#dimension, metric: metricCode(this.#metric), indexType: INDEX_CODES[c.index.type], lastLsn: this.#lsn,
        logGeneration: generation, logFirstLsn: this.#lsn + 1,
      }, collectionSections(c));
      this.#lastSnapshotBytes = written.bytes;
      // Disk vectors now read from the new snapshot; the in-memory tail it absorbed is dropped.
      if (c.floats instanceof DiskVectors) c.floats.attachFile(snapPath, written.extents.get(SectionType.Vectors)!, c.dir.slots);
      // The snapshot now covers every logged record: start an empty log (a crash before this point replays
      // records the snapshot already has, which are skipped by sequence number).
      await this.#wal.close();
      this.#wal = undefined;
      this.#wal = await WalWriter.create(logPath, this.#dimension, this.#lsn + 1, generation);
      this.#generation = generation;
    } catch (err) {
      if (!this.#wal) {
        // The old log is closed: reopen it (the new snapshot announces the next generation; lineage accepts the
        // one before). When even that fails, writes have nowhere to go: the store fails.
        try {
          this.#wal = await WalWriter.append(logPath, (await stat(logPath)).size);
          // The failure may have come before or after the new log was renamed into place: follow the file.
          const onDisk = await this.#wal.generation();
          if (onDisk > 0) this.#generation = onDisk;
        } catch (reopen) {
          throw this.#fail(reopen, 'snapshot');
        }
      }
      if (isSyncFailure(err) || this.#wal.broken) throw this.#fail(err, 'snapshot');
      throw ioError(`cannot write a snapshot of ${this.path}`, err);
    }
    this.#snapshotBackoff = RETRY_FIRST_MS;
    this.#snapshotRetryAt = 0;
  }

  /**
   * After a write: start a compaction past the dead-slot threshold; snapshot when the log has grown enough. The
   * write is already logged and applied, so a failed snapshot does not fail it: it is reported and retried later.
   */
  async #maintain(): Promise<void> {
    this.#startDueCompaction();
    const wal = this.#wal;
    if (!wal || this.#failure || Date.now() < this.#snapshotRetryAt) return;
    if (wal.size <= Math.max(this.#snapshotBytes, this.#lastSnapshotBytes / 4)) return;
    try {
      await this.#checkpoint();
    } catch (err) {
      this.#background(err, 'snapshot');
      this.#snapshotRetryAt = Date.now() + this.#snapshotBackoff;
      this.#snapshotBackoff = Math.min(RETRY_CAP_MS, this.#snapshotBackoff * 2);
    }
  }

  /** Starts a background compaction when the index is due for (re)training or the dead fraction passed the threshold. */
  #startDueCompaction(): void {
    const c = this.#c;
    const dueForTraining = (c.needsTraining && c.size >= c.index.trainAt) || c.drifted;
    if (this.#compaction || this.#compactionRetry || this.#closed || this.#failure) return;
    if (dueForTraining || (c.dir.dead > 0 && c.deadFraction > this.#threshold)) void this.#startCompaction();
  }

  #startCompaction(): Promise<void> {
    if (this.#compaction) return this.#compaction.done;
    const job = { ops: [] as LogOp[], cancelled: false, done: Promise.resolve() };
    this.#compaction = job;
    job.done = (async () => {
      try {
        const next = await Collection.rebuild(this.#c, () => job.cancelled || this.#closed, this.#planner);
        if (!next) return;
        await this.exclusive(async () => {
          if (job.cancelled) return;
          // Writes that landed during the rebuild were applied to the old collection and recorded in job.ops.
          this.#compaction = undefined;
          const old = this.#c;
          // No worker has seen `next` yet (searches are dispatched from this thread, which is busy here), so the
          // lock is free; it is taken anyway so the carried-over writes publish as one version.
          next.lock.tryAcquireWrite();
          try {
            for (const op of job.ops) {
              if (op.kind === 'upsert') for (const r of op.records) next.upsert(r.id, r.vector, r.text, r.metadataJson);
              else for (const id of op.ids) next.delete(id);
            }
          } finally {
            next.lock.releaseWrite();
          }
          this.#c = next;
          // Memory: nothing to release. Disk: `next` reads its rows through `old` until its checkpoint re-points it.
          void old;
          this.#compactions++;
          this.#compactionBackoff = RETRY_FIRST_MS;
          // Persist the compacted layout even when the log is empty (the old snapshot has the dead slots). A
          // failure here leaves the compaction done in memory; the next snapshot persists it.
          if (this.#failure) return;
          await this.#checkpoint(true).catch((err: unknown) => {
            this.#background(err, 'snapshot');
          });
        });
      } catch (err) {
        // The rebuild failed (a worker crash, a vector read error): the old index keeps serving. Report it, and
        // retry a due compaction later with capped backoff.
        const error = this.#background(err, 'compaction');
        if (!this.#closed && !this.#failure) {
          const wait = this.#compactionBackoff;
          this.#compactionBackoff = Math.min(RETRY_CAP_MS, wait * 2);
          this.#compactionRetry = setTimeout(() => {
            this.#compactionRetry = undefined;
            this.#startDueCompaction();
          }, wait);
          this.#compactionRetry.unref();
        }
        throw error;
      } finally {
        if (this.#compaction === job) this.#compaction = undefined;
      }
    })();
    // Started in the background, nobody awaits it: its failure is reported above, never an unhandled rejection.
    job.done.catch(() => undefined);
    return job.done;
  }

  /** Runs a compaction now (or joins the running one). */
  compact(): Promise<void> {
    return this.#startCompaction();
  }

  /** The log's size in bytes (0 in memory), compactions done and running, health and background failures. */
  stats(): {
    logBytes: number; compactions: number; compacting: boolean; health: 'ok' | 'failed'; failure?: StoreFailureInfo;
    backgroundErrors: number; lastBackgroundError?: StoreFailureInfo;
  } {
    return {
      logBytes: this.#wal?.size ?? 0, compactions: this.#compactions, compacting: this.#compaction !== undefined,
      health: this.#failure ? 'failed' : 'ok',
      ...(this.#failure ? { failure: { ...this.#failure.info } } : {}),
      backgroundErrors: this.#backgroundErrors,
      ...(this.#lastBackgroundError ? { lastBackgroundError: { ...this.#lastBackgroundError } } : {}),
    };
  }

  /**
   * Waits for pending writes, stops a running compaction, writes a final snapshot when the log has records, and
   * releases the lock and the collection.
   *
   * Everything is released even when it throws.
   *
   * @throws {@link IOError} when the final snapshot cannot be written (the log still holds every write)
   * @throws {@link DurabilityError} when the store failed (an fsync failed, now or before): reopen to recover
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#compactionRetry) clearTimeout(this.#compactionRetry);
    const job = this.#compaction;
    if (job) job.cancelled = true;
    await job?.done.catch(() => undefined);
    try {
      await this.exclusive(async () => {
        this.assertWritable();
        if (this.#wal && this.#wal.size > WAL_HEADER) await this.#checkpoint();
        const wal = this.#wal;
        this.#wal = undefined;
        try {
          await wal?.close();
        } catch (err) {
          throw this.#fail(err, 'close');
        }
      });
    } finally {
      await this.#wal?.close().catch(() => undefined);
      this.#wal = undefined;
      this.#c.close();
      await this.#planner?.close().catch(() => undefined);
      await this.#lock?.release().catch(() => undefined);
    }
  }
}
