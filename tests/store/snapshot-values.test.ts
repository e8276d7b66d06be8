import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptDataError, VectorStore } from '../../src/index.js';
import { readSnapshot, SectionType, writeSnapshot } from '../../src/store/persistence/snapshot.js';
import { randomVectors, tempDir } from './helpers.js';

// Checksums catch damage; a snapshot whose checksums are right but whose vectors hold NaN or ±Infinity (written by
// a foreign tool, or a bug) must still be refused, since one such value silently poisons every distance.
describe('snapshot values', () => {
  const base = tempDir('abi-snapvals-');
  afterAll(() => base.cleanup());

  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    it(`refuses a checksummed snapshot whose vectors hold ${bad}`, async () => {
      const path = join(base.dir, String(bad));
      const store = await VectorStore.open({ path, dimension: 8, index: { type: 'hnsw' } });
      await store.upsert(randomVectors(50, 8, 3).map((vector, i) => ({ id: `r${i}`, vector })));
      await store.close(); // writes the snapshot
      const file = join(path, 'snapshot.abs');
      const all = new Set(Object.values(SectionType));
      const snap = await readSnapshot(file, all);
      const sections = [...snap.sections].map(([type, data]) => ({ type, flags: 0, data: Buffer.from(data) }));
      const vectors = sections.find((s) => s.type === SectionType.Vectors)!.data;
      vectors.writeFloatLE(bad, 4 * (17 * 8 + 5)); // slot 17, component 5
      await writeSnapshot(file, snap.header, sections);

      const err = await VectorStore.open({ path, dimension: 8, index: { type: 'hnsw' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptDataError);
      expect((err as CorruptDataError).message).toMatch(/non-finite/);
    });
  }

  it('opens the same snapshot rewritten unchanged (the rewrite itself is sound)', async () => {
    const path = join(base.dir, 'unchanged');
    const store = await VectorStore.open({ path, dimension: 8, index: { type: 'hnsw' } });
    const vectors = randomVectors(50, 8, 4);
    await store.upsert(vectors.map((vector, i) => ({ id: `r${i}`, vector })));
    const stored = Array.from((await store.get('r17'))!.vector); // as stored (normalized for cosine)
    await store.close();
    const file = join(path, 'snapshot.abs');
    const snap = await readSnapshot(file, new Set(Object.values(SectionType)));
    await writeSnapshot(file, snap.header, [...snap.sections].map(([type, data]) => ({ type, flags: 0, data })));
    const again = await VectorStore.open({ path, dimension: 8, index: { type: 'hnsw' } });
    expect(Array.from((await again.get('r17'))!.vector)).toEqual(stored);
    await again.close();
  });
});
