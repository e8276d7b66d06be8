/**
 * Hierarchical Navigable Small World graph (Malkov & Yashunin), laid out as hnswlib does it, on flat typed arrays:
 * - level-0 links of all nodes in one `Uint32Array`, `1 + 2M` words per node (count, then neighbour slots);
 * - upper-level links (only ~1/M of nodes have any) in one more `Uint32Array`, `1 + M` words per level, each node's
 *   block found through a per-node offset column (`upperOffset`);
 * - every array on a growable `SharedArrayBuffer` (see shared-buffer.ts), plus a small shared `meta` column (entry
 *   point, top level, node count), so search workers walk the same graph without a copy ({@link HnswGraph.attach});
 *   the writer calls {@link HnswGraph.publish} before readers may look;
 * - vectors are not stored here: the graph reads them from the shared distance space (float or int8) by slot;
 * - epoch-tagged visited sets from a pool, typed-array binary heaps, hnswlib's neighbour-selection heuristic.
 *
 * Deleted and filtered-out nodes stay in the graph as waypoints and are only kept out of results (hnswlib's
 * markDelete + filter functor). Distances are "lower is nearer": `1 - dot` for inner product / cosine, squared L2.
 *
 * @internal
 * @module
 */
import { StoreIntegrityError } from '../core/errors.js';
import { mulberry32Next } from '../internal/random.js';
import { MaxHeap, MinHeap } from './heap.js';
import { growableShared, growShared } from './shared-buffer.js';
import type { DistanceSpace } from './space.js';
import { VisitedPool } from './visited.js';

/** Graph construction parameters. @internal */
export interface HnswParams {
  M: number;
  efConstruction: number;
  seed: number;
}

/** Tells whether a slot may appear in results. @internal */
export type SlotPredicate = (slot: number) => boolean;

/** Outcome of a base-layer walk. @internal */
export interface WalkResult {
  /** False when the walk hit `maxVisits` before converging (caller should fall back to an exact scan). */
  complete: boolean;
  /** Nodes whose distance was computed. */
  visited: number;
}

/**
 * What a search worker needs to walk a graph: its parameters and shared buffers. Buffers may be replaced when one
 * outgrows its reserved maximum ({@link HnswGraph.layoutVersion} then changes): send the descriptor again.
 *
 * @internal
 */
export interface HnswShared {
  M: number;
  efConstruction: number;
  isL2: boolean;
  level0: SharedArrayBuffer;
  levels: SharedArrayBuffer;
  upperLinks: SharedArrayBuffer;
  upperOffset: SharedArrayBuffer;
  /** Int32 words: see {@link META}. */
  meta: SharedArrayBuffer;
}

/** Words of the shared `meta` column. @internal */
export const META = { entryPoint: 0, maxLevel: 1, nodeCount: 2, upperTop: 3, words: 4 } as const;

/** Uniform [0, 1) from the graph's own PRNG state, so a given insert order always builds the same graph. */
function nextRandom(state: Uint32Array): number {
  return mulberry32Next(state) / 4294967296;
}


/** An HNSW graph over the slots of a {@link DistanceSpace}. @internal */
export class HnswGraph {
  readonly M: number;
  readonly maxM0: number;
  readonly efConstruction: number;
  readonly stride0: number;
  readonly upperStride: number;
  readonly isL2: boolean;
  vectors: DistanceSpace;
  /** Level-0 links, `stride0` words per node (a fixed-length view, re-made when the buffer grows). */
  level0: Uint32Array;
  /** Top level of each node. */
  levels: Uint8Array;
  /** Upper-level links of every node that has any: `levels[n] * upperStride` words from `upperOffset[n]`. */
  upperLinks: Uint32Array;
  /** Word offset of each node's upper-level block in {@link HnswGraph.upperLinks}. */
  upperOffset: Uint32Array;
  /** Words of {@link HnswGraph.upperLinks} in use. */
  upperTop = 0;
  entryPoint = -1;
  maxLevel = -1;
  /** Nodes inserted; they are always slots `[0, nodeCount)`. */
  nodeCount = 0;
  /** Shared scalars (entry point, top level, node count, upper words) as of the last {@link HnswGraph.publish}. */
  readonly meta: Int32Array;
  /** Changes whenever a buffer is replaced (outgrew its reserved maximum). */
  layoutVersion = 0;
  #l0Buf: SharedArrayBuffer;
  #lvBuf: SharedArrayBuffer;
  #upBuf: SharedArrayBuffer;
  #offBuf: SharedArrayBuffer;
  readonly #levelMult: number;
  readonly #rng = new Uint32Array(1);
  readonly #pool = new VisitedPool();
  readonly #cand = new MinHeap(256);
  readonly #top = new MaxHeap(256);
  readonly #searchCand = new MinHeap(256);
  readonly #nb: Uint32Array;
  readonly #nbDist: Float64Array;
  readonly #selDist: Float64Array;
  #sortIds = new Uint32Array(256);
  #sortDists = new Float64Array(256);
  readonly #sel: Uint32Array;
  #epNode = 0;
  #epDist = 0;

