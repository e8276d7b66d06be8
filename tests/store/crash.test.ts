import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VectorStore } from '../../src/index.js';
import { PER_BATCH, storeOptions, vectorOf, type CrashProfile } from './fixtures/crash-data.js';
import { rng, tempDir } from './helpers.js';

const KILLS = Number(process.env.ABI_CRASH_KILLS ?? 50);
/** Kills of each of the other three cases. */
const OTHER_KILLS = Number(process.env.ABI_CRASH_KILLS_OTHER ?? Math.ceil(KILLS / 5));
let bundle: string;
const tmp = tempDir('abi-crash-');

beforeAll(async () => {
  // Bundle the child once so each spawn is a plain `node file.mjs` (~50 ms) rather than a TypeScript loader start.
  bundle = join(tmp.dir, 'crash-writer.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'fixtures', 'crash-writer.ts')], bundle: true, platform: 'node',
    format: 'esm', target: 'node20', outfile: bundle, logLevel: 'silent',
  });
});
afterAll(() => tmp.cleanup());

/** Runs the writer until `killAfterMs` after its first new acknowledgement, SIGKILLs it, and returns the last acknowledged batch. */
function runAndKill(dir: string, start: number, killAfterMs: number, durability: string, profile: CrashProfile): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, dir, String(start), durability, profile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', lastAck = start - 1, armed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('ack ')) continue;
        lastAck = Number(line.slice(4));
        // Arm the kill once this run has made progress past its first (possibly redone) batch, so every run adds
        // at least one batch however slow a loaded machine makes start-up; the kill still lands at a random moment.
        if (lastAck > start && !armed) {
          armed = true;
          setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own: ${err}`));
      else resolve(lastAck);
    });
  });
}

function sameVector(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Reopens the store and checks acknowledged batches: all of them when `full`, else those from `from` on plus a
 * random sample of older ones (checking everything after every kill would make a long soak quadratic).
 * Returns the newest batch the store holds.
 */
async function verify(dir: string, acked: number, from: number, full: boolean, r: () => number, profile: CrashProfile): Promise<number> {
  const store = await VectorStore.open(storeOptions(profile, dir));
  try {
    const batches = new Set<number>();
    for (let n = full ? 0 : Math.max(0, from); n <= acked; n++) batches.add(n);
    for (let i = 0; i < 30 && acked > 0; i++) batches.add(Math.floor(r() * (acked + 1)));
    for (const n of batches) {
      for (let j = 0; j < PER_BATCH; j++) {
        const rec = await store.get(`${n}-${j}`);
        if (j === 7 && n + 3 <= acked) {
          if (rec !== undefined) throw new Error(`${n}-${j} was deleted by acknowledged batch ${n + 3}`);
          continue;
        }
        if (j === 7 && rec === undefined) continue; // deleted by a batch that was persisted but not acknowledged
        if (rec === undefined) throw new Error(`acknowledged record ${n}-${j} is missing`);
        if (!sameVector(rec.vector, vectorOf(n, j))) throw new Error(`record ${n}-${j}: vector differs`);
        expect(rec.metadata).toEqual({ n, j, tags: ['x', String(j)] });
        expect(rec.text).toBe(`batch ${n} record ${j}`);
      }
    }
    const latest = await store.get('latest');
    const seen = (latest?.metadata.n as number | undefined) ?? -1;
    expect(seen).toBeGreaterThanOrEqual(acked);
    // The index must answer: the newest record is its own nearest neighbour.
    if (seen >= 0) {
      const [hit] = await store.search(vectorOf(seen, 0), { k: 1, filter: { n: seen } });
      expect(hit?.id).toBe(`${seen}-0`);
      if (profile !== 'hnsw') {
        const [byText] = await store.search({ text: `record 3`, k: 1, filter: { n: seen } });
        expect(byText?.id).toBe(`${seen}-3`);
      }
    }
    return seen;
  } finally {
    await store.close();
  }
}

const CASES: { durability: string; profile: CrashProfile; kills: number }[] = [
  { durability: 'fsync', profile: 'hnsw', kills: KILLS },
  { durability: 'write', profile: 'hnsw', kills: OTHER_KILLS },
  { durability: 'fsync', profile: 'ivfpq-disk', kills: OTHER_KILLS },
  { durability: 'fsync', profile: 'int8-disk', kills: OTHER_KILLS },
  { durability: 'fsync', profile: 'rabitq-disk', kills: OTHER_KILLS },
];

describe('crash safety (SIGKILL at random moments)', () => {
  for (const { durability, profile, kills } of CASES) {
    it(`keeps every acknowledged batch across ${kills} kills (${profile}, durability ${durability})`, async () => {
      const t = tempDir('abi-crash-store-');
      const r = rng(CASES.findIndex((c) => c.profile === profile && c.durability === durability) + 1);
      let acked = -1;
      let next = 0;
      if (profile !== 'hnsw') {
        // Quantized layouts: start from a trained index (the writer lives too briefly to train one itself).
        const seed = await VectorStore.open(storeOptions(profile, t.dir));
        const records = Array.from({ length: 2100 }, (_, i) => ({ id: `seed-${i}`, vector: vectorOf(10_000 + i, 5), text: `seed ${i}`, metadata: { seed: i } }));
        await seed.upsert(records);
        await seed.compact();
        expect(seed.stats().trained).toBe(true);
        await seed.close();
      }
      try {
        for (let i = 0; i < kills; i++) {
          const from = acked + 1;
          const last = await runAndKill(t.dir, next, 5 + Math.floor(r() * 120), durability, profile);
          acked = Math.max(acked, last);
          const seen = await verify(t.dir, acked, from - 3, i === kills - 1 || i % 25 === 0, r, profile);
          // Redo the newest persisted batch: it may have been cut between its upsert and its delete.
          next = Math.max(0, seen);
        }
        expect(acked).toBeGreaterThanOrEqual(kills - 1); // every run adds at least one batch
      } finally {
        t.cleanup();
      }
    }, 1_800_000); // a loaded machine: the soak's kills cost up to ~1 s each
  }
});
