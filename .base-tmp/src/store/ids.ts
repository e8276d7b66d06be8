/**
 * Slot directory: maps external string ids to dense internal slots and back, and keeps tombstones.
 * Slots are append-only (an overwrite tombstones the old slot and takes a new one) so the graph never has to
 * forget a node; compaction renumbers everything.
 *
 * @internal
 * @module
 */

/** External id ↔ slot map with tombstones. @internal */
export class SlotDirectory {
  /** Id of each slot (kept for dead slots too, for debugging and snapshots). */
  readonly ids: string[] = [];
  readonly #bySlot = new Map<string, number>();
  /** 1 where the slot is dead. Grown geometrically. */
  deleted = new Uint8Array(64);
  /** Dead slots. */
  dead = 0;

  /** Slots ever assigned. */
  get slots(): number {
    return this.ids.length;
  }

  /** Live records. */
  get live(): number {
    return this.#bySlot.size;
  }

  /** The live slot of `id`, or -1. */
  slotOf(id: string): number {
    return this.#bySlot.get(id) ?? -1;
  }

  /** Assigns the next slot to `id`, tombstoning its previous slot. Returns the new slot. */
  assign(id: string): number {
    const old = this.#bySlot.get(id);
    if (old !== undefined) this.#kill(old);
    const slot = this.ids.length;
    if (slot >= this.deleted.length) {
      const d = new Uint8Array(Math.max(64, this.deleted.length * 2));
      d.set(this.deleted);
      this.deleted = d;
    }
    this.deleted[slot] = 0;
    this.ids.push(id);
    this.#bySlot.set(id, slot);
    return slot;
  }

  /** Tombstones `id`'s slot. Returns whether it was live. */
  remove(id: string): boolean {
    const slot = this.#bySlot.get(id);
    if (slot === undefined) return false;
    this.#bySlot.delete(id);
    this.#kill(slot);
    return true;
  }

  #kill(slot: number): void {
    if (this.deleted[slot] === 0) {
      this.deleted[slot] = 1;
      this.dead++;
    }
  }

  /** Restores a slot read from a snapshot (slots must come in order). */
  restore(id: string, dead: boolean): void {
    const slot = this.ids.length;
    if (slot >= this.deleted.length) {
      const d = new Uint8Array(Math.max(64, this.deleted.length * 2));
      d.set(this.deleted);
      this.deleted = d;
    }
    this.ids.push(id);
    if (dead) {
      this.deleted[slot] = 1;
      this.dead++;
    } else {
      this.deleted[slot] = 0;
      this.#bySlot.set(id, slot);
    }
  }

  /** Live slots in ascending order. */
  liveSlots(): Uint32Array {
    const out = new Uint32Array(this.live);
    let j = 0;
    for (let s = 0; s < this.ids.length; s++) if (this.deleted[s] === 0) out[j++] = s;
    return out;
  }
}
