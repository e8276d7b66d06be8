// Indexing as a library, as an app calls it from `abi-sdk`: `indexFiles` reports what it added, changed and removed
// and re-embeds only what changed; `embedStream` + `upsertStream` index a stream in bounded memory; the loaders and
// the splitter on their own.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AbortError, createTextSplitter, embedStream, extractText, fileKind, HashingEmbedder, indexFiles, NotFoundError, readText,
  resolveChunking, type TextRecord, UnsupportedError, upsertStream, ValidationError, VectorStore,
} from '../../src/index.js';
import { tempDir } from '../store/helpers.js';

const tmp = tempDir('abi-indexing-');
afterAll(() => tmp.cleanup());

const paragraph = (topic: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `Paragraph ${i} about ${topic}: ${`${topic} notes and facts `.repeat(8)}`).join('\n\n');

/** Counts the embedder's calls and texts. */
class CountingEmbedder extends HashingEmbedder {
  calls = 0;
  texts = 0;
  override async embedDocuments(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]> {
    this.calls++;
    this.texts += texts.length;
    return super.embedDocuments(texts, options);
  }
}

describe('indexFiles', () => {
  const work = join(tmp.dir, 'lib');
  const docs = join(work, 'docs');
  mkdirSync(join(docs, 'sub'), { recursive: true });
  writeFileSync(join(docs, 'ships.md'), `# Ships\n\n${paragraph('ships', 6)}`);
  writeFileSync(join(docs, 'trees.txt'), paragraph('trees', 4));
  writeFileSync(join(docs, 'sub', 'rivers.txt'), paragraph('rivers', 3));
  writeFileSync(join(docs, 'ignored.json'), '{"not":"indexed"}');

  it('indexes, then re-embeds only what changed and deletes what was removed, reporting each by source', async () => {
    const embedder = new CountingEmbedder({ dimension: 64 });
    const store = await VectorStore.open({ path: join(work, 'store'), dimension: 64 });
    const events: { filesDone: number; embedded: number }[] = [];
    const first = await indexFiles(['docs'], { store, embedder, cwd: work, chunkSize: 300, batchSize: 4, onProgress: (p) => events.push(p) });
    expect(first).toMatchObject({ files: 3, changed: [], removed: [], unchanged: 0, failed: [] });
    expect(first.added).toEqual(['docs/ships.md', 'docs/sub/rivers.txt', 'docs/trees.txt']);
    expect(first.embedded).toBe(first.total);
    expect(first.embedded).toBeGreaterThan(10);
    expect(embedder.texts).toBe(first.embedded);
    expect(embedder.calls).toBe(Math.ceil(first.embedded / 4)); // batches cut across files
    expect(events.at(-1)).toMatchObject({ files: 3, filesDone: 3, embedded: first.embedded });
    const hit = (await store.search(await embedder.embedQuery('rivers notes'), { k: 1 }))[0];
    expect(hit.metadata).toMatchObject({ source: 'docs/sub/rivers.txt', path: join(docs, 'sub', 'rivers.txt'), chunk: expect.any(Number) });

    const again = await indexFiles(['docs'], { store, embedder, cwd: work, chunkSize: 300 });
    expect(again).toMatchObject({ added: [], changed: [], removed: [], unchanged: 3, embedded: 0, deleted: 0, total: first.total });

    // trees.txt shrinks to one chunk (its other chunks go), rivers.txt disappears, a new file comes.
    writeFileSync(join(docs, 'trees.txt'), 'Trees, briefly.');
    rmSync(join(docs, 'sub', 'rivers.txt'));
    writeFileSync(join(docs, 'stars.txt'), paragraph('stars', 2));
    const before = await store.count();
    const third = await indexFiles(['docs'], { store, embedder, cwd: work, chunkSize: 300 });
    expect(third).toMatchObject({ files: 3, added: ['docs/stars.txt'], changed: ['docs/trees.txt'], removed: ['docs/sub/rivers.txt'], unchanged: 1 });
    const trees: string[] = [];
    for await (const batch of store.scan()) for (const r of batch) if (r.metadata.source === 'docs/trees.txt') trees.push(r.text!);
    expect(trees).toEqual(['Trees, briefly.']);
    // Every file's chunks are whole: 0..n-1, each saying n, and the store holds exactly those.
    const bySource = new Map<string, { says: Set<unknown>; chunks: number[] }>();
    let n = 0;
    for await (const batch of store.scan()) {
      for (const r of batch) {
        n++;
        const e = bySource.get(String(r.metadata.source)) ?? { says: new Set(), chunks: [] };
        e.says.add(r.metadata.chunks);
        e.chunks.push(Number(r.metadata.chunk));
        bySource.set(String(r.metadata.source), e);
      }
    }
    for (const e of bySource.values()) {
      expect([...e.says]).toEqual([e.chunks.length]);
      expect(e.chunks.sort((a, b) => a - b)).toEqual([...e.chunks.keys()]);
    }
    expect([...bySource.keys()].sort()).toEqual(['docs/ships.md', 'docs/stars.txt', 'docs/trees.txt']);
    expect(third.total).toBe(n);
    expect(third.total).toBeLessThan(before);
    expect(third.deleted).toBeGreaterThan(0);
    await store.close();
  });

  it('reports a file it cannot read in `failed` (typed) and indexes the rest', async () => {
    const mixed = join(work, 'mixed');
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'ok.txt'), 'plain text about lighthouses');
    writeFileSync(join(mixed, 'binary.txt'), Buffer.from([0x41, 0x00, 0x42]));
    const store = await VectorStore.open({ dimension: 32 });
    const r = await indexFiles([mixed], { store, embedder: new HashingEmbedder({ dimension: 32 }), cwd: work });
    expect(r.added).toEqual(['mixed/ok.txt']);
    expect(r.failed).toEqual([{ source: 'mixed/binary.txt', error: expect.any(UnsupportedError) }]);
    await expect(indexFiles([join(work, 'nowhere')], { store, embedder: new HashingEmbedder({ dimension: 32 }) })).rejects.toBeInstanceOf(NotFoundError);
    const stop = new AbortController();
    stop.abort();
    await expect(indexFiles([mixed], { store, embedder: new HashingEmbedder({ dimension: 32 }), signal: stop.signal })).rejects.toBeInstanceOf(AbortError);
    await store.close();
  });
});

