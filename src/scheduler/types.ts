/**
 * The scheduler's types: the contract between the local scheduler and what serves it (the HTTP server, the
 * in-process connector), the scheduler's options, and its queued jobs.
 *
 * @module
 */
import type { DrainOptions } from '../core/contracts.js';
import type { AbiError } from '../core/errors.js';
import type { RerankResult } from '../retrieval/reranker.js';
import type { PullModelOptions } from '../hub/pull.js';

/** A model a {@link InferenceService} can run. */
export interface ServedModel {
  /** Model identifier used in requests. */
  id: string;
  /** What the model does. */
  kind: 'embedding' | 'reranker';
  /** Output width of an embedding model, when known. */
  dimension?: number;
  /** Whether the model is loaded and ready to run without a cold start. */
  loaded: boolean;
  /**
   * The trained adapter applied to this model's embeddings (`adapter-<12 hex>`, as in `AdaptedEmbedder.model`), when
   * there is one; embedding caches key on it, so adapted and base vectors never mix.
   */
  adapter?: string;
}

/** A model folder a scheduler can run. */
export interface ModelEntry {
  /** The id requests use. */
  id: string;
  /** The folder. */
  dir: string;
  /** Embedding model or cross-encoder. */
  kind: ServedModel['kind'];
  /** Output width of an embedding model (config.json `hidden_size`), when known. */
  dimension?: number;
}

/** How `hf:` models are fetched: cache folder, offline mode, endpoint, token, signal, progress (the dtype is fp32). */
export type HubSourceOptions = Omit<PullModelOptions, 'dtype' | 'revision'>;

/** A point-in-time view of a scheduler's queue and work done, for metrics and health checks. */
export interface SchedulerStats {
  /** Jobs waiting in the queue. */
  queuedJobs: number;
  /** Tokens waiting in the queue. */
  queuedTokens: number;
  /** Jobs running on workers. */
  runningJobs: number;
  /** Jobs finished since start. */
  completedJobs: number;
  /** Jobs refused with `BUSY` since start. */
  rejectedJobs: number;
  /** Jobs that failed since start. */
  failedJobs: number;
  /** Batches run since start. */
  batches: number;
  /** Workers alive. */
  workers: number;
  /**
   * Workers replaced after dying, since start (a `LocalScheduler` reports it; other services may leave it out).
   */
  restarts?: number;
  /** Whether the service takes work; `false` while its worker pool is unhealthy (see {@link InferenceService.health}). */
  healthy?: boolean;
}

/**
 * Whether a service can run work, and if not why: what `GET /health` reports. A `LocalScheduler` turns `unhealthy`
 * when its workers keep dying at start (see {@link WorkerRespawnOptions}) and `ok` again once one comes up.
 */
export interface ServiceHealth {
  /** `ok`, or `unhealthy` while the service refuses work. */
  status: 'ok' | 'unhealthy';
  /** The error code requests get while unhealthy (`POOL_UNHEALTHY`). */
  code?: string;
  /** Why, when unhealthy (the last worker failure). */
  reason?: string;
  /** Workers running now. */
  workersUp?: number;
  /** Workers the pool keeps. */
  workers?: number;
  /** The longest run of deaths in a row of any worker (0 once each has finished a job since it last died). */
  crashStreak?: number;
  /** Workers replaced after dying, since start. */
  restarts?: number;
}

/**
 * How a worker pool backs off when its workers keep dying (a model whose native code crashes on load, a device
 * that fails at start). The first death is replaced at once; each further death in a row (no finished job in
 * between) doubles the wait, from `initialDelayMs` up to `maxDelayMs`. After `unhealthyAfter` deaths in a row of
 * every worker the pool is unhealthy: queued and new jobs fail at once with `POOL_UNHEALTHY`, and it keeps trying
 * to respawn every `maxDelayMs`; as soon as a worker comes up it takes work again.
 */
