// LangChain's indexing API drives a vector store through addDocuments(docs, { ids }) and delete({ ids }): re-running
// it must skip unchanged documents, replace changed ones and delete the ones that left the source.
import { Document } from '@langchain/core/documents';
import { index, type ListKeyOptions, RecordManager, type UpdateOptions } from '@langchain/core/indexing';
import { describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../../src/index.js';
import { AbiEmbeddings, AbiVectorStore } from '../../../integrations/langchain/index.js';
import { sotuDocuments } from './helpers.js';

/** An in-memory record manager (LangChain ships only SQL-backed ones). */
class MemoryRecordManager extends RecordManager {
  override lc_namespace = ['tests', 'record_manager'];
  readonly records = new Map<string, { updatedAt: number; groupId: string | null }>();
  #clock = 0;
  async createSchema(): Promise<void> {}
  async getTime(): Promise<number> {
    return ++this.#clock;
  }
  async update(keys: string[], options: UpdateOptions = {}): Promise<void> {
    const now = Math.max(await this.getTime(), options.timeAtLeast ?? 0);
    keys.forEach((k, i) => this.records.set(k, { updatedAt: now, groupId: options.groupIds?.[i] ?? null }));
  }
  async exists(keys: string[]): Promise<boolean[]> {
    return keys.map((k) => this.records.has(k));
  }
  async listKeys(options: ListKeyOptions = {}): Promise<string[]> {
    return [...this.records].filter(([, r]) =>
      (options.before === undefined || r.updatedAt < options.before) &&
      (options.after === undefined || r.updatedAt > options.after) &&
      (options.groupIds === undefined || options.groupIds.includes(r.groupId))).map(([k]) => k).slice(0, options.limit);
  }
  async deleteKeys(keys: string[]): Promise<void> {
    for (const k of keys) this.records.delete(k);
  }
}

describe('LangChain indexing API over AbiVectorStore', () => {
  it('adds, skips unchanged, replaces changed and deletes removed documents', async () => {
    const store = await AbiVectorStore.open(new AbiEmbeddings({ embedder: new HashingEmbedder({ dimension: 128 }) }));
    const recordManager = new MemoryRecordManager();
    const source = sotuDocuments(30).map((d) => new Document({ pageContent: d.pageContent, metadata: { ...d.metadata, source: d.id } }));
    const first = await index({ docsSource: source, recordManager, vectorStore: store, options: { cleanup: 'full' } });
    expect(first).toMatchObject({ numAdded: 30, numDeleted: 0, numSkipped: 0 });
    expect(await store.backend.count()).toBe(30);

    const second = await index({ docsSource: source, recordManager, vectorStore: store, options: { cleanup: 'full' } });
    expect(second).toMatchObject({ numAdded: 0, numDeleted: 0, numSkipped: 30 });

    const edited = source.slice(0, 25).map((d, i) => (i === 0 ? new Document({ pageContent: `${d.pageContent} (revised)`, metadata: d.metadata }) : d));
    const third = await index({ docsSource: edited, recordManager, vectorStore: store, options: { cleanup: 'full' } });
    expect(third).toMatchObject({ numAdded: 1, numSkipped: 24, numDeleted: 6 });
    expect(await store.backend.count()).toBe(25);
    const [top] = await store.similaritySearch(edited[0].pageContent, 1);
    expect(top.pageContent).toBe(edited[0].pageContent);
    expect(top.metadata).toEqual(edited[0].metadata);
    const gone = await store.similaritySearch(source[29].pageContent, 25);
    expect(gone.map((d) => d.metadata.source)).not.toContain(source[29].metadata.source);
    await store.close();
  });
});
