// AdaptedEmbedder through abi-sdk/llamaindex: AbiEmbedding gives the adapted vectors (queries and documents), and an
// AbiVectorStore indexed through LlamaIndex stores and searches with them — not with the base model's vectors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetadataMode, Settings, VectorStoreIndex } from 'llamaindex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbiEmbedding, AbiVectorStore } from '../../../integrations/llamaindex/index.js';
import { LocalEmbedder } from '../../../src/engine/local-embedder.js';
import { AdaptedEmbedder } from '../../../src/embedders/adapted.js';
import { cosine, maxAbsDiff, modelDir } from '../../engine/helpers.js';
import { saveNoisyAdapter } from '../../training/helpers.js';
import { loadPassages, toNodes } from './helpers.js';

const passages = loadPassages(40);
const queries = ['the public debt and revenue', 'peace with foreign nations', 'the army and the navy'];
const dir = mkdtempSync(join(tmpdir(), 'abi-li-adapted-'));

let base: LocalEmbedder;
let adapted: AdaptedEmbedder;

beforeAll(async () => {
  base = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { threads: 1 });
  const file = join(dir, 'domain.abi-adapter');
  await saveNoisyAdapter(base, file, 'both', 5);
  adapted = await AdaptedEmbedder.load(base, file);
});
afterAll(async () => {
  await base?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AdaptedEmbedder through abi-sdk/llamaindex', () => {
  it('AbiEmbedding returns the adapted query and document vectors', async () => {
    const model = new AbiEmbedding({ embedder: adapted });
    const texts = passages.slice(0, 5).map((p) => p.text);
    const docs = await model.getTextEmbeddings(texts);
    const want = await adapted.embedDocuments(texts);
    const plain = await base.embedDocuments(texts);
    docs.forEach((v, i) => {
      expect(maxAbsDiff(v, want[i])).toBeLessThan(1e-6);
      expect(cosine(v, plain[i])).toBeLessThan(0.99);
    });
    const q = await model.getQueryEmbedding({ type: 'text', text: queries[0] });
    expect(maxAbsDiff(q!, await adapted.embedQuery(queries[0]))).toBeLessThan(1e-6);
    expect(cosine(q!, await base.embedQuery(queries[0]))).toBeLessThan(0.99);
  });

  it('a VectorStoreIndex over AbiVectorStore stores and retrieves with the adapted vectors', async () => {
    const store = await AbiVectorStore.open({ path: join(dir, 'store'), embedder: adapted });
    try {
      const index = await Settings.withEmbedModel(store.embedModel!, () => VectorStoreIndex.fromVectorStore(store));
      await index.insertNodes(toNodes(passages));
      expect(await store.backend.count()).toBe(passages.length);
      const byId = new Map(passages.map((p) => [p.id, p.text]));
      // What LlamaIndex embeds for a node: its text with the embeddable metadata.
      const embedText = new Map(toNodes(passages).map((n) => [n.id_, n.getContent(MetadataMode.EMBED)]));
      for (const q of queries) {
        const got = await index.asRetriever({ similarityTopK: 5 }).retrieve(q);
        const qa = await adapted.embedQuery(q);
        const direct = await store.backend.search(qa, { k: 5 });
        expect(got.map((n) => n.node.id_)).toEqual(direct.map((h) => h.id));
        // Scores are cosines between the adapted query and the adapted passage vectors.
        const [top] = got;
        const [doc] = await adapted.embedDocuments([embedText.get(top.node.id_)!]);
        expect(top.node.getContent(MetadataMode.NONE)).toBe(byId.get(top.node.id_));
        expect(top.score).toBeCloseTo(cosine(qa, doc), 4);
        expect(top.score).not.toBeCloseTo(cosine(await base.embedQuery(q), (await base.embedDocuments([embedText.get(top.node.id_)!]))[0]), 3);
      }
    } finally {
      await store.close();
    }
  });
});
