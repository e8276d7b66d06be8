/**
 * `npm run migrate:pg -- --from ./store --dimension 384 --url postgresql://… --table docs [--metric cosine]
 *  [--batch 2000] [--state ./migrate.state] [--index hnsw|ivfflat|none] [--insert]`
 *
 * Streams an embedded store into a pgvector table. Progress is printed after each batch and the last committed id
 * is written to the state file, so an interrupted run continues where it stopped when started again.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { migrateStore } from '../src/backends/migrate.js';
import { PgVectorStore, type PgIndexOptions } from '../src/backends/pgvector/index.js';
import type { DistanceMetric } from '../src/retrieval/backend.js';
import { VectorStore } from '../src/store/vector-store.js';

const { values: a } = parseArgs({
  options: {
    from: { type: 'string' }, dimension: { type: 'string' }, url: { type: 'string' }, table: { type: 'string' },
    metric: { type: 'string', default: 'cosine' }, batch: { type: 'string', default: '2000' }, state: { type: 'string' },
    index: { type: 'string', default: 'hnsw' }, insert: { type: 'boolean', default: false },
  },
});
if (!a.from || !a.dimension || !a.url || !a.table) {
  console.error('usage: migrate:pg -- --from DIR --dimension N --url POSTGRES_URL --table NAME [--metric cosine|dot|l2] [--batch N] [--state FILE] [--index hnsw|ivfflat|none] [--insert]');
  process.exit(2);
}
const stateFile = a.state ?? `${a.from.replace(/\/$/, '')}.migrate-state`;
const resumeFrom = await readFile(stateFile, 'utf8').then((s) => JSON.parse(s).lastId as string, () => undefined);
const dimension = Number(a.dimension);
const metric = a.metric as DistanceMetric;
const from = await VectorStore.open({ path: a.from, dimension, metric });
// IVFFlat is built after the load (its lists are trained on the data); HNSW grows with the inserts.
const index = { type: a.index } as PgIndexOptions;
const to = await PgVectorStore.open({
  connectionString: a.url, table: a.table, dimension, metric, index: index.type === 'ivfflat' ? { type: 'none' } : index,
  bulkWrite: a.insert ? 'insert' : 'copy', poolConfig: { max: 1 },
});
const total = await from.count();
const started = Date.now();
if (resumeFrom !== undefined) console.log(`resuming after id ${JSON.stringify(resumeFrom)}`);
try {
  const result = await migrateStore(from, to, {
    batchSize: Number(a.batch), resumeFrom,
    onProgress: async ({ copied, lastId }) => {
      await writeFile(stateFile, JSON.stringify({ lastId }));
      const rate = copied / ((Date.now() - started) / 1000);
      console.log(`${copied} records copied (${rate.toFixed(0)}/s; store holds ${total}); last id ${JSON.stringify(lastId)}`);
    },
  });
  if (index.type === 'ivfflat') {
    const ivf = await PgVectorStore.open({ connectionString: a.url, table: a.table, dimension, metric, index });
    await ivf.buildIndex();
    await ivf.close();
  }
  console.log(`done: ${result.copied} records copied into ${a.table}; table holds ${await to.count()}`);
} finally {
  await from.close();
  await to.close();
}
