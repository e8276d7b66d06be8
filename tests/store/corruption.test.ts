import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbiError, CorruptDataError, VectorStore, type Metadata, type VectorStoreOptions } from '../../src/index.js';
import { randomVectors, rng, tempDir } from './helpers.js';

const DIM = 8;
/** Layouts under test: float HNSW in memory; IVF-PQ and int8 HNSW with vectors on disk and a text index. */
const LAYOUTS: { name: string; opts: Omit<VectorStoreOptions, 'path'>; records: number }[] = [
  { name: 'hnsw', opts: { dimension: DIM, index: { type: 'hnsw', M: 8, efConstruction: 32 } }, records: 400 },
  { name: 'ivfpq, disk vectors, text', opts: { dimension: DIM, index: { type: 'ivfpq', nlist: 8, m: 4, trainAt: 200 }, vectors: 'disk', text: true }, records: 400 },
  { name: 'ivf rabitq 4-bit, disk vectors, text', opts: { dimension: DIM, index: { type: 'ivf', quantization: 'rabitq', bits: 4, nlist: 8, trainAt: 200 }, vectors: 'disk', text: true }, records: 400 },
  { name: 'ivf binary, text', opts: { dimension: DIM, index: { type: 'ivf', quantization: 'binary', nlist: 8, trainAt: 200 }, text: true }, records: 400 },
  { name: 'int8 hnsw, disk vectors, text', opts: { dimension: DIM, index: { type: 'hnsw', M: 8, efConstruction: 32, quantization: 'int8' }, vectors: 'disk', text: true }, records: 2400 },
];

