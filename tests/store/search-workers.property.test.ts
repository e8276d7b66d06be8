// Property: searches answered by the search workers while writes (upserts of new and existing ids, deletes, a
// compaction) race them are each valid at some version of the store. For every hit of every result set: its id
// existed during the call with a vector whose recomputed score equals the hit's (no torn rows: a half-written vector
// matches no version), ids are unique, scores are sorted, and k rows come back (the store never drops under k live
// records). `search()` and `searchMany` are both exercised, unfiltered and under filters (25% and 50% of records,
// walked on the workers with the allow-bitset planned on the calling thread, and ~1.3%, answered by an exact scan of
// the matches): every hit matches the filter, and k rows come back (each filter always matches more than k live
// records: deletes and overwrites never touch the 40 records the narrow filter matches).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VectorStore, type Filter, type SearchHit } from '../../src/index.js';
import { failOnProcessFaults, until } from '../helpers/process-faults.js';
import { randomVectors, rng } from './helpers.js';

const DIM = 16;
const BASE = 2600; // live records stay above 2,048, so searches go to the workers
const K = 8;
/** Records b0…b39 match the narrow filter; deletes and overwrites leave them alone. */
const PROTECTED = 40;

/** Each id's metadata never changes: `tag` from its number, `n` its number (new batches: tag from the position). */
const metadataOf = (n: number): { tag: number; n: number } => ({ tag: n % 4, n });
const FILTERS: Filter[] = [{ tag: { $eq: 1 } }, { tag: { $in: [0, 3] } }, { n: { $lt: PROTECTED } }];
/** Whether metadata `m` passes filter `f` (the three filters above). */
function passes(f: Filter, m: { tag: number; n: number }): boolean {
  if (f === FILTERS[0]) return m.tag === 1;
  if (f === FILTERS[1]) return m.tag === 0 || m.tag === 3;
  return m.n < PROTECTED;
}
const metadata = new Map<string, { tag: number; n: number }>();

/** One vector an id held, and the window (in the event clock) during which a search could see it. */
interface Version {
  vector: Float32Array;
  /** When the write that set it was issued. */
  from: number;
  /** When the write that replaced or deleted it was acknowledged (undefined: still current). */
  until?: number;
}

let clock = 0;
let batches = 0;
/** Vectors of the latest batches: queries near them reach the newest slots (past any earlier end of the arrays). */
const recent: Float32Array[] = [];
const history = new Map<string, Version[]>();
let store: VectorStore;

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
}

function cosine(a: Float32Array, b: Float32Array): number {
  const ua = unit(a), ub = unit(b);
  let d = 0;
  for (let i = 0; i < ua.length; i++) d += ua[i] * ub[i];
  return d;
}

async function upsert(id: string, vector: Float32Array): Promise<void> {
  const from = ++clock;
  const versions = history.get(id) ?? [];
  history.set(id, versions);
  const previous = versions.at(-1);
  versions.push({ vector, from });
  await store.upsert([{ id, vector, metadata: metadata.get(id)! }]);
  const ack = ++clock;
  if (previous && previous.until === undefined) previous.until = ack;
}

/** A batch of new ids (grows the arrays: the vector block may move, the graph buffers grow in place). */
async function upsertBatch(prefix: string, vectors: Float32Array[]): Promise<void> {
  const from = ++clock;
  vectors.forEach((vector, i) => {
    history.set(`${prefix}${i}`, [{ vector, from }]);
    metadata.set(`${prefix}${i}`, metadataOf(PROTECTED + i)); // never matches the narrow filter
  });
  recent.push(...vectors.slice(-50));
  await store.upsert(vectors.map((vector, i) => ({ id: `${prefix}${i}`, vector, metadata: metadata.get(`${prefix}${i}`)! })));
  ++clock;
}

async function remove(id: string): Promise<void> {
  ++clock;
  await store.delete([id]);
  const ack = ++clock;
  const last = history.get(id)?.at(-1);
  if (last && last.until === undefined) last.until = ack;
}

/** Checks one result set of a search issued at `start` and settled at `end`. */
function checkResult(q: Float32Array, hits: SearchHit[], start: number, end: number, filter?: Filter): void {
  expect(hits).toHaveLength(K);
  if (filter !== undefined) for (const h of hits) expect(passes(filter, metadata.get(h.id)!), `hit ${h.id} fails the filter`).toBe(true);
  expect(new Set(hits.map((h) => h.id)).size).toBe(hits.length);
  for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
  for (const h of hits) {
    const versions = history.get(h.id) ?? [];
    const during = versions.filter((v) => v.from <= end && (v.until === undefined || v.until >= start));
    const match = during.some((v) => Math.abs(cosine(q, v.vector) - h.score) < 1e-4);
    if (!match) throw new Error(`hit ${h.id} score ${h.score} matches no version live during [${start}, ${end}]`);
  }
}