describe('embedStream + upsertStream', () => {
  it('index a long stream of texts pulling at most one batch ahead of what is written', async () => {
    let pulled = 0;
    async function* texts(): AsyncGenerator<TextRecord> {
      for (let i = 0; i < 2000; i++) {
        pulled++;
        yield { id: `t${i}`, text: `text number ${i} about ${i % 7 === 0 ? 'whales' : 'cats'}`, metadata: { i } };
      }
    }
    const embedder = new HashingEmbedder({ dimension: 48 });
    const store = await VectorStore.open({ dimension: 48, index: { type: 'flat' } });
    const lead: number[] = [];
    const result = await upsertStream(store, embedStream(embedder, texts(), { batchSize: 64, keepText: false }), {
      batchSize: 64, onBatch: (p) => lead.push(pulled - p.written),
    });
    expect(result).toEqual({ written: 2000, batches: 32 });
    expect(Math.max(...lead)).toBeLessThanOrEqual(64);
    const [hit] = await store.search(await embedder.embedQuery('text number 7 about whales'), { k: 1 });
    expect(hit).toMatchObject({ id: 't7', text: undefined, metadata: { i: 7 } });
    await store.close();
  });

  it('rejects a bad batch size and an embedder that returns too few vectors', async () => {
    const one = [{ id: 'a', text: 'x' }];
    await expect(embedStream(new HashingEmbedder({ dimension: 8 }), one, { batchSize: 0 }).next()).rejects.toBeInstanceOf(ValidationError);
    const short = new HashingEmbedder({ dimension: 8 });
    short.embedDocuments = async () => [];
    await expect(embedStream(short, one).next()).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('loaders and splitter', () => {
  it('extract text by kind and split Markdown on its structure', async () => {
    expect([fileKind('a.MD'), fileKind('b.htm'), fileKind('c.pdf'), fileKind('d.csv')]).toEqual(['markdown', 'html', 'pdf', 'text']);
    const html = await extractText('p.html', new TextEncoder().encode('<h1>Harbour</h1><script>x=1</script><p>Ships dock.</p>'));
    expect(html).toMatch(/HARBOUR\s+Ships dock\./);
    expect(html).not.toMatch(/x=1/);
    await expect(readText(join(tmp.dir, 'missing.md'))).rejects.toBeInstanceOf(NotFoundError);
    expect(resolveChunking({ chunkSize: 500 })).toEqual({ chunkSize: 500, chunkOverlap: 100 });
    expect(() => resolveChunking({ chunkSize: 100, chunkOverlap: 100 })).toThrow(ValidationError);
    const splitter = await createTextSplitter({ chunkSize: 50, chunkOverlap: 0 });
    const doc = '## One\n\nfirst section text here\n\n## Two\n\nsecond section text that is here';
    // Markdown cuts before the heading; plain text cuts on paragraphs and leaves the heading at the end of a chunk.
    expect(await splitter.split(doc, 'markdown')).toEqual(['## One\n\nfirst section text here', '## Two\n\nsecond section text that is here']);
    expect((await splitter.split(doc, 'text'))[0]).toMatch(/## Two$/);
    expect(await splitter.split('   \n\n  ')).toEqual([]);
  });
});
