/**
 * `LocalScheduler`: runs local embedding models and cross-encoders on a pool of worker threads, with a bounded
 * priority queue, dynamic batching across callers, cancellation, crash recovery and a graceful drain.
 *
 * How work flows: a call becomes a job in one shared queue (highest priority first, then arrival). Whenever a worker
 * is idle, the scheduler takes the head job and, for embeddings, every queued job for the same model, prompt kind and
 * dimensions behind it that fits the batch limits, and sends them to that worker as one batch — so concurrent small
 * requests share one model call. Because every idle worker pulls from the same queue, no work waits behind a busy
 * worker while another is free (the work-stealing property, without per-worker queues to steal from). A worker that
 * already has the model loaded is preferred.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DrainOptions } from '../core/contracts.js';
import type { RerankResult } from '../retrieval/reranker.js';
import {
  AbiError, AbortError, CallbackError, ClosedError, ModelLoadError, NotFoundError, OverloadedError, PoolUnhealthyError,
  UnsupportedError, ValidationError, WorkerCrashedError, type AbiErrorCode,
} from '../core/errors.js';
import { parseDevice } from '../engine/device.js';
import { estimateTokens } from '../resilience/batching.js';
import { resolveRespawn, type ResolvedRespawnOptions, respawnDelay, workerFaults } from '../internal/crash-loop.js';
import { Drain } from '../internal/drain.js';
import { Listeners } from '../internal/listeners.js';
import type { Adapter } from '../training/adapter.js';
import { adapterId, applyAdapter } from '../embedders/adapted.js';
import { adapterAssignments, loadServedAdapter } from './adapters.js';
import { describeModel, resolveModelDir, resolveModelSpec } from './models.js';
import type { WorkerReady, WorkerReply, WorkerRequest, WorkerSetup } from './protocol.js';
import type {
  Batch, BatchReport, InferenceService, Job, LocalSchedulerOptions, ModelEntry, ModelSource, ScheduledEmbedOptions,
  ScheduledRerankOptions, SchedulerEvents, SchedulerStats, ServedModel, ServiceHealth,
} from './types.js';

/** One worker position of the pool; its worker is replaced when it dies (after a backoff when it keeps dying). */
interface WorkerSlot {
  index: number;
  device: string;
  worker: Worker;
  /** The worker is running (spawned, not dead); false while a respawn waits out its backoff. */
  alive: boolean;
  /** The worker reported `online` and has not died since. */
  up: boolean;
  batch: Batch | undefined;
  loaded: Set<string>;
  /** Deaths in a row with no finished batch in between. */
  streak: number;
  respawn: NodeJS.Timeout | undefined;
}

/** Where the worker entry is: the TypeScript source (tests, tsx) or the published build next to this chunk. */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  if (here.endsWith('.ts')) return join(dir, 'worker-loader.mjs');
  return join(dir, here.endsWith('.cjs') ? 'scheduler-worker.cjs' : 'scheduler-worker.js');
}

// Set by LocalScheduler's static block: the one way to reach a worker from outside the class (see crashWorker).
let crashHook: (scheduler: LocalScheduler, index: number) => void;

/**
 * Runs local models on a pool of worker threads with dynamic batching; implements {@link InferenceService}, which
 * the server (`abi-sdk/server`) and {@link LocalSchedulerConnector} use.
 *
 * @example
 * ```ts
 * const scheduler = await LocalScheduler.create({ models: './models' });   // ./models/all-MiniLM-L6-v2, …
 * const vectors = await scheduler.embed('all-MiniLM-L6-v2', ['hello', 'world']);
 * await scheduler.close();
 * ```
 */
