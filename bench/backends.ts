/**
 * `npm run bench:backends [-- --n 20000 --queries 200]`: the embedded store vs pgvector 0.8 (PGlite, reached through
 * `pg` over a loopback socket, exactly as the backend talks to a production server), on `bench:ann`'s clustered set
 * (N × 384, normalized), one query at a time, k = 10. Both HNSW indexes use M 16, ef_construction 64.
 *
 * Measures load rows/s, index build time, QPS and recall@10 over an ef sweep, and a 1%-selective filtered search
 * (one category of 100): QPS, recall and mean rows returned, for the embedded store, `PgVectorStore.search` (exact
 * scan below its threshold), and raw pgvector SQL with and without `hnsw.iterative_scan`. Prints one table and the
 * ratios. Timings are noisy on a shared machine: compare only rows of the same run.
 */
import pg from 'pg';
import { PgVectorStore } from '../src/backends/pgvector/index.js';
import { VectorStore } from '../src/store/vector-store.js';
import { startPgliteServer } from '../tests/helpers/pglite-server.js';
import { bruteForce, loadDataset, recallAt, type Dataset } from './datasets.js';
import { writeResults, type PeerRatio } from './results.js';

const started = performance.now();

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--n', 100_000);
const NQ = arg('--queries', 200);
const DIM = 384;
const K = 10;
const CATS = 100;
const EFS = [16, 32, 64, 128];

interface Row { system: string; params: string; qps: number; recall: number; rows?: number }
const rows: Row[] = [];
const load: Record<string, { rowsPerS: number; buildS: number; note: string }> = {};

function log(msg: string): void {
  console.error(`[bench:backends] ${msg}`);
}

/** Ground truth restricted to one category per query (query q filters on category q % CATS). */
function filteredTruth(ds: Dataset): Uint32Array {
  const truth = new Uint32Array(NQ * K);
  for (let q = 0; q < NQ; q++) {
    const cat = q % CATS;
    const members: number[] = [];
    for (let i = cat; i < ds.n; i += CATS) members.push(i);
    const sub = new Float32Array(members.length * DIM);
    members.forEach((m, j) => sub.set(ds.data.subarray(m * DIM, (m + 1) * DIM), j * DIM));
    const t = bruteForce(sub, members.length, ds.queries.subarray(q * DIM, (q + 1) * DIM), 1, DIM, K);
    for (let j = 0; j < K; j++) truth[q * K + j] = members[t[j]];
  }
  return truth;
}

async function timed(run: (q: number) => Promise<number[]>): Promise<{ qps: number; found: Uint32Array; meanRows: number }> {
  const found = new Uint32Array(NQ * K).fill(0xffffffff);
  let returned = 0;
  for (let q = 0; q < Math.min(10, NQ); q++) await run(q); // warm-up
  const t = performance.now();
  for (let q = 0; q < NQ; q++) {
    const ids = await run(q);
    returned += ids.length;
    ids.forEach((id, j) => { found[q * K + j] = id; });
  }
  return { qps: NQ / ((performance.now() - t) / 1000), found, meanRows: returned / NQ };
}

const query = (ds: Dataset, q: number) => ds.queries.subarray(q * DIM, (q + 1) * DIM);

async function embedded(ds: Dataset, ftruth: Uint32Array): Promise<void> {
  const store = await VectorStore.open({ dimension: DIM, metric: 'cosine', index: { type: 'hnsw', M: 16, efConstruction: 64 } });
  const t = performance.now();
  for (let s = 0; s < ds.n; s += 1000) {
    const batch = [];
    for (let i = s; i < Math.min(ds.n, s + 1000); i++) batch.push({ id: String(i), vector: ds.data.subarray(i * DIM, (i + 1) * DIM), metadata: { cat: i % CATS } });
    await store.upsert(batch);
  }
  const secs = (performance.now() - t) / 1000;
  load.embedded = { rowsPerS: ds.n / secs, buildS: secs, note: 'in-memory; the graph is built during the upserts' };
  log(`embedded: loaded + built in ${secs.toFixed(1)} s`);
  for (const ef of EFS) {
    const r = await timed(async (q) => (await store.search(query(ds, q), { k: K, efSearch: ef })).map((h) => Number(h.id)));
    rows.push({ system: 'embedded HNSW', params: `ef ${ef}`, qps: r.qps, recall: recallAt(ds.truth, r.found, NQ, K) });
  }
  const f = await timed(async (q) => (await store.search(query(ds, q), { k: K, filter: { cat: q % CATS } })).map((h) => Number(h.id)));
  rows.push({ system: 'embedded, filter 1 of 100', params: 'store.search', qps: f.qps, recall: recallAt(ftruth, f.found, NQ, K), rows: f.meanRows });
  await store.close();
}

