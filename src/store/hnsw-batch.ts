/**
 * Batched HNSW construction (the scheme of ParlayANN's and DiskANN's parallel builders): a batch of new nodes is
 * inserted in two phases.
 * - Phase A ("plan", read-only on the graph, so any number of threads may run it at once): for each new node, at
 *   each of its levels, the efConstruction nearest nodes of the graph as it was before the batch (the same beam
 *   search `insert` makes), merged with the earlier members of the batch on that level by exact distance (so the
 *   nodes of one batch see each other), then the neighbour-selection heuristic. Output: each node's chosen links.
 * - Phase B ("link", one thread, in slot order): write each node's links and add the back links with the usual
 *   shrink rule; move the entry point when a node tops the graph.
 *
 * Levels are drawn from the graph's seeded generator in slot order, as `insert` draws them, and each node's plan
 * depends only on the graph before its batch and on the batch's earlier members: the graph built for a given insert
 * order and batch schedule is the same whatever the number of threads (and whichever thread planned which node).
 * It differs from the graph `insert` one node at a time would build.
 *
 * @internal
 * @module
 */
import { StoreIntegrityError } from '../core/errors.js';
import { yieldToLoop } from '../internal/yield.js';
import { MaxHeap } from './heap.js';
import type { HnswGraph } from './hnsw.js';

/** Below this many nodes a graph is built one node at a time (a batch needs a graph to search). @internal */
export const SEQUENTIAL_PREFIX = 4096;
/** Largest batch: each node compares itself with the earlier members of its batch, so cost grows with the batch. @internal */
export const MAX_BATCH = 1024;
/** A batch is at most this fraction of the graph it is added to (nodes of one batch see the graph before it). */
const BATCH_FRACTION = 1 / 8;

/**
 * The size of the next batch when the graph has `built` nodes and `remaining` wait: `min(MAX_BATCH, built / 8)`,
 * and 1 (one node at a time) below {@link SEQUENTIAL_PREFIX} nodes. Depends on nothing else, so a given insert order
 * gives the same batches whatever the thread count.
 *
 * @internal
 */
export function nextBatchSize(built: number, remaining: number, schedule: BatchSchedule = {}): number {
  const maxBatch = schedule.maxBatch ?? MAX_BATCH;
  if (built < (schedule.sequentialPrefix ?? SEQUENTIAL_PREFIX)) return Math.min(remaining, 1);
  return Math.max(1, Math.min(remaining, maxBatch, Math.floor(built * BATCH_FRACTION)));
}

/** Wall time spent planning (phase A, on whatever threads) and linking (phase B) batches, all graphs together (benchmarks print it). @internal */
export const batchTimes = { planMs: 0, linkMs: 0, batches: 0 };

/** Batch sizing (tests use small batches). @internal */
export interface BatchSchedule {
  /** Nodes inserted one at a time first. @defaultValue {@link SEQUENTIAL_PREFIX} */
  sequentialPrefix?: number;
  /** Largest batch. @defaultValue {@link MAX_BATCH} */
  maxBatch?: number;
}

/** One batch's nodes and, after phase A, their chosen links. @internal */
export interface BatchPlan {
  /** First slot of the batch (= the graph's node count before it). */
  from: number;
  /** End of the batch (exclusive). */
  to: number;
  /** Node `from + i`'s plan starts at word `offsets[i]`: per level 0..L, a count then `M` link slots. */
  offsets: Uint32Array;
  /** The plans (a SharedArrayBuffer when worker threads fill them). */
  words: Uint32Array;
}

/**
 * Starts a batch: draws the levels of slots `[from, to)` in order and gives each node empty link lists. The nodes
 * stay outside {@link HnswGraph.nodeCount} (nothing links to them) until {@link linkBatch}.
 *
 * @param shared - put the plans in a SharedArrayBuffer (for worker threads)
 * @throws {StoreIntegrityError} when `from` is not the graph's node count
 * @internal
 */
