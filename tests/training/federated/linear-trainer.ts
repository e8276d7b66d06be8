// A real, small local trainer for federated tests: least-squares linear regression y = X·w + b on a client's own
// data, trained by mini-batch SGD with FedProx's proximal term. The data come from one true model per federation,
// so FedAvg has a known answer to converge to.
import type { FederatedTrainer, FederatedTrainOptions, FederatedTrainResult, ParameterSet } from '../../../src/training/federated/index.js';
import { rng } from '../../store/helpers.js';

export const DIM = 8;

/** The true model every client's data comes from. */
export function trueModel(seed = 7): { w: Float32Array; b: number } {
  const r = rng(seed);
  return { w: Float32Array.from({ length: DIM }, () => r() * 2 - 1), b: 0.5 };
}

/** Parameters to start from. */
export function zeroModel(): ParameterSet {
  return { w: new Float32Array(DIM), b: new Float32Array(1) };
}

/** Mean squared error of a model on fresh data from the true model. */
export function mse(params: ParameterSet, seed = 999): number {
  const { w, b } = trueModel();
  const r = rng(seed);
  let s = 0;
  for (let i = 0; i < 500; i++) {
    let y = b;
    let p = params.b[0];
    for (let j = 0; j < DIM; j++) {
      const x = r() * 2 - 1;
      y += w[j] * x;
      p += params.w[j] * x;
    }
    s += (y - p) ** 2;
  }
  return s / 500;
}

export interface LinearTrainerOptions {
  /** Samples this client holds. */
  samples: number;
  /** Data seed. */
  seed: number;
  /** Learning rate. */
  lr?: number;
  /** Milliseconds to wait before training (to kill a client mid-round). */
  delayMs?: number;
  /** Return NaN in the weights (a broken client). */
  poison?: boolean;
}

export class LinearTrainer implements FederatedTrainer {
  readonly x: Float32Array[];
  readonly y: number[];
  readonly #o: LinearTrainerOptions;
  trainedRounds: number[] = [];

  constructor(o: LinearTrainerOptions) {
    this.#o = o;
    const { w, b } = trueModel();
    const r = rng(o.seed);
    this.x = [];
    this.y = [];
    for (let i = 0; i < o.samples; i++) {
      const x = Float32Array.from({ length: DIM }, () => r() * 2 - 1);
      let y = b + (r() - 0.5) * 0.02;
      for (let j = 0; j < DIM; j++) y += w[j] * x[j];
      this.x.push(x);
      this.y.push(y);
    }
  }

  async train(start: ParameterSet, options: FederatedTrainOptions): Promise<FederatedTrainResult> {
    if (this.#o.delayMs) await new Promise((r) => setTimeout(r, this.#o.delayMs));
    const w = Float64Array.from(start.w);
    let b = start.b[0];
    const lr = this.#o.lr ?? 0.1;
    const mu = options.proximalMu;
    for (let e = 0; e < options.epochs; e++) {
      for (let i = 0; i < this.x.length; i++) {
        const x = this.x[i];
        let p = b;
        for (let j = 0; j < DIM; j++) p += w[j] * x[j];
        const err = p - this.y[i];
        for (let j = 0; j < DIM; j++) w[j] -= lr * (err * x[j] + mu * (w[j] - start.w[j]));
        b -= lr * (err + mu * (b - start.b[0]));
      }
    }
    this.trainedRounds.push(options.round);
    const out = { w: Float32Array.from(w), b: Float32Array.of(b) };
    if (this.#o.poison) out.w[0] = NaN;
    return { parameters: out, samples: this.x.length };
  }
}
