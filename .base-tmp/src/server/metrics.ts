/**
 * Prometheus metrics of one server, on its own `prom-client` registry (two servers in a process never share
 * counters). Names follow `abi_*`; the scheduler's queue and batch figures are read from
 * {@link InferenceService.stats} at scrape time.
 *
 * @module
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { InferenceService } from '../scheduler/types.js';

/** Options of the server's metrics. */
export interface ServerMetricsOptions {
  /**
   * Registry to register on (e.g. to share with the application's own metrics).
   * @defaultValue a new registry per server
   */
  registry?: Registry;
  /**
   * Also collect Node.js process metrics (event loop lag, heap, GC) prefixed `abi_`.
   * @defaultValue false
   */
  processMetrics?: boolean;
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The server's instruments. */
export class ServerMetrics {
  /** The registry `/metrics` exposes. */
  readonly registry: Registry;
  /** HTTP requests by route, method and status. */
  readonly requests: Counter<'route' | 'method' | 'status'>;
  /** HTTP request latency by route. */
  readonly latency: Histogram<'route'>;
  /** Errors answered, by stable code. */
  readonly errors: Counter<'code'>;
  /** Texts embedded or documents scored, by model and operation. */
  readonly texts: Counter<'model' | 'operation'>;
  /** Tokens processed (estimated), by model and operation. */
  readonly tokens: Counter<'model' | 'operation'>;
  /** Texts per request, by operation. */
  readonly requestSize: Histogram<'operation'>;
  /** Inference time by model and operation. */
  readonly inferenceSeconds: Histogram<'model' | 'operation'>;
  /** Server-side embedding cache lookups. */
  readonly cacheHits: Counter<'model'>;
  /** Server-side embedding cache misses. */
  readonly cacheMisses: Counter<'model'>;
  /** Requests refused by rate limits, by principal. */
  readonly rateLimited: Counter<'principal'>;
  /** Texts per scheduler batch (what dynamic batching achieved), by model and operation. */
  readonly batchSize: Histogram<'model' | 'operation'>;
  /** Batch execution time, by device. */
  readonly batchSeconds: Histogram<'device'>;
  /** Texts processed, by device (per-device throughput). */
  readonly deviceTexts: Counter<'device'>;
  // Label-bound children by route/method/status: looking labels up per request is the costly part of prom-client.
  readonly #requestChildren = new Map<string, { count: { inc(): void }; latency: { observe(v: number): void } }>();

  /**
   * @param service - read at scrape time for queue depth, batches and workers
   * @param options - registry, process metrics
   */
  constructor(service: InferenceService, options: ServerMetricsOptions = {}) {
    const registers = [this.registry = options.registry ?? new Registry()];
    this.requests = new Counter({ name: 'abi_requests_total', help: 'HTTP requests served', labelNames: ['route', 'method', 'status'], registers });
    this.latency = new Histogram({ name: 'abi_request_duration_seconds', help: 'HTTP request latency', labelNames: ['route'], buckets: SECONDS, registers });
    this.errors = new Counter({ name: 'abi_errors_total', help: 'Errors answered, by stable error code', labelNames: ['code'], registers });
    this.texts = new Counter({ name: 'abi_texts_total', help: 'Texts embedded or documents scored', labelNames: ['model', 'operation'], registers });
    this.tokens = new Counter({ name: 'abi_tokens_total', help: 'Tokens processed (estimated from UTF-8 bytes)', labelNames: ['model', 'operation'], registers });
    this.requestSize = new Histogram({
      name: 'abi_request_texts', help: 'Texts per request', labelNames: ['operation'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048], registers,
    });
    this.inferenceSeconds = new Histogram({
      name: 'abi_inference_duration_seconds', help: 'Time in the scheduler (queue + batch execution) per request',
      labelNames: ['model', 'operation'], buckets: SECONDS, registers,
    });
    this.cacheHits = new Counter({ name: 'abi_cache_hits_total', help: 'Embedding cache hits', labelNames: ['model'], registers });
    this.cacheMisses = new Counter({ name: 'abi_cache_misses_total', help: 'Embedding cache misses', labelNames: ['model'], registers });
    this.rateLimited = new Counter({ name: 'abi_rate_limited_total', help: 'Requests refused by per-key rate limits', labelNames: ['principal'], registers });
    this.batchSize = new Histogram({
      name: 'abi_batch_texts', help: 'Texts per scheduler batch', labelNames: ['model', 'operation'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], registers,
    });
    this.batchSeconds = new Histogram({ name: 'abi_batch_duration_seconds', help: 'Scheduler batch execution time', labelNames: ['device'], buckets: SECONDS, registers });
    this.deviceTexts = new Counter({ name: 'abi_device_texts_total', help: 'Texts processed, by device', labelNames: ['device'], registers });
    const fromStats = (name: string, help: string, pick: (s: ReturnType<InferenceService['stats']>) => number) => new Gauge({
      name, help, registers,
      collect() {
        this.set(pick(service.stats()));
      },
    });
    fromStats('abi_queue_depth', 'Jobs waiting in the scheduler queue', (s) => s.queuedJobs);
    fromStats('abi_queue_tokens', 'Tokens waiting in the scheduler queue', (s) => s.queuedTokens);
    fromStats('abi_running_jobs', 'Jobs running on workers', (s) => s.runningJobs);
    fromStats('abi_workers', 'Scheduler workers alive', (s) => s.workers);
    fromStats('abi_scheduler_batches', 'Batches run by the scheduler since start', (s) => s.batches);
    fromStats('abi_scheduler_rejected_jobs', 'Jobs refused BUSY by the scheduler since start', (s) => s.rejectedJobs);
    fromStats('abi_scheduler_failed_jobs', 'Jobs failed in the scheduler since start', (s) => s.failedJobs);
    new Gauge({
      name: 'abi_model_loaded', help: 'Whether a served model is loaded (1) or not (0)', labelNames: ['model', 'kind'], registers,
      collect() {
        this.reset();
        for (const m of service.models()) this.set({ model: m.id, kind: m.kind }, m.loaded ? 1 : 0);
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'abi_' });
  }

  /**
   * Records one scheduler batch (wire it to `LocalScheduler`'s `onBatch`).
   *
   * @param batch - what the batch did
   */
  observeBatch(batch: { model: string; kind: 'embed' | 'rerank'; texts: number; device: string; ms: number }): void {
    this.batchSize.labels(batch.model, batch.kind).observe(batch.texts);
    this.batchSeconds.labels(batch.device).observe(batch.ms / 1000);
    this.deviceTexts.labels(batch.device).inc(batch.texts);
  }

  /**
   * Counts one HTTP request and observes its latency.
   *
   * @param route - the route pattern (`unmatched` for none)
   * @param method - HTTP method
   * @param status - status sent
   * @param seconds - time from arrival to the answer
   */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const key = `${route}\u0000${method}\u0000${status}`;
    let child = this.#requestChildren.get(key);
    if (!child) {
      child = { count: this.requests.labels(route, method, String(status)), latency: this.latency.labels(route) };
      this.#requestChildren.set(key, child);
    }
    child.count.inc();
    child.latency.observe(seconds);
  }
}
