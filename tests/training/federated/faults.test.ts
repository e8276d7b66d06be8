// The coordinator's background work under faults: a checkpoint that cannot be written on a timer tick, a throwing
// onRound, and close() while someone waits on finished(). Each is reported (error event, status().lastError), never
// thrown out of a timer; a failed checkpoint loses nothing and is retried. The tests fail on any unhandled rejection
// or uncaught exception in the process.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AbiError } from '../../../src/core/errors.js';
import { encodeFrame } from '../../../src/training/federated/frame.js';
import { FederatedCoordinator, type FederatedCoordinatorOptions } from '../../../src/training/federated/index.js';
import { tempDir } from '../../engine/helpers.js';
import { failOnProcessFaults, until } from '../../helpers/process-faults.js';
import { DIM, zeroModel } from './linear-trainer.js';

const cleanups: (() => void)[] = [];
failOnProcessFaults(() => {
  for (const c of cleanups.splice(0)) c();
});

async function open(o: Partial<FederatedCoordinatorOptions>, clock: { t: number }): Promise<{ c: FederatedCoordinator; dir: string }> {
  const d = tempDir('abi-fed-faults-');
  const dir = join(d.dir, 'fed');
  const c = await FederatedCoordinator.open({ dir, initial: zeroModel(), rounds: 2, quorum: 2, roundTimeoutMs: 1000, now: () => clock.t, ...o });
  cleanups.push(() => {
    c.close();
    d.cleanup();
  });
  return { c, dir };
}

const update = (round: number, fill: number): Uint8Array => encodeFrame({ round, attempt: 0, samples: 1 }, new Float32Array(DIM + 1).fill(fill));

describe('FederatedCoordinator faults', () => {
  it('a checkpoint that fails on a timer tick is reported, keeps every update, and is retried after a backoff', async () => {
    const clock = { t: 0 };
    // minClients 3: the round never closes early, so the timer's deadline check is what aggregates it.
    const { c, dir } = await open({ tickMs: 5, minClients: 3 }, clock);
    const errors: AbiError[] = [];
    c.on('error', (e) => errors.push(e));
    for (const id of ['a', 'b']) c.join({ clientId: id });
    c.submit('a', update(1, 1));
    c.submit('b', update(1, 3));
    // The disk goes away under the coordinator: its directory is now a file, so every checkpoint write fails.
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory');
    clock.t = 1001;
    await until(() => errors.length === 1, 20_000);
    expect(errors[0]).toMatchObject({ code: 'IO_ERROR' });
    let st = c.status();
    expect(st).toMatchObject({ round: 1, phase: 'collect', failures: 1, lastError: { code: 'IO_ERROR', at: 1001, retryAt: 2001 } });
    expect(st.received.sort()).toEqual(['a', 'b']);
    // Before the backoff is over nothing is retried, however many ticks pass.
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toHaveLength(1);
    // A second failure doubles the wait.
    clock.t = 2001;
    await until(() => errors.length === 2, 20_000);
    expect(c.status().lastError).toMatchObject({ retryAt: 2001 + 2000 });
    // The disk comes back: the next retry aggregates the same updates and the round moves on.
    rmSync(dir);
    mkdirSync(dir);
    clock.t = 4001;
    await until(() => c.round === 2, 20_000);
    st = c.status();
    expect(st.lastError).toBeUndefined();
    expect(st.history[0]).toMatchObject({ round: 1, clients: ['a', 'b'], samples: 2 });
    expect(c.globalParameters().w[0]).toBeCloseTo(2);
    expect(readdirSync(dir)).toContain('checkpoint-00000001.abfd');
  });

  it('a failed checkpoint in a submit is not thrown at the client whose update was accepted', async () => {
    const clock = { t: 0 };
    const { c, dir } = await open({ tickMs: 0 }, clock);
    for (const id of ['a', 'b']) c.join({ clientId: id });
    c.submit('a', update(1, 1));
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'x');
    expect(c.submit('b', update(1, 3))).toMatchObject({ round: 1 });
    expect(c.status()).toMatchObject({ round: 1, lastError: { code: 'IO_ERROR' } });
    rmSync(dir);
    clock.t = 10_000;
    c.poll();
    expect(c.round).toBe(2);
  });

  it('a throwing onRound is reported as CALLBACK_FAILED; the round stays done and the run goes on', async () => {
    const clock = { t: 0 };
    const { c } = await open({
      tickMs: 0, onRound: () => {
        throw new Error('dashboard is down');
      },
    }, clock);
    const errors: AbiError[] = [];
    c.on('error', (e) => errors.push(e));
    for (const id of ['a', 'b']) c.join({ clientId: id });
    c.submit('a', update(1, 1));
    expect(c.submit('b', update(1, 1))).toMatchObject({ round: 1 });
    expect(c.round).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'CALLBACK_FAILED', callback: 'onRound', cause: { message: 'dashboard is down' } });
    expect(c.status().lastError).toMatchObject({ code: 'CALLBACK_FAILED' });
    c.submit('a', update(2, 1));
    c.submit('b', update(2, 1));
    expect(c.isFinished).toBe(true);
    await expect(c.finished()).resolves.toBeUndefined();
  });

  it('close() settles finished(): pending waiters and later calls reject with CLOSED; a finished run still resolves', async () => {
    const clock = { t: 0 };
    const { c } = await open({ tickMs: 0 }, clock);
    const waiting = c.finished().then(() => 'resolved', (e: AbiError) => e.code);
    const aborted = new AbortController();
    const other = c.finished(aborted.signal).then(() => 'resolved', (e: AbiError) => e.code);
    aborted.abort();
    expect(await other).toBe('ABORTED');
    c.close();
    expect(await waiting).toBe('CLOSED');
    await expect(c.finished()).rejects.toMatchObject({ code: 'CLOSED' });

    const { c: done } = await open({ tickMs: 0, rounds: 1 }, clock);
    for (const id of ['a', 'b']) done.join({ clientId: id });
    done.submit('a', update(1, 1));
    done.submit('b', update(1, 1));
    done.close();
    await expect(done.finished()).resolves.toBeUndefined();
  });
});
