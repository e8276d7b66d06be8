import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError, ClosedError, ModelLoadError, ValidationError } from '../../src/core/errors.js';
import { LocalCrossEncoder } from '../../src/engine/cross-encoder.js';
import { LocalEmbedder } from '../../src/engine/local-embedder.js';
import type { LoadedModel } from '../../src/engine/loaded-model.js';
import { ModelRegistry } from '../../src/engine/registry.js';
import { copyModel, modelDir, tempDir, variedTexts } from './helpers.js';

const A = modelDir('tiny-bert');
const B = modelDir('tiny-bert-lasttoken');
const texts = variedTexts(200, 5);

describe('ModelRegistry', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('loads a model once and shares it between embedders and concurrent calls', async () => {
    const registry = new ModelRegistry();
    const [m1, m2, m3] = await Promise.all([registry.load(A), registry.load(A), registry.load(A)]);
    expect(m1).toBe(m2);
    expect(m2).toBe(m3);
    const e1 = await LocalEmbedder.fromFolder(A, { registry });
    const e2 = await LocalEmbedder.fromFolder(A, { registry, pooling: 'cls' });
    const ce = await LocalCrossEncoder.fromFolder(modelDir('tiny-cross-encoder'), { registry });
    await Promise.all([e1.embed(texts.slice(0, 10)), e2.embed(texts.slice(0, 10)), ce.score('q', texts.slice(0, 10))]);
    const report = registry.memory();
    expect(report.models).toHaveLength(2);
    expect(report.models.every((m) => m.state === 'loaded' && m.activeCalls === 0 && m.device === 'cpu')).toBe(true);
    expect(report.totalBytes).toBe(report.models.reduce((s, m) => s + m.bytes, 0));
    expect(report.totalBytes).toBeGreaterThan(8_000_000);
    // A different dtype is a different model.
    await registry.load(A, { dtype: 'int8' });
    expect(registry.memory().models).toHaveLength(3);
    await e1.close(); // does not unload a shared registry's model
    expect(registry.memory().models).toHaveLength(3);
    await registry.close();
    expect(registry.memory().models).toHaveLength(0);
    await expect(e2.embed(['x'])).rejects.toThrow(ClosedError);
    await expect(registry.load(A)).rejects.toThrow(ClosedError);
  });

  it('an unload waits for calls in flight only until its deadline or signal', async () => {
    const registry = new ModelRegistry();
    const hold = async <T>(value: (m: LoadedModel) => T): Promise<{ release: () => void; done: Promise<T> }> => {
      let release!: () => void;
      let started!: () => void;
      const running = new Promise<void>((r) => { started = r; });
      const done = registry.use(A, {}, async (m) => {
        started();
        await new Promise<void>((r) => { release = r; });
        return value(m);
      });
      await running;
      return { release, done };
    };
    const first = await hold(() => 1);
    expect(registry.memory().models[0].activeCalls).toBe(1);
    expect(await registry.unload(A, { deadlineMs: 20 })).toBe(0); // still in use past the deadline: stays loaded
    expect(registry.memory().models).toHaveLength(1);
    const c = new AbortController();
    const aborted = registry.unload(A, { signal: c.signal });
    c.abort();
    await expect(aborted).rejects.toThrow(AbortError); // the caller stops waiting; the unload goes on
    first.release();
    expect(await first.done).toBe(1);
    await expect.poll(() => registry.memory().models.length).toBe(0);
    // A close does not wait past its deadline either; the held call still finishes on its model.
    const second = await hold((m) => m.info.name);
    await registry.close({ deadlineMs: 20 });
    expect(registry.memory().models).toHaveLength(0);
    second.release();
    expect(await second.done).toBeTruthy();
  }, 60_000);

  it('unloading a model in use waits for its calls; the next call loads it again', async () => {
    const registry = new ModelRegistry();
    const embedder = await LocalEmbedder.fromFolder(A, { registry, maxBatchSize: 1 });
    const first = registry.load(A);
    const running = embedder.embed([...texts, ...texts]);
    await new Promise((r) => setTimeout(r, 20));
    expect(registry.memory().models[0].activeCalls).toBeGreaterThan(0);
    let embedDone = false;
    void running.then(() => { embedDone = true; });
    const freed = await registry.unload(A);
    expect(embedDone).toBe(true);
    expect(freed).toBe(1);
    expect((await running)).toHaveLength(2 * texts.length);
    expect(registry.memory().models).toHaveLength(0);
    const again = await embedder.embed(['back again']);
    expect(again[0]).toHaveLength(32);
    expect(await registry.load(A)).not.toBe(await first);
    expect(await registry.unload(join(tmp.dir, 'never-loaded'))).toBe(0);
    await registry.close();
  });

  it('evicts idle models least recently used first under a memory budget, never one in use', async () => {
    const probe = new ModelRegistry();
    const one = (await probe.load(A)).bytes;
    await probe.close();
    const warnings: string[] = [];
    const registry = new ModelRegistry({ memoryBudgetBytes: Math.floor(one * 1.5), onWarning: (m) => warnings.push(m) });
    const ea = await LocalEmbedder.fromFolder(A, { registry, maxBatchSize: 1 });
    const eb = await LocalEmbedder.fromFolder(B, { registry });
    expect(registry.memory().models.map((m) => m.dir)).toEqual([B]);
    await ea.embed(['a again']);
    expect(registry.memory().models.map((m) => m.dir)).toEqual([A]);
    expect(registry.memory().totalBytes).toBeLessThanOrEqual(registry.memory().budgetBytes);
    // While A runs, loading B cannot evict it: both stay, with a warning.
    const running = ea.embed([...texts, ...texts, ...texts]);
    await new Promise((r) => setTimeout(r, 20));
    const during = await registry.use(B, {}, async () => registry.memory().models.map((m) => m.dir).sort());
    expect(registry.memory().models.map((m) => m.dir)).toEqual([A]); // B idle again: evicted to meet the budget
    await running;
    expect(during).toEqual([A, B].sort());
    expect(warnings.some((w) => /exceeds the budget/.test(w))).toBe(true);
    // Once A is idle again the registry is back under budget.
    await new Promise((r) => setTimeout(r, 20));
    expect(registry.memory().models).toHaveLength(1);
    await registry.close();
    expect(() => new ModelRegistry({ memoryBudgetBytes: 0 })).toThrow(ValidationError);
  });

  it('a failed load is not cached; abort stops waiting but the load completes', async () => {
    const registry = new ModelRegistry();
    const dir = join(tmp.dir, 'later');
    await expect(registry.load(dir)).rejects.toThrow(ModelLoadError);
    copyModel('tiny-bert', dir);
    expect((await registry.load(dir)).info.name).toBe('tiny-bert');
    const controller = new AbortController();
    const waiting = registry.use(B, {}, async (m) => m, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow(AbortError);
    await new Promise((r) => setTimeout(r, 300));
    expect(registry.memory().models.map((m) => m.dir)).toContain(B);
    await registry.close();
  });
});