export interface WorkerRespawnOptions {
  /**
   * Wait before the second respawn in a row, in ms (the first is immediate); doubled for each further one.
   * @defaultValue 100
   */
  initialDelayMs?: number;
  /**
   * Longest wait between respawns, in ms; an unhealthy pool probes at this interval.
   * @defaultValue 10_000
   */
  maxDelayMs?: number;
  /**
   * Deaths in a row (per worker, all workers) after which the pool reports unhealthy.
   * @defaultValue 5
   */
  unhealthyAfter?: number;
}

/** Events of a `LocalScheduler` (`scheduler.on(event, listener)`). Listeners that throw are ignored. */
export interface SchedulerEvents {
  /**
   * Something failed in the background, outside any caller's promise or beside it: a worker died
   * (`WorkerCrashedError`), `onBatch` threw (`CallbackError`, its batch's jobs are rejected with it). Having no
   * listener is fine: nothing is thrown.
   */
  error: [error: AbiError];
  /** The pool turned unhealthy, or healthy again. */
  health: [health: ServiceHealth];
}

/** Runs embedding and reranking models: what the server exposes over HTTP. `LocalScheduler` implements it. */
export interface InferenceService {
  /**
   * Embeds texts with one model.
   *
   * @param model - the model's id
   * @param texts - the texts
   * @param options - Matryoshka dimensions, query/document prompts, priority, cancellation
   * @returns one vector per text, in order
   */
  embed(model: string, texts: readonly string[], options?: { dimensions?: number; kind?: 'query' | 'document'; priority?: number; signal?: AbortSignal }): Promise<Float32Array[]>;
  /**
   * Scores documents against a query with a cross-encoder.
   *
   * @param model - the model's id
   * @param query - the query
   * @param documents - the documents
   * @param options - how many to keep, cancellation
   * @returns results best first
   */
  rerank(model: string, query: string, documents: readonly string[], options?: { topN?: number; signal?: AbortSignal }): Promise<RerankResult[]>;
  /**
   * The models this service can run.
   *
   * @returns the models
   */
  models(): readonly ServedModel[];
  /**
   * Queue and work counters.
   *
   * @returns a snapshot
   */
  stats(): SchedulerStats;
  /**
   * Whether the service can take work (models loaded, not closing).
   *
   * @returns readiness
   */
  ready(): boolean;
  /**
   * Whether the service can run work and, if not, why (the server answers 503 and reports it on `/health`).
   * Optional: a service without it is taken as healthy while `ready()`.
   *
   * @returns the current health
   */
  health?(): ServiceHealth;
  /**
   * Stops taking work and drains what is in flight.
   *
   * @param options - how long to wait for in-flight work (`deadlineMs`), and a `signal` that ends the wait early
   */
  close(options?: DrainOptions): Promise<void>;
}

/** One model given explicitly to {@link LocalScheduler.create}. */
export interface ModelSource {
  /** The id requests use. */
  id: string;
  /**
   * The model folder (Hugging Face layout), or a Hub model as `hf:owner/name[@revision]` (fetched into the Hugging
   * Face cache, or found there offline; fp32 weights).
   */
  dir: string;
  /**
   * A trained adapter file (`saveAdapter`, `abi-sdk train`) to apply to this model's embeddings, as
   * `AdaptedEmbedder` does: checked against the model at start (a file for another base model is a
   * `ModelMismatchError` then, never served), applied on the main thread to each batch's vectors.
   */
  adapter?: string;
}

