// Test plumbing for the server: an InferenceService over the real local engine (tiny generated models), a server
// factory, and a log sink.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { RerankResult } from '../../src/retrieval/reranker.js';
import { OverloadedError } from '../../src/core/errors.js';
import { LocalCrossEncoder, LocalEmbedder } from '../../src/index.js';
import type { InferenceService, SchedulerStats, ServedModel } from '../../src/scheduler/types.js';
import { type AbiServer, createServer, type CreateServerOptions } from '../../src/server/index.js';
import { modelDir } from '../engine/helpers.js';

export const EMBED_MODEL = 'tiny-bert';
export const RERANK_MODEL = 'tiny-cross-encoder';

/**
 * The engine behind the InferenceService contract, without a scheduler: each call runs directly. `maxConcurrent`
 * turns calls past it into BUSY, like a scheduler's bounded queue.
 */
export class EngineService implements InferenceService {
  readonly embedder: LocalEmbedder;
  readonly reranker: LocalCrossEncoder;
  maxConcurrent = Infinity;
  running = 0;
  readonly calls: { op: string; model: string; n: number; options: unknown }[] = [];
  #stats = { completed: 0, rejected: 0, failed: 0 };
  #closed = false;

  private constructor(embedder: LocalEmbedder, reranker: LocalCrossEncoder) {
    this.embedder = embedder;
    this.reranker = reranker;
  }

  static async open(): Promise<EngineService> {
    const [e, r] = await Promise.all([
      LocalEmbedder.fromFolder(modelDir(EMBED_MODEL), { name: EMBED_MODEL }),
      LocalCrossEncoder.fromFolder(modelDir(RERANK_MODEL), { name: RERANK_MODEL }),
    ]);
    return new EngineService(e, r);
  }

  async #run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrent) {
      this.#stats.rejected++;
      throw new OverloadedError('queue full');
    }
    this.running++;
    try {
      const out = await fn();
      this.#stats.completed++;
      return out;
    } catch (err) {
      this.#stats.failed++;
      throw err;
    } finally {
      this.running--;
    }
  }

  embed(model: string, texts: readonly string[], options: { dimensions?: number; kind?: 'query' | 'document'; signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    this.calls.push({ op: 'embed', model, n: texts.length, options });
    return this.#run(() => this.embedder.embed(texts, { dimensions: options.dimensions, inputType: options.kind, signal: options.signal }));
  }

  rerank(model: string, query: string, documents: readonly string[], options: { topN?: number; signal?: AbortSignal } = {}): Promise<RerankResult[]> {
    this.calls.push({ op: 'rerank', model, n: documents.length, options });
    return this.#run(() => this.reranker.rerank(query, documents, { topN: options.topN, signal: options.signal }));
  }

  models(): readonly ServedModel[] {
    return [
      { id: EMBED_MODEL, kind: 'embedding', dimension: this.embedder.dimension, loaded: !this.#closed },
      { id: RERANK_MODEL, kind: 'reranker', loaded: !this.#closed },
    ];
  }

  stats(): SchedulerStats {
    return {
      queuedJobs: 0, queuedTokens: 0, runningJobs: this.running, completedJobs: this.#stats.completed,
      rejectedJobs: this.#stats.rejected, failedJobs: this.#stats.failed, batches: this.#stats.completed, workers: 1,
    };
  }

  ready(): boolean {
    return !this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.embedder.close(), this.reranker.close()]);
  }
}

/** A pino logger writing JSON lines into an array. */
export function captureLogs(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Starts a server on a free loopback port. */
export async function startServer(options: CreateServerOptions): Promise<{ server: AbiServer; url: string }> {
  const server = createServer({ logger: false, ...options });
  const url = await server.listen(0, '127.0.0.1');
  return { server, url };
}

/** fetch with a JSON body; returns status, headers and the parsed (or raw) body. */
export async function call(url: string, init: { method?: string; body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text
  }
  return { status: res.status, headers: res.headers, body };
}
