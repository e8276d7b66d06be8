import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, ClosedError, ModelLoadError, TimeoutError, UnsupportedError, ValidationError } from '../../src/core/errors.js';
import { CachedEmbedder } from '../../src/embedders/cached.js';
import { LruEmbeddingCache } from '../../src/cache/lru.js';
import { cudaProviderInstalled } from '../../src/engine/device.js';
import { LocalEmbedder } from '../../src/engine/local-embedder.js';
import { GraphBuilder } from '../../scripts/models/graph-builder.js';
import { DataType, encodeModel } from '../../scripts/models/onnx-proto.js';
import { copyModel, cosine, maxAbsDiff, modelDir, tempDir, variedTexts } from './helpers.js';

const texts = variedTexts(60, 3);

describe('LocalEmbedder', () => {
  let embedder: LocalEmbedder;
  let tmp: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    embedder = await LocalEmbedder.fromFolder(modelDir('tiny-bert'));
    tmp = tempDir();
  });
  afterAll(async () => {
    await embedder.close();
    tmp.cleanup();
  });

  it('describes itself from the folder', () => {
    expect(embedder).toMatchObject({ model: 'tiny-bert', dimension: 32, pooling: 'mean', normalize: true, maxLength: 128, device: 'cpu' });
  });

  it('returns vectors in caller order, independent of batch composition and padding', async () => {
    const all = await embedder.embed(texts);
    const alone = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { maxBatchSize: 1 });
    const tight = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { maxBatchTokens: 200, maxBatchSize: 5 });
    const one = await alone.embed(texts);
    const few = await tight.embed([...texts].reverse());
    for (let i = 0; i < texts.length; i++) {
      expect(maxAbsDiff(all[i], one[i])).toBeLessThan(1e-5);
      expect(maxAbsDiff(all[i], few[texts.length - 1 - i])).toBeLessThan(1e-5);
      expect(Math.hypot(...all[i])).toBeCloseTo(1, 5);
    }
    // Different texts give different vectors (the random model is not degenerate).
    expect(cosine(all[30], all[31])).toBeLessThan(0.99);
    await Promise.all([alone.close(), tight.close()]);
  });

  it('defined results for empty lists, empty strings, whitespace, surrogates and very long texts', async () => {
    expect(await embedder.embed([])).toEqual([]);
    const [empty, spaces, lone, fffd, long, cut] = await embedder.embed([
      '', '   ', 'a \ud83d b', 'a \ufffd b', 'word '.repeat(100_000), 'word '.repeat(126),
    ]);
    expect(empty).toHaveLength(32);
    expect(maxAbsDiff(empty, spaces)).toBe(0);
    expect(maxAbsDiff(lone, fffd)).toBe(0);
    expect(maxAbsDiff(long, cut)).toBeLessThan(1e-6);
    for (const v of [empty, long]) expect(v.every(Number.isFinite)).toBe(true);
  });

  it('Matryoshka dimensions: the full vector cut, then normalized; per call and per embedder', async () => {
    const [full] = await embedder.embed(['matryoshka'], {});
    const raw = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { normalize: false });
    const [unnormalized] = await raw.embed(['matryoshka']);
    const [cut] = await embedder.embed(['matryoshka'], { dimensions: 8 });
    expect(cut).toHaveLength(8);
    const expected = unnormalized.slice(0, 8);
    const n = Math.hypot(...expected);
    expect(maxAbsDiff(cut, expected.map((x) => x / n))).toBeLessThan(1e-6);
    expect(cosine(full, unnormalized)).toBeGreaterThan(0.99999);
    const small = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { dimensions: 16 });
    expect(small.dimension).toBe(16);
    expect((await small.embedQuery('x'))).toHaveLength(16);
    await expect(embedder.embed(['x'], { dimensions: 33 })).rejects.toThrow(ValidationError);
    await expect(LocalEmbedder.fromFolder(modelDir('tiny-bert'), { dimensions: 0 })).rejects.toThrow(ValidationError);
    await Promise.all([raw.close(), small.close()]);
  });

  it('query and document prompts: from the folder, overridden, or off', async () => {
    const prompted = await LocalEmbedder.fromFolder(modelDir('tiny-bert-prompts'));
    const plain = await LocalEmbedder.fromFolder(modelDir('tiny-bert-prompts'), { prompts: false });
    const custom = await LocalEmbedder.fromFolder(modelDir('tiny-bert-prompts'), { prompts: { query: 'Q: ' } });
    const q = await prompted.embedQuery('capital of france');
    const [d] = await prompted.embedDocuments(['capital of france']);
    const [viaType] = await prompted.embed(['capital of france'], { inputType: 'query' });
    const [manualQ, manualD] = await plain.embed(['query: capital of france', 'passage: capital of france']);
    expect(maxAbsDiff(q, manualQ)).toBe(0);
    expect(maxAbsDiff(viaType, manualQ)).toBe(0);
    expect(maxAbsDiff(d, manualD)).toBe(0);
    expect(cosine(q, d)).toBeLessThan(0.9999);
    expect(custom.prompts).toEqual({ query: 'Q: ', document: 'passage: ' });
    expect(prompted.pooling).toBe('cls');
    expect(prompted.normalize).toBe(false);
    await Promise.all([prompted.close(), plain.close(), custom.close()]);
  });

  it('include_prompt: false pools without the prompt tokens', async () => {
    const dir = copyModel('tiny-bert-prompts', join(tmp.dir, 'exclude'));
    const pooling = join(dir, '1_Pooling/config.json');
    writeFileSync(pooling, JSON.stringify({ pooling_mode_mean_tokens: true, include_prompt: false }));
    const ex = await LocalEmbedder.fromFolder(dir);
    const tokens = await ex.tokenize(['hello there'], 'query');
    // "query: " is [CLS] query : → 3 tokens skipped ([CLS] counts, as sentence-transformers does).
    expect(Array.from(tokens.skipTokens!)).toEqual([3]);
    const withPrompt = await LocalEmbedder.fromFolder(dir, { prompts: false });
    const [a] = await ex.embed(['hello there'], { inputType: 'query' });
    const [b] = await withPrompt.embed(['query: hello there']);
    expect(cosine(a, b)).toBeLessThan(0.9999);
    await Promise.all([ex.close(), withPrompt.close()]);
  });

  it('last-token pooling with left padding and fed position ids is padding-invariant', async () => {
    const last = await LocalEmbedder.fromFolder(modelDir('tiny-bert-lasttoken'));
    const alone = await LocalEmbedder.fromFolder(modelDir('tiny-bert-lasttoken'), { maxBatchSize: 1 });
    const a = await last.embed(texts.slice(0, 20));
    const b = await alone.embed(texts.slice(0, 20));
    for (let i = 0; i < 20; i++) expect(maxAbsDiff(a[i], b[i])).toBeLessThan(1e-5);
    // And equals the last real token of an unpadded raw ORT run.
    const tokens = await last.tokenize(['left padding works']);
    const session = await ort.InferenceSession.create(join(modelDir('tiny-bert-lasttoken'), 'onnx/model.onnx'));
    const n = tokens.ids.length;
    const big = (xs: ArrayLike<number>) => BigInt64Array.from(Array.from(xs, BigInt));
    const out = await session.run({
      input_ids: new ort.Tensor('int64', big(tokens.ids), [1, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [1, n]),
      position_ids: new ort.Tensor('int64', big(Array.from({ length: n }, (_, i) => i)), [1, n]),
    });
    const h = (out.last_hidden_state.data as Float32Array).slice((n - 1) * 32, n * 32);
    const [mine] = await last.embed(['left padding works', ...texts.slice(0, 5)].slice(0, 1));
    const [batched] = await last.embed(['left padding works', 'a much longer text that forces left padding on the first one']);
    expect(cosine(mine, h)).toBeGreaterThan(0.99999);
    expect(cosine(batched, h)).toBeGreaterThan(0.99999);
    await Promise.all([last.close(), alone.close(), session.release()]);
  });

  it('int8 and fp16 variants load and agree with fp32', async () => {
    const int8 = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { dtype: 'int8' });
    const fp16 = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { dtype: 'fp16' });
    const base = await embedder.embed(texts.slice(0, 20));
    const q = await int8.embed(texts.slice(0, 20));
    const h = await fp16.embed(texts.slice(0, 20));
    for (let i = 0; i < 20; i++) {
      expect(cosine(base[i], q[i])).toBeGreaterThan(0.99);
      expect(cosine(base[i], h[i])).toBeGreaterThan(0.9999);
    }
    await Promise.all([int8.close(), fp16.close()]);
  });

  it('stops between batches when the signal fires; honours timeouts', async () => {
    let checks = 0;
    // A signal that reports "aborted" from its third check on: deterministic "abort after two batches".
    const signal = {
      get aborted() { return ++checks > 3; },
      reason: undefined,
      addEventListener() {},
      removeEventListener() {},
    } as unknown as AbortSignal;
    const small = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { maxBatchSize: 2 });
    await expect(small.embed(texts, { signal })).rejects.toThrow(AbortError);
    expect(checks).toBeLessThan(10);
    await expect(small.embed(texts, { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    await expect(small.embed(texts, { timeout: 0 })).rejects.toThrow(TimeoutError);
    await small.close();
    await expect(small.embed(['x'])).rejects.toThrow(ClosedError);
  });

  it('typed errors for bad input, bad folders and graphs without the expected inputs/outputs', async () => {
    await expect(embedder.embed('text' as unknown as string[])).rejects.toThrow(ValidationError);
    await expect(embedder.embed([1 as unknown as string])).rejects.toThrow(ValidationError);
    await expect(LocalEmbedder.fromFolder(join(tmp.dir, 'absent'))).rejects.toThrow(ModelLoadError);
    await expect(LocalEmbedder.fromFolder(modelDir('tiny-bert'), { maxBatchSize: 0 })).rejects.toThrow(ValidationError);

    const garbage = copyModel('tiny-bert-prompts', join(tmp.dir, 'garbage'));
    writeFileSync(join(garbage, 'onnx_garbage.onnx'), 'not a protobuf at all');
    await expect(LocalEmbedder.fromFolder(garbage, { modelFile: 'onnx_garbage.onnx' })).rejects.toThrow(ModelLoadError);

    const g = new GraphBuilder();
    g.input('x', DataType.FLOAT, ['n']);
    g.op('Identity', ['x']);
    g.renameLastOutput('y');
    g.output('y', DataType.FLOAT, ['n']);
    writeFileSync(join(garbage, 'wrong_inputs.onnx'), encodeModel(g.toModel({ name: 'w', opset: 17 })));
    await expect(LocalEmbedder.fromFolder(garbage, { modelFile: 'wrong_inputs.onnx' })).rejects.toThrow(/lacks input input_ids, attention_mask/);

    const h = new GraphBuilder();
    h.input('input_ids', DataType.INT64, ['b', 's']);
    h.input('attention_mask', DataType.INT64, ['b', 's']);
    h.op('Identity', ['input_ids']);
    h.renameLastOutput('foo');
    h.output('foo', DataType.INT64, ['b', 's']);
    writeFileSync(join(garbage, 'wrong_outputs.onnx'), encodeModel(h.toModel({ name: 'w', opset: 17 })));
    await expect(LocalEmbedder.fromFolder(garbage, { modelFile: 'wrong_outputs.onnx' })).rejects.toThrow(/none of the outputs/);

    const badTok = copyModel('tiny-bert', join(tmp.dir, 'badtok'));
    writeFileSync(join(badTok, 'tokenizer.json'), '{ "model": ');
    await expect(LocalEmbedder.fromFolder(badTok)).rejects.toThrow(/tokenizer.json does not parse/);
  });

  it('devices: cpu, auto with a logged fallback, a clear error for absent CUDA, validation', async () => {
    const warnings: string[] = [];
    const auto = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { device: 'auto', onWarning: (m) => warnings.push(m), threads: 1 });
    if (!cudaProviderInstalled()) {
      expect(auto.device).toBe('cpu');
      expect(warnings.join('\n')).toMatch(/CUDA provider not installed.*CPU/);
      await expect(LocalEmbedder.fromFolder(modelDir('tiny-bert'), { device: 'cuda' })).rejects.toThrow(UnsupportedError);
      await expect(LocalEmbedder.fromFolder(modelDir('tiny-bert'), { device: 'cuda:1' })).rejects.toThrow(/CUDA provider/);
    }
    expect((await auto.embed(['x']))[0]).toHaveLength(32);
    await auto.close();
    await expect(LocalEmbedder.fromFolder(modelDir('tiny-bert'), { device: 'gpu' as 'cpu' })).rejects.toThrow(ValidationError);
    await expect(LocalEmbedder.fromFolder(modelDir('tiny-bert'), { threads: -1 })).rejects.toThrow(ValidationError);
  });

  it('plugs into CachedEmbedder: its fingerprint separates prompts, dtypes and dimensions', async () => {
    const prompted = await LocalEmbedder.fromFolder(modelDir('tiny-bert-prompts'));
    expect(prompted.fingerprint('query')).toEqual({
      provider: 'local', model: 'tiny-bert-prompts (fp32, cls, max 64)', dimensions: 32, prompt: 'query: ',
    });
    expect(embedder.fingerprint('document').model).toBe('tiny-bert (fp32, mean, normalized, max 128)');
    const cached = new CachedEmbedder({ embedder: prompted, cache: new LruEmbeddingCache() });
    const first = await cached.embedQuery('same text');
    const again = await cached.embedQuery('same text');
    const [doc] = await cached.embedDocuments(['same text']);
    expect(cached.stats).toEqual({ hits: 1, misses: 2 });
    expect(maxAbsDiff(first, again)).toBe(0);
    expect(maxAbsDiff(first, doc)).toBeGreaterThan(0);
    await prompted.close();
  });

  it('runs inside a worker thread with its own registry; tokenized batches transfer', async () => {
    const sample = texts.slice(0, 8);
    const expected = await embedder.embed(sample);
    const worker = new Worker(new URL('./fixtures-worker.mjs', import.meta.url), {
      workerData: { dir: modelDir('tiny-bert'), texts: sample },
    });
    const msg = await new Promise<{ flat: Float32Array; offsets: Int32Array }>((res, rej) => {
      worker.once('message', res);
      worker.once('error', rej);
    });
    await worker.terminate();
    expect(msg.offsets).toHaveLength(9);
    for (let i = 0; i < sample.length; i++) expect(maxAbsDiff(expected[i], msg.flat.subarray(i * 32, (i + 1) * 32))).toBeLessThan(1e-5);
  });
});
