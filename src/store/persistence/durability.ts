/**
 * The vector store's durability machinery: the directory lock, the write-ahead log, snapshots (checkpoints), the
 * serialized write queue and background compaction. {@link VectorStore} is the facade over it: it validates calls and
 * answers reads from {@link StoreDurability.collection}; every change goes through here.
 *
 * @module
 * @internal
 */
import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AbiError, DimensionMismatchError, IOError, UnsupportedError, ValidationError } from '../../core/errors.js';
import { throwIfAborted } from '../../internal/abort.js';
import { yieldToLoop } from '../../internal/yield.js';
import { Collection, type CollectionConfig } from '../collection.js';
import { DiskVectors } from '../disk-vectors.js';
import { checkLineage, type SnapshotLineage } from './lineage.js';
import { DirectoryLock } from './lock.js';
import {
  collectionFromSnapshot, collectionSections, decodeLogRecord, INDEX_CODES, KNOWN_SECTIONS, metricCode, metricOf,
  streamedSection, type LogOp,
} from './collection-codec.js';
import { readSnapshot, SectionType, writeSnapshot } from './snapshot.js';
import type { DurabilityMode, VectorStoreOptions } from '../types.js';
import type { DistanceMetric } from '../../retrieval/backend.js';
import { encodeWalRecord, scanWal, WAL_HEADER, WalWriter } from './wal.js';

