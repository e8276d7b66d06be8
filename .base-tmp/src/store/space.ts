/**
 * What an index needs from the vectors it walks: prepare a query, then distances from it to listed slots. Float
 * storage ({@link VectorStorage}) computes exact distances; {@link Sq8Space} approximate ones from int8 codes.
 * Distances are "lower is nearer": squared L2, or `1 - dot` for inner product and cosine.
 *
 * A query handle stays valid until the same lane is prepared again. HNSW construction needs three queries alive at
 * once (the inserted node, a node being re-linked, a candidate neighbour), hence the lanes.
 *
 * @internal
 * @module
 */

/** Query lanes: 0 = search / inserted node, 1 = node whose links are shrunk, 2 = heuristic candidate. @internal */
export type QueryLane = 0 | 1 | 2;

/** @internal */
export interface DistanceSpace {
  /** Slots present: `[0, count)`. */
  readonly count: number;
  /** Prepares a query vector (lane 0) and returns its handle. */
  setQuery(query: Float32Array): number;
  /** Prepares stored slot `slot` as a query on `lane` and returns its handle. */
  slotQuery(slot: number, lane: QueryLane): number;
  /** Distances from query `q` to the `count` slots in `ids`, into `out`. */
  gather(q: number, ids: Uint32Array, count: number, out: Float64Array | Float32Array): void;
  /** Distance from query `q` to one slot. */
  distance(q: number, slot: number): number;
}
