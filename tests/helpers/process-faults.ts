// Process-level fault recording for tests of background work: records every unhandled rejection and uncaught
// exception while installed, so a test can assert that nothing escaped. Also `until`, the polling wait those tests use.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

/** What {@link recordProcessFaults} returns. */
export interface ProcessFaults {
  /** Every rejection or exception recorded so far (never cleared by the recorder itself). */
  readonly escaped: unknown[];
  /** Asserts that nothing has escaped so far. */
  expectNone(): void;
}

/**
 * Installs `process.on('unhandledRejection' | 'uncaughtException')` recorders for the whole file (`beforeAll`/`afterAll`)
 * or around each test (`beforeEach`/`afterEach`), and removes them afterwards.
 *
 * @param scope - `'file'` installs once for the file; `'test'` installs around every test.
 * @returns the recorded faults and an assertion that there are none.
 * @example
 * const faults = recordProcessFaults('test');
 * it('...', async () => { ...; faults.expectNone(); });
 */
export function recordProcessFaults(scope: 'file' | 'test'): ProcessFaults {
  const escaped: unknown[] = [];
  const record = (err: unknown): void => void escaped.push(err);
  const install = (): void => {
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
  };
  const remove = (): void => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
  };
  if (scope === 'file') {
    beforeAll(install);
    afterAll(remove);
  } else {
    beforeEach(install);
    afterEach(remove);
  }
  return { escaped, expectNone: () => expect(escaped).toEqual([]) };
}

/**
 * Fails every test of the file after which an unhandled rejection or uncaught exception was recorded (each test is
 * judged on what escaped since the previous one).
 *
 * @param reset - runs after each test before the check (e.g. to undo a fault switch or close what the test opened).
 * @example
 * failOnProcessFaults(() => { workerFaults.exitAtStart = false; });
 */
export function failOnProcessFaults(reset?: () => void): void {
  const { escaped } = recordProcessFaults('file');
  afterEach(() => {
    reset?.();
    expect(escaped.splice(0)).toEqual([]);
  });
}

/**
 * Polls `cond` until it holds.
 *
 * @param cond - the condition; may be async.
 * @param ms - how long to wait before giving up.
 * @param everyMs - the pause between polls.
 * @throws Error "condition not reached" after `ms`.
 */
export async function until(cond: () => boolean | Promise<boolean>, ms = 30_000, everyMs = 5): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
