// The store's IVF encode pool under a crash loop: workers that die at start are respawned with a capped exponential
// backoff (spawns counted over a window, never timed), the pool turns unhealthy and fails runs with POOL_UNHEALTHY,
// then recovers when a respawned worker comes up. Fails on any unhandled rejection or uncaught exception.
import { describe, expect, it } from 'vitest';
import { isAbiError } from '../../../src/core/errors.js';
import { seededRandom } from '../../../src/internal/random.js';
import { workerFaults } from '../../../src/internal/crash-loop.js';
import { EncodePool, Encoder, sharedFloats } from '../../../src/store/quantization/encode-pool.js';
import { failOnProcessFaults, until } from '../../helpers/process-faults.js';

failOnProcessFaults(() => {
  workerFaults.exitAtStart = false;
});


describe('EncodePool crash loop', () => {
  it('backs off, turns unhealthy (runs fail with POOL_UNHEALTHY), and recovers when a worker comes up', async () => {
    const dim = 16, k = 9, n = 2000;
    const r = seededRandom(7);
    const centroids = Float32Array.from({ length: k * dim }, () => r() - 0.5);
    const points = sharedFloats(n * dim);
    points.set(Float32Array.from({ length: n * dim }, () => r() - 0.5));
    const maxDelayMs = 250;
    workerFaults.exitAtStart = true;
    const pool = new EncodePool(2, 'js', { initialDelayMs: 10, maxDelayMs, unhealthyAfter: 3 });
    try {
      const out = { cells: new Int32Array(n), dists: new Float32Array(n) };
      // The run waits while the workers start and die, then fails typed once the pool gives up: never hangs.
      const err = await new Encoder({ centroids, k, dim }, pool).run(points, n, out).catch((e: unknown) => e);
      expect(isAbiError(err, 'POOL_UNHEALTHY')).toBe(true);
      expect(pool.health()).toMatchObject({ status: 'unhealthy', workersUp: 0, workers: 2, reason: expect.stringMatching(/died 3 times in a row/) });
      // Later runs fail at once while it stays unhealthy.
      await expect(new Encoder({ centroids, k, dim }, pool).run(points, n, out)).rejects.toMatchObject({ code: 'POOL_UNHEALTHY' });
      // Backoff, counted over a window: at most one probe per worker per maxDelayMs (plus one), however slow the
      // machine; respawning at once would be hundreds.
      const before = pool.health().restarts;
      const started = Date.now();
      await new Promise((res) => setTimeout(res, 4 * maxDelayMs));
      const window = Date.now() - started;
      expect(pool.health().restarts - before).toBeLessThanOrEqual(2 * (Math.floor(window / maxDelayMs) + 1));
      // The fault clears: the next probe comes up and runs work, with the calling thread's exact results.
      workerFaults.exitAtStart = false;
      await until(() => pool.health().status === 'ok');
      await new Encoder({ centroids, k, dim }, pool).run(points, n, out);
      const here = { cells: new Int32Array(n), dists: new Float32Array(n) };
      await new Encoder({ centroids, k, dim }).run(points, n, here);
      expect(out.cells).toEqual(here.cells);
      expect(out.dists).toEqual(here.dists);
      expect(pool.health()).toMatchObject({ status: 'ok', workersUp: expect.any(Number) });
      expect(pool.health().workersUp).toBeGreaterThanOrEqual(1);
    } finally {
      await pool.close();
    }
  });

  it('two runs at once on one worker both finish, each with the calling-thread results', async () => {
    const dim = 8, k = 5, n = 3000;
    const r = seededRandom(11);
    const centroids = Float32Array.from({ length: k * dim }, () => r() - 0.5);
    const pool = new EncodePool(1, 'js');
    try {
      const inputs = [0, 1].map(() => {
        const pts = sharedFloats(n * dim);
        pts.set(Float32Array.from({ length: n * dim }, () => r() - 0.5));
        return pts;
      });
      const outs = inputs.map(() => ({ cells: new Int32Array(n), dists: new Float32Array(n) }));
      await Promise.all(inputs.map((pts, i) => new Encoder({ centroids, k, dim }, pool).run(pts, n, outs[i])));
      for (const [i, pts] of inputs.entries()) {
        const here = { cells: new Int32Array(n), dists: new Float32Array(n) };
        await new Encoder({ centroids, k, dim }).run(pts, n, here);
        expect(outs[i].cells).toEqual(here.cells);
      }
    } finally {
      await pool.close();
    }
  });

  it('a run waiting for workers fails with CLOSED when the pool is closed (no hang)', async () => {
    workerFaults.exitAtStart = true;
    const pool = new EncodePool(1, 'js', { initialDelayMs: 1000, maxDelayMs: 5000, unhealthyAfter: 10 });
    const points = sharedFloats(64 * 4);
    const run = new Encoder({ centroids: new Float32Array(8), k: 2, dim: 4 }, pool)
      .run(points, 64, { cells: new Int32Array(64), dists: new Float32Array(64) }).catch((e: unknown) => e);
    await until(() => pool.health().restarts >= 2);
    await pool.close();
    expect(await run).toMatchObject({ code: 'CLOSED' });
  });
});
