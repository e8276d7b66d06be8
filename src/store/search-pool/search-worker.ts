// Entry of a SearchPool worker thread: maps each collection's shared buffers once (its own scratch inside the shared
// memories), then answers requests by walking the same graph and vectors as the owner thread, under the read lock.
// Requests come through the worker's shared request slot (protocol.ts, SLOT), or by message when they carry a layout.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { ValidationError } from '../../core/errors.js';
import type { KernelBackend } from '../../kernels/index.js';
import { MaxHeap } from '../heap.js';
import type { AllowSet } from '../filter-bitset.js';
import { HnswGraph } from '../hnsw.js';
import { Sq8Space } from '../sq8-space.js';
import { EXACT_BELOW, walkNearest, type WalkContext } from '../vector-search.js';
import { VectorStorage } from '../vectors.js';
import {
  HEADER, SLOT, SLOT_REPLY, slotOffsets, type CollectionLayout, type SearchFailure, type SearchReady, type SearchReply, type SearchRequest, type SearchWorkerSetup,
} from './protocol.js';
import { RwLock } from './rw-lock.js';

const setup = workerData as Partial<SearchWorkerSetup> | undefined;
if (setup?.fault === 'exit-at-start') process.exit(70);
const backend: KernelBackend = setup?.backend ?? 'auto';

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

/** The request's allow-bitset as the walk reads it (bits past its end read as 0: not allowed). */
function allowSet(bits: Uint32Array | null, count: number): AllowSet | null {
  return bits === null ? null : { bits, count };
}

/** Drops collections with no search in flight (one a compaction replaced), so their memory can be freed. */
function unmapAllBut(key: number, keep: readonly number[] | Int32Array): void {
  for (const mk of mapped.keys()) if (mk !== key && !keep.includes(mk)) mapped.delete(mk);
}

/** Search parameters of one request. */
type Params = Pick<SearchRequest, 'nq' | 'k' | 'efSearch' | 'rerank' | 'exact'>;

/**
 * Runs a request's `nq` queries under the read lock, writing hit counts, slots and distances into the given arrays
 * (nearest first, all queries' hits together).
 *
 * @returns hits written and the lock version they were read at
 */
function searchInto(
  m: Mapped, queries: Float32Array, p: Params, allow: AllowSet | null, counts: Uint32Array, slots: Uint32Array, dists: Float64Array,
): { hits: number; version: number } {
  const dim = m.floats.dimension;
  let at = 0;
  m.lock.acquireRead();
  try {
    const version = m.lock.version;
    refresh(m);
    const ctx = m.ctx;
    for (let i = 0; i < p.nq; i++) {
      counts[i] = 0;
      if (ctx.live === 0) continue;
      const kk = Math.min(p.k, ctx.live);
      const exact = p.exact || ctx.graph === null || ctx.live < EXACT_BELOW;
      const hits = walkNearest(ctx, queries.subarray(i * dim, (i + 1) * dim), kk, allow, { efSearch: p.efSearch, rerank: p.rerank, exact });
      counts[i] = hits.length;
      for (const h of hits) {
        slots[at] = h.slot;
        dists[at++] = h.distance;
      }
    }
    return { hits: at, version };
  } finally {
    m.lock.releaseRead();
  }
}

/** A request that came by message (it may carry the collection's layout). */
function answerMessage(req: SearchRequest): SearchReply {
  unmapAllBut(req.key, req.keep);
  let m = mapped.get(req.key);
  if (req.layout !== undefined && (m === undefined || m.version !== req.layout.version)) {
    m = map(req.layout);
    mapped.set(req.key, m);
  }
  if (m === undefined) return { id: req.id, needLayout: true };
  const counts = new Uint32Array(req.nq);
  const slots = new Uint32Array(req.nq * req.k);
  const dists = new Float64Array(req.nq * req.k);
  const { hits, version } = searchInto(m, req.queries, req, allowSet(req.allow, req.allowCount), counts, slots, dists);
  return { id: req.id, counts, slots: slots.slice(0, hits), dists: dists.slice(0, hits), version };
}

