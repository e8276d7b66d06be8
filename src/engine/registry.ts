// Loads each model once and shares it; reports memory; unloads on request or least-recently-used first when a memory
// budget is exceeded. Unloading waits for the model's in-flight calls; a later call loads it again.
import { resolve } from 'node:path';
import type { DrainOptions } from '../core/contracts.js';
import { ClosedError, ValidationError } from '../core/errors.js';
import { raceAbort, throwIfAborted } from '../internal/abort.js';
import { Drain } from '../internal/drain.js';
import { LoadedModel, type ModelLoadOptions } from './loaded-model.js';
import { readModelFolder } from './model-folder.js';
import { emitEngineWarning } from './session.js';

/** Options of {@link ModelRegistry}. */
export interface ModelRegistryOptions {
  /**
   * Soft limit on the estimated bytes of loaded models. Loading past it first unloads idle models, least recently used
   * first; models with calls in flight are never unloaded for the budget, so it can be exceeded while they run.
   * @defaultValue `Infinity`
   */
  memoryBudgetBytes?: number;
  /**
   * Receives warnings (over-budget loads, device fallback).
   * @defaultValue `process.emitWarning` with code `ABI_LOCAL_ENGINE`
   */
  onWarning?: (message: string) => void;
}

/** One model in a {@link MemoryReport}. */
export interface ModelMemoryEntry {
  /** Registry key (folder + load options). */
  key: string;
  /** Model name (config.json `_name_or_path` or the folder name). */
  name: string;
  /** Absolute folder path. */
  dir: string;
  /** `loading` while its files are being opened. */
  state: 'loading' | 'loaded';
  /** Estimated bytes: ONNX weights on disk plus tokenizer.json (onnxruntime's own arenas come on top). */
  bytes: number;
  /** Where it runs, once loaded. */
  device: string | undefined;
  /** Calls running on it now. */
  activeCalls: number;
  /** `Date.now()` of its last use. */
  lastUsedMs: number;
}

/** What a {@link ModelRegistry} holds. */
export interface MemoryReport {
  /** Sum of the loaded models' estimated bytes. */
  totalBytes: number;
  /** The configured budget (`Infinity` when none). */
  budgetBytes: number;
  /** Loaded and loading models, most recently used first. */
  models: ModelMemoryEntry[];
}

interface Entry {
  key: string;
  dir: string;
  options: ModelLoadOptions;
  estimate: number;
  model: LoadedModel | undefined;
  loading: Promise<LoadedModel> | undefined;
  unloading: Promise<void> | undefined;
  active: number;
  pending: number;
  lastUsed: number;
  /** Wakes unloads waiting for the model's calls to finish. */
  drain: Drain;
  /** Set when a close gave up waiting: the model is freed when its last call ends. */
  dropWhenIdle: boolean;
}

/** How long an unload waits for a model's calls by default. */
const UNLOAD_DEADLINE_MS = 30_000;

/** Options of {@link ModelRegistry.unload}. */
export interface UnloadOptions {
  /**
   * How long to wait for the model's calls in flight; past it the model stays loaded and the unload frees nothing.
   * @defaultValue 30_000
   */
  deadlineMs?: number;
  /** Stops waiting (`AbortError`); the unload itself goes on. */
  signal?: AbortSignal;
}

function keyOf(dir: string, o: ModelLoadOptions): string {
  return JSON.stringify([resolve(dir), o.dtype ?? 'fp32', o.modelFile ?? null, o.maxLength ?? null, o.device ?? 'cpu', o.threads ?? 0, o.spinning === true]);
}

/**
 * Loads model folders once and shares them between embedders, cross-encoders and concurrent calls. Keep one registry
 * per process or worker thread (onnxruntime sessions cannot move between threads); it has no global state.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry({ memoryBudgetBytes: 2 * 1024 ** 3 });
 * const embedder = await LocalEmbedder.fromFolder('./models/all-MiniLM-L6-v2', { registry });
 * const reranker = await LocalCrossEncoder.fromFolder('./models/ms-marco-MiniLM-L-6-v2', { registry });
 * console.log(registry.memory().totalBytes);
 * await registry.unload('./models/all-MiniLM-L6-v2');
 * ```
 */
