// The coordinator in-process (same frames as over HTTP): FedAvg rounds to a known answer, quorum and deadlines,
// a client that drops, typed refusals of bad updates, checkpoints and resume, and secure aggregation end to end.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptDataError, InvalidUpdateError, NotFoundError, ValidationError } from '../../../src/core/errors.js';
import { DirectTransport, FederatedClient, FederatedCoordinator, type FederatedCoordinatorOptions } from '../../../src/training/federated/index.js';
import { encodeFrame } from '../../../src/training/federated/frame.js';
import { readLatestCheckpoint } from '../../../src/training/federated/checkpoint.js';
import { tempDir } from '../../engine/helpers.js';
import { DIM, LinearTrainer, mse, zeroModel } from './linear-trainer.js';

const dirs: { cleanup: () => void }[] = [];
const opened: FederatedCoordinator[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
  for (const d of dirs.splice(0)) d.cleanup();
});

function dir(): string {
  const d = tempDir('abi-fed-');
  dirs.push(d);
  return d.dir;
}

async function coordinator(o: Partial<FederatedCoordinatorOptions> & { dir: string }, clock: { t: number }): Promise<FederatedCoordinator> {
  const c = await FederatedCoordinator.open({ initial: zeroModel(), rounds: 3, quorum: 2, roundTimeoutMs: 1000, tickMs: 0, now: () => clock.t, ...o });
  opened.push(c);
  return c;
}

function clients(c: FederatedCoordinator, sizes: number[], extra: { proximalMu?: number; epochs?: number } = {}): FederatedClient[] {
  return sizes.map((samples, i) => new FederatedClient({
    transport: new DirectTransport(c), trainer: new LinearTrainer({ samples, seed: 100 + i }), clientId: `site-${i}`, ...extra,
  }));
}

/** Steps every client until each waits or is finished, or (with `c`) until the coordinator's round moves on. */
async function settle(list: FederatedClient[], c?: FederatedCoordinator): Promise<void> {
  const start = c?.round;
  for (let pass = 0; pass < 20; pass++) {
    const steps = await Promise.all(list.map((cl) => cl.step()));
    if (c && c.round !== start) return;
    if (steps.every((s) => s === 'waiting' || s === 'finished')) return;
  }
  throw new Error('clients did not settle');
}

describe('FedAvg rounds', () => {
  it('converges on the shared model and checkpoints every round', async () => {
    const clock = { t: 0 };
    const d = dir();
    const c = await coordinator({ dir: d, rounds: 5 }, clock);
    const cl = clients(c, [20, 60, 40]);
    const before = mse(c.globalParameters());
    while (!c.isFinished) await settle(cl);
    const after = mse(c.globalParameters());
    expect(before).toBeGreaterThan(0.5);
    expect(after).toBeLessThan(0.01);
    const st = c.status();
    expect(st.history.map((h) => h.round)).toEqual([1, 2, 3, 4, 5]);
    expect(st.history.every((h) => h.samples === 120 && h.clients.length === 3 && h.dropped.length === 0)).toBe(true);
    // Bytes: three float32 frames of DIM+1 values in, three model frames out per round.
    expect(st.history[0].bytesIn).toBeGreaterThan(3 * (DIM + 1) * 4);
    expect(readdirSync(d).filter((n) => n.endsWith('.abfd'))).toHaveLength(3);
    expect(readLatestCheckpoint(d)!.completed).toBe(5);
  });

  it('the new global model is the old one plus the sample-weighted mean delta (exact on a hand-computed case)', async () => {
    const clock = { t: 0 };
    const c = await coordinator({ dir: dir(), initial: { w: Float32Array.of(1, 1), b: Float32Array.of(0) }, rounds: 1 }, clock);
    c.join({ clientId: 'a' });
    c.join({ clientId: 'b' });
    // a: 1 sample, delta [2, 0, 4]; b: 3 samples, delta [-2, 4, 0] → mean [(2-6)/4, 12/4, 4/4] = [-1, 3, 1].
    c.submit('a', encodeFrame({ round: 1, attempt: 0, samples: 1 }, Float32Array.of(2, 0, 4)));
    expect(c.completed).toBe(0);
    c.submit('b', encodeFrame({ round: 1, attempt: 0, samples: 3 }, Float32Array.of(-2, 4, 0)));
    expect(c.completed).toBe(1);
    expect(c.globalParameters()).toEqual({ w: Float32Array.of(0, 4), b: Float32Array.of(1) });
  });
});

