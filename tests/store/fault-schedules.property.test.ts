// Random fault schedules during random store sessions (fast-check): each schedule fails a few I/O calls (any kind,
// EIO / ENOSPC / EDQUOT / EROFS / short write) at random points of a random sequence of upserts, deletes, flushes,
// compactions, checkpoints and reopens. After each, the store reopened without faults must hold every acknowledged
// record byte for byte; every error on the way must be an AbiError; nothing may escape as an unhandled rejection.
// The default suite runs a few dozen schedules; `npm run test:slow` runs ABI_FAULT_SCHEDULES (>= 1,000).
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { FaultCode, FaultKind } from '../../src/internal/durable-fs.js';
import { Ledger, runWorkload, type Step, verifyStore } from './fault-harness.js';
import { recordProcessFaults } from '../helpers/process-faults.js';
import { tempDir } from './helpers.js';

const SCHEDULES = Number(process.env.ABI_FAULT_SCHEDULES ?? 40);
const KINDS: FaultKind[] = ['open', 'write', 'sync', 'rename', 'unlink', 'truncate', 'read', 'mkdir'];
const CODES: FaultCode[] = ['EIO', 'ENOSPC', 'EDQUOT', 'EROFS', 'SHORT'];

const processFaults = recordProcessFaults('test');

const tmp = tempDir('abi-fault-schedules-');
afterAll(() => tmp.cleanup());

const ids = fc.array(fc.integer({ min: 0, max: 24 }).map((i) => `k${i}`), { minLength: 1, maxLength: 6 }).map((a) => [...new Set(a)]);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('upsert' as const), ids, v: fc.integer({ min: 1, max: 9 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), ids }) },
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'flush' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'compact' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'checkpoint' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'reopen' }) },
);
/** Roughly how many calls of each kind a session makes (truncates happen only after a failed write). */
const TYPICAL: Record<FaultKind, number> = { open: 20, write: 30, sync: 20, rename: 8, unlink: 6, truncate: 2, read: 8, mkdir: 2 };
/** A fault: the n-th I/O call of that kind fails with that code. */
const fault = fc.constantFrom(...KINDS).chain((kind) =>
  fc.record({ kind: fc.constant(kind), nth: fc.integer({ min: 1, max: TYPICAL[kind] }), code: fc.constantFrom(...CODES) }));

describe('random fault schedules over random store sessions', () => {
  it(`lose no acknowledged record and throw only typed errors (${SCHEDULES} schedules)`, async () => {
    let run = 0, injected = 0, acknowledged = 0, errors = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 25 }), fc.array(fault, { minLength: 1, maxLength: 3 }), fc.constantFrom('fsync' as const, 'write' as const), async (steps, faults, durability) => {
        const dir = `${tmp.dir}/run${run++}`;
        const counts = new Map<FaultKind, number>();
        const ledger = new Ledger();
        await runWorkload(dir, steps, (kind) => {
          const c = (counts.get(kind) ?? 0) + 1;
          counts.set(kind, c);
          const f = faults.find((x) => x.kind === kind && x.nth === c);
          if (f) injected++;
          return f?.code;
        }, ledger, durability);
        errors += ledger.errors.length;
        acknowledged += await verifyStore(dir, ledger);
        processFaults.expectNone();
      }),
      { numRuns: SCHEDULES, seed: Number(process.env.ABI_FAULT_SEED ?? 21) },
    );
    console.log(`fault schedules: ${SCHEDULES} schedules, ${injected} faults injected, ${errors} typed errors, ${acknowledged} acknowledged records checked, 0 lost, 0 untyped, 0 crashes`);
  }, 3_600_000);
});
