// LocalScheduler under faults in its background work: a throwing onBatch fails only its own batch; workers that die at
// start are respawned with a capped exponential backoff (counted, never timed), the pool turns unhealthy past the
// limit (typed POOL_UNHEALTHY, visible in health() and stats()) and recovers when a respawn comes up. Every test
// fails on an unhandled rejection or an uncaught exception anywhere in the process.
import { describe, expect, it } from 'vitest';
import { isAbiError } from '../../src/core/errors.js';
import { resolveRespawn, respawnDelay, workerFaults } from '../../src/internal/crash-loop.js';
import { crashWorker, LocalScheduler } from '../../src/scheduler/local-scheduler.js';
import type { ServiceHealth } from '../../src/scheduler/types.js';
import { modelDir, variedTexts } from '../engine/helpers.js';
import { failOnProcessFaults, until } from '../helpers/process-faults.js';

const EMBED = 'tiny-bert';
const models = [{ id: EMBED, dir: modelDir(EMBED) }];
const texts = variedTexts(12, 3);

failOnProcessFaults(() => {
  workerFaults.exitAtStart = false;
});

const codeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (isAbiError(e) ? e.code : `untyped: ${String(e)}`));

describe('crash-loop backoff (pure)', () => {
  it('respawns at once the first time, then doubles from initialDelayMs up to maxDelayMs', () => {
    const o = resolveRespawn({ initialDelayMs: 100, maxDelayMs: 1000, unhealthyAfter: 5 });
    expect([1, 2, 3, 4, 5, 6, 7, 50, 5000].map((n) => respawnDelay(n, o))).toEqual([0, 100, 200, 400, 800, 1000, 1000, 1000, 1000]);
    expect(() => resolveRespawn({ unhealthyAfter: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => resolveRespawn({ initialDelayMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => resolveRespawn({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('LocalScheduler faults', () => {
  it('a throwing onBatch rejects only its own batch (CALLBACK_FAILED, error event) and the next batch works', async () => {
    let throwNext = true;
    const s = await LocalScheduler.create({
      models, devices: ['cpu'], threadsPerWorker: 1, maxWaitMs: 0,
      onBatch: () => {
        if (throwNext) {
          throwNext = false;
          throw new Error('metrics sink is down');
        }
      },
    });
    const errors: unknown[] = [];
    s.on('error', (e) => errors.push(e));
    try {
      const first = await s.embed(EMBED, texts.slice(0, 3)).catch((e: unknown) => e);
      expect(first).toMatchObject({ code: 'CALLBACK_FAILED', callback: 'onBatch', cause: { message: 'metrics sink is down' } });
      expect(errors).toEqual([first]);
      const next = await s.embed(EMBED, texts.slice(3, 6));
      expect(next).toHaveLength(3);
      expect(s.stats()).toMatchObject({ queuedJobs: 0, runningJobs: 0, failedJobs: 1, completedJobs: 1, healthy: true });
    } finally {
      await s.close();
    }
  });

  it('workers dying at start make create() fail with POOL_UNHEALTHY after exactly unhealthyAfter deaths', async () => {
    workerFaults.exitAtStart = true;
    const err = await LocalScheduler.create({
      models, devices: ['cpu'], threadsPerWorker: 1, respawn: { initialDelayMs: 20, maxDelayMs: 200, unhealthyAfter: 3 },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'POOL_UNHEALTHY', retryable: true, message: expect.stringMatching(/died 3 times in a row/) });
  });

  it('a crash loop after start backs off, turns the pool unhealthy (typed 503-style refusals), and recovers', async () => {
    const maxDelayMs = 300;
    const s = await LocalScheduler.create({
      models, devices: ['cpu'], threadsPerWorker: 1, maxWaitMs: 0, respawn: { initialDelayMs: 50, maxDelayMs, unhealthyAfter: 4 },
    });
    const health: ServiceHealth[] = [];
    const errors: unknown[] = [];
    s.on('health', (h) => health.push(h));
    s.on('error', (e) => errors.push(e));
    try {
      expect(await s.embed(EMBED, ['warm'])).toHaveLength(1);
      // From now on every new worker dies at start; kill the running one so the pool must respawn.
      workerFaults.exitAtStart = true;
      // The crash message goes first: the worker exits before it can take the job (messages arrive in order), so the
      // job waits on respawns that die (with the job first, a fast worker could answer it before crashing).
      crashWorker(s, 0);
      const waiting = codeOf(s.embed(EMBED, ['queued behind the crash loop']));
      await until(() => health.length === 1);
      expect(health[0]).toMatchObject({ status: 'unhealthy', code: 'POOL_UNHEALTHY', workersUp: 0, workers: 1, crashStreak: 4 });
      // The queued job was failed when the pool gave up, not left hanging on the backoff.
      expect(await waiting).toMatch(/^(POOL_UNHEALTHY|WORKER_CRASHED)$/);
      expect(await codeOf(s.embed(EMBED, ['refused']))).toBe('POOL_UNHEALTHY');
      expect(s.ready()).toBe(false);
      expect(s.stats()).toMatchObject({ healthy: false });
      expect(s.health()).toMatchObject({ status: 'unhealthy', reason: expect.stringMatching(/died 4 times in a row/) });
      expect(errors.length).toBeGreaterThanOrEqual(4);
      expect(errors.every((e) => isAbiError(e, 'WORKER_CRASHED'))).toBe(true);
      // Backoff, counted rather than timed: over a window of W ms an unhealthy pool probes at most once per maxDelayMs
      // (each probe is one spawn), however slow the machine. Without backoff it respawns hundreds of times.
      const before = s.restarts;
      const started = Date.now();
      await new Promise((r) => setTimeout(r, 4 * maxDelayMs));
      const window = Date.now() - started;
      expect(s.restarts - before).toBeLessThanOrEqual(Math.floor(window / maxDelayMs) + 1);
      // The fault clears: the next probe comes up, the pool is healthy again and takes work.
      workerFaults.exitAtStart = false;
      await until(() => health.length === 2);
      expect(health[1]).toMatchObject({ status: 'ok', workersUp: 1 });
      expect(await s.embed(EMBED, ['works again'])).toHaveLength(1);
      expect(s.health()).toMatchObject({ status: 'ok', crashStreak: 0 });
      expect(s.ready()).toBe(true);
    } finally {
      await s.close();
    }
  });
});
