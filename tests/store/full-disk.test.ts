// A real full disk: a 6 MiB tmpfs (mounted by the test; root, as in CI here), filled by a store until writes fail.
// Each refused write must be NO_SPACE with nothing applied; once space is freed (a ballast file removed) the same
// store accepts writes again without reopening; after reopening, every acknowledged record is there.
// Skipped with a message where mounting is not permitted.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbiError, VectorStore, type StoreErrorEvent } from '../../src/index.js';
import { recordProcessFaults } from '../helpers/process-faults.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('abi-fulldisk-');
const mnt = join(tmp.dir, 'mnt');
mkdirSync(mnt);
const mounted = process.platform === 'linux'
  && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt], { encoding: 'utf8' }).status === 0;
if (!mounted) console.warn('full-disk.test.ts skipped: cannot mount a tmpfs here (needs root on Linux)');

afterAll(() => {
  // Lazy unmount: a failed assertion may leave a store's files open.
  if (mounted) spawnSync('umount', ['-l', mnt]);
  tmp.cleanup();
});

const faults = recordProcessFaults('test');

const DIM = 64;
const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const vector = (i: number) => Float32Array.from({ length: DIM }, (_, j) => Math.sin(i * 31 + j));

describe.skipIf(!mounted)('a full disk (6 MiB tmpfs)', () => {
  beforeAll(() => {
    // Ballast to free later: "space comes back" without touching the store's files.
    writeFileSync(join(mnt, 'ballast'), Buffer.alloc(1536 * 1024, 1));
  });

  it('refuses writes with NO_SPACE, keeps every acknowledged record, and accepts writes again once space is freed', async () => {
    const dir = join(mnt, 'store');
    const store = await VectorStore.open({ path: dir, dimension: DIM, metric: 'l2', text: true, snapshotLogBytes: 256 * 1024 });
    const events: StoreErrorEvent[] = [];
    store.on('error', (e) => events.push(e));
    const acked = new Set<string>();
    const codes = new Map<string, number>();
    let next = 0, refusedInARow = 0;
    while (refusedInARow < 5 && next < 100_000) {
      const batch = Array.from({ length: 20 }, (_, k) => ({ id: `r${next + k}`, vector: vector(next + k), text: `record ${next + k} `.repeat(8), metadata: { n: next + k } }));
      next += 20;
      try {
        await store.upsert(batch);
        for (const r of batch) acked.add(r.id);
        refusedInARow = 0;
      } catch (err) {
        expect(err).toBeInstanceOf(AbiError);
        const code = (err as AbiError).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        expect(code).toBe('NO_SPACE');
        for (const r of batch) expect(await store.get(r.id)).toBeUndefined(); // nothing half-applied
        refusedInARow++;
      }
    }
    expect(codes.get('NO_SPACE')).toBeGreaterThan(0);
    expect(store.stats().health).toBe('ok');
    expect(store.size).toBe(acked.size);
    // Space comes back: the same store takes writes again.
    rmSync(join(mnt, 'ballast'));
    const after = Array.from({ length: 20 }, (_, k) => ({ id: `after${k}`, vector: vector(1e6 + k), metadata: { n: -1 } }));
    await store.upsert(after);
    for (const r of after) acked.add(r.id);
    await store.flush();
    await store.close().catch((err: unknown) => {
      // The final snapshot may not fit; the log still holds every write.
      expect(err).toMatchObject({ code: 'NO_SPACE' });
    });
    const again = await VectorStore.open({ path: dir, dimension: DIM, metric: 'l2', text: true });
    let lost = 0;
    for (const id of acked) {
      const rec = await again.get(id);
      if (!rec) lost++;
      else if (id.startsWith('r')) expect(bytes(rec.vector).equals(bytes(vector(Number(id.slice(1)))))).toBe(true);
    }
    expect(lost).toBe(0);
    expect(again.size).toBe(acked.size);
    await again.close().catch(() => undefined);
    faults.expectNone();
    console.log(
      `full disk: ${acked.size} acknowledged records kept (0 lost), refused ${JSON.stringify(Object.fromEntries(codes))}, ` +
      `${events.length} background failures reported (${[...new Set(events.map((e) => `${e.job}:${e.error.code}`))].join(', ') || 'none'}), 0 crashes`,
    );
  }, 300_000);
});