export function beginBatch(g: HnswGraph, from: number, to: number, shared = false): BatchPlan {
  if (from !== g.nodeCount || to <= from) throw new StoreIntegrityError(`HNSW batch [${from}, ${to}) does not follow node ${g.nodeCount}`);
  const n = to - from;
  const offsets = shared ? new Uint32Array(new SharedArrayBuffer((n + 1) * 4)) : new Uint32Array(n + 1);
  const per = 1 + g.M;
  g.reserve(to);
  for (let i = 0; i < n; i++) {
    const level = g.drawLevel();
    g.allocNode(from + i, level);
    offsets[i + 1] = offsets[i] + (level + 1) * per;
  }
  const bytes = offsets[n] * 4;
  const words = shared ? new Uint32Array(new SharedArrayBuffer(bytes)) : new Uint32Array(offsets[n]);
  return { from, to, offsets, words };
}

/** Per-thread scratch of {@link planNodes}. */
class PlanScratch {
  readonly top: MaxHeap;
  readonly ids: Uint32Array;
  readonly dists: Float64Array;
  batchIds: Uint32Array;
  batchDist: Float64Array;

  constructor(efConstruction: number, batch: number) {
    this.top = new MaxHeap(efConstruction + 1);
    this.ids = new Uint32Array(efConstruction + 1);
    this.dists = new Float64Array(efConstruction + 1);
    this.batchIds = new Uint32Array(batch);
    this.batchDist = new Float64Array(batch);
  }
}

const scratchOf = new WeakMap<HnswGraph, PlanScratch>();

/**
 * Phase A for batch members `[i0, i1)` (indices into the batch): finds and selects each node's links, reading the
 * graph before the batch and the vectors only. Safe to run on several threads at once over disjoint ranges.
 *
 * @internal
 */
export function planNodes(g: HnswGraph, plan: BatchPlan, i0: number, i1: number): void {
  const { from, offsets, words } = plan;
  const efC = g.efConstruction, M = g.M, per = 1 + M;
  const batch = plan.to - from;
  let s = scratchOf.get(g);
  if (s === undefined || s.ids.length < efC + 1) {
    s = new PlanScratch(efC, batch);
    scratchOf.set(g, s);
  }
  if (s.batchIds.length < batch) {
    s.batchIds = new Uint32Array(batch);
    s.batchDist = new Float64Array(batch);
  }
  const { top, ids, dists, batchIds, batchDist } = s;
  const vectors = g.vectors, levels = g.levels;
  const maxLevel = g.maxLevel, entry = g.entryPoint;
  for (let i = i0; i < i1; i++) {
    const u = from + i;
    const L = levels[u];
    const q = vectors.slotQuery(u, 0);
    let ep = entry, epDist = 0;
    if (ep >= 0) {
      if (L < maxLevel) {
        const r = g.descendFrom(q, L);
        ep = r.node;
        epDist = r.dist;
      } else {
        epDist = vectors.distance(q, ep);
      }
    }
    for (let l = L; l >= 0; l--) {
      top.clear();
      if (ep >= 0 && l <= maxLevel) {
        g.searchLevel(q, ep, epDist, efC, l, top);
        // The nearest node of the graph (never a batch member: their links are not written yet) enters the next level.
        let best = 0;
        for (let k = 1; k < top.size; k++) if (top.keys[k] < top.keys[best]) best = k;
        ep = top.vals[best];
        epDist = top.keys[best];
      }
      let m = 0;
      for (let j = from; j < u; j++) if (levels[j] >= l) batchIds[m++] = j;
      if (m > 0) {
        vectors.gather(q, batchIds, m, batchDist);
        for (let k = 0; k < m; k++) {
          const d = batchDist[k];
          if (top.size < efC) top.push(d, batchIds[k]);
          else if (d < top.topKey()) top.replaceTop(d, batchIds[k]);
        }
      }
      const n = top.size;
      for (let k = n - 1; k >= 0; k--) {
        dists[k] = top.topKey();
        ids[k] = top.topVal();
        top.pop();
      }
      const sel = g.selectNeighbours(ids, dists, n, M);
      const at = offsets[i] + l * per;
      words[at] = sel.length;
      words.set(sel, at + 1);
    }
  }
}