/** Options of {@link LocalScheduler.create}. */
export interface LocalSchedulerOptions {
  /**
   * A models directory (each subfolder with a config.json is a model named after it), a comma-separated list of
   * `hf:owner/name[@revision]` Hub models (and folders), or explicit models.
   */
  models: string | readonly ModelSource[];
  /**
   * Trained adapters by model id (`{ 'all-MiniLM-L6-v2': 'domain.abi-adapter' }`), for models found from a `models`
   * string; the same as {@link ModelSource.adapter}. Each is loaded and checked against its model at start.
   */
  adapters?: Readonly<Record<string, string>>;
  /** How `hf:` models are fetched: cache folder, offline mode, endpoint, token, signal, progress. */
  hub?: HubSourceOptions;
  /**
   * One worker thread per entry, each running its models on that device (`cpu`, `cuda`, `cuda:N`, `auto`).
   * @defaultValue one `cpu` worker per two cores (at least one)
   */
  devices?: readonly string[];
  /**
   * Intra-op threads of each worker's model sessions.
   * @defaultValue cores / workers (at least 1)
   */
  threadsPerWorker?: number;
  /**
   * Most jobs waiting in the queue; a call past it fails at once with `BUSY`.
   * @defaultValue 1024
   */
  maxQueuedJobs?: number;
  /**
   * Most estimated tokens waiting in the queue; a call past it fails at once with `BUSY`.
   * @defaultValue 1,000,000
   */
  maxQueuedTokens?: number;
  /**
   * Estimated tokens per coalesced embedding batch (a single larger job still runs alone).
   * @defaultValue 16,384
   */
  maxBatchTokens?: number;
  /**
   * Texts per coalesced embedding batch.
   * @defaultValue 256
   */
  maxBatchTexts?: number;
  /**
   * How long a new job may wait for others to join its batch while a worker is idle, in ms. Under load, batches
   * form anyway from what queued while the workers were busy.
   * @defaultValue 2
   */
  maxWaitMs?: number;
  /**
   * Whether concurrent embedding jobs for the same model share batches (dynamic batching). Off, every job runs as
   * its own batch — for comparison, or when per-request latency matters more than throughput.
   * @defaultValue true
   */
  coalesce?: boolean;
  /**
   * Called after every batch (for metrics). If it throws, that batch's jobs are rejected with a `CallbackError`
   * (its `cause` is what was thrown) and an `error` event is emitted; other batches are unaffected.
   */
  onBatch?: (batch: BatchReport) => void;
  /** Crash-loop backoff of the workers; see {@link WorkerRespawnOptions}. */
  respawn?: WorkerRespawnOptions;
}

/** What one batch did, as given to {@link LocalSchedulerOptions.onBatch}. */
export interface BatchReport {
  /** Model id. */
  model: string;
  /** `embed` or `rerank`. */
  kind: 'embed' | 'rerank';
  /** Jobs (caller requests) in the batch. */
  jobs: number;
  /** Texts (or documents) in the batch. */
  texts: number;
  /** Estimated tokens. */
  tokens: number;
  /** Worker index. */
  worker: number;
  /** Worker's device. */
  device: string;
  /** Wall time, ms. */
  ms: number;
  /** Error code when the batch failed. */
  error?: string;
}

/** Options of {@link LocalScheduler.embed}. */
export interface ScheduledEmbedOptions {
  /** Matryoshka truncation. */
  dimensions?: number;
  /** Query or document prompt. @defaultValue `'document'` */
  kind?: 'query' | 'document';
  /** Higher runs first. @defaultValue 0 */
  priority?: number;
  /** Cancels the job: it leaves the queue, or its share of a running batch is dropped. */
  signal?: AbortSignal;
}

/** Options of {@link LocalScheduler.rerank}. */
export interface ScheduledRerankOptions {
  /** Keep the best `topN`. */
  topN?: number;
  /** Higher runs first. @defaultValue 0 */
  priority?: number;
  /** Cancels the job. */
  signal?: AbortSignal;
}

/** One caller request in the queue. @internal */
export interface Job {
  seq: number;
  priority: number;
  model: ModelEntry;
  kind: 'embed' | 'rerank';
  texts: readonly string[];
  query: string;
  inputType: 'query' | 'document';
  dimensions: number | undefined;
  tokens: number;
  attempts: number;
  settled: boolean;
  resolve: (value: Float32Array[] | RerankResult[]) => void;
  reject: (err: unknown) => void;
  cleanup: () => void;
}

/** Jobs running together on one worker. @internal */
export interface Batch {
  id: number;
  jobs: Job[];
  started: number;
  tokens: number;
}
