// Entry of a SearchPool worker thread: maps each collection's shared buffers once (its own scratch inside the shared
// memories), then answers requests by walking the same graph and vectors as the owner thread, under the read lock.
import { parentPort, workerData } from 'node:worker_threads';
import type { KernelBackend } from '../../kernels/index.js';
import { MaxHeap } from '../heap.js';
import { HnswGraph, type SlotPredicate } from '../hnsw.js';
import { Sq8Space } from '../sq8-space.js';
import { EXACT_BELOW, walkNearest, type WalkContext } from '../vector-search.js';
import { VectorStorage } from '../vectors.js';
import { HEADER, type CollectionLayout, type SearchReady, type SearchReply, type SearchRequest, type SearchWorkerSetup } from './protocol.js';
import { RwLock } from './rw-lock.js';

const setup = workerData as Partial<SearchWorkerSetup> | undefined;
if (setup?.fault === 'exit-at-start') process.exit(70);
const backend: KernelBackend = setup?.backend ?? 'auto';
/** Collections mapped, least recently used first; a few are kept (searches on the pre-compaction one may still come). */
const MAX_MAPPED = 4;

interface Mapped {
  version: number;
  lock: RwLock;
  header: Int32Array;
  deletedBuf: SharedArrayBuffer;
  floats: VectorStorage;
  sq8: Sq8Space | null;
  graph: HnswGraph | null;
  ctx: WalkContext;
}

const mapped = new Map<number, Mapped>();

function map(layout: CollectionLayout): Mapped {
  const floats = VectorStorage.attach(layout.floats, layout.floatScratch, backend);
  const sq8 = layout.sq8 === null ? null : Sq8Space.attach(layout.sq8.shared, layout.sq8.scratch, backend);
  const space = sq8 ?? floats;
  const graph = layout.graph === null ? null : HnswGraph.attach(layout.graph, space);
  const ctx: WalkContext = {
    live: 0, dead: 0, deleted: new Uint8Array(0), space, approximate: sq8 !== null, graph, top: new MaxHeap(256),
    exactDistances: (q, slots, n, out) => floats.gather(floats.setQuery(q), slots, n, out),
  };
  return { version: layout.version, lock: new RwLock(layout.lock), header: new Int32Array(layout.header), deletedBuf: layout.deleted, floats, sq8, graph, ctx };
}

/** Takes the state the writer published (call under the read lock). */
function refresh(m: Mapped): void {
  m.floats.refresh();
  m.sq8?.refresh();
  m.graph?.refresh();
  const ctx = m.ctx;
  ctx.live = Atomics.load(m.header, HEADER.live);
  ctx.dead = Atomics.load(m.header, HEADER.dead);
  if (ctx.deleted.byteLength !== m.deletedBuf.byteLength) ctx.deleted = new Uint8Array(m.deletedBuf, 0, m.deletedBuf.byteLength);
}

function allowTest(allow: Uint32Array | null): SlotPredicate | null {
  if (allow === null) return null;
  const words = allow.length;
  return (s) => (s >>> 5) < words && ((allow[s >>> 5] >>> (s & 31)) & 1) === 1;
}

function answer(req: SearchRequest): SearchReply {
  let m = mapped.get(req.key);
  if (req.layout !== undefined && (m === undefined || m.version !== req.layout.version)) {
    m = map(req.layout);
    mapped.set(req.key, m);
    if (mapped.size > MAX_MAPPED) mapped.delete(mapped.keys().next().value!);
  }
  if (m === undefined) return { id: req.id, needLayout: true };
  // Most recently used last.
  mapped.delete(req.key);
  mapped.set(req.key, m);
  const { nq, k } = req;
  const dim = m.floats.dimension;
  const counts = new Uint32Array(nq);
  const slots = new Uint32Array(nq * k);
  const dists = new Float64Array(nq * k);
  const accept = allowTest(req.allow);
  let at = 0;
  m.lock.acquireRead();
  let version: number;
  try {
    version = m.lock.version;
    refresh(m);
    const ctx = m.ctx;
    for (let i = 0; i < nq; i++) {
      if (ctx.live === 0) continue;
      const kk = Math.min(k, ctx.live);
      const exact = req.exact || ctx.graph === null || ctx.live < EXACT_BELOW;
      const hits = walkNearest(ctx, req.queries.subarray(i * dim, (i + 1) * dim), kk, accept, { efSearch: req.efSearch, rerank: req.rerank, exact });
      counts[i] = hits.length;
      for (const h of hits) {
        slots[at] = h.slot;
        dists[at++] = h.distance;
      }
    }
  } finally {
    m.lock.releaseRead();
  }
  return { id: req.id, counts, slots: slots.slice(0, at), dists: dists.slice(0, at), version };
}

parentPort?.on('message', (req: SearchRequest) => {
  if (req.fault === 'exit') process.exit(70);
  let reply: SearchReply;
  try {
    reply = answer(req);
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  if ('slots' in reply) parentPort!.postMessage(reply, [reply.counts.buffer as ArrayBuffer, reply.slots.buffer as ArrayBuffer, reply.dists.buffer as ArrayBuffer]);
  else parentPort!.postMessage(reply);
});
parentPort?.postMessage({ ready: true } satisfies SearchReady);
