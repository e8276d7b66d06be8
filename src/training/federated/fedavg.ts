/**
 * Federated averaging (McMahan et al., 2017): the new global model is the old one plus the average of the clients'
 * deltas weighted by how many training samples each client used. Sums are kept in float64 so the order in which
 * updates arrive does not change the result beyond the final float32 rounding.
 *
 * @module
 */
import { ValidationError } from '../../core/errors.js';

/**
 * Accumulates weighted deltas and yields their weighted mean.
 *
 * @example
 * ```ts
 * const avg = new FedAvgAccumulator(2);
 * avg.add(new Float32Array([1, 0]), 1);
 * avg.add(new Float32Array([0, 1]), 3);
 * avg.mean(); // Float32Array [0.25, 0.75]
 * ```
 */
export class FedAvgAccumulator {
  readonly #sum: Float64Array;
  #weight = 0;
  #count = 0;

  /**
   * @param size - values per delta
   */
  constructor(size: number) {
    this.#sum = new Float64Array(size);
  }

  /** Total weight (samples) added so far. */
  get totalWeight(): number {
    return this.#weight;
  }

  /** Deltas added so far. */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds one client's delta.
   *
   * @param delta - the client's new weights minus the global weights it started from
   * @param weight - its sample count
   * @throws {ValidationError} for a length mismatch or a weight that is not a positive finite number
   */
  add(delta: Float32Array, weight: number): void {
    if (delta.length !== this.#sum.length) throw new ValidationError(`delta has ${delta.length} values, expected ${this.#sum.length}`);
    if (!(weight > 0 && Number.isFinite(weight))) throw new ValidationError('weight must be a positive finite number');
    const s = this.#sum;
    for (let i = 0; i < s.length; i++) s[i] += weight * delta[i];
    this.#weight += weight;
    this.#count++;
  }

  /**
   * The weighted mean of the deltas added.
   *
   * @returns Σ wᵢ·Δᵢ / Σ wᵢ
   * @throws {ValidationError} when nothing was added
   */
  mean(): Float32Array {
    if (this.#count === 0) throw new ValidationError('no deltas to average');
    const out = new Float32Array(this.#sum.length);
    for (let i = 0; i < out.length; i++) out[i] = this.#sum[i] / this.#weight;
    return out;
  }
}

/**
 * Adds a mean delta to the global weights, in float64 then rounded once.
 *
 * @param global - the current global weights
 * @param delta - the averaged delta
 * @returns the new global weights
 */
export function applyDelta(global: Float32Array, delta: Float32Array): Float32Array {
  const out = new Float32Array(global.length);
  for (let i = 0; i < out.length; i++) out[i] = global[i] + delta[i];
  return out;
}