failOnProcessFaults();

beforeAll(async () => {
  store = await VectorStore.open({ dimension: DIM, metric: 'cosine', index: { type: 'hnsw', M: 8, efConstruction: 32 }, searchThreads: 2, compactionThreshold: 1 });
  const vectors = randomVectors(BASE, DIM, 21);
  const from = ++clock;
  vectors.forEach((_, i) => metadata.set(`b${i}`, metadataOf(i)));
  await store.upsert(vectors.map((vector, i) => ({ id: `b${i}`, vector, metadata: metadata.get(`b${i}`)! })));
  vectors.forEach((vector, i) => history.set(`b${i}`, [{ vector, from }]));
  await store.search(vectors[0]);
  await until(() => (store.stats().searchPool?.workersUp ?? 0) === 2, 60_000, 10);
}, 90_000);

afterAll(async () => {
  await store?.close();
});

const op = fc.oneof(
  fc.record({ kind: fc.constant('upsert' as const), id: fc.integer({ min: PROTECTED, max: 3000 }), seed: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: PROTECTED, max: 3000 }) }),
  fc.record({ kind: fc.constant('compact' as const) }),
  fc.record({ kind: fc.constant('batch' as const), seed: fc.integer(), n: fc.integer({ min: 50, max: 400 }) }),
  fc.record({ kind: fc.constant('search' as const), seed: fc.integer(), filter: fc.integer({ min: -1, max: FILTERS.length - 1 }) }),
  fc.record({ kind: fc.constant('searchMany' as const), seed: fc.integer(), n: fc.integer({ min: 1, max: 12 }), filter: fc.integer({ min: -1, max: FILTERS.length - 1 }) }),
);

describe('search workers under concurrent writes', () => {
  it('every result set is valid at some version of the store', async () => {
    let searched = 0;
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 40 }), async (ops) => {
      // Every operation starts at once (writes queue behind each other, searches go straight to the workers).
      const running: Promise<void>[] = [];
      for (const o of ops) {
        if (o.kind === 'upsert') {
          const r = rng(o.seed);
          metadata.set(`b${o.id}`, metadataOf(o.id));
          running.push(upsert(`b${o.id}`, Float32Array.from({ length: DIM }, () => r() - 0.5)));
        } else if (o.kind === 'delete') {
          // Keep well above k live records and above the worker threshold.
          if (store.size > BASE - 200) running.push(remove(`b${o.id}`));
        } else if (o.kind === 'batch') {
          running.push(upsertBatch(`n${++batches}-`, randomVectors(o.n, DIM, o.seed)));
        } else if (o.kind === 'compact') {
          running.push(store.compact());
        } else {
          const r = rng(o.seed);
          const n = o.kind === 'search' ? 1 : o.n;
          const qs = Array.from({ length: n }, (_, i) =>
            i % 2 === 1 && recent.length > 0 ? recent[Math.floor(r() * recent.length)] : Float32Array.from({ length: DIM }, () => r() - 0.5));
          const start = ++clock;
          const filter = o.filter < 0 ? undefined : FILTERS[o.filter];
          const options = { k: K, efSearch: 32, ...(filter ? { filter } : {}) };
          const call = o.kind === 'search' ? store.search(qs[0], options).then((h) => [h]) : store.searchMany(qs, options);
          running.push(call.then((results) => {
            const end = ++clock;
            results.forEach((hits, i) => checkResult(qs[i], hits, start, end, filter));
            searched += n;
          }));
        }
      }
      await Promise.all(running);
    }), { numRuns: 12, seed: 2312 });
    // The workers answered a share of them (concurrent searches go to idle workers, the rest run on the calling
    // thread), and a compaction swapped collections under them.
    expect(store.stats().searchPool!.searches).toBeGreaterThan(searched / 10);
    expect(store.stats().searchPool!.searches).toBeLessThan(searched);
    expect(store.stats().compactions).toBeGreaterThan(0);
    // Filtered searches took both plans: walks (25%, 50%) and exact scans of the matches (the narrow filter).
    expect(store.stats().filterPlans.walk).toBeGreaterThan(0);
    expect(store.stats().filterPlans.exact).toBeGreaterThan(0);
  }, 120_000);
});