async function pgvector(ds: Dataset, ftruth: Uint32Array): Promise<void> {
  const server = await startPgliteServer();
  const pool = new pg.Pool({ connectionString: server.connectionString, max: 1 });
  try {
    const store = await PgVectorStore.open({ pool, table: 'bench', dimension: DIM, metric: 'cosine', index: { type: 'none' }, bulkWrite: 'insert' });
    let t = performance.now();
    async function* records() {
      for (let i = 0; i < ds.n; i++) yield { id: String(i), vector: ds.data.subarray(i * DIM, (i + 1) * DIM), metadata: { cat: i % CATS } };
    }
    await store.bulkLoad(records(), { batchSize: 500 });
    const loadS = (performance.now() - t) / 1000;
    log(`pgvector: loaded ${ds.n} rows in ${loadS.toFixed(1)} s`);
    t = performance.now(); // open() builds the HNSW index over the loaded rows
    const indexed = await PgVectorStore.open({
      pool, table: 'bench', dimension: DIM, metric: 'cosine', index: { type: 'hnsw', m: 16, efConstruction: 64 }, maintenanceWorkMem: '1GB',
    });
    const buildS = (performance.now() - t) / 1000;
    log(`pgvector: HNSW built in ${buildS.toFixed(1)} s`);
    load.pgvector = { rowsPerS: ds.n / loadS, buildS, note: 'multi-row INSERT, binary vector parameters, 500-row transactions; then CREATE INDEX' };
    await pool.query('ANALYZE bench');
    for (const ef of EFS) {
      const r = await timed(async (q) => (await indexed.search(query(ds, q), { k: K, efSearch: ef })).map((h) => Number(h.id)));
      rows.push({ system: 'pgvector HNSW', params: `ef_search ${ef}`, qps: r.qps, recall: recallAt(ds.truth, r.found, NQ, K) });
    }
    const f = await timed(async (q) => (await indexed.search(query(ds, q), { k: K, filter: { cat: q % CATS } })).map((h) => Number(h.id)));
    rows.push({ system: 'PgVectorStore, filter 1 of 100', params: 'store.search (GIN + exact below threshold)', qps: f.qps, recall: recallAt(ftruth, f.found, NQ, K), rows: f.meanRows });
    for (const iterative of ['off', 'relaxed_order']) {
      const client = await pool.connect();
      try {
        const r = await timed(async (q) => {
          await client.query('BEGIN');
          // The HNSW plan (the store's GIN index on metadata would otherwise answer the filter exactly).
          await client.query(`SELECT set_config('hnsw.ef_search', '64', true), set_config('hnsw.iterative_scan', $1, true),
            set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)`, [iterative]);
          const res = await client.query<{ id: string }>(
            `SELECT id FROM bench WHERE metadata @> $1::jsonb ORDER BY embedding <=> $2::vector LIMIT ${K}`,
            [JSON.stringify({ cat: q % CATS }), `[${Array.from(query(ds, q)).join(',')}]`]);
          await client.query('COMMIT');
          return res.rows.map((x) => Number(x.id));
        });
        rows.push({ system: 'raw pgvector SQL, filter 1 of 100', params: `HNSW plan, ef_search 64, iterative_scan ${iterative}`, qps: r.qps, recall: recallAt(ftruth, r.found, NQ, K), rows: r.meanRows });
      } finally {
        client.release();
      }
    }
    await indexed.close();
    await store.close();
  } finally {
    await pool.end();
    await server.stop();
  }
}