describe('refusing bad updates', () => {
  it('wrong shape, NaN, Infinity, wrong round, garbage and a second update are typed errors; the round goes on', async () => {
    const clock = { t: 0 };
    const c = await coordinator({ dir: dir(), rounds: 1 }, clock);
    for (const id of ['a', 'b', 'c']) c.join({ clientId: id });
    const n = DIM + 1;
    const refuse = (id: string, body: Uint8Array, reason: string) => {
      let err: unknown;
      try {
        c.submit(id, body);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidUpdateError);
      expect(err).toMatchObject({ code: 'INVALID_UPDATE', reason });
    };
    refuse('a', encodeFrame({ round: 1, attempt: 0, samples: 5 }, new Float32Array(n - 1)), 'shape');
    const nan = new Float32Array(n);
    nan[3] = NaN;
    refuse('a', encodeFrame({ round: 1, attempt: 0, samples: 5 }, nan), 'non-finite');
    const inf = new Float32Array(n);
    inf[0] = -Infinity;
    refuse('a', encodeFrame({ round: 1, attempt: 0, samples: 5 }, inf), 'non-finite');
    refuse('a', encodeFrame({ round: 2, attempt: 0, samples: 5 }, new Float32Array(n)), 'round');
    refuse('a', Buffer.from('garbage that is not a frame'), 'frame');
    refuse('a', encodeFrame({ round: 1, attempt: 0, samples: 5 }, new Uint32Array(n)), 'frame');
    expect(() => c.submit('a', encodeFrame({ round: 1, attempt: 0, samples: 0 }, new Float32Array(n)))).toThrow(ValidationError);
    expect(() => c.submit('nobody', encodeFrame({ round: 1, attempt: 0, samples: 1 }, new Float32Array(n)))).toThrow(NotFoundError);
    c.submit('a', encodeFrame({ round: 1, attempt: 0, samples: 5 }, new Float32Array(n).fill(0.5)));
    refuse('a', encodeFrame({ round: 1, attempt: 0, samples: 5 }, new Float32Array(n)), 'duplicate');
    c.submit('b', encodeFrame({ round: 1, attempt: 0, samples: 5 }, new Float32Array(n).fill(1.5)));
    c.submit('c', encodeFrame({ round: 1, attempt: 0, samples: 10 }, new Float32Array(n).fill(1)));
    expect(c.isFinished).toBe(true);
    expect(c.globalParameters().b[0]).toBe(1);
  });

  it('a client whose trainer yields NaN gets the typed error from run()', async () => {
    const clock = { t: 0 };
    const c = await coordinator({ dir: dir(), rounds: 1 }, clock);
    const bad = new FederatedClient({ transport: new DirectTransport(c), trainer: new LinearTrainer({ samples: 5, seed: 1, poison: true }), pollMs: 1 });
    await expect(bad.run()).rejects.toMatchObject({ code: 'INVALID_UPDATE', reason: 'non-finite' });
  });
});

describe('quorum and deadlines', () => {
  it('aggregates with quorum at the deadline when a client drops, then stops waiting for it', async () => {
    const clock = { t: 0 };
    const c = await coordinator({ dir: dir(), rounds: 2 }, clock);
    const [a, b, dropper] = clients(c, [10, 10, 10]);
    await settle([a, b, dropper], c);
    // Round 2 opened at once because all three sent. Now the third goes silent.
    expect(c.round).toBe(2);
    await settle([a, b]);
    expect(c.round).toBe(2);
    clock.t += 999;
    c.poll();
    expect(c.round).toBe(2);
    clock.t += 2;
    c.poll();
    expect(c.isFinished).toBe(true);
    expect(c.status().history[1]).toMatchObject({ round: 2, clients: ['site-0', 'site-1'], dropped: ['site-2'], samples: 20 });
  });

  it('a deadline without quorum extends the round and keeps what came in', async () => {
    const clock = { t: 0 };
    const c = await coordinator({ dir: dir(), rounds: 1, quorum: 2 }, clock);
    const [a, b] = clients(c, [10, 10]);
    await settle([a]);
    clock.t += 1500;
    c.poll();
    expect(c.round).toBe(1);
    expect(c.status().received).toEqual(['site-0']);
    await settle([b]);
    expect(c.isFinished).toBe(true);
  });
});

