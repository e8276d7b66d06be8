/**
 * The contract between the local scheduler and what serves it (the HTTP server, the in-process connector).
 *
 * @module
 */
import type { RerankResult } from '../core/contracts.js';

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
}

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
   * Stops taking work and drains what is in flight.
   *
   * @param options - how long to wait for in-flight work
   */
  close(options?: { deadlineMs?: number }): Promise<void>;
}