function post(reply: SearchReply): void {
  if ('slots' in reply) parentPort!.postMessage(reply, [reply.counts.buffer as ArrayBuffer, reply.slots.buffer as ArrayBuffer, reply.dists.buffer as ArrayBuffer]);
  else parentPort!.postMessage(reply);
}

function failure(id: number, err: unknown): SearchFailure {
  return { id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

function onMessage(req: SearchRequest): void {
  if (req.fault === 'exit') process.exit(70);
  let reply: SearchReply;
  try {
    reply = answerMessage(req);
  } catch (err) {
    reply = failure(req.id, err);
  }
  post(reply);
}

/**
 * Answers the request in the slot. The reply goes into the slot too (a small message then wakes the pool), unless
 * the worker lacks the collection or the search failed: then the answer goes by message. The reply word is set
 * first either way, so the pool never reuses the slot before the worker is done with it.
 */
function onSlotRequest(ctrl: Int32Array, slot: SharedArrayBuffer): void {
  const id = ctrl[SLOT.id];
  let reply: SearchReply | undefined;
  try {
    const key = ctrl[SLOT.key], nq = ctrl[SLOT.nq], k = ctrl[SLOT.k], allowWords = ctrl[SLOT.allowWords], keepCount = ctrl[SLOT.keepCount];
    const m = mapped.get(key);
    if (m === undefined) {
      reply = { id, needLayout: true };
    } else {
      const at = slotOffsets(keepCount, nq, m.floats.dimension, allowWords, k);
      unmapAllBut(key, new Int32Array(slot, at.keep, keepCount));
      const allow = allowWords < 0 ? null : allowSet(new Uint32Array(slot, at.allow, allowWords), ctrl[SLOT.allowCount]);
      const p: Params = { nq, k, efSearch: ctrl[SLOT.efSearch], rerank: ctrl[SLOT.rerank], exact: ctrl[SLOT.exact] === 1 };
      const { hits, version } = searchInto(
        m, new Float32Array(slot, at.queries, nq * m.floats.dimension), p, allow,
        new Uint32Array(slot, at.counts, nq), new Uint32Array(slot, at.slots, nq * k), new Float64Array(slot, at.dists, nq * k),
      );
      ctrl[SLOT.hits] = hits;
      ctrl[SLOT.version] = version;
    }
  } catch (err) {
    reply = failure(id, err);
  }
  Atomics.store(ctrl, SLOT.reply, reply === undefined ? SLOT_REPLY.done : SLOT_REPLY.byMessage);
  post(reply ?? { id, inSlot: true });
}

/**
 * The worker's loop: sleep on the doorbell, then take the messages that came (`receiveMessageOnPort`, since this
 * thread never returns to its event loop) and the request in the slot. `worker.terminate()` interrupts the wait.
 */
function serve(slot: SharedArrayBuffer): never {
  const ctrl = new Int32Array(slot, 0, SLOT.headerBytes / 4);
  // From 0, not the bell's current value: the pool may ring between this worker's `ready` and this line (each
  // spawned worker gets a fresh slot, whose bell starts at 0).
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, SLOT.bell, seen);
    seen = Atomics.load(ctrl, SLOT.bell);
    for (let msg = receiveMessageOnPort(parentPort!); msg !== undefined; msg = receiveMessageOnPort(parentPort!)) onMessage(msg.message as SearchRequest);
    if (Atomics.load(ctrl, SLOT.request) === 1) {
      Atomics.store(ctrl, SLOT.request, 0);
      onSlotRequest(ctrl, slot);
    }
  }
}

if (setup?.slot === undefined) throw new ValidationError('search worker started without a request slot');
parentPort?.postMessage({ ready: true } satisfies SearchReady);
if (setup.pauseAfterReadyMs !== undefined) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, setup.pauseAfterReadyMs);
serve(setup.slot);
