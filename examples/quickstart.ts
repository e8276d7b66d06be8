/**
 * Quickstart: index a small real corpus (passages of U.S. State of the Union addresses, public domain, shipped in
 * examples/data) with the zero-download HashingEmbedder into a persistent store, then search it — offline.
 *
 *   npm run example
 *
 * The store lives in .data/quickstart (git-ignored). Run it twice: the second run reopens the store from disk
 * instead of indexing again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HashingEmbedder, VectorStore, type Filter } from 'abi-sdk';

interface Passage {
  id: string;
  year: number;
  president: string;
  party: string;
  text: string;
}

const root = join(import.meta.dirname, '..');
const passages: Passage[] = readFileSync(join(root, 'examples', 'data', 'sotu.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim().length > 0)
  .map((line) => JSON.parse(line) as Passage);

const embedder = new HashingEmbedder({ dimension: 384 });
const store = await VectorStore.open({
  path: join(root, '.data', 'quickstart'),
  dimension: embedder.dimension,
  metric: 'cosine',
  index: { type: 'hnsw', M: 16, efConstruction: 200, efSearch: 96 },
});

try {
  if (store.size !== passages.length) {
    const started = performance.now();
    const vectors = await embedder.embedDocuments(passages.map((p) => p.text));
    await store.upsert(passages.map((p, i) => ({
      id: p.id,
      vector: vectors[i],
      text: p.text,
      metadata: { year: p.year, president: p.president, party: p.party },
    })));
    console.log(`Indexed ${store.size} passages in ${Math.round(performance.now() - started)} ms.`);
  } else {
    console.log(`Reopened the store from disk: ${store.size} passages.`);
  }

  // A short excerpt around the first query word the passage contains.
  const snippet = (text: string, query: string): string => {
    const lower = text.toLowerCase();
    const at = Math.min(...query.toLowerCase().split(/\W+/).filter((w) => w.length > 3).map((w) => lower.indexOf(w)).filter((i) => i >= 0));
    const start = Number.isFinite(at) ? Math.max(0, at - 40) : 0;
    return `${start > 0 ? '…' : ''}${text.slice(start, start + 100)}…`;
  };

  const show = async (query: string, filter?: Filter): Promise<void> => {
    const hits = await store.search(await embedder.embedQuery(query), { k: 3, filter });
    console.log(`\n> ${query}${filter ? `   filter: ${JSON.stringify(filter)}` : ''}`);
    for (const h of hits) {
      const m = h.metadata;
      console.log(`  ${h.score.toFixed(3)}  ${m.year} ${m.president} (${m.party}): ${snippet(h.text!, query)}`);
    }
  };

  await show('annexation of Texas');
  await show('gold and silver coinage');
  await show('commerce in the Mediterranean', { year: { $lt: 1850 } });
  await show('relations with the Soviet Union', { year: { $gte: 1945 }, party: { $in: ['Democratic', 'Republican'] } });
} finally {
  await store.close();
}
