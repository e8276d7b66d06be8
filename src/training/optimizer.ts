/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) over a flat parameter vector, the learning-rate schedule
 * (linear warm-up then cosine decay) and global-norm gradient clipping. The moment estimates are float64 so the
 * optimizer state can be checkpointed and restored exactly.
 *
 * @internal
 * @module
 */
import type { ParameterSlot } from './adapter.js';

/** AdamW hyper-parameters. @internal */
export interface AdamWSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/** AdamW state: first and second moments and the step count. @internal */
export interface AdamWState {
  m: Float64Array;
  v: Float64Array;
  /** Updates applied so far (bias correction uses it). */
  t: number;
}

/** A zeroed optimizer state for `size` parameters. @internal */
export function newAdamWState(size: number): AdamWState {
  return { m: new Float64Array(size), v: new Float64Array(size), t: 0 };
}

/** One AdamW update of `params` in place with gradient `grad` at learning rate `lr`. @internal */
export function adamWStep(params: Float32Array, grad: Float32Array, state: AdamWState, lr: number, s: AdamWSettings, slots: readonly ParameterSlot[]): void {
  state.t += 1;
  const { m, v } = state;
  const bc1 = 1 - s.beta1 ** state.t;
  const bc2 = 1 - s.beta2 ** state.t;
  for (const slot of slots) {
    const end = slot.offset + slot.shape[0] * slot.shape[1];
    const decay = slot.decay ? 1 - lr * s.weightDecay : 1;
    for (let i = slot.offset; i < end; i++) {
      const g = grad[i];
      m[i] = s.beta1 * m[i] + (1 - s.beta1) * g;
      v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g;
      params[i] = params[i] * decay - (lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + s.epsilon);
    }
  }
}

/** Scales `grad` in place so its L2 norm is at most `maxNorm` (no-op for `maxNorm <= 0`); returns the norm before. @internal */
export function clipGradient(grad: Float32Array, maxNorm: number): number {
  let s = 0;
  for (let i = 0; i < grad.length; i++) s += grad[i] * grad[i];
  const norm = Math.sqrt(s);
  if (maxNorm > 0 && norm > maxNorm) {
    const k = maxNorm / norm;
    for (let i = 0; i < grad.length; i++) grad[i] *= k;
  }
  return norm;
}

/**
 * Learning rate at `step` (0-based) of `total`: linear warm-up over `warmup` steps to `peak`, then cosine decay to
 * `peak * minRatio` at the last step. @internal
 */
export function learningRateAt(step: number, total: number, warmup: number, peak: number, minRatio: number): number {
  if (warmup > 0 && step < warmup) return (peak * (step + 1)) / warmup;
  const span = Math.max(1, total - warmup);
  const progress = Math.min(1, (step - warmup) / span);
  const min = peak * minRatio;
  return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