export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly budget: number;
  private readonly warn: (message: string) => void;
  private closed = false;

  /**
   * Creates an empty registry.
   *
   * @param options - memory budget and warning sink
   * @throws {ValidationError} when the budget is not a positive number
   */
  constructor(options: ModelRegistryOptions = {}) {
    const budget = options.memoryBudgetBytes ?? Infinity;
    if (typeof budget !== 'number' || Number.isNaN(budget) || budget <= 0) {
      throw new ValidationError(`memoryBudgetBytes must be a positive number, got ${String(options.memoryBudgetBytes)}`);
    }
    this.budget = budget;
    this.warn = options.onWarning ?? emitEngineWarning;
  }

  /**
   * Runs `fn` with the model loaded (loading it first if needed; concurrent first calls share one load). The model
   * is not unloaded while `fn` runs.
   *
   * @param dir - the model folder
   * @param options - load options; equal options share one loaded model
   * @param fn - the work
   * @param signal - aborts waiting for the load (the load itself finishes and stays cached)
   * @returns what `fn` returns
   * @throws {ModelLoadError} when the folder does not load
   * @throws {ClosedError} after {@link ModelRegistry.close}
   * @throws {AbortError} when `signal` fires before `fn` starts
   */
  async use<T>(dir: string, options: ModelLoadOptions, fn: (model: LoadedModel) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const entry = this.entry(dir, options);
    const model = await this.acquire(entry, signal);
    try {
      return await fn(model);
    } finally {
      this.release(entry);
    }
  }

  /**
   * Loads a model now (so errors surface early) without holding it.
   *
   * @param dir - the model folder
   * @param options - load options
   * @returns the loaded model's description
   * @throws {ModelLoadError} when the folder does not load
   * @throws {ClosedError} after {@link ModelRegistry.close}
   */
  async load(dir: string, options: ModelLoadOptions = {}): Promise<LoadedModel> {
    return this.use(dir, options, async (m) => m);
  }

  /**
   * Unloads every model loaded from `dir` (any options), after their in-flight calls finish. Later calls load again.
   *
   * @param dir - the model folder
   * @param options - `deadlineMs` for the calls in flight (default 30 s; a model still in use then stays loaded),
   *   `signal` to stop waiting
   * @returns how many loaded models were freed
   * @throws {AbortError} when `signal` fires first
   */
  async unload(dir: string, options: UnloadOptions = {}): Promise<number> {
    throwIfAborted(options.signal);
    const abs = resolve(dir);
    const targets = [...this.entries.values()].filter((e) => e.dir === abs);
    const deadlineMs = options.deadlineMs ?? UNLOAD_DEADLINE_MS;
    const freed = await raceAbort(Promise.all(targets.map((e) => this.unloadEntry(e, { deadlineMs }))), options.signal);
    return freed.filter(Boolean).length;
  }

  /**
   * Reports the loaded models and their estimated memory.
   *
   * @returns totals and one line per loaded or loading model
   */
  memory(): MemoryReport {
    const models: ModelMemoryEntry[] = [];
    let totalBytes = 0;
    for (const e of this.entries.values()) {
      if (!e.model && !e.loading) continue;
      const bytes = e.model?.bytes ?? e.estimate;
      if (e.model) totalBytes += bytes;
      models.push({
        key: e.key, name: e.model?.info.name ?? e.dir, dir: e.dir, state: e.model ? 'loaded' : 'loading', bytes,
        device: e.model?.device, activeCalls: e.active, lastUsedMs: e.lastUsed,
      });
    }
    models.sort((a, b) => b.lastUsedMs - a.lastUsedMs);
    return { totalBytes, budgetBytes: this.budget, models };
  }

  /**
   * Unloads everything (after in-flight calls) and refuses later calls. Models whose calls outlast the deadline (or
   * the signal) are freed when their last call ends.
   *
   * @param options - `deadlineMs` for calls in flight (default 30 s), `signal` to stop waiting early
   * @returns when every idle session is freed
   */
  async close(options: DrainOptions = {}): Promise<void> {
    this.closed = true;
    const drain = { deadlineMs: options.deadlineMs ?? UNLOAD_DEADLINE_MS, signal: options.signal };
    await Promise.all([...this.entries.values()].map((e) => this.unloadEntry(e, drain, true)));
    this.entries.clear();
  }

  private entry(dir: string, options: ModelLoadOptions): Entry {
    if (this.closed) throw new ClosedError('ModelRegistry');
    if (typeof dir !== 'string' || dir.trim() === '') throw new ValidationError('model folder path must be a non-empty string');
    const key = keyOf(dir, options);
    let e = this.entries.get(key);
    if (!e) {
      e = { key, dir: resolve(dir), options: { ...options }, estimate: 0, model: undefined, loading: undefined,
        unloading: undefined, active: 0, pending: 0, lastUsed: Date.now(), drain: undefined!, dropWhenIdle: false };
      const entry = e;
      e.drain = new Drain(() => entry.active === 0);
      this.entries.set(key, e);
    }
    return e;
  }

  private async acquire(e: Entry, signal: AbortSignal | undefined): Promise<LoadedModel> {
    throwIfAborted(signal);
    // `pending` keeps the budget's eviction away from a model someone is about to use.
    e.pending++;
    try {
      for (;;) {
        if (this.closed) throw new ClosedError('ModelRegistry');
        if (e.unloading) {
          await raceAbort(e.unloading, signal);
          continue;
        }
        if (e.model) {
          e.active++;
          e.lastUsed = Date.now();
          return e.model;
        }
        e.loading ??= this.startLoad(e);
        await raceAbort(e.loading, signal);
      }
    } finally {
      e.pending--;
    }
  }

  private startLoad(e: Entry): Promise<LoadedModel> {
    const p = (async () => {
      // Read the folder first: cheap, gives the size to make room for, and fails fast on a bad folder.
      e.estimate = readModelFolder(e.dir, e.options).weightBytes;
      await this.makeRoom(e.estimate, e);
      const model = await LoadedModel.load(e.dir, { ...e.options, onWarning: e.options.onWarning ?? this.warn });
      e.model = model;
      return model;
    })();
    p.then(
      () => { e.loading = undefined; },
      () => { e.loading = undefined; },
    );
    return p;
  }

  private release(e: Entry): void {
    e.active--;
    e.lastUsed = Date.now();
    if (e.active === 0) {
      e.drain.notify();
      if (e.dropWhenIdle && e.model) {
        const model = e.model;
        e.model = undefined;
        void model.release().catch((err: unknown) => this.warn(`releasing ${e.dir} failed: ${String(err)}`));
        return;
      }
      void this.makeRoom(0, undefined);
    }
  }

  /** Unloads idle models, least recently used first, until `incoming` more bytes fit the budget. */
  private async makeRoom(incoming: number, except: Entry | undefined): Promise<void> {
    if (this.budget === Infinity) return;
    const loaded = (): Entry[] => [...this.entries.values()].filter((x) => x.model && !x.unloading);
    let total = loaded().reduce((s, x) => s + x.model!.bytes, 0);
    if (total + incoming <= this.budget) return;
    const idle = loaded().filter((x) => x !== except && x.active === 0 && x.pending === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    const evictions: Promise<boolean>[] = [];
    for (const victim of idle) {
      if (total + incoming <= this.budget) break;
      total -= victim.model!.bytes;
      evictions.push(this.unloadEntry(victim, { deadlineMs: UNLOAD_DEADLINE_MS }));
    }
    await Promise.all(evictions);
    if (total + incoming > this.budget) {
      this.warn(`model memory ${total + incoming} B exceeds the budget of ${this.budget} B (models in use are kept)`);
    }
  }

  /**
   * Frees `e`'s model once its calls end. The wait is bounded: past the deadline (or the signal) the model stays
   * loaded, or with `closing` is freed by the last call's release.
   */
  private unloadEntry(e: Entry, drain: DrainOptions, closing = false): Promise<boolean> {
    if (e.unloading) return e.unloading.then(() => false);
    if (!e.model && !e.loading) return Promise.resolve(false);
    let freed = false;
    const p = (async () => {
      if (e.loading) await e.loading.catch(() => undefined);
      // Wait for the calls that hold the model; new callers wait for this unload, then load again.
      if (!(await e.drain.wait(drain))) {
        if (closing) e.dropWhenIdle = true;
        else this.warn(`${e.dir} still has ${e.active} call(s) in flight; not unloaded`);
        return;
      }
      const model = e.model;
      e.model = undefined;
      if (model) {
        await model.release().catch((err: unknown) => this.warn(`releasing ${e.dir} failed: ${String(err)}`));
        freed = true;
      }
    })();
    e.unloading = p.finally(() => { e.unloading = undefined; });
    return e.unloading.then(() => freed);
  }
}
