// The injection matrix, as SQLite tests its I/O: run a store workload once to count its I/O calls, then again with
// the N-th call of each kind failing (EIO, ENOSPC, a short write), for every N; after each run reopen without faults
// and check every acknowledged record is there byte for byte, nothing refused is torn, no error was untyped, and
// no rejection or exception escaped.
import { afterAll, describe, expect, it } from 'vitest';
import { type FaultCode, type FaultKind, nthCallFault } from '../../src/internal/durable-fs.js';
import { defaultSteps, Ledger, runWorkload, verifyStore } from './fault-harness.js';
import { recordProcessFaults } from '../helpers/process-faults.js';
import { tempDir } from './helpers.js';

const KINDS: FaultKind[] = ['open', 'write', 'sync', 'rename', 'unlink', 'truncate', 'read', 'mkdir'];
const CODES: FaultCode[] = ['EIO', 'ENOSPC', 'SHORT'];

const faults = recordProcessFaults('test');

const tmp = tempDir('abi-fault-matrix-');
afterAll(() => tmp.cleanup());

// The default suite runs durability 'fsync'; `npm run test:slow` adds 'write' (fault-matrix.slow.test.ts).
const MODES = (process.env.ABI_FAULT_MODES ?? 'fsync').split(',') as ('fsync' | 'write')[];

describe('fault injection matrix (every I/O call on the write path x EIO, ENOSPC, short write)', () => {
  for (const durability of MODES) {
    it(`keeps every acknowledged record and types every error (durability ${durability})`, async () => {
      const steps = defaultSteps();
      // Count the calls of each kind in a clean run.
      const counts = new Map<FaultKind, number>();
      const clean = new Ledger();
      await runWorkload(`${tmp.dir}/clean-${durability}`, steps, (kind) => {
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
        return undefined;
      }, clean, durability);
      expect(clean.errors).toEqual([]);
      await verifyStore(`${tmp.dir}/clean-${durability}`, clean);

      let runs = 0, injected = 0, refusedWrites = 0, checked = 0, sticky = 0;
      const byCode = new Map<string, number>();
      for (const kind of KINDS) {
        const n = counts.get(kind) ?? 0;
        for (let nth = 1; nth <= n; nth++) {
          for (const code of kind === 'write' ? CODES : CODES.slice(0, 2)) {
            const dir = `${tmp.dir}/${durability}-${kind}-${nth}-${code}`;
            const fault = nthCallFault(kind, nth, code);
            const ledger = new Ledger();
            await runWorkload(dir, steps, fault.hook, ledger, durability);
            runs++;
            if (fault.fired()) injected++;
            refusedWrites += ledger.refused.size;
            for (const e of ledger.errors) {
              const c = (e as { code: string }).code;
              byCode.set(c, (byCode.get(c) ?? 0) + 1);
              if (c === 'DURABILITY_LOST') sticky++;
            }
            try {
              checked += await verifyStore(dir, ledger);
            } catch (err) {
              throw new Error(`after ${code} at ${kind} call #${nth}: ${(err as Error).message}`, { cause: err });
            }
          }
        }
      }
      faults.expectNone();
      expect(injected).toBeGreaterThan(100);
      console.log(
        `fault matrix (durability ${durability}): ${runs} runs, ${injected} faults injected, ${checked} acknowledged records checked, ` +
        `0 lost, 0 untyped errors, 0 crashes; calls per run ${JSON.stringify(Object.fromEntries(counts))}; ` +
        `errors seen ${JSON.stringify(Object.fromEntries(byCode))} (${sticky} DURABILITY_LOST), ${refusedWrites} refused writes`,
      );
    }, 600_000);
  }
});
