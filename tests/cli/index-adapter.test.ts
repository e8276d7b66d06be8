// train → index --adapter → query: the store records the trained adapter (by id and file), `query` uses it without
// being told, and any other adapter — a different one, none (--no-adapter), one on a store built without, or the
// recorded file gone — is CONFLICT; the config file's `adapter` works as the flag.
import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdaptedEmbedder, HashingEmbedder, Retriever, VectorStore } from '../../src/index.js';
import { tempDir } from '../engine/helpers.js';
import { synonymTextPairs } from '../training/helpers.js';
import { cli } from './helpers.js';

const tmp = tempDir('abi-cli-adapter-');
afterAll(() => tmp.cleanup());
const work = tmp.dir;
const pairs = synonymTextPairs(200, 3);
const train = (out: string, seed: number): string[] =>
  ['train', '--pairs', 'pairs.jsonl', '--base', 'hashing:64', '--out', out, '--epochs', '3', '--lr', '0.01', '--rank', '16', '--seed', String(seed), '--patience', '0'];

interface Hit {
  id: string;
  score: number;
  text: string;
}
const hitsOf = (out: string[]): Hit[] => out.map((l) => JSON.parse(l) as Hit);

beforeAll(async () => {
  writeFileSync(join(work, 'pairs.jsonl'), pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
  mkdirSync(join(work, 'docs'));
  // One document per distinct positive text, so queries have their answers in the index.
  [...new Set(pairs.map((p) => p.positive))].slice(0, 40).forEach((t, i) => writeFileSync(join(work, 'docs', `d${i}.txt`), t));
  for (const [out, seed] of [['run', 1], ['run2', 7]] as const) {
    const r = await cli(train(out, seed), { cwd: work });
    expect(r.code, r.err.join('\n')).toBe(0);
  }
}, 120_000);

describe('abi-sdk index/query --adapter', () => {
  const adapterFile = join(work, 'run', 'adapter.abi-adapter');

  it('indexes with the adapter, records it, and query uses it without being told', async () => {
    const r = await cli(['index', 'docs', '--store', 'tuned', '--embedder', 'hashing:64', '--adapter', 'run/adapter.abi-adapter', '--json'], { cwd: work });
    expect(r.code, r.err.join('\n')).toBe(0);
    const report = JSON.parse(r.out[0]) as { adapter: { id: string; path: string }; embedded: number };
    expect(report.adapter).toEqual({ id: expect.stringMatching(/^adapter-[0-9a-f]{12}$/), path: adapterFile });
    expect(report.embedded).toBe(40);

    const base = new HashingEmbedder({ dimension: 64 });
    const adapted = await AdaptedEmbedder.load(base, adapterFile);
    const store = await VectorStore.open({ path: join(work, 'tuned'), dimension: 64 });
    try {
      // The stored vectors are the adapted ones, not the base ones.
      const [one] = (await store.scan({ batchSize: 1 })[Symbol.asyncIterator]().next()).value!;
      const [want] = await adapted.embedDocuments([one.text!]);
      const [plain] = await base.embedDocuments([one.text!]);
      const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i], 0);
      expect(dot(one.vector, want)).toBeCloseTo(1, 4);
      expect(dot(one.vector, plain)).toBeLessThan(0.99);
      // query embeds with the recorded adapter: its hits and scores are the adapted retriever's.
      const question = pairs[0].query;
      const expected = await new Retriever({ store, embedder: adapted }).retrieve(question, { k: 3 });
      const viaBase = await new Retriever({ store, embedder: base }).retrieve(question, { k: 3 });
      await store.close();
      const q = await cli(['query', question, '--store', 'tuned', '-k', '3', '--json'], { cwd: work });
      expect(q.code, q.err.join('\n')).toBe(0);
      const got = hitsOf(q.out);
      expect(got.map((h) => h.id)).toEqual(expected.map((h) => h.id));
      got.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i].score, 5));
      expect(got[0].score).not.toBeCloseTo(viaBase[0].score, 3);
      // Naming the same adapter again is fine; a re-run finds nothing to do.
      expect((await cli(['query', question, '--store', 'tuned', '--adapter', adapterFile], { cwd: work })).code).toBe(0);
      const again = await cli(['index', 'docs', '--store', 'tuned', '--json'], { cwd: work });
      expect(JSON.parse(again.out[0])).toMatchObject({ changed: 0, unchanged: 40, adapter: report.adapter });
    } finally {
      await store.close().catch(() => undefined);
    }
  });

  it('refuses another adapter, none, or one on a store indexed without: CONFLICT, exit 1', async () => {
    const conflict = async (argv: string[], pattern: RegExp): Promise<void> => {
      const r = await cli(argv, { cwd: work });
      expect(r.code).toBe(1);
      expect(r.err.at(-1)).toMatch(pattern);
      expect(r.err.at(-1)).toMatch(/\(CONFLICT\)$/);
    };
    await conflict(['query', 'x', '--store', 'tuned', '--adapter', 'run2/adapter.abi-adapter'], /indexed with adapter adapter-[0-9a-f]+ .*, not adapter-/);
    await conflict(['query', 'x', '--store', 'tuned', '--no-adapter'], /indexed with adapter .*leave out --no-adapter/);
    await conflict(['index', 'docs', '--store', 'tuned', '--adapter', 'run2/adapter.abi-adapter'], /not adapter-/);
    expect((await cli(['index', 'docs', '--store', 'plain', '--embedder', 'hashing:64'], { cwd: work })).code).toBe(0);
    await conflict(['query', 'x', '--store', 'plain', '--adapter', 'run/adapter.abi-adapter'], /indexed without an adapter/);
    expect((await cli(['query', 'x', '--store', 'plain', '--no-adapter'], { cwd: work })).code).toBe(0);
  });

  it('takes the adapter from the config file, checks it fits the base model, and says so when the recorded file is gone', async () => {
    writeFileSync(join(work, 'abi.config.json'), JSON.stringify({ embedder: 'hashing:64', adapter: './run2/adapter.abi-adapter' }));
    try {
      const r = await cli(['index', 'docs', '--store', 'from-config', '--json'], { cwd: work });
      expect(r.code, r.err.join('\n')).toBe(0);
      expect(JSON.parse(r.out[0]).adapter.path).toBe(join(work, 'run2', 'adapter.abi-adapter'));
      // A flag beats the config: the other adapter is a conflict on this store.
      expect((await cli(['query', 'x', '--store', 'from-config', '--adapter', 'run/adapter.abi-adapter'], { cwd: work })).code).toBe(1);
    } finally {
      writeFileSync(join(work, 'abi.config.json'), '{}');
    }
    const wrongBase = await cli(['index', 'docs', '--store', 'wrong-base', '--embedder', 'hashing:32', '--adapter', 'run/adapter.abi-adapter'], { cwd: work });
    expect(wrongBase.code).toBe(1);
    expect(wrongBase.err.at(-1)).toMatch(/\(MODEL_MISMATCH\)$/);
    renameSync(join(work, 'run2'), join(work, 'run2-moved'));
    const gone = await cli(['query', 'x', '--store', 'from-config'], { cwd: work });
    expect(gone.code).toBe(1);
    expect(gone.err.at(-1)).toMatch(/which is gone; pass --adapter FILE .*\(CONFLICT\)$/);
    expect((await cli(['query', 'x', '--store', 'from-config', '--adapter', 'run2-moved/adapter.abi-adapter'], { cwd: work })).code).toBe(0);
  });
});