describe('checkpoints and resume', () => {
  it('a coordinator reopened on its directory resumes at the same round with the same model', async () => {
    const clock = { t: 0 };
    const d = dir();
    const c1 = await coordinator({ dir: d, rounds: 4 }, clock);
    const cl = clients(c1, [10, 30]);
    await settle(cl, c1);
    await settle(cl, c1);
    expect(c1.round).toBe(3);
    const model = c1.globalParameters();
    const session = c1.session;
    c1.close();
    const c2 = await coordinator({ dir: d, rounds: 4 }, clock);
    expect(c2.round).toBe(3);
    expect(c2.resumedAt).toBe(3);
    expect(c2.session).toBe(session);
    expect(c2.globalParameters()).toEqual(model);
    expect(c2.status().history).toHaveLength(2);
    // The same clients (their transports now pointing at the new coordinator) re-join and finish.
    const again = cl.map((_, i) => new FederatedClient({ transport: new DirectTransport(c2), trainer: new LinearTrainer({ samples: [10, 30][i], seed: 100 + i }), clientId: `site-${i}` }));
    while (!c2.isFinished) await settle(again);
    expect(c2.status().history.map((h) => h.round)).toEqual([1, 2, 3, 4]);
    expect(mse(c2.globalParameters())).toBeLessThan(0.05);
  });

  it('a corrupt checkpoint is a typed error, not a silent restart; another layout is refused', async () => {
    const clock = { t: 0 };
    const d = dir();
    const c = await coordinator({ dir: d, rounds: 2 }, clock);
    c.close();
    await expect(coordinator({ dir: d, initial: { w: new Float32Array(3) } }, clock)).rejects.toThrow(ValidationError);
    const file = join(d, readdirSync(d).find((n) => n.endsWith('.abfd'))!);
    writeFileSync(file, Buffer.from('ABFD but broken'));
    await expect(coordinator({ dir: d }, clock)).rejects.toThrow(CorruptDataError);
  });
});

describe('secure aggregation end to end', () => {
  it('masked rounds produce the same model as plain rounds (to quantisation error)', async () => {
    const run = async (secure: boolean) => {
      const clock = { t: 0 };
      const c = await coordinator({ dir: dir(), rounds: 3, secure, quorum: 3 }, clock);
      const cl = clients(c, [15, 25, 40]);
      while (!c.isFinished) await settle(cl);
      return c;
    };
    const plain = await run(false);
    const masked = await run(true);
    const p = plain.globalParameters();
    const m = masked.globalParameters();
    for (let j = 0; j < DIM; j++) expect(Math.abs(p.w[j] - m.w[j])).toBeLessThan(1e-5);
    expect(Math.abs(p.b[0] - m.b[0])).toBeLessThan(1e-5);
    expect(masked.status().history.every((h) => h.secure && h.attempts === 1)).toBe(true);
  });

  it('a committed client that drops fails the attempt; the round restarts with the survivors', async () => {
    const clock = { t: 0 };
    const c = await coordinator({ dir: dir(), rounds: 1, secure: true, quorum: 2 }, clock);
    const [a, b, dropper] = clients(c, [10, 10, 10]);
    await Promise.all([a.step(), b.step(), dropper.step()]); // join
    await Promise.all([a.step(), b.step(), dropper.step()]); // train + commit
    expect(c.status().phase).toBe('masked');
    await Promise.all([a.step(), b.step()]); // masked uploads from two of three
    expect(c.isFinished).toBe(false);
    clock.t += 1001;
    c.poll();
    expect(c.status()).toMatchObject({ round: 1, attempt: 1, phase: 'collect' });
    await settle([a, b]);
    expect(c.isFinished).toBe(true);
    expect(c.status().history[0]).toMatchObject({ attempts: 2, clients: ['site-0', 'site-1'], samples: 20, dropped: ['site-2'] });
  });
});
