/**
 * Epoch-tagged visited sets (hnswlib's VisitedList): marking is one store, clearing is one increment; the array is
 * zeroed only when the 16-bit epoch wraps. Lists come from a pool so concurrent graph walks (a search running while
 * a compaction builds a new graph) never share one.
 *
 * @internal
 * @module
 */

/** One visited set over slots `[0, capacity)`. @internal */
export class VisitedList {
  tags: Uint16Array;
  epoch = 0;

  constructor(capacity: number) {
    this.tags = new Uint16Array(Math.max(1, capacity));
  }

  /** Starts a new walk over at least `capacity` slots; returns the epoch that marks "visited". */
  reset(capacity: number): number {
    if (capacity > this.tags.length) {
      this.tags = new Uint16Array(Math.max(capacity, Math.ceil(this.tags.length * 1.5)));
      this.epoch = 0;
    }
    this.epoch++;
    if (this.epoch === 0x10000) {
      this.tags.fill(0);
      this.epoch = 1;
    }
    return this.epoch;
  }
}

/** A pool of {@link VisitedList}s. @internal */
export class VisitedPool {
  readonly #free: VisitedList[] = [];

  acquire(capacity: number): VisitedList {
    return this.#free.pop() ?? new VisitedList(capacity);
  }

  release(list: VisitedList): void {
    this.#free.push(list);
  }
}
