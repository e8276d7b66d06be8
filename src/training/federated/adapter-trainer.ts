/**
 * Federates the embedding adapter: a {@link FederatedTrainer} that runs `AdapterTrainer.trainLocal` (E local epochs,
 * AdamW, FedProx's proximal term) on one client's embedded pairs, and the adapter's parameters as the named tensors
 * the protocol moves. The adapter is residual (a zero delta is the identity), so averaging deltas is natural.
 *
 * @module
 */
import { Adapter, type AdapterConfig, parameterLayout } from '../adapter.js';
import type { EmbeddedPairs } from '../embedded-pairs.js';
import type { AdapterTrainer } from '../trainer.js';
import type { FederatedTrainer, FederatedTrainOptions, FederatedTrainResult } from './client.js';
import { flatten, type ParameterLayout, type ParameterSet } from './params.js';

/**
 * The protocol layout of an adapter: its tensors in the order of the adapter's flat parameter vector.
 *
 * @param config - the adapter shape
 * @returns names and sizes
 * @example
 * ```ts
 * adapterLayout({ dimension: 384, rank: 16 }); // [{ name: 'linear.a', size: 6144 }, { name: 'linear.b', size: 6144 }]
 * ```
 */
export function adapterLayout(config: AdapterConfig): ParameterLayout {
  return [...parameterLayout(config).slots]
    .sort((a, b) => a.offset - b.offset)
    .map((s) => ({ name: s.name, size: s.shape[0] * s.shape[1] }));
}

/**
 * The starting global model for a federation over an adapter: the identity adapter, seeded.
 *
 * @param config - the adapter shape
 * @param seed - initialisation seed
 * @returns the named tensors
 */
export function initialAdapterParameters(config: AdapterConfig, seed = 0): ParameterSet {
  return Adapter.initialize(config, seed).named();
}

/**
 * Builds an {@link Adapter} from the named tensors a federation produced.
 *
 * @param config - the adapter shape
 * @param params - the tensors
 * @returns the adapter
 * @throws `InvalidUpdateError` when a tensor is missing or the wrong size; `ValidationError` for NaN/Inf
 */
export function adapterFromParameters(config: AdapterConfig, params: ParameterSet): Adapter {
  return new Adapter(config, flatten(params, adapterLayout(config)));
}

/** Options of {@link AdapterFederatedTrainer}. */
export interface AdapterFederatedTrainerOptions {
  /** The local trainer (its hyper-parameters: batch size, learning rate, temperature, seed). */
  trainer: AdapterTrainer;
  /** The adapter shape (the federation's, announced in the coordinator's `model`). */
  adapter: AdapterConfig;
  /** This client's training pairs, embedded once with the frozen base model. */
  data: EmbeddedPairs;
  /** Constant learning rate for local rounds; the trainer's own when omitted. */
  learningRate?: number;
}

/**
 * A federated client's trainer for the embedding adapter.
 *
 * @example
 * ```ts
 * const data = await embedTrainingPairs(base, myPairs);
 * const trainer = new AdapterFederatedTrainer({ trainer: new AdapterTrainer({ adapter: config }), adapter: config, data });
 * const client = new FederatedClient({ transport, trainer, epochs: 2, proximalMu: 0.01 });
 * ```
 */
export class AdapterFederatedTrainer implements FederatedTrainer {
  readonly #o: AdapterFederatedTrainerOptions;
  readonly #layout: ParameterLayout;

  /**
   * @param options - trainer, adapter shape, local data
   */
  constructor(options: AdapterFederatedTrainerOptions) {
    this.#o = options;
    this.#layout = adapterLayout(options.adapter);
  }

  /**
   * Runs E local epochs from the global adapter.
   *
   * @param start - the global adapter's tensors
   * @param options - epochs, FedProx μ, round, signal
   * @returns the locally trained tensors and the number of pairs (the FedAvg weight)
   * @throws `AbortError` when the signal fires
   */
  async train(start: ParameterSet, options: FederatedTrainOptions): Promise<FederatedTrainResult> {
    const flat = flatten(start, this.#layout);
    const r = await this.#o.trainer.trainLocal(flat, this.#o.data, {
      epochs: options.epochs, proximalMu: options.proximalMu, round: options.round, signal: options.signal,
      ...(this.#o.learningRate !== undefined ? { learningRate: this.#o.learningRate } : {}),
    });
    return { parameters: new Adapter(this.#o.adapter, r.parameters).named(), samples: r.samples };
  }
}
