// AdaptedEmbedder and adapter files: round trip, Matryoshka, typed errors for damage and for the wrong base model,
// and use in the vector store and the LangChain integration.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbiEmbeddings, AbiVectorStore } from '../../integrations/langchain/index.js';
import { CorruptDataError, ModelMismatchError, NotFoundError } from '../../src/core/errors.js';
import { HashingEmbedder } from '../../src/embedders/hashing.js';
import { VectorStore } from '../../src/store/vector-store.js';
import { Adapter } from '../../src/training/adapter.js';
import { AdaptedEmbedder } from '../../src/embedders/adapted.js';
import { loadAdapter, saveAdapter } from '../../src/training/adapter-file.js';
import { describeBaseModel } from '../../src/training/base-model.js';
import { embedTrainingPairs } from '../../src/training/embedded-pairs.js';
import { AdapterTrainer } from '../../src/training/trainer.js';
import { synonymTextPairs } from '../training/helpers.js';

const D = 128;
const base = new HashingEmbedder({ dimension: D });
const trainPairs = synonymTextPairs(240, 1);
const heldOut = synonymTextPairs(60, 2);
let dir: string;
let adapter: Adapter;
let path: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'abi-adapted-'));
  const trainer = new AdapterTrainer({ adapter: { dimension: D, rank: 32 }, epochs: 12, learningRate: 0.01, seed: 1 });
  const train = await embedTrainingPairs(base, trainPairs);
  const val = await embedTrainingPairs(base, heldOut);
  const result = await trainer.fit(train, { validation: val });
  expect(trainer.evaluate(result.adapter, val).ndcg).toBeGreaterThan(result.baseline!.ndcg + 0.1);
  adapter = result.adapter;
  path = join(dir, 'a.abi-adapter');
  await saveAdapter(path, adapter, await describeBaseModel(base), { pairs: trainPairs.length });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function top1(search: (q: string) => Promise<string | undefined>): Promise<number> {
  let hits = 0;
  for (const p of heldOut) if ((await search(p.query)) === p.positive) hits++;
  return hits / heldOut.length;
}

describe('adapter files', () => {
  it('round-trip the parameters, base model and metadata', async () => {
    const file = await loadAdapter(path);
    expect(file.adapter.config).toEqual(adapter.config);
    expect(file.adapter.parameters).toEqual(adapter.parameters);
    expect(file.base).toMatchObject({ model: base.model, dimension: D });
    expect(file.metadata).toEqual({ pairs: 240 });
  });

  it('damage is CorruptDataError; a missing file NotFoundError', async () => {
    const good = await readFile(path);
    const bad = join(dir, 'bad.abi-adapter');
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 1;
    for (const bytes of [flipped, good.subarray(0, good.length - 4), good.subarray(0, 20), Buffer.from('ABICKPT\0' + 'x'.repeat(80))]) {
      await writeFile(bad, bytes);
      await expect(loadAdapter(bad)).rejects.toBeInstanceOf(CorruptDataError);
      await expect(AdaptedEmbedder.load(base, bad)).rejects.toBeInstanceOf(CorruptDataError);
    }
    await expect(loadAdapter(join(dir, 'none'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a different base model is ModelMismatchError (id, dimension, or same name with other weights)', async () => {
    await expect(AdaptedEmbedder.load(new HashingEmbedder({ dimension: 64 }), path)).rejects.toBeInstanceOf(ModelMismatchError);
    await expect(AdaptedEmbedder.load(new HashingEmbedder({ dimension: D, seed: 3 }), path)).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
    const impostor = new HashingEmbedder({ dimension: D, seed: 9 });
    Object.defineProperty(impostor, 'model', { value: base.model });
    await expect(AdaptedEmbedder.load(impostor, path)).rejects.toThrow(/probe cosine/);
    await expect(AdaptedEmbedder.load(impostor, path, { verifyBase: false })).resolves.toBeInstanceOf(AdaptedEmbedder);
    expect(() => new AdaptedEmbedder(new HashingEmbedder({ dimension: 64 }), adapter)).toThrow(ModelMismatchError);
  });
});

describe('AdaptedEmbedder', () => {
  it('applies the adapter to base vectors; Matryoshka truncation renormalizes; ids name the adapter', async () => {
    const e = await AdaptedEmbedder.load(base, path);
    const texts = ['what about x', 'the report covers y'];
    const got = await e.embed(texts);
    const b = await base.embed(texts);
    const want = adapter.transform(Float32Array.from([...b[0], ...b[1]]), 2);
    expect(Array.from(got[1])).toEqual(Array.from(want.subarray(D, 2 * D)));
    expect(Math.hypot(...got[0])).toBeCloseTo(1, 5);
    const small = await AdaptedEmbedder.load(base, path, { dimensions: 32 });
    const [s] = await small.embed(texts.slice(0, 1));
    expect(s.length).toBe(32);
    expect(Math.hypot(...s)).toBeCloseTo(1, 5);
    const n = Math.hypot(...got[0].subarray(0, 32));
    expect(s[5]).toBeCloseTo(got[0][5] / n, 6);
    expect(small.dimension).toBe(32);
    expect(e.model).toMatch(new RegExp(`^${base.model.replace(/[.]/g, '\\.')}\\+adapter-[0-9a-f]{12}$`));
    expect(small.model).not.toBe(e.model);
    expect(await e.embed([])).toEqual([]);
  });

  it("with apply 'query' leaves documents as the base embeds them", async () => {
    const q = new AdaptedEmbedder(base, new Adapter({ ...adapter.config, apply: 'query' }, adapter.parameters));
    const [doc] = await q.embedDocuments(['the report covers y']);
    const [b] = await base.embedDocuments(['the report covers y']);
    expect(Array.from(doc).map((v) => v.toFixed(6))).toEqual(Array.from(b).map((v) => v.toFixed(6)));
    const [qv] = [await q.embedQuery('what about x')];
    expect(Array.from(qv)).not.toEqual(Array.from(await base.embedQuery('what about x')));
  });

  it('in the vector store: held-out queries find their passage more often than with the base embedder', async () => {
    const adapted = await AdaptedEmbedder.load(base, path);
    const run = async (e: HashingEmbedder | AdaptedEmbedder): Promise<number> => {
      const store = await VectorStore.open({ dimension: D });
      const docs = heldOut.map((p) => p.positive);
      const vectors = await e.embedDocuments(docs);
      await store.upsert(docs.map((text, i) => ({ id: `d${i}`, vector: vectors[i], text })));
      const score = await top1(async (q) => (await store.search(await e.embedQuery(q), { k: 1 }))[0]?.text);
      await store.close();
      return score;
    };
    const before = await run(base);
    const after = await run(adapted);
    expect(after).toBeGreaterThan(before + 0.1);
  });

  it('in the LangChain integration (AbiEmbeddings + AbiVectorStore)', async () => {
    const embeddings = new AbiEmbeddings({ embedder: await AdaptedEmbedder.load(base, path) });
    const store = await AbiVectorStore.fromTexts(heldOut.map((p) => p.positive), {}, embeddings, {});
    const viaLangChain = await top1(async (q) => (await store.similaritySearch(q, 1))[0]?.pageContent);
    const baseStore = await AbiVectorStore.fromTexts(heldOut.map((p) => p.positive), {}, new AbiEmbeddings({ embedder: base }), {});
    const viaBase = await top1(async (q) => (await baseStore.similaritySearch(q, 1))[0]?.pageContent);
    expect(viaLangChain).toBeGreaterThan(viaBase + 0.1);
    await store.close();
    await baseStore.close();
  });
});
