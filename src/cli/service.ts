// The service `abi-sdk serve --models DIR` runs: every model folder under DIR (or DIR itself), embedding models and
// cross-encoders told apart by config.json's architecture, served under the folder's name.
import type { Logger } from 'pino';
import type { DrainOptions } from '../core/contracts.js';
import type { RerankResult } from '../retrieval/reranker.js';
import { AbortError, ClosedError, NotFoundError, OverloadedError, ValidationError } from '../core/errors.js';
import { LocalCrossEncoder } from '../engine/cross-encoder.js';
import { LocalEmbedder } from '../engine/local-embedder.js';
import { ModelRegistry } from '../engine/registry.js';
import { Drain } from '../internal/drain.js';
import { LocalScheduler } from '../scheduler/local-scheduler.js';
import { findModels } from '../scheduler/models.js';
import type { BatchReport, InferenceService, SchedulerStats, ServedModel } from '../scheduler/types.js';

/** Options of {@link openModelsService}. */
export interface ModelsServiceOptions {
  logger?: Logger;
  /** Jobs running at once (each already batches its own texts). @defaultValue 2 */
  maxConcurrent?: number;
  /** Jobs waiting for a slot; past it, `BUSY` at once. @defaultValue 256 */
  maxQueue?: number;
  /** onnxruntime intra-op threads per model (0: one per physical core). @defaultValue 0 */
  threads?: number;
}

/**
 * Opens every model under `dir` on one shared registry and serves them with bounded admission: `maxConcurrent` jobs
 * run, `maxQueue` wait in FIFO order, and the rest are refused with `BUSY` at once. Each request's texts are batched
 * by the engine; requests are not coalesced with each other (that is the scheduler's dynamic batching).
 *
 * @param dir - the models directory
 * @param options - logger, admission limits
 * @returns the service
 */