  constructor(vectors: DistanceSpace, isL2: boolean, params: HnswParams, capacity = 64, shared?: HnswShared) {
    this.vectors = vectors;
    this.isL2 = isL2;
    this.M = params.M;
    this.maxM0 = params.M * 2;
    this.efConstruction = params.efConstruction;
    this.stride0 = 1 + this.maxM0;
    this.upperStride = 1 + this.M;
    this.#levelMult = 1 / Math.log(Math.max(2, params.M));
    this.#rng[0] = params.seed >>> 0;
    const cap = Math.max(1, capacity);
    this.#l0Buf = shared?.level0 ?? growableShared(cap * this.stride0 * 4);
    this.#lvBuf = shared?.levels ?? growableShared(cap);
    this.#offBuf = shared?.upperOffset ?? growableShared(cap * 4);
    // ~1/M of nodes have upper levels, ~1.07 levels each on average: start at an eighth of a level per node.
    this.#upBuf = shared?.upperLinks ?? growableShared(Math.max(64, Math.ceil(cap / 8)) * this.upperStride * 4);
    this.meta = new Int32Array(shared?.meta ?? new SharedArrayBuffer(META.words * 4));
    this.level0 = new Uint32Array(0);
    this.levels = new Uint8Array(0);
    this.upperLinks = new Uint32Array(0);
    this.upperOffset = new Uint32Array(0);
    this.#views();
    if (shared === undefined) this.publish();
    this.#nb = new Uint32Array(this.maxM0 + 4);
    this.#nbDist = new Float64Array(this.maxM0 + 4);
    this.#sel = new Uint32Array(this.maxM0 + 1);
    this.#selDist = new Float64Array(this.maxM0 + 1);
  }

  /**
   * Walks the graph whose buffers another thread owns (a search worker): call {@link HnswGraph.refresh} before each
   * search; never insert into it.
   *
   * @param shared - the owner's {@link HnswGraph.shared}
   * @param vectors - this thread's distance space over the same vectors
   * @returns the read-only graph
   */
  static attach(shared: HnswShared, vectors: DistanceSpace): HnswGraph {
    const g = new HnswGraph(vectors, shared.isL2, { M: shared.M, efConstruction: shared.efConstruction, seed: 0 }, 1, shared);
    g.refresh();
    return g;
  }

  /** The buffers and parameters a search worker attaches to. */
  get shared(): HnswShared {
    return {
      M: this.M, efConstruction: this.efConstruction, isL2: this.isL2, level0: this.#l0Buf, levels: this.#lvBuf,
      upperLinks: this.#upBuf, upperOffset: this.#offBuf, meta: this.meta.buffer as SharedArrayBuffer,
    };
  }

  /** Writer side: makes the current entry point, top level and node count visible to readers. */
  publish(): void {
    const m = this.meta;
    Atomics.store(m, META.upperTop, this.upperTop);
    Atomics.store(m, META.nodeCount, this.nodeCount);
    Atomics.store(m, META.maxLevel, this.maxLevel);
    Atomics.store(m, META.entryPoint, this.entryPoint);
  }

