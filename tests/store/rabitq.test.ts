import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptDataError, UnsupportedError, ValidationError, VectorStore, type VectorStoreOptions } from '../../src/index.js';
import { KNOWN_SECTIONS, streamedSection } from '../../src/store/persistence/collection-codec.js';
import { readSnapshot, SectionType } from '../../src/store/persistence/snapshot.js';
import { tempDir } from './helpers.js';
import { checkRetrainOnDrift, data, DIM, filled, N, queries, recall, row } from './quantized-fixture.js';

const tmp = tempDir('abi-rabitq-');
afterAll(() => tmp.cleanup());

/** Offset and length of a section in a snapshot file, from its table (64-byte header, 32-byte entries). */
function sectionExtent(file: string, type: number): { offset: number; length: number } {
  const buf = readFileSync(file);
  const count = buf.readUInt32LE(20);
  for (let i = 0; i < count; i++) {
    const e = 64 + i * 32;
    if (buf.readUInt32LE(e) === type) return { offset: Number(buf.readDoubleLE(e + 8)), length: Number(buf.readDoubleLE(e + 16)) };
  }
  throw new Error(`section ${type} not found`);
}

describe('IVF + RaBitQ in the store', () => {
  for (const bits of [1, 2, 4] as const) {
    it(`${bits}-bit: trains at trainAt, recall@10 >= 0.95 against exact search, in ${bits}/32 of the float memory plus factors`, async () => {
      const store = await filled({ path: `${tmp.dir}/rq${bits}`, dimension: DIM, index: { type: 'ivf', quantization: 'rabitq', bits, trainAt: 2000 }, vectors: 'disk' });
      expect(store.stats().trained).toBe(true);
      expect(store.indexType).toBe('ivf');
      expect(await recall(store, { nprobe: 64 })).toBeGreaterThanOrEqual(0.95);
      await store.checkpoint();
      const nlist = Math.round(4 * Math.sqrt(N));
      const fixed = 2 * nlist * DIM * 4 + DIM * DIM * 4 + 64 * DIM * 4; // centroids (and rotated), rotation, tail
      // Codes + 12 bytes of factors + 4 of slot, with the lists' growth slack (at most 2x).
      expect((store.stats().indexBytes - fixed) / N).toBeLessThan(2 * ((DIM * bits) / 8 + 16) + 16);
      await store.close();
    });
  }

  it('answers exactly before training, filters without under-filling, persists (identical results) and deletes', async () => {
    const untrained: VectorStoreOptions = { path: `${tmp.dir}/rq-u`, dimension: DIM, index: { type: 'ivf', quantization: 'rabitq', trainAt: 10_000 } };
    let store = await filled(untrained);
    expect(store.stats().trained).toBe(false);
    expect(await recall(store)).toBe(1);
    await store.close();
    store = await VectorStore.open(untrained); // an untrained store reopens too
    expect(await recall(store)).toBe(1);
    await store.close();
    const opts: VectorStoreOptions = { path: `${tmp.dir}/rq-t`, dimension: DIM, index: { type: 'ivf', quantization: 'rabitq', bits: 2, trainAt: 1000, nprobe: 2 } };
    store = await filled(opts);
    const hits = await store.search(row(queries, 2), { k: 10, filter: { bucket: 3 } });
    expect(hits).toHaveLength(10);
    expect(hits.every((h) => h.metadata.bucket === 3)).toBe(true);
    const before = await store.search(row(queries, 2), { k: 10, nprobe: 32 });
    await store.close();
    store = await VectorStore.open(opts);
    const after = await store.search(row(queries, 2), { k: 10, nprobe: 32 });
    expect(after.map((h) => h.id)).toEqual(before.map((h) => h.id));
    expect(after.map((h) => h.score)).toEqual(before.map((h) => h.score));
    // Scores are exact cosine similarities (re-ranked on the floats).
    const exact = data.subarray(Number(after[0].id) * DIM, (Number(after[0].id) + 1) * DIM).reduce((s, v, j) => s + v * row(queries, 2)[j], 0);
    expect(after[0].score).toBeCloseTo(exact, 5);
    await store.delete([before[0].id]);
    expect((await store.search(row(queries, 2), { k: 10, nprobe: 32 })).map((h) => h.id)).not.toContain(before[0].id);
    await store.close();
  });

  it('retrains on compaction when new data drifts from the cells', async () => {
    await checkRetrainOnDrift({ type: 'ivf', quantization: 'rabitq', trainAt: 1000, nlist: 16 });
  });

  it('refuses a flipped byte in its snapshot section with CorruptDataError, and reopens once repaired', async () => {
    const opts: VectorStoreOptions = { path: `${tmp.dir}/rq-c`, dimension: DIM, index: { type: 'ivf', quantization: 'rabitq', trainAt: 1000 } };
    const store = await filled(opts);
    await store.checkpoint();
    await store.close();
    const file = join(opts.path!, 'snapshot.abs');
    const pristine = readFileSync(file);
    const { offset, length } = sectionExtent(file, SectionType.BitIvf);
    expect(length).toBeGreaterThan(N * 48);
    for (const at of [offset + 3, offset + Math.floor(length / 2), offset + length - 1]) {
      const bytes = Buffer.from(pristine);
      bytes[at] ^= 0x10;
      writeFileSync(file, bytes);
      await expect(VectorStore.open(opts)).rejects.toBeInstanceOf(CorruptDataError);
    }
    writeFileSync(file, pristine);
    // A build that predates the section refuses the store with a typed error rather than misreading it.
    const older = new Set([...KNOWN_SECTIONS].filter((t) => t !== SectionType.BitIvf));
    await expect(readSnapshot(file, older, streamedSection)).rejects.toBeInstanceOf(UnsupportedError);
    const reopened = await VectorStore.open(opts);
    expect(await recall(reopened, { nprobe: 64 })).toBeGreaterThanOrEqual(0.95);
    await reopened.close();
  });

  it('validates its options', async () => {
    await expect(VectorStore.open({ dimension: 8, index: { type: 'ivf', quantization: 'rabitq', bits: 3 as 1 } })).rejects.toBeInstanceOf(ValidationError);
    await expect(VectorStore.open({ dimension: 8, index: { type: 'ivf', quantization: 'pq' as 'rabitq' } })).rejects.toBeInstanceOf(ValidationError);
    await expect(VectorStore.open({ dimension: 8, index: { type: 'ivf', quantization: 'binary', bits: 4 } })).rejects.toBeInstanceOf(ValidationError);
    await expect(VectorStore.open({ dimension: 8, index: { type: 'ivf', quantization: 'rabitq', epsilon: 0 } })).rejects.toBeInstanceOf(ValidationError);
    const ok = await VectorStore.open({ dimension: 8, index: { type: 'ivf', quantization: 'rabitq', bits: 4 } });
    expect(ok.settings.index).toMatchObject({ type: 'ivf', quantization: 'rabitq', bits: 4, epsilon: 1.9 });
    await ok.close();
  });
});

describe('IVF + binary codes in the store', () => {
  it('trains, re-ranks the Hamming candidates on floats (recall grows with rerank), persists and deletes', async () => {
    const opts: VectorStoreOptions = { path: `${tmp.dir}/bin`, dimension: DIM, index: { type: 'ivf', quantization: 'binary', trainAt: 2000 }, vectors: 'disk' };
    let store = await filled(opts);
    expect(store.stats().trained).toBe(true);
    const shallow = await recall(store, { nprobe: 64, rerank: 10 });
    const deep = await recall(store, { nprobe: 64, rerank: 500 });
    expect(deep).toBeGreaterThan(shallow);
    expect(deep).toBeGreaterThanOrEqual(0.8);
    const before = await store.search(row(queries, 3), { k: 10, rerank: 300 });
    await store.close();
    store = await VectorStore.open(opts);
    expect((await store.search(row(queries, 3), { k: 10, rerank: 300 })).map((h) => h.id)).toEqual(before.map((h) => h.id));
    await store.delete([before[0].id]);
    expect((await store.search(row(queries, 3), { k: 10, rerank: 300 })).map((h) => h.id)).not.toContain(before[0].id);
    await store.close();
  });
});