export class LocalScheduler implements InferenceService {
  readonly #models: Map<string, ModelEntry>;
  /** Trained adapters by model id, applied to that model's vectors after the worker returns. */
  readonly #adapters = new Map<string, Adapter>();
  readonly #options: Required<Omit<LocalSchedulerOptions, 'models' | 'adapters' | 'devices' | 'onBatch' | 'threadsPerWorker' | 'hub' | 'respawn'>> & Pick<LocalSchedulerOptions, 'onBatch'>;
  readonly #respawn: ResolvedRespawnOptions;
  readonly #events = new Listeners<SchedulerEvents>();
  /** Set while the pool is unhealthy: the last worker failure. */
  #unhealthy: Error | undefined;
  readonly #startWaiters: (() => void)[] = [];
  readonly #threads: number;
  readonly #workers: WorkerSlot[] = [];
  readonly #queue: Job[] = [];
  #queuedTokens = 0;
  #seq = 0;
  #batchSeq = 0;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  readonly #drain = new Drain(() => this.#queue.length === 0 && this.#workers.every((w) => !w.batch));
  readonly #stats = { completed: 0, rejected: 0, failed: 0, batches: 0, restarts: 0 };

  private constructor(models: ModelEntry[], devices: string[], options: LocalSchedulerOptions) {
    this.#models = new Map(models.map((m) => [m.id, m]));
    this.#options = {
      maxQueuedJobs: positive(options.maxQueuedJobs, 1024, 'maxQueuedJobs'),
      maxQueuedTokens: positive(options.maxQueuedTokens, 1_000_000, 'maxQueuedTokens'),
      maxBatchTokens: positive(options.maxBatchTokens, 16_384, 'maxBatchTokens'),
      maxBatchTexts: positive(options.maxBatchTexts, 256, 'maxBatchTexts'),
      maxWaitMs: options.maxWaitMs ?? 2,
      coalesce: options.coalesce ?? true,
      onBatch: options.onBatch,
    };
    if (!(this.#options.maxWaitMs >= 0)) throw new ValidationError('maxWaitMs must be ≥ 0');
    this.#respawn = resolveRespawn(options.respawn);
    this.#threads = positive(options.threadsPerWorker, Math.max(1, Math.floor(availableParallelism() / devices.length)), 'threadsPerWorker');
    devices.forEach((device, index) => {
      // #spawn fills in the worker and its state.
      const slot = { index, device, batch: undefined, loaded: new Set<string>(), streak: 0, respawn: undefined } as unknown as WorkerSlot;
      this.#workers.push(slot);
      this.#spawn(slot);
    });
  }

  /**
   * Starts the workers and waits until they are up (models load on first use; a model with an adapter loads at
   * start, where its adapter is checked against it).
   *
   * @param options - models, adapters, devices, queue and batch limits
   * @returns the running scheduler
   * @throws {@link NotFoundError} when no model folder is found, or an adapter names a model not served
   * @throws {@link ModelMismatchError} when an adapter was trained on another base model (the scheduler is closed)
   * @throws {@link CorruptDataError} for a damaged adapter file
   * @throws {@link ValidationError} for a bad device or limit
   * @throws {@link ModelNotCachedError} for an `hf:` model that is offline and not cached, and the other errors of {@link pullModel}
   * @throws {@link PoolUnhealthyError} when the workers keep dying at start (past `respawn.unhealthyAfter`)
   */
  static async create(options: LocalSchedulerOptions): Promise<LocalScheduler> {
    const models: ModelEntry[] = [];
    const sourced = new Map<string, string>();
    if (typeof options.models === 'string') models.push(...await resolveModelSpec(options.models, options.hub));
    else {
      for (const m of options.models) {
        models.push(describeModel(m.id, await resolveModelDir(m.dir, options.hub)));
        if (m.adapter !== undefined) sourced.set(m.id, m.adapter);
      }
    }
    if (models.length === 0) throw new NotFoundError('no models given');
    const adapters = adapterAssignments(models, sourced, options.adapters);
    const devices = [...(options.devices ?? Array.from({ length: Math.max(1, Math.floor(availableParallelism() / 2)) }, () => 'cpu'))];
    if (devices.length === 0) throw new ValidationError('devices must not be empty');
    devices.forEach((d) => parseDevice(d));
    const scheduler = new LocalScheduler(models, devices, options);
    try {
      await scheduler.#started();
      for (const [id, path] of adapters) {
        // Checked through the workers before it is installed, so the probe runs on the unadapted model.
        const adapter = await loadServedAdapter(scheduler.#models.get(id)!, path, (texts, o) =>
          scheduler.embed(id, texts, { kind: o.inputType, signal: o.signal }));
        scheduler.#adapters.set(id, adapter);
      }
    } catch (err) {
      await scheduler.close({ deadlineMs: 0 });
      throw err;
    }
    return scheduler;
  }

  /**
   * Embeds texts with one model; concurrent calls for the same model share batches.
   *
   * @param model - the model's id
   * @param texts - the texts
   * @param options - dimensions, prompt kind, priority, signal
   * @returns one vector per text, in order; for a model served with an adapter, the adapted vectors (the adapter
   *   applies to queries, and to documents unless it was trained with `apply: 'query'`), L2-normalized
   * @throws {@link OverloadedError} (`BUSY`) when the queue is full
   * @throws {@link NotFoundError} for an unknown model
   * @throws {@link WorkerCrashedError} when the worker died twice running it
   * @throws {@link PoolUnhealthyError} (`POOL_UNHEALTHY`) while the workers keep dying at start
   * @throws {@link CallbackError} when `onBatch` threw for the batch that ran it
   */
  embed(model: string, texts: readonly string[], options: ScheduledEmbedOptions = {}): Promise<Float32Array[]> {
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) return Promise.reject(new ValidationError('texts must be an array of strings'));
    if (texts.length === 0) return Promise.resolve([]);
    const adapter = this.#adapters.get(model);
    if (!adapter) return this.#submit(model, 'embed', texts, '', options) as Promise<Float32Array[]>;
    // The worker gives full-width base vectors; the adapter, then Matryoshka truncation, run here (as AdaptedEmbedder).
    const { dimensions, ...rest } = options;
    const d = adapter.config.dimension;
    if (dimensions !== undefined && !(Number.isInteger(dimensions) && dimensions >= 1 && dimensions <= d)) {
      return Promise.reject(new ValidationError(`dimensions must be an integer in [1, ${d}], got ${dimensions}`));
    }
    return (this.#submit(model, 'embed', texts, '', rest) as Promise<Float32Array[]>)
      .then((vectors) => applyAdapter(adapter, vectors, { inputType: options.kind, dimensions, source: model }));
  }

  /**
   * Scores documents against a query with a cross-encoder.
   *
   * @param model - the model's id
   * @param query - the query
   * @param documents - the documents
   * @param options - topN, priority, signal
   * @returns results best first
   * @throws {@link OverloadedError} (`BUSY`) when the queue is full
   * @throws {@link PoolUnhealthyError} (`POOL_UNHEALTHY`) while the workers keep dying at start
   * @throws {@link CallbackError} when `onBatch` threw for the batch that ran it
   */
  async rerank(model: string, query: string, documents: readonly string[], options: ScheduledRerankOptions = {}): Promise<RerankResult[]> {
    if (typeof query !== 'string' || !Array.isArray(documents) || documents.some((t) => typeof t !== 'string')) {
      throw new ValidationError('query must be a string and documents an array of strings');
    }
    if (options.topN !== undefined && !(Number.isInteger(options.topN) && options.topN > 0)) throw new ValidationError('topN must be a positive integer');
    if (documents.length === 0) return [];
    const results = (await this.#submit(model, 'rerank', documents, query, options)) as RerankResult[];
    return options.topN === undefined ? results : results.slice(0, options.topN);
  }

  /** {@inheritDoc InferenceService.models} */
  models(): readonly ServedModel[] {
    return [...this.#models.values()].map((m) => ({
      id: m.id, kind: m.kind, ...(m.dimension ? { dimension: m.dimension } : {}),
      loaded: this.#workers.some((w) => w.loaded.has(m.dir)),
      ...(this.#adapters.has(m.id) ? { adapter: adapterId(this.#adapters.get(m.id)!) } : {}),
    }));
  }

  /** {@inheritDoc InferenceService.stats} */
  stats(): SchedulerStats {
    return {
      queuedJobs: this.#queue.length,
      queuedTokens: this.#queuedTokens,
      runningJobs: this.#workers.reduce((n, w) => n + (w.batch?.jobs.length ?? 0), 0),
      completedJobs: this.#stats.completed,
      rejectedJobs: this.#stats.rejected,
      failedJobs: this.#stats.failed,
      batches: this.#stats.batches,
      workers: this.#workers.length,
      restarts: this.#stats.restarts,
      healthy: this.#unhealthy === undefined,
    };
  }

  /** Workers replaced after a crash since start. */
  get restarts(): number {
    return this.#stats.restarts;
  }

  /** {@inheritDoc InferenceService.ready} */
  ready(): boolean {
    return !this.#closing && this.#unhealthy === undefined;
  }

  /**
   * Whether the pool runs work: `unhealthy` (with the last worker failure as `reason`) after every worker died
   * `respawn.unhealthyAfter` times in a row; `ok` again as soon as a respawned worker comes up.
   *
   * @returns the pool's health, worker counts and crash streak
   */
  health(): ServiceHealth {
    const bad = this.#unhealthy;
    return {
      status: bad ? 'unhealthy' : 'ok',
      ...(bad ? { code: 'POOL_UNHEALTHY', reason: bad.message } : {}),
      workersUp: this.#workers.filter((w) => w.up).length,
      workers: this.#workers.length,
      crashStreak: Math.max(0, ...this.#workers.map((w) => w.streak)),
      restarts: this.#stats.restarts,
    };
  }

  /**
   * Listens to background failures (`error`) and health changes (`health`); see {@link SchedulerEvents}.
   *
   * @param event - `error` or `health`
   * @param listener - called with the event's argument; exceptions it throws are ignored
   * @returns this scheduler
   * @example
   * ```ts
   * scheduler.on('error', (err) => log.warn({ err }, 'scheduler'));
   * scheduler.on('health', (h) => log.info(h, 'scheduler health'));
   * ```
   */
  on<K extends keyof SchedulerEvents>(event: K, listener: (...args: SchedulerEvents[K]) => void): this {
    this.#events.on(event, listener);
    return this;
  }

  /**
   * Removes a listener added with {@link LocalScheduler.on}.
   *
   * @param event - the event
   * @param listener - the listener
   * @returns this scheduler
   */
  off<K extends keyof SchedulerEvents>(event: K, listener: (...args: SchedulerEvents[K]) => void): this {
    this.#events.off(event, listener);
    return this;
  }

  // Reached only through the module-level crashWorker below, so the hook is not part of the public type.
  static {
    crashHook = (scheduler, index) => {
      const slot = scheduler.#workers[index];
      if (!slot) throw new ValidationError(`no worker ${index}`);
      slot.worker.postMessage({ type: 'crash' } satisfies WorkerRequest);
    };
  }

  /**
   * Stops taking work (new calls fail with `CLOSED`), lets queued and running jobs finish until the deadline, then
   * fails what is left with `CLOSED` and stops the workers.
   *
   * @param options - `deadlineMs` (default 30 s); `signal` ends the wait early, as the deadline does
   */
  async close(options: DrainOptions = {}): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const drained = this.#drain.wait({ deadlineMs: options.deadlineMs ?? 30_000, signal: options.signal });
    this.#dispatch();
    await drained;
    clearTimeout(this.#timer);
    for (const w of this.#workers) clearTimeout(w.respawn);
    for (const job of this.#queue.splice(0)) this.#settle(job, new ClosedError('LocalScheduler'));
    this.#queuedTokens = 0;
    for (const w of this.#workers) {
      for (const job of w.batch?.jobs ?? []) this.#settle(job, new ClosedError('LocalScheduler'));
      w.batch = undefined;
    }
    await Promise.all(this.#workers.filter((w) => w.alive).map((w) => w.worker.terminate()));
  }

  #submit(modelId: string, kind: 'embed' | 'rerank', texts: readonly string[], query: string, options: ScheduledEmbedOptions & ScheduledRerankOptions): Promise<Float32Array[] | RerankResult[]> {
    if (this.#closing) return Promise.reject(new ClosedError('LocalScheduler'));
    if (this.#unhealthy) return Promise.reject(this.#unhealthyError());
    const model = this.#models.get(modelId);
    const wanted = kind === 'embed' ? 'embedding' : 'reranker';
    if (!model || model.kind !== wanted) return Promise.reject(new NotFoundError(`no ${wanted} model "${modelId}"`));
    if (options.signal?.aborted) return Promise.reject(new AbortError());
    let tokens = estimateTokens(query) * (kind === 'rerank' ? texts.length : 0);
    for (const t of texts) tokens += estimateTokens(t);
    if (this.#queue.length >= this.#options.maxQueuedJobs || (this.#queue.length > 0 && this.#queuedTokens + tokens > this.#options.maxQueuedTokens)) {
      this.#stats.rejected++;
      return Promise.reject(new OverloadedError(`scheduler queue full (${this.#queue.length} jobs, ${this.#queuedTokens} tokens queued)`));
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        seq: this.#seq++, priority: options.priority ?? 0, model, kind, texts, query, tokens, attempts: 0, settled: false,
        inputType: options.kind ?? 'document', dimensions: options.dimensions, resolve, reject, cleanup: () => {},
      };
      const signal = options.signal;
      if (signal) {
        const onAbort = (): void => this.#cancel(job);
        signal.addEventListener('abort', onAbort, { once: true });
        job.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.#enqueue(job);
      this.#schedule(tokens >= this.#options.maxBatchTokens);
    });
  }

  /** Inserts by priority (higher first), keeping arrival order within a priority; a retried job keeps its place. */
  #enqueue(job: Job): void {
    let i = this.#queue.length;
    while (i > 0 && (this.#queue[i - 1].priority < job.priority || (this.#queue[i - 1].priority === job.priority && this.#queue[i - 1].seq > job.seq))) i--;
    this.#queue.splice(i, 0, job);
    this.#queuedTokens += job.tokens;
    for (const w of this.#workers) w.respawn?.ref(); // a caller waits: keep the process up through a respawn backoff
  }

  /** Dispatches now, or after the batching window when a worker is idle and the batch could still grow. */
  #schedule(now: boolean): void {
    if (now || this.#options.maxWaitMs === 0 || !this.#options.coalesce) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#dispatch();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => { this.#timer = undefined; this.#dispatch(); }, this.#options.maxWaitMs);
    }
  }

  #cancel(job: Job): void {
    const i = this.#queue.indexOf(job);
    if (i >= 0) {
      this.#queue.splice(i, 1);
      this.#queuedTokens -= job.tokens;
    }
    // A running job's share of its batch is dropped when the batch returns; the other callers are unaffected.
    this.#settle(job, new AbortError());
    this.#checkDrained();
  }

  #dispatch(): void {
    for (;;) {
      // Only workers that came up take batches: one dying at start never takes (and loses) a caller's job.
      const idle = this.#workers.filter((w) => w.up && !w.batch);
      if (idle.length === 0 || this.#queue.length === 0) return;
      const head = this.#queue[0];
      const worker = idle.find((w) => w.loaded.has(head.model.dir)) ?? idle[0];
      const jobs = this.#takeBatch();
      this.#run(worker, jobs);
    }
  }

  /** Takes the head job and, for embeddings, the queued jobs it can share a model call with. */
  #takeBatch(): Job[] {
    const head = this.#queue[0];
    const taken = [head];
    let tokens = head.tokens;
    let texts = head.texts.length;
    if (head.kind === 'embed' && this.#options.coalesce) {
      for (let i = 1; i < this.#queue.length; i++) {
        const j = this.#queue[i];
        if (j.kind !== 'embed' || j.model !== head.model || j.inputType !== head.inputType || j.dimensions !== head.dimensions) continue;
        if (tokens + j.tokens > this.#options.maxBatchTokens || texts + j.texts.length > this.#options.maxBatchTexts) break;
        taken.push(j);
        tokens += j.tokens;
        texts += j.texts.length;
      }
    }
    const set = new Set(taken);
    const rest = this.#queue.filter((j) => !set.has(j));
    this.#queue.length = 0;
    this.#queue.push(...rest);
    this.#queuedTokens -= tokens;
    return taken;
  }

  #run(slot: WorkerSlot, jobs: Job[]): void {
    const batch: Batch = { id: this.#batchSeq++, jobs, started: performance.now(), tokens: jobs.reduce((n, j) => n + j.tokens, 0) };
    slot.batch = batch;
    slot.worker.ref(); // keep the process alive while callers wait on this batch
    const head = jobs[0];
    const request: WorkerRequest = head.kind === 'embed'
      ? { type: 'embed', batch: batch.id, dir: head.model.dir, texts: jobs.flatMap((j) => [...j.texts]), inputType: head.inputType, dimensions: head.dimensions }
      : { type: 'rerank', batch: batch.id, dir: head.model.dir, query: head.query, documents: [...head.texts] };
    slot.worker.postMessage(request);
  }

  #onReply(slot: WorkerSlot, reply: WorkerReply): void {
    const batch = slot.batch;
    if (!batch || batch.id !== reply.batch) return;
    slot.batch = undefined;
    slot.streak = 0; // it finished a batch: whatever killed its predecessors is gone
    slot.worker.unref(); // an idle pool does not keep the process alive
    slot.loaded = new Set(reply.loaded);
    this.#stats.batches++;
    const head = batch.jobs[0];
    try {
      this.#options.onBatch?.({
        model: head.model.id, kind: head.kind, jobs: batch.jobs.length, texts: batch.jobs.reduce((n, j) => n + j.texts.length, 0),
        tokens: batch.tokens, worker: slot.index, device: slot.device, ms: performance.now() - batch.started,
        ...(reply.ok ? {} : { error: reply.error.code }),
      });
    } catch (thrown) {
      // A user callback fails only the batch it was called for; the pool goes on.
      const err = new CallbackError('onBatch', thrown);
      for (const job of batch.jobs) this.#settle(job, err);
      this.#events.emit('error', err);
    }
    if (!reply.ok) {
      const err = rebuildError(reply.error);
      for (const job of batch.jobs) this.#settle(job, err);
    } else if (reply.kind === 'rerank') {
      this.#settle(head, undefined, reply.results);
    } else {
      let row = 0;
      for (const job of batch.jobs) {
        const vectors = job.texts.map((_, i) => reply.flat.slice((row + i) * reply.dimension, (row + i + 1) * reply.dimension));
        row += job.texts.length;
        this.#settle(job, undefined, vectors);
      }
    }
    this.#checkDrained();
    this.#dispatch();
  }

  /**
   * A worker died: retry its batch's jobs once (at their old place in the queue) and replace it, at once the first
   * time, after a doubling backoff when it keeps dying; past `respawn.unhealthyAfter` for every worker the pool
   * turns unhealthy and fails what is queued.
   */
  #onExit(slot: WorkerSlot, worker: Worker, cause: unknown): void {
    if (slot.worker !== worker || !slot.alive) return;
    slot.alive = false;
    slot.up = false;
    const batch = slot.batch;
    slot.batch = undefined;
    if (this.#closing && !batch) return;
    const crash = new WorkerCrashedError(`worker ${slot.index} (${slot.device}) died${batch ? ` running a ${batch.jobs[0].kind} batch of ${batch.jobs[0].model.id}` : ''}`, { cause });
    for (const job of batch?.jobs ?? []) {
      if (job.settled) continue;
      if (job.attempts === 0 && !this.#closing) {
        job.attempts++;
        this.#enqueue(job);
      } else {
        this.#settle(job, crash);
      }
    }
    if (!this.#closing) {
      slot.streak++;
      this.#stats.restarts++;
      this.#events.emit('error', crash);
      if (!this.#unhealthy && this.#workers.every((w) => !w.up && w.streak >= this.#respawn.unhealthyAfter)) this.#setUnhealthy(crash);
      this.#notifyStart();
      const delay = this.#unhealthy ? this.#respawn.maxDelayMs : respawnDelay(slot.streak, this.#respawn);
      if (delay === 0) this.#spawn(slot);
      else {
        slot.respawn = setTimeout(() => {
          slot.respawn = undefined;
          if (this.#closing) return;
          this.#spawn(slot);
          this.#dispatch();
        }, delay);
        // Callers waiting in the queue keep the process alive through the backoff; an idle pool does not.
        if (this.#queue.length === 0) slot.respawn.unref();
      }
    }
    this.#checkDrained();
    this.#dispatch();
  }

  /** Starts a worker in a slot (first start or respawn). */
  #spawn(slot: WorkerSlot): void {
    const setup: WorkerSetup = { device: slot.device, threads: this.#threads, ...(workerFaults.exitAtStart ? { fault: 'exit-at-start' as const } : {}) };
    const worker = new Worker(workerEntry(), { workerData: setup });
    worker.unref();
    slot.worker = worker;
    slot.alive = true;
    slot.up = false;
    slot.loaded = new Set();
    let lastError: unknown;
    // Up once the worker says so (its module and imports loaded), not at 'online', which fires before they run.
    worker.on('message', (msg: WorkerReply | WorkerReady) => {
      if (slot.worker !== worker) return;
      if (!('ready' in msg)) {
        this.#onReply(slot, msg);
        return;
      }
      slot.up = true;
      if (this.#unhealthy) this.#setHealthy();
      this.#notifyStart();
      this.#dispatch();
    });
    worker.on('error', (err) => { lastError = err; });
    worker.on('exit', (code) => this.#onExit(slot, worker, lastError ?? new WorkerCrashedError(`worker ${slot.index} exited with code ${code}`)));
  }

  /**
   * Waits until every worker is up or has died `unhealthyAfter` times in a row (a pool with some workers up starts;
   * the others keep respawning); throws the pool's typed error when none came up.
   */
  async #started(): Promise<void> {
    const limit = this.#respawn.unhealthyAfter;
    for (;;) {
      if (this.#unhealthy) throw this.#unhealthyError();
      if (this.#workers.every((w) => w.up || w.streak >= limit)) return;
      await new Promise<void>((resolve) => this.#startWaiters.push(resolve));
    }
  }

  /** Wakes {@link LocalScheduler.#started}: a worker came up or died. */
  #notifyStart(): void {
    for (const w of this.#startWaiters.splice(0)) w();
  }

  #setUnhealthy(cause: Error): void {
    const err = new PoolUnhealthyError(`LocalScheduler is unhealthy: every worker died ${this.#respawn.unhealthyAfter} times in a row (last: ${cause.message}); ` +
      `retrying every ${this.#respawn.maxDelayMs} ms`, { cause });
    this.#unhealthy = err;
    // Nothing queued can run before a worker comes up: fail it now rather than let callers hang on the backoff.
    for (const job of this.#queue.splice(0)) this.#settle(job, err);
    this.#queuedTokens = 0;
    this.#events.emit('health', this.health());
  }

  #setHealthy(): void {
    this.#unhealthy = undefined;
    this.#events.emit('health', this.health());
  }

  #unhealthyError(): PoolUnhealthyError {
    const u = this.#unhealthy!;
    return new PoolUnhealthyError(u.message, { cause: u.cause });
  }

  #settle(job: Job, err: unknown, value?: Float32Array[] | RerankResult[]): void {
    if (job.settled) return;
    job.settled = true;
    job.cleanup();
    if (err === undefined) {
      this.#stats.completed++;
      job.resolve(value!);
    } else {
      this.#stats.failed++;
      job.reject(err);
    }
  }

  #checkDrained(): void {
    this.#drain.notify();
  }
}

/** Rebuilds a worker's error on this thread, as the class the engine threw where the code names one. */
function rebuildError(e: { code: string; message: string }): AbiError {
  switch (e.code) {
    case 'INVALID_INPUT': return new ValidationError(e.message);
    case 'MODEL_LOAD_FAILED': return new ModelLoadError(e.message);
    case 'UNSUPPORTED': return new UnsupportedError(e.message);
    default: return new AbiError(e.code as AbiErrorCode, e.message);
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value > 0)) throw new ValidationError(`${name} must be a positive integer, got ${value}`);
  return value;
}


/**
 * Test hook: makes one worker of `scheduler` exit at once, as a native crash would. Its batch is retried once on a
 * replacement worker. Not exported from any entry point; tests import it from this module.
 *
 * @param scheduler - the scheduler
 * @param index - the worker
 * @throws {ValidationError} when there is no worker `index`
 * @internal
 */
export function crashWorker(scheduler: LocalScheduler, index: number): void {
  crashHook(scheduler, index);
}
