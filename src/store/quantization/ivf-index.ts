/**
 * What the store's collection needs from an inverted-file index, whatever codes its lists hold: IVF-PQ
 * ({@link IvfPqIndex}) or IVF with RaBitQ or binary codes ({@link IvfBitsIndex}).
 *
 * @internal
 * @module
 */
import type { IvfPqAddOptions, IvfPqHits, IvfPqSearchOptions } from './ivf.js';

/** An IVF index over integer slots. @internal */
export interface IvfIndex {
  /** Vector length. */
  readonly dim: number;
  /** Number of cells. */
  readonly nlist: number;
  /** Indexed vectors. */
  readonly size: number;
  /** Bytes held in memory. */
  readonly memoryBytes: number;
  /** Vectors added since training or loading. */
  readonly addedSinceTraining: number;
  /** Mean squared coarse residual of added vectors over the training sample's. */
  drift(): number;
  /** Indexes one vector. */
  add(slot: number, vector: Float32Array): void;
  /** Indexes many vectors (same result as {@link IvfIndex.add} for each, in order). */
  addBatch(slots: Uint32Array, vectors: Float32Array, options?: IvfPqAddOptions): Promise<void>;
  /** Whether a slot is indexed. */
  has(slot: number): boolean;
  /** Removes a slot. */
  remove(slot: number): boolean;
  /**
   * Approximate top-k. `exactScores` must return the true metric score (L2: minus the squared distance; inner
   * product: the dot product), so estimates and exact scores can be compared.
   */
  search(query: Float32Array, options: IvfPqSearchOptions): IvfPqHits;
  /** Cuts lists and the slot map to their exact sizes (after a bulk build; appends grow them again). */
  trim(): void;
  /** Versioned bytes. */
  serialize(): Uint8Array;
}