function report(): string {
  const out = [
    `N = ${N}, ${NQ} queries, k = ${K}, 384-d clustered (bench:ann), HNSW M 16 / ef_construction 64 on both`,
    '',
    '| system | load rows/s | build s | note |',
    '|---|---|---|---|',
    ...Object.entries(load).map(([k, v]) => `| ${k} | ${v.rowsPerS.toFixed(0)} | ${v.buildS.toFixed(1)} | ${v.note} |`),
    '',
    '| system | params | QPS | recall@10 | mean rows returned |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.system} | ${r.params} | ${r.qps.toFixed(r.qps < 100 ? 1 : 0)} | ${r.recall.toFixed(3)} | ${r.rows === undefined ? '10' : r.rows.toFixed(2)} |`),
    '',
  ];
  const first = (sys: string) => rows.find((r) => r.system === sys && r.recall >= 0.95);
  const a = first('embedded HNSW');
  const b = first('pgvector HNSW');
  const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}x`;
  if (load.embedded && load.pgvector) {
    out.push(`- load (embedded: load + graph) rows/s ratio embedded / pgvector: ${ratio(load.embedded.rowsPerS, load.pgvector.rowsPerS)}; ` +
      `pgvector load + build ${(N / load.pgvector.rowsPerS + load.pgvector.buildS).toFixed(1)} s vs embedded ${load.embedded.buildS.toFixed(1)} s`);
  }
  out.push(`- QPS at recall@10 ≥ 0.95 (lowest ef each): ${a && b ? `embedded ${a.qps.toFixed(0)} (${a.params}, ${a.recall.toFixed(3)}) vs pgvector ${b.qps.toFixed(0)} (${b.params}, ${b.recall.toFixed(3)}) → ${ratio(a.qps, b.qps)}` : 'not reached by both'}`);
  const fe = rows.find((r) => r.system === 'embedded, filter 1 of 100');
  const fp = rows.find((r) => r.system === 'PgVectorStore, filter 1 of 100');
  const fr = rows.filter((r) => r.system === 'raw pgvector SQL, filter 1 of 100');
  if (fe && fp) out.push(`- filtered (1 of 100): embedded / PgVectorStore QPS ${ratio(fe.qps, fp.qps)} (recall ${fe.recall.toFixed(3)} vs ${fp.recall.toFixed(3)})`);
  for (const r of fr) if (fe) out.push(`- filtered: embedded / raw pgvector (${r.params}) QPS ${ratio(fe.qps, r.qps)}; raw recall ${r.recall.toFixed(3)}, ${r.rows!.toFixed(2)} rows of 10`);
  return out.join('\n');
}

const ds = loadDataset('clustered', N, NQ);
log(`dataset ready: ${ds.n} × ${DIM}, ${NQ} queries`);
const ftruth = filteredTruth(ds);
await embedded(ds, ftruth);
await pgvector(ds, ftruth);
console.log(report());
{
  const ratios: Record<string, PeerRatio> = {};
  const first = (sys: string) => rows.find((r) => r.system === sys && r.recall >= 0.95);
  const a = first('embedded HNSW'), b = first('pgvector HNSW');
  if (a && b) ratios['backends.hnsw.qps_at_recall95'] = { value: a.qps / b.qps, peer: 'pgvector (PGlite)', what: 'QPS at recall@10 ≥ 0.95 (lowest ef each), embedded HNSW / pgvector HNSW' };
  const fe = rows.find((r) => r.system === 'embedded, filter 1 of 100'), fp = rows.find((r) => r.system === 'PgVectorStore, filter 1 of 100');
  if (fe && fp) ratios['backends.filtered.qps'] = { value: fe.qps / fp.qps, peer: 'pgvector (PGlite)', what: 'filtered (1 of 100) QPS, embedded / PgVectorStore' };
  if (load.embedded && load.pgvector) ratios['backends.load.rows_per_s'] = { value: load.embedded.rowsPerS / load.pgvector.rowsPerS, peer: 'pgvector (PGlite)', what: 'load rows/s, embedded (load + graph) / pgvector' };
  writeResults('backends', { variant: String(N), started, packages: ['@electric-sql/pglite', '@electric-sql/pglite-pgvector', 'pg'], figures: { N, NQ, K, load, rows }, ratios });
}