  /** Reader side: takes the published scalars and re-makes views over buffers that grew. */
  refresh(): void {
    const m = this.meta;
    this.entryPoint = Atomics.load(m, META.entryPoint);
    this.maxLevel = Atomics.load(m, META.maxLevel);
    this.nodeCount = Atomics.load(m, META.nodeCount);
    this.upperTop = Atomics.load(m, META.upperTop);
    if (this.level0.byteLength !== this.#l0Buf.byteLength || this.upperLinks.byteLength !== this.#upBuf.byteLength ||
      this.levels.byteLength !== this.#lvBuf.byteLength || this.upperOffset.byteLength !== this.#offBuf.byteLength) this.#views();
  }

  #views(): void {
    this.level0 = new Uint32Array(this.#l0Buf, 0, Math.floor(this.#l0Buf.byteLength / 4));
    this.levels = new Uint8Array(this.#lvBuf, 0, this.#lvBuf.byteLength);
    this.upperLinks = new Uint32Array(this.#upBuf, 0, Math.floor(this.#upBuf.byteLength / 4));
    this.upperOffset = new Uint32Array(this.#offBuf, 0, Math.floor(this.#offBuf.byteLength / 4));
  }

  /** Nodes the arrays hold room for. */
  get capacity(): number {
    return Math.min(this.levels.length, this.upperOffset.length, Math.floor(this.level0.length / this.stride0));
  }

  /** Makes room for `n` nodes (geometric growth, in place while the reserved maximum allows). */
  reserve(n: number): void {
    const cap = this.capacity;
    if (n <= cap) return;
    const next = Math.max(n, Math.ceil(cap * 1.5), 64);
    const l0 = growShared(this.#l0Buf, next * this.stride0 * 4);
    const lv = growShared(this.#lvBuf, next);
    const off = growShared(this.#offBuf, next * 4);
    if (l0 !== this.#l0Buf || lv !== this.#lvBuf || off !== this.#offBuf) this.layoutVersion++;
    this.#l0Buf = l0;
    this.#lvBuf = lv;
    this.#offBuf = off;
    this.#views();
  }

  /** Makes room for `words` upper-link words. */
  #reserveUpper(words: number): void {
    if (words <= this.upperLinks.length) return;
    const up = growShared(this.#upBuf, Math.max(words, Math.ceil(this.upperLinks.length * 1.5)) * 4);
    if (up !== this.#upBuf) this.layoutVersion++;
    this.#upBuf = up;
    this.#views();
  }

  /**
   * Gives `node` an upper-level block of `level` levels (zeroed counts) at the top of {@link HnswGraph.upperLinks}.
   * Nodes must get their blocks in insertion order (the snapshot codec relies on it).
   */
  allocUpper(node: number, level: number): void {
    if (level === 0) {
      this.upperOffset[node] = 0;
      return;
    }
    const words = level * this.upperStride;
    this.#reserveUpper(this.upperTop + words);
    this.upperOffset[node] = this.upperTop;
    this.upperLinks.fill(0, this.upperTop, this.upperTop + words);
    this.upperTop += words;
  }

  /** Bytes held by the graph's arrays (their used part). */
  get bytes(): number {
    return this.level0.byteLength + this.levels.byteLength + this.upperOffset.byteLength + this.upperTop * 4;
  }

  /** Greedy descent from the entry point to level `stopLevel + 1`'s closest node: leaves it in `#epNode`/`#epDist` (no object per search). */
  #descend(q: number, stopLevel: number): void {
    const vectors = this.vectors;
    let cur = this.entryPoint;
    let curDist = vectors.distance(q, cur);
    const nb = this.#nb, nbDist = this.#nbDist;
    for (let level = this.maxLevel; level > stopLevel; level--) {
      let changed = true;
      while (changed) {
        changed = false;
        const links = this.upperLinks;
        const base = this.upperOffset[cur] + (level - 1) * this.upperStride;
        const cnt = links[base];
        for (let j = 0; j < cnt; j++) nb[j] = links[base + 1 + j];
        vectors.gather(q, nb, cnt, nbDist);
        let next = cur;
        for (let j = 0; j < cnt; j++) {
          if (nbDist[j] < curDist) {
            curDist = nbDist[j];
            next = nb[j];
          }
        }
        if (next !== cur) {
          cur = next;
          changed = true;
        }
      }
    }
    this.#epNode = cur;
    this.#epDist = curDist;
  }

  /** Beam search on one level during construction: fills `top` with up to `ef` nearest nodes. */
  #searchLayer(q: number, ep: number, epDist: number, ef: number, level: number, top: MaxHeap): void {
    const vl = this.#pool.acquire(this.nodeCount);
    const tag = vl.reset(this.nodeCount);
    const tags = vl.tags;
    const cand = this.#cand;
    const nb = this.#nb, nbDist = this.#nbDist;
    cand.clear();
    top.clear();
    top.push(epDist, ep);
    cand.push(epDist, ep);
    tags[ep] = tag;
    let lower = epDist;
    while (cand.size > 0) {
      if (cand.topKey() > lower && top.size >= ef) break;
      const c = cand.topVal();
      cand.pop();
      let links: Uint32Array, base: number;
      if (level === 0) {
        links = this.level0;
        base = c * this.stride0;
      } else {
        links = this.upperLinks;
        base = this.upperOffset[c] + (level - 1) * this.upperStride;
      }
      const cnt = links[base];
      let m = 0;
      for (let j = 1; j <= cnt; j++) {
        const s = links[base + j];
        if (tags[s] !== tag) {
          tags[s] = tag;
          nb[m++] = s;
        }
      }
      this.vectors.gather(q, nb, m, nbDist);
      for (let i = 0; i < m; i++) {
        const d = nbDist[i];
        if (top.size < ef || d < lower) {
          cand.push(d, nb[i]);
          top.push(d, nb[i]);
          if (top.size > ef) top.pop();
          lower = top.topKey();
        }
      }
    }
    this.#pool.release(vl);
  }

  /**
   * hnswlib's getNeighborsByHeuristic2: from candidates sorted nearest first, keep a candidate only if it is nearer
   * to the base than to every neighbour already kept. Writes up to `M` slots to `#sel`.
   */
  #heuristic(ids: Uint32Array, dists: Float64Array, n: number, M: number): number {
    const sel = this.#sel;
    if (n <= M) {
      for (let i = 0; i < n; i++) sel[i] = ids[i];
      return n;
    }
    const vectors = this.vectors;
    const selDist = this.#selDist;
    let count = 0;
    for (let i = 0; i < n && count < M; i++) {
      const id = ids[i], d = dists[i];
      // Keep the candidate only if no kept neighbour is nearer to it than the base is.
      vectors.gather(vectors.slotQuery(id, 2), sel, count, selDist);
      let good = true;
      for (let s = 0; s < count; s++) {
        if (selDist[s] < d) {
          good = false;
          break;
        }
      }
      if (good) sel[count++] = id;
    }
    return count;
  }

  #ensureSortScratch(n: number): void {
    if (this.#sortIds.length < n) {
      this.#sortIds = new Uint32Array(n * 2);
      this.#sortDists = new Float64Array(n * 2);
    }
  }

  /** Links of `node` at `level`: the array and the base index of its count word. */
  #linksAt(node: number, level: number): [Uint32Array, number] {
    return level === 0 ? [this.level0, node * this.stride0] : [this.upperLinks, this.upperOffset[node] + (level - 1) * this.upperStride];
  }

  /** Adds `slot` (already in the vector storage) to the graph. Slots must be inserted in increasing order. */
  insert(slot: number): void {
    if (slot !== this.nodeCount) throw new StoreIntegrityError(`HNSW insert out of order: ${slot} != ${this.nodeCount}`);
    this.reserve(slot + 1);
    const level = Math.min(255, Math.floor(-Math.log(1 - nextRandom(this.#rng)) * this.#levelMult));
    this.levels[slot] = level;
    this.level0[slot * this.stride0] = 0;
    this.allocUpper(slot, level);
    this.nodeCount = slot + 1;
    if (this.entryPoint < 0) {
      this.entryPoint = slot;
      this.maxLevel = level;
      this.publish();
      return;
    }
    const q = this.vectors.slotQuery(slot, 0);
    let ep = this.entryPoint;
    let epDist = 0;
    if (level < this.maxLevel) {
      this.#descend(q, level);
      ep = this.#epNode;
      epDist = this.#epDist;
    } else {
      epDist = this.vectors.distance(q, ep);
    }
    const top = this.#top;
    for (let l = Math.min(level, this.maxLevel); l >= 0; l--) {
      this.#searchLayer(q, ep, epDist, this.efConstruction, l, top);
      const n = top.size;
      this.#ensureSortScratch(n);
      const ids = this.#sortIds, dists = this.#sortDists;
      for (let i = n - 1; i >= 0; i--) {
        dists[i] = top.topKey();
        ids[i] = top.topVal();
        top.pop();
      }
      ep = ids[0];
      epDist = dists[0];
      const count = this.#heuristic(ids, dists, n, this.M);
      const selected = this.#sel.slice(0, count);
      const [links, base] = this.#linksAt(slot, l);
      links[base] = count;
      for (let i = 0; i < count; i++) links[base + 1 + i] = selected[i];
      for (let i = 0; i < count; i++) this.#connect(selected[i], slot, l);
    }
    if (level > this.maxLevel) {
      this.entryPoint = slot;
      this.maxLevel = level;
    }
    this.publish();
  }

  /** Adds a back link `node → added` at `level`, shrinking `node`'s list with the heuristic when it is full. */
  #connect(node: number, added: number, level: number): void {
    const [links, base] = this.#linksAt(node, level);
    const maxM = level === 0 ? this.maxM0 : this.M;
    const cnt = links[base];
    if (cnt < maxM) {
      links[base + 1 + cnt] = added;
      links[base] = cnt + 1;
      return;
    }
    this.#ensureSortScratch(cnt + 1);
    const ids = this.#sortIds, dists = this.#sortDists;
    const nb = this.#nb, nbDist = this.#nbDist;
    for (let i = 0; i < cnt; i++) nb[i] = links[base + 1 + i];
    nb[cnt] = added;
    this.vectors.gather(this.vectors.slotQuery(node, 1), nb, cnt + 1, nbDist);
    // Insertion sort by distance to `node`: at most 2M + 1 entries.
    for (let i = 0; i <= cnt; i++) {
      const id = nb[i], d = nbDist[i];
      let j = i;
      while (j > 0 && dists[j - 1] > d) {
        dists[j] = dists[j - 1];
        ids[j] = ids[j - 1];
        j--;
      }
      dists[j] = d;
      ids[j] = id;
    }
    const count = this.#heuristic(ids, dists, cnt + 1, maxM);
    const sel = this.#sel;
    links[base] = count;
    for (let i = 0; i < count; i++) links[base + 1 + i] = sel[i];
  }

  /**
   * Query-time search: greedy descent through the upper levels, then a beam search of width `ef` on level 0 in
   * which only slots set in `allow` (and not `deleted`) enter `top`, while every node may serve as a waypoint.
   * Neighbour distances are computed by one gather-kernel call per expanded node.
   *
   * @param q - byte offset of the query in the vector arena ({@link DistanceSpace.setQuery}; normalized for cosine)
   * @param ef - beam width (at least k)
   * @param top - receives up to `ef` results (max-heap by distance)
   * @param deleted - tombstone flags by slot, or null
   * @param allow - allow-bitset over slots (bit `s` of word `s >>> 5` set = slot s may enter `top`), or null
   * @param maxVisits - give up (complete = false) after this many distance computations
   */
  search(
    q: number, ef: number, top: MaxHeap, deleted: Uint8Array | null, allow: Uint32Array | null,
    maxVisits = Infinity,
  ): WalkResult {
    top.clear();
    if (this.entryPoint < 0) return { complete: true, visited: 0 };
    this.#descend(q, 0);
    const ep = this.#epNode, epDist = this.#epDist;
    const vectors = this.vectors;
    const level0 = this.level0, stride0 = this.stride0;
    const vl = this.#pool.acquire(this.nodeCount);
    const tag = vl.reset(this.nodeCount);
    const tags = vl.tags;
    const cand = this.#searchCand;
    cand.clear();
    const nb = this.#nb, nbDist = this.#nbDist;
    const filtered = deleted !== null || allow !== null;
    let lower = Infinity;
    if ((deleted === null || deleted[ep] === 0) && (allow === null || ((allow[ep >>> 5] >>> (ep & 31)) & 1) !== 0)) {
      top.push(epDist, ep);
      lower = epDist;
    }
    cand.push(epDist, ep);
    tags[ep] = tag;
    let visited = 1;
    let complete = true;
    while (cand.size > 0) {
      const cd = cand.topKey();
      if (cd > lower && (top.size >= ef || !filtered)) break;
      const c = cand.topVal();
      cand.pop();
      const base = c * stride0;
      const cnt = level0[base];
      let m = 0;
      for (let j = 1; j <= cnt; j++) {
        const s = level0[base + j];
        if (tags[s] !== tag) {
          tags[s] = tag;
          nb[m++] = s;
        }
      }
      vectors.gather(q, nb, m, nbDist);
      visited += m;
      for (let i = 0; i < m; i++) {
        const d = nbDist[i];
        if (top.size < ef || d < lower) {
          const s = nb[i];
          cand.push(d, s);
          if (!filtered || ((deleted === null || deleted[s] === 0) && (allow === null || ((allow[s >>> 5] >>> (s & 31)) & 1) !== 0))) {
            // d < lower when top is full, so replacing the worst equals push + pop at half the sifting.
            if (top.size < ef) top.push(d, s);
            else top.replaceTop(d, s);
            lower = top.topKey();
          }
        }
      }
      if (visited > maxVisits) {
        complete = false;
        break;
      }
    }
    this.#pool.release(vl);
    return { complete, visited };
  }

  /** State of the level generator (persisted so a reopened graph keeps building the same way). */
  get rngState(): number {
    return this.#rng[0];
  }

  // Hooks for batched construction (hnsw-batch.ts): the same steps `insert` takes, one at a time.

  /** Draws the next node's level from the graph's seeded generator (the draw `insert` makes). */
  drawLevel(): number {
    return Math.min(255, Math.floor(-Math.log(1 - nextRandom(this.#rng)) * this.#levelMult));
  }

  /** Gives `slot` its level and empty link lists, without linking it or counting it in {@link nodeCount}. */
  allocNode(slot: number, level: number): void {
    this.reserve(slot + 1);
    this.levels[slot] = level;
    this.level0[slot * this.stride0] = 0;
    this.allocUpper(slot, level);
  }

  /** Greedy descent from the entry point through the levels above `stopLevel`. */
  descendFrom(q: number, stopLevel: number): { node: number; dist: number } {
    this.#descend(q, stopLevel);
    return { node: this.#epNode, dist: this.#epDist };
  }

  /** Construction beam search (width `ef`) on one level over nodes `[0, nodeCount)`, into `top`. */
  searchLevel(q: number, ep: number, epDist: number, ef: number, level: number, top: MaxHeap): void {
    this.#searchLayer(q, ep, epDist, ef, level, top);
  }

  /**
   * The neighbour-selection heuristic over candidates sorted nearest first.
   *
   * @returns the kept slots (a scratch view, valid until the next call)
   */
  selectNeighbours(ids: Uint32Array, dists: Float64Array, n: number, M: number): Uint32Array {
    const count = this.#heuristic(ids, dists, n, M);
    return this.#sel.subarray(0, count);
  }

  /** Sets the links of `node` at `level`. */
  setLinks(node: number, level: number, ids: Uint32Array, count: number): void {
    const [links, base] = this.#linksAt(node, level);
    links[base] = count;
    for (let i = 0; i < count; i++) links[base + 1 + i] = ids[i];
  }

  /** Adds the back link `node → added` at `level`, shrinking `node`'s list with the heuristic when full. */
  connectBack(node: number, added: number, level: number): void {
    this.#connect(node, added, level);
  }
}
