// LocalScheduler on real worker threads and the real engine (tiny generated models): batching across callers,
// order, priorities, admission control, cancellation, crash recovery and draining.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAbiError } from '../../src/core/errors.js';
import { LocalCrossEncoder } from '../../src/engine/cross-encoder.js';
import { LocalEmbedder } from '../../src/engine/local-embedder.js';
import { crashWorker, LocalScheduler } from '../../src/scheduler/local-scheduler.js';
import type { BatchReport } from '../../src/scheduler/types.js';
import { modelDir, variedTexts } from '../engine/helpers.js';

const EMBED = 'tiny-bert';
const RERANK = 'tiny-cross-encoder';
const models = [{ id: EMBED, dir: modelDir(EMBED) }, { id: RERANK, dir: modelDir(RERANK) }];
const texts = variedTexts(40, 7);

let direct: LocalEmbedder;
let cross: LocalCrossEncoder;
beforeAll(async () => {
  direct = await LocalEmbedder.fromFolder(modelDir(EMBED), { threads: 1 });
  cross = await LocalCrossEncoder.fromFolder(modelDir(RERANK), { threads: 1 });
});
afterAll(async () => {
  await direct.close();
  await cross.close();
});

const codeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (isAbiError(e) ? e.code : String(e)));
const until = async (cond: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('LocalScheduler', () => {
  it('gives the same vectors and scores as the engine, in the caller order, for both prompt kinds', async () => {
    const s = await LocalScheduler.create({ models, devices: ['cpu', 'cpu'], threadsPerWorker: 1 });
    try {
      const [docs, queries, ranked] = await Promise.all([
        s.embed(EMBED, texts),
        s.embed(EMBED, texts.slice(0, 5), { kind: 'query', dimensions: 16 }),
        s.rerank(RERANK, 'state of the union', texts.slice(0, 8), { topN: 3 }),
      ]);
      const want = await direct.embed(texts);
      expect(docs.map((v) => [...v])).toEqual(want.map((v) => [...v]));
      const wantQ = await direct.embed(texts.slice(0, 5), { inputType: 'query', dimensions: 16 });
      expect(queries.map((v) => [...v])).toEqual(wantQ.map((v) => [...v]));
      expect(ranked).toEqual(await cross.rerank('state of the union', texts.slice(0, 8), { topN: 3 }));
      expect(s.models()).toEqual([
        { id: EMBED, kind: 'embedding', dimension: 32, loaded: true },
        { id: RERANK, kind: 'reranker', loaded: true },
      ]);
      expect(await s.embed(EMBED, [])).toEqual([]);
      expect(await codeOf(s.embed('nope', ['x']))).toBe('NOT_FOUND');
      expect(await codeOf(s.rerank(EMBED, 'q', ['x']))).toBe('NOT_FOUND');
      expect(await codeOf(s.embed(EMBED, [3 as unknown as string]))).toBe('INVALID_INPUT');
    } finally {
      await s.close();
    }
  });

  it('coalesces concurrent small requests into shared batches and routes each caller its own vectors', async () => {
    const batches: BatchReport[] = [];
    const s = await LocalScheduler.create({ models, devices: ['cpu'], threadsPerWorker: 1, maxWaitMs: 25, onBatch: (b) => batches.push(b) });
    try {
      await s.embed(EMBED, ['warm-up']); // load the model so the window, not the load, decides the batches
      batches.length = 0;
      const calls = Array.from({ length: 12 }, (_, i) => texts.slice(i * 3, i * 3 + 3));
      const results = await Promise.all(calls.map((c) => s.embed(EMBED, c)));
      expect(batches.length).toBeLessThan(calls.length);
      expect(Math.max(...batches.map((b) => b.jobs))).toBeGreaterThan(1);
      expect(batches.reduce((n, b) => n + b.texts, 0)).toBe(36);
      for (let i = 0; i < calls.length; i++) {
        const want = await direct.embed(calls[i]);
        expect(results[i].map((v) => [...v])).toEqual(want.map((v) => [...v]));
      }
      // Different prompt kinds never share a batch.
      batches.length = 0;
      await Promise.all([s.embed(EMBED, ['a']), s.embed(EMBED, ['b'], { kind: 'query' })]);
      expect(batches.length).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('runs every job as its own batch with coalesce off', async () => {
    const batches: BatchReport[] = [];
    const s = await LocalScheduler.create({ models, devices: ['cpu'], threadsPerWorker: 1, coalesce: false, onBatch: (b) => batches.push(b) });
    try {
      await Promise.all(Array.from({ length: 6 }, (_, i) => s.embed(EMBED, [texts[i]])));
      expect(batches.map((b) => b.jobs)).toEqual([1, 1, 1, 1, 1, 1]);
      expect(s.stats()).toMatchObject({ batches: 6, completedJobs: 6 });
    } finally {
      await s.close();
    }
  });

  it('an idle worker takes queued work while another is busy (no job waits behind a busy worker)', async () => {
    let blockerDone = false;
    const batches: (BatchReport & { whileBlocked: boolean })[] = [];
    const s = await LocalScheduler.create({
      models, devices: ['cpu', 'cpu'], threadsPerWorker: 1, maxWaitMs: 0, onBatch: (b) => batches.push({ ...b, whileBlocked: !blockerDone }),
    });
    try {
      await Promise.all([s.rerank(RERANK, 'warm', ['a']), s.rerank(RERANK, 'warm', ['b'])]);
      batches.length = 0;
      const long = Array.from({ length: 200 }, (_, i) => texts[i % texts.length].repeat(8));
      const blocker = s.rerank(RERANK, 'slow', long).then(() => { blockerDone = true; });
      await until(() => s.stats().runningJobs === 1);
      const quick = await Promise.all(Array.from({ length: 4 }, (_, i) => s.rerank(RERANK, `quick ${i}`, ['a', 'b'])));
      expect(quick.every((r) => r.length === 2)).toBe(true);
      await blocker;
      const slowWorker = batches.find((b) => b.texts === 200)!.worker;
      // Quick jobs finished while the slow batch was still running, on the other worker.
      const during = batches.filter((b) => b.texts === 2 && b.whileBlocked);
      expect(during.length).toBeGreaterThan(0);
      expect(during.every((b) => b.worker !== slowWorker)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('runs higher priorities first', async () => {
    const order: string[] = [];
    const s = await LocalScheduler.create({ models, devices: ['cpu'], threadsPerWorker: 1, maxWaitMs: 0 });
    try {
      await s.rerank(RERANK, 'q', ['warm-up']);
      const blocker = s.rerank(RERANK, 'q', texts);
      await until(() => s.stats().runningJobs === 1);
      const jobs = [
        s.rerank(RERANK, 'low-1', ['a']).then(() => order.push('low-1')),
        s.rerank(RERANK, 'low-2', ['a']).then(() => order.push('low-2')),
        s.rerank(RERANK, 'high', ['a'], { priority: 5 }).then(() => order.push('high')),
      ];
      await Promise.all([blocker, ...jobs]);
      expect(order).toEqual(['high', 'low-1', 'low-2']);
    } finally {
      await s.close();
    }
  });

  it('refuses work past its bounded queue at once with BUSY, and recovers', async () => {
    const s = await LocalScheduler.create({ models, devices: ['cpu'], threadsPerWorker: 1, maxQueuedJobs: 3, maxWaitMs: 0 });
    try {
      await s.rerank(RERANK, 'q', ['warm-up']);
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => codeOf(s.rerank(RERANK, `q${i}`, texts.slice(0, 10)))));
      const busy = outcomes.filter((o) => o === 'BUSY').length;
      expect(busy).toBeGreaterThan(0);
      expect(outcomes.filter((o) => o === 'ok').length).toBe(20 - busy);
      expect(s.stats()).toMatchObject({ rejectedJobs: busy, queuedJobs: 0, runningJobs: 0 });
      expect(await codeOf(s.rerank(RERANK, 'after', ['a']))).toBe('ok');
    } finally {
      await s.close();
    }
  });

  it('cancels a queued job without disturbing the others, and drops a running one from its batch', async () => {
    const s = await LocalScheduler.create({ models, devices: ['cpu'], threadsPerWorker: 1, maxWaitMs: 30 });
    try {
      await s.embed(EMBED, ['warm-up']);
      // Queued: aborted inside the batching window, before any dispatch.
      const queued = new AbortController();
      const a = s.embed(EMBED, texts.slice(0, 3));
      const b = s.embed(EMBED, texts.slice(3, 6), { signal: queued.signal });
      queued.abort();
      expect(await codeOf(b)).toBe('ABORTED');
      expect((await a).length).toBe(3);
      // Running: aborted after dispatch; its batch-mate still gets its vectors.
      const running = new AbortController();
      const c = s.embed(EMBED, texts.slice(0, 20));
      const d = s.embed(EMBED, texts.slice(20, 40), { signal: running.signal });
      await until(() => s.stats().runningJobs > 0);
      running.abort();
      expect(await codeOf(d)).toBe('ABORTED');
      const want = await direct.embed(texts.slice(0, 20));
      expect((await c).map((v) => [...v])).toEqual(want.map((v) => [...v]));
      expect(await codeOf(s.embed(EMBED, ['x'], { signal: AbortSignal.abort() }))).toBe('ABORTED');
    } finally {
      await s.close();
    }
  });

  it('replaces a crashed worker and retries its batch once; a second crash fails the job with WORKER_CRASHED', async () => {
    const s = await LocalScheduler.create({ models, devices: ['cpu'], threadsPerWorker: 1, maxWaitMs: 0 });
    try {
      // Crash while the worker loads the model for the job: the job is retried on a fresh worker and succeeds.
      const first = s.embed(EMBED, texts.slice(0, 4));
      await until(() => s.stats().runningJobs === 1);
      crashWorker(s, 0);
      const want = await direct.embed(texts.slice(0, 4));
      expect((await first).map((v) => [...v])).toEqual(want.map((v) => [...v]));
      expect(s.restarts).toBe(1);
      // Crash twice: the retry is also lost, so the job fails with a typed error — never silently. The job is large so
      // that its retry is still running when the poll below looks (a 4-text retry could finish between two polls on a
      // loaded machine, and the test would wait for a state it had missed).
      const second = s.embed(EMBED, variedTexts(1500, 9));
      await until(() => s.stats().runningJobs === 1);
      crashWorker(s, 0);
      await until(() => s.restarts === 2 && s.stats().runningJobs === 1);
      crashWorker(s, 0);
      expect(await codeOf(second)).toBe('WORKER_CRASHED');
      expect(s.stats().workers).toBe(1);
      expect(await codeOf(s.embed(EMBED, ['still works']))).toBe('ok');
    } finally {
      await s.close();
    }
  });

  it('drains in-flight and queued work on close; later calls and work past the deadline fail with CLOSED', async () => {
    const s = await LocalScheduler.create({ models, devices: ['cpu'], threadsPerWorker: 1 });
    const pending = Array.from({ length: 6 }, (_, i) => s.embed(EMBED, texts.slice(i * 5, i * 5 + 5)));
    await s.close({ deadlineMs: 60_000 });
    expect((await Promise.all(pending)).every((r) => r.length === 5)).toBe(true);
    expect(await codeOf(s.embed(EMBED, ['late']))).toBe('CLOSED');
    expect(s.ready()).toBe(false);

    const t = await LocalScheduler.create({ models, devices: ['cpu'], threadsPerWorker: 1, maxWaitMs: 0 });
    const cut = Promise.all(Array.from({ length: 4 }, (_, i) => codeOf(t.rerank(RERANK, `q${i}`, texts))));
    await t.close({ deadlineMs: 0 });
    const codes = await cut;
    expect(codes.every((c) => c === 'CLOSED' || c === 'ok')).toBe(true);
    expect(codes).toContain('CLOSED');
  });

  it('a CUDA worker without the CUDA provider fails its jobs with a clear typed error', async () => {
    const s = await LocalScheduler.create({ models, devices: ['cuda:0'], threadsPerWorker: 1 });
    try {
      const err = await s.embed(EMBED, ['x']).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/CUDA/i) });
    } finally {
      await s.close();
    }
  });

  it('validates its options', async () => {
    await expect(LocalScheduler.create({ models, devices: ['tpu'] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(LocalScheduler.create({ models, maxQueuedJobs: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(LocalScheduler.create({ models: '/nonexistent/models' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
