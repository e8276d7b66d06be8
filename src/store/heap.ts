/**
 * Binary heaps on typed arrays: a float key and a uint32 value per entry, no per-entry objects.
 * `MaxHeap` keeps the worst (largest distance) result on top; `MinHeap` the nearest candidate.
 *
 * @internal
 * @module
 */

/** Binary max-heap keyed by float64 distance. @internal */
export class MaxHeap {
  keys: Float64Array;
  vals: Uint32Array;
  size = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.vals = new Uint32Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  #grow(): void {
    const k = new Float64Array(this.keys.length * 2);
    k.set(this.keys);
    const v = new Uint32Array(this.vals.length * 2);
    v.set(this.vals);
    this.keys = k;
    this.vals = v;
  }

  /** Largest key (only valid when size > 0). */
  topKey(): number {
    return this.keys[0];
  }

  /** Value of the largest key. */
  topVal(): number {
    return this.vals[0];
  }

  push(key: number, val: number): void {
    if (this.size === this.keys.length) this.#grow();
    const keys = this.keys, vals = this.vals;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p] >= key) break;
      keys[i] = keys[p];
      vals[i] = vals[p];
      i = p;
    }
    keys[i] = key;
    vals[i] = val;
  }

  /** Removes the top entry. */
  pop(): void {
    const n = --this.size;
    if (n <= 0) return;
    const keys = this.keys, vals = this.vals;
    const key = keys[n], val = vals[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[c + 1] > keys[c]) c++;
      if (keys[c] <= key) break;
      keys[i] = keys[c];
      vals[i] = vals[c];
      i = c;
    }
    keys[i] = key;
    vals[i] = val;
  }

  /** Replaces the top entry (cheaper than pop + push). */
  replaceTop(key: number, val: number): void {
    const n = this.size;
    const keys = this.keys, vals = this.vals;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[c + 1] > keys[c]) c++;
      if (keys[c] <= key) break;
      keys[i] = keys[c];
      vals[i] = vals[c];
      i = c;
    }
    keys[i] = key;
    vals[i] = val;
  }
}

/** Binary min-heap keyed by float64 distance. @internal */
export class MinHeap {
  keys: Float64Array;
  vals: Uint32Array;
  size = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.vals = new Uint32Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  #grow(): void {
    const k = new Float64Array(this.keys.length * 2);
    k.set(this.keys);
    const v = new Uint32Array(this.vals.length * 2);
    v.set(this.vals);
    this.keys = k;
    this.vals = v;
  }

  topKey(): number {
    return this.keys[0];
  }

  topVal(): number {
    return this.vals[0];
  }

  push(key: number, val: number): void {
    if (this.size === this.keys.length) this.#grow();
    const keys = this.keys, vals = this.vals;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p] <= key) break;
      keys[i] = keys[p];
      vals[i] = vals[p];
      i = p;
    }
    keys[i] = key;
    vals[i] = val;
  }

  pop(): void {
    const n = --this.size;
    if (n <= 0) return;
    const keys = this.keys, vals = this.vals;
    const key = keys[n], val = vals[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[c + 1] < keys[c]) c++;
      if (keys[c] >= key) break;
      keys[i] = keys[c];
      vals[i] = vals[c];
      i = c;
    }
    keys[i] = key;
    vals[i] = val;
  }
}