export async function openModelsService(dir: string, options: ModelsServiceOptions = {}): Promise<InferenceService> {
  const found = findModels(dir);
  const registry = new ModelRegistry({ onWarning: (m) => options.logger?.warn(m) });
  const embedders = new Map<string, LocalEmbedder>();
  const rerankers = new Map<string, LocalCrossEncoder>();
  for (const m of found) {
    const common = { registry, name: m.id, ...(options.threads !== undefined ? { threads: options.threads } : {}) };
    if (m.kind === 'embedding') embedders.set(m.id, await LocalEmbedder.fromFolder(m.dir, common));
    else rerankers.set(m.id, await LocalCrossEncoder.fromFolder(m.dir, common));
    options.logger?.info({ model: m.id, kind: m.kind }, 'model loaded');
  }
  return new DirectService(embedders, rerankers, registry, options.maxConcurrent ?? 2, options.maxQueue ?? 256);
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

class DirectService implements InferenceService {
  readonly #embedders: Map<string, LocalEmbedder>;
  readonly #rerankers: Map<string, LocalCrossEncoder>;
  readonly #registry: ModelRegistry;
  readonly #stats = { running: 0, completed: 0, failed: 0, rejected: 0 };
  readonly #maxConcurrent: number;
  readonly #maxQueue: number;
  readonly #queue: Waiter[] = [];
  readonly #drain = new Drain(() => this.#stats.running === 0 && this.#queue.length === 0);
  #closed = false;

  constructor(embedders: Map<string, LocalEmbedder>, rerankers: Map<string, LocalCrossEncoder>, registry: ModelRegistry, maxConcurrent: number, maxQueue: number) {
    this.#embedders = embedders;
    this.#rerankers = rerankers;
    this.#registry = registry;
    this.#maxConcurrent = maxConcurrent;
    this.#maxQueue = maxQueue;
  }

  async #acquire(signal: AbortSignal | undefined): Promise<void> {
    if (this.#stats.running < this.#maxConcurrent && this.#queue.length === 0) {
      this.#stats.running++;
      return;
    }
    if (this.#queue.length >= this.#maxQueue) {
      this.#stats.rejected++;
      throw new OverloadedError(`${this.#queue.length} jobs are queued (maxQueue ${this.#maxQueue}); retry later`);
    }
    await new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        resolve, reject, signal,
        onAbort: () => {
          const i = this.#queue.indexOf(w);
          if (i >= 0) this.#queue.splice(i, 1);
          this.#drain.notify();
          reject(new AbortError());
        },
      };
      signal?.addEventListener('abort', w.onAbort, { once: true });
      this.#queue.push(w);
    });
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) {
      // The slot passes straight to the next waiter.
      next.signal?.removeEventListener('abort', next.onAbort);
      next.resolve();
    } else {
      this.#stats.running--;
      this.#drain.notify();
    }
  }

  async #run<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new ClosedError('service');
    if (signal?.aborted) throw new AbortError();
    await this.#acquire(signal);
    try {
      const out = await fn();
      this.#stats.completed++;
      return out;
    } catch (err) {
      this.#stats.failed++;
      throw err;
    } finally {
      this.#release();
    }
  }

  embed(model: string, texts: readonly string[], options: { dimensions?: number; kind?: 'query' | 'document'; signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    const e = this.#embedders.get(model);
    if (!e) return Promise.reject(new ValidationError(`unknown embedding model "${model}"`));
    return this.#run(options.signal, () => e.embed(texts, { dimensions: options.dimensions, inputType: options.kind, signal: options.signal }));
  }

  rerank(model: string, query: string, documents: readonly string[], options: { topN?: number; signal?: AbortSignal } = {}): Promise<RerankResult[]> {
    const r = this.#rerankers.get(model);
    if (!r) return Promise.reject(new ValidationError(`unknown reranker "${model}"`));
    return this.#run(options.signal, () => r.rerank(query, documents, { topN: options.topN, signal: options.signal }));
  }

  models(): readonly ServedModel[] {
    return [
      ...[...this.#embedders].map(([id, e]) => ({ id, kind: 'embedding' as const, dimension: e.dimension, loaded: !this.#closed })),
      ...[...this.#rerankers.keys()].map((id) => ({ id, kind: 'reranker' as const, loaded: !this.#closed })),
    ];
  }

  stats(): SchedulerStats {
    const s = this.#stats;
    return {
      queuedJobs: this.#queue.length, queuedTokens: 0, runningJobs: s.running, completedJobs: s.completed,
      rejectedJobs: s.rejected, failedJobs: s.failed, batches: s.completed, workers: 1,
    };
  }

  ready(): boolean {
    return !this.#closed;
  }

  async close(options: DrainOptions = {}): Promise<void> {
    this.#closed = true;
    const drain = { deadlineMs: options.deadlineMs ?? 10_000, signal: options.signal };
    await this.#drain.wait(drain);
    await Promise.all([...this.#embedders.values(), ...this.#rerankers.values()].map((m) => m.close()));
    await this.#registry.close(drain);
  }
}

/** Options of {@link openSchedulerService}. */
export interface SchedulerServiceOptions {
  logger?: Logger;
  /** One worker per device, e.g. `['cpu']` or `['cuda:0', 'cuda:1']`. @defaultValue one CPU worker per two cores */
  devices?: string[];
  /** Jobs waiting in the queue; past it, `BUSY` at once. @defaultValue 1024 */
  maxQueue?: number;
  /** onnxruntime intra-op threads per worker. @defaultValue cores / workers */
  threads?: number;
  /** Batching window in ms. @defaultValue 2 */
  maxWaitMs?: number;
  /** Receives every batch (the server's metrics). */
  onBatch?: (batch: BatchReport) => void;
  /** Trained adapter files by model id, checked against their models at start and applied to their embeddings. */
  adapters?: Readonly<Record<string, string>>;
}

/**
 * What `abi-sdk serve` runs by default: a {@link LocalScheduler} over every model under `dir` — worker threads, dynamic
 * batching across requests, a bounded queue.
 *
 * @param dir - the models directory
 * @param options - devices, queue, threads, batching window, batch observer, adapters
 * @returns the scheduler
 * @throws {@link ModelMismatchError} when an adapter was trained on another base model
 */
export async function openSchedulerService(dir: string, options: SchedulerServiceOptions = {}): Promise<LocalScheduler> {
  const scheduler = await LocalScheduler.create({
    models: dir,
    ...(options.devices ? { devices: options.devices } : {}),
    ...(options.maxQueue ? { maxQueuedJobs: options.maxQueue } : {}),
    ...(options.threads ? { threadsPerWorker: options.threads } : {}),
    ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
    ...(options.adapters ? { adapters: options.adapters } : {}),
    onBatch: (b) => {
      options.onBatch?.(b);
      options.logger?.debug({ batch: b }, 'batch');
    },
  });
  // Background failures (a worker died, onBatch threw) and health changes go to the log; /health reports the state.
  scheduler.on('error', (err) => options.logger?.warn({ err }, 'scheduler'));
  scheduler.on('health', (h) => options.logger?.[h.status === 'ok' ? 'info' : 'error'](h, `scheduler pool ${h.status}`));
  return scheduler;
}