for (const layout of LAYOUTS) describe(`corruption (${layout.name})`, () => {
const OPTS = layout.opts;
const base = tempDir('abi-corrupt-');
const src = join(base.dir, 'src');
/** Expected store contents after each operation: id → serialized record. */
const states: Map<string, string>[] = [];
let snapshotState = 0;

const key = (v: Float32Array, text: string | undefined, m: Metadata): string => JSON.stringify([Array.from(v), text, m]);

async function contents(store: VectorStore, ids: Iterable<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of ids) {
    const r = await store.get(id);
    if (r) out.set(id, key(r.vector, r.text, r.metadata));
  }
  return out;
}

const allIds = new Set<string>();

beforeAll(async () => {
  // 300 records and a delete go into the snapshot; 6 more operations stay in the log only.
  const store = await VectorStore.open({ path: src, ...OPTS });
  const vs = randomVectors(layout.records, DIM, 5);
  const recs = vs.map((vector, i) => ({ id: `r${i}`, vector, text: `text ${i}`, metadata: { i, even: i % 2 === 0 } }));
  recs.forEach((r) => allIds.add(r.id));
  const inSnapshot = layout.records - 100;
  await store.upsert(recs.slice(0, inSnapshot));
  await store.delete(['r1', 'r2']);
  if (OPTS.index?.type !== 'hnsw' || OPTS.index.quantization === 'int8') {
    await store.compact(); // trains the quantized index
    expect(store.stats().trained).toBe(true);
  }
  await store.checkpoint();
  states.push(await contents(store, allIds));
  snapshotState = 0;
  for (let b = 0; b < 5; b++) {
    await store.upsert(recs.slice(inSnapshot + b * 20, inSnapshot + 20 + b * 20));
    states.push(await contents(store, allIds));
  }
  await store.delete(['r0', `r${inSnapshot + 10}`]);
  states.push(await contents(store, allIds));
  // Leave the log as is: simulate a crash by not closing (copy the files while the lock is held, then release).
  mkdirSync(join(base.dir, 'pristine'));
  for (const f of readdirSync(src)) if (f !== 'LOCK') copyFileSync(join(src, f), join(base.dir, 'pristine', f));
  await store.close();
});
afterAll(() => base.cleanup());

let caseNo = 0;
function damagedCopy(mutate: (dir: string) => void): string {
  const dir = join(base.dir, `case-${caseNo++}`);
  mkdirSync(dir);
  for (const f of readdirSync(join(base.dir, 'pristine'))) copyFileSync(join(base.dir, 'pristine', f), join(dir, f));
  mutate(dir);
  return dir;
}

/** Opens a damaged store: it must either fail with a typed error or load exactly one of the valid states. */
async function check(dir: string): Promise<'error' | number> {
  let store: VectorStore;
  try {
    store = await VectorStore.open({ path: dir, ...OPTS });
  } catch (err) {
    expect(err).toBeInstanceOf(AbiError);
    expect(['CORRUPT_DATA', 'UNSUPPORTED', 'DIMENSION_MISMATCH']).toContain((err as AbiError).code);
    return 'error';
  }
  try {
    const got = await contents(store, allIds);
    const idx = states.findIndex((s) => s.size === got.size && [...s].every(([k, v]) => got.get(k) === v));
    expect(idx, 'opened store must equal a state after some prefix of the operations').toBeGreaterThanOrEqual(snapshotState);
    // Searches work on whatever was loaded.
    const hits = await store.search(new Float32Array(DIM).fill(0.1), { k: 5 });
    expect(hits.length).toBe(Math.min(5, got.size));
    if (OPTS.text) expect((await store.search({ text: 'text', k: 3 })).length).toBe(Math.min(3, got.size));
    return idx;
  } finally {
    await store.close();
  }
}

describe('snapshot and log', () => {
  it('the pristine copy opens to the final state', async () => {
    expect(await check(damagedCopy(() => undefined))).toBe(states.length - 1);
  });

  it('a torn log tail is dropped and the store opens to the previous state', async () => {
    const dir = damagedCopy((d) => {
      const f = join(d, 'wal.abw');
      truncateSync(f, readFileSync(f).length - 3);
    });
    expect(await check(dir)).toBe(states.length - 2);
  });

  it('random truncations of the log give a clean prefix', async () => {
    const r = rng(11);
    const len = readFileSync(join(base.dir, 'pristine', 'wal.abw')).length;
    for (let i = 0; i < 25; i++) {
      const cut = Math.floor(r() * len);
      const res = await check(damagedCopy((d) => truncateSync(join(d, 'wal.abw'), cut)));
      if (cut >= 32) expect(res).not.toBe('error');
    }
  });

  it('random truncations of the snapshot are detected', async () => {
    const r = rng(12);
    const len = readFileSync(join(base.dir, 'pristine', 'snapshot.abs')).length;
    for (let i = 0; i < 15; i++) {
      const cut = Math.floor(r() * len);
      expect(await check(damagedCopy((d) => truncateSync(join(d, 'snapshot.abs'), cut)))).toBe('error');
    }
  });

  it('random bit flips in the snapshot are detected', async () => {
    const r = rng(13);
    for (let i = 0; i < 30; i++) {
      const res = await check(damagedCopy((d) => {
        const f = join(d, 'snapshot.abs');
        const buf = readFileSync(f);
        // Half the flips land in the header and section table, where one bit decides how everything is read.
        const at = i % 2 === 0 ? Math.floor(r() * Math.min(256, buf.length)) : Math.floor(r() * buf.length);
        buf[at] ^= 1 << Math.floor(r() * 8);
        writeFileSync(f, buf);
      }));
      expect(res).toBe('error');
    }
  });

  it('random bit flips in the log give a typed error or a clean prefix', async () => {
    const r = rng(14);
    let errors = 0;
    for (let i = 0; i < 40; i++) {
      const res = await check(damagedCopy((d) => {
        const f = join(d, 'wal.abw');
        const buf = readFileSync(f);
        const at = Math.floor(r() * buf.length);
        buf[at] ^= 1 << Math.floor(r() * 8);
        writeFileSync(f, buf);
      }));
      if (res === 'error') errors++;
    }
    expect(errors).toBeGreaterThan(0);
  });

  it('a damaged record followed by more records raises CorruptDataError, not a silent truncation', async () => {
    const dir = damagedCopy((d) => {
      const f = join(d, 'wal.abw');
      const buf = readFileSync(f);
      buf[32 + 21 + 10] ^= 0x40; // inside the first record's payload
      writeFileSync(f, buf);
    });
    await expect(VectorStore.open({ path: dir, ...OPTS })).rejects.toBeInstanceOf(CorruptDataError);
  });

  it('a deleted log fails with CorruptDataError naming it; recover opens the snapshot, sealed for the next open', async () => {
    const dir = damagedCopy((d) => rmSync(join(d, 'wal.abw')));
    const err = await VectorStore.open({ path: dir, ...OPTS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as CorruptDataError).file).toBe(join(dir, 'wal.abw'));
    expect((err as Error).message).toMatch(/log file is missing/);
    const store = await VectorStore.open({ path: dir, ...OPTS, recover: 'open-what-is-left' });
    expect(await contents(store, allIds)).toEqual(states[snapshotState]);
    await store.close();
    expect(await check(dir)).toBe(snapshotState); // consistent again without the option
  });

  it('garbage files and a missing snapshot with a valid log', async () => {
    expect(await check(damagedCopy((d) => writeFileSync(join(d, 'snapshot.abs'), Buffer.alloc(100, 7))))).toBe('error');
    expect(await check(damagedCopy((d) => writeFileSync(join(d, 'wal.abw'), Buffer.alloc(0))))).toBe('error');
  });
});
});