/**
 * Phase B for batch member `i` (call for i = 0, 1, … in order): writes its planned links, adds the back links
 * (shrinking full lists with the heuristic), moves the entry point when it tops the graph, and counts it in
 * {@link HnswGraph.nodeCount}. Between two calls the graph is exactly as if the members so far had been inserted.
 *
 * @internal
 */
export function linkNode(g: HnswGraph, plan: BatchPlan, i: number): void {
  const { offsets, words } = plan;
  const u = plan.from + i;
  if (u !== g.nodeCount) throw new StoreIntegrityError(`HNSW batch link out of order: ${u} != ${g.nodeCount}`);
  const per = 1 + g.M;
  const L = g.levels[u];
  const o = offsets[i];
  for (let l = L; l >= 0; l--) {
    const at = o + l * per;
    const cnt = words[at];
    const links = words.subarray(at + 1, at + 1 + cnt);
    g.setLinks(u, l, links, cnt);
    for (let k = 0; k < cnt; k++) g.connectBack(links[k], u, l);
  }
  if (g.entryPoint < 0 || L > g.maxLevel) {
    g.entryPoint = u;
    g.maxLevel = L;
  }
  g.nodeCount = u + 1;
}

/** Phase B for a whole batch ({@link linkNode} for each member in order). @internal */
export function linkBatch(g: HnswGraph, plan: BatchPlan): void {
  for (let i = 0; i < plan.to - plan.from; i++) linkNode(g, plan, i);
}

/**
 * Inserts slots `[g.nodeCount, to)` on the calling thread: one at a time below {@link SEQUENTIAL_PREFIX} nodes, then
 * in batches (phase A and B in turn). The graph equals what the worker-thread builder makes for the same slots.
 *
 * @param schedule - batch sizing
 * @internal
 */
export function insertBatched(g: HnswGraph, to: number, schedule: BatchSchedule = {}): void {
  while (g.nodeCount < to) {
    const size = nextBatchSize(g.nodeCount, to - g.nodeCount, schedule);
    if (size === 1) {
      g.insert(g.nodeCount);
      continue;
    }
    const plan = beginBatch(g, g.nodeCount, g.nodeCount + size);
    planNodes(g, plan, 0, size);
    linkBatch(g, plan);
  }
}

/** Runs phase A over a whole batch: on worker threads, or on the calling thread in slices. @internal */
export interface BatchPlanner {
  /** Whether the plans must live in a SharedArrayBuffer (workers fill them). */
  readonly shared: boolean;
  /** Fills `plan` ({@link planNodes} for every member); the graph must not change meanwhile. */
  plan(g: HnswGraph, plan: BatchPlan): Promise<void>;
}

/** Members planned between two yields to the event loop when phase A runs on the calling thread. */
const PLAN_SLICE = 16;

/**
 * Phase A on the calling thread, yielding to the event loop between slices (the fallback when workers fail, and
 * what tests compare the workers' graphs with).
 *
 * @internal
 */
export async function planInThread(g: HnswGraph, plan: BatchPlan): Promise<void> {
  const n = plan.to - plan.from;
  for (let i = 0; i < n; i += PLAN_SLICE) {
    planNodes(g, plan, i, Math.min(n, i + PLAN_SLICE));
    if (i + PLAN_SLICE < n) await yieldToLoop();
  }
}

/** The calling-thread {@link BatchPlanner}. @internal */
export const IN_THREAD_PLANNER: BatchPlanner = { shared: false, plan: planInThread };