const SNAPSHOT_FILE = 'snapshot.abs';
const LOG_FILE = 'wal.abw';
const APPLY_SLICE_MS = 10;

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

  private constructor(options: VectorStoreOptions, c: Collection) {
    this.path = options.path;
    this.#dimension = c.dimension;
    this.#metric = c.metric;
    this.#c = c;
    this.#durability = options.durability ?? 'fsync';
    this.#threshold = options.compactionThreshold ?? 0.3;
    this.#snapshotBytes = options.snapshotLogBytes ?? 16 * 1024 * 1024;
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
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new IOError(`cannot create store directory ${dir}`, { cause: err });
    }
    const lock = await DirectoryLock.acquire(dir);
    try {
      const d = await StoreDurability.#load(options, metric, dir, config);
      d.#lock = lock;
      if (d.#durability === 'write') {
        d.#timer = setInterval(() => void d.exclusive(() => d.#wal?.sync()).catch(() => undefined), options.syncIntervalMs ?? 1000);
        d.#timer.unref();
      }
      d.#startDueCompaction(); // e.g. an index that reached its training size just before a crash
      return d;
    } catch (err) {
      await lock.release().catch(() => undefined);
      if (err instanceof AbiError) throw err;
      throw new IOError(`cannot open store ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }

  static async #load(options: VectorStoreOptions, metric: DistanceMetric, dir: string, config: CollectionConfig): Promise<StoreDurability> {
    const snapPath = join(dir, SNAPSHOT_FILE), logPath = join(dir, LOG_FILE);
    for (const tmp of [`${snapPath}.tmp`, `${logPath}.tmp`]) await unlink(tmp).catch(() => undefined);
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
    const scan = (await exists(logPath)) ? scanWal(await readFile(logPath), options.dimension, logPath) : null;
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
   * @throws {@link IOError} when the log cannot be written (nothing is applied)
   */
  async write(kind: number, payload: Buffer, op: LogOp): Promise<void> {
    await this.#log(kind, payload);
    await this.#apply(op);
    await this.#maintain();
  }

  /** Applies a logged operation to memory, yielding between time slices so searches keep flowing. */
  async #apply(op: LogOp): Promise<void> {
    const c = this.#c;
    this.#compaction?.ops.push(op);
    let slice = performance.now();
    if (op.kind === 'upsert') {
      for (const r of op.records) {
        c.upsert(r.id, r.vector, r.text, r.metadataJson);
        if (performance.now() - slice > APPLY_SLICE_MS) {
          await yieldToLoop();
          slice = performance.now();
        }
      }
    } else {
      for (const id of op.ids) c.delete(id);
    }
  }

  async #log(kind: number, payload: Buffer): Promise<void> {
    if (!this.#wal) return;
    const lsn = this.#lsn + 1;
    try {
      await this.#wal.write(encodeWalRecord(kind, lsn, payload), this.#durability === 'fsync');
    } catch (err) {
      throw new IOError(`cannot append to the log of ${this.path}`, { cause: err });
    }
    this.#lsn = lsn;
  }

  /** Waits for earlier writes and fsyncs the log. @throws {@link IOError} when fsync fails */
  async flush(): Promise<void> {
    await this.exclusive(async () => {
      try {
        await this.#wal?.sync();
      } catch (err) {
        throw new IOError(`cannot fsync the log of ${this.path}`, { cause: err });
      }
    });
  }

  /** Writes a snapshot after earlier writes and restarts the log. */
  async checkpoint(): Promise<void> {
    await this.exclusive(() => this.#checkpoint());
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
      if (!this.#wal) this.#wal = await WalWriter.append(logPath, (await stat(logPath)).size).catch(() => undefined);
      throw new IOError(`cannot write a snapshot of ${this.path}`, { cause: err });
    }
  }

  /** After a write: start a compaction past the dead-slot threshold; snapshot when the log has grown enough. */
  async #maintain(): Promise<void> {
    this.#startDueCompaction();
    const wal = this.#wal;
    if (wal && wal.size > Math.max(this.#snapshotBytes, this.#lastSnapshotBytes / 4)) await this.#checkpoint();
  }

  /** Starts a background compaction when the index is due for (re)training or the dead fraction passed the threshold. */
  #startDueCompaction(): void {
    const c = this.#c;
    const dueForTraining = (c.needsTraining && c.size >= c.index.trainAt) || c.drifted;
    if (!this.#compaction && (dueForTraining || (c.dir.dead > 0 && c.deadFraction > this.#threshold))) void this.#startCompaction();
  }

  #startCompaction(): Promise<void> {
    if (this.#compaction) return this.#compaction.done;
    const job = { ops: [] as LogOp[], cancelled: false, done: Promise.resolve() };
    this.#compaction = job;
    job.done = (async () => {
      try {
        const next = await Collection.rebuild(this.#c, () => job.cancelled || this.#closed);
        if (!next) return;
        await this.exclusive(async () => {
          if (job.cancelled) return;
          // Writes that landed during the rebuild were applied to the old collection and recorded in job.ops.
          this.#compaction = undefined;
          const old = this.#c;
          this.#c = next;
          for (const op of job.ops) {
            if (op.kind === 'upsert') for (const r of op.records) next.upsert(r.id, r.vector, r.text, r.metadataJson);
            else for (const id of op.ids) next.delete(id);
          }
          // Memory: nothing to release. Disk: `next` reads its rows through `old` until its checkpoint re-points it.
          void old;
          this.#compactions++;
          // Persist the compacted layout even when the log is empty (the old snapshot has the dead slots).
          await this.#checkpoint(true).catch(() => undefined);
        });
      } finally {
        if (this.#compaction === job) this.#compaction = undefined;
      }
    })();
    return job.done;
  }

  /** Runs a compaction now (or joins the running one). */
  compact(): Promise<void> {
    return this.#startCompaction();
  }

  /** The log's size in bytes (0 in memory), and compactions done and running. */
  stats(): { logBytes: number; compactions: number; compacting: boolean } {
    return { logBytes: this.#wal?.size ?? 0, compactions: this.#compactions, compacting: this.#compaction !== undefined };
  }

  /**
   * Waits for pending writes, stops a running compaction, writes a final snapshot when the log has records, and
   * releases the lock and the collection.
   *
   * @throws {@link IOError} when the final snapshot cannot be written (the log still holds every write)
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    const job = this.#compaction;
    if (job) job.cancelled = true;
    await job?.done.catch(() => undefined);
    try {
      await this.exclusive(async () => {
        if (this.#wal && this.#wal.size > WAL_HEADER) await this.#checkpoint();
      });
    } finally {
      await this.#wal?.close().catch(() => undefined);
      this.#wal = undefined;
      this.#c.close();
      await this.#lock?.release().catch(() => undefined);
    }
  }
}
