/**
 * The federated client: fetches the global model, trains it locally for E epochs on data that never leaves the
 * client, and sends back only the weight delta with its sample count (masked, when the federation uses secure
 * aggregation). Survives a coordinator restart (re-joins, reuses the delta it trained for the same round and model)
 * and transient network failures (backoff and retry).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { AbiError, InvalidUpdateError, NotFoundError, ValidationError } from '../../core/errors.js';
import { sleep, throwIfAborted } from '../../internal/abort.js';
import { decodeFrame, encodeFrame } from './frame.js';
import { applyMasks, generateMaskKeys, type MaskKeyPair, quantize } from './masking.js';
import { flatten, layoutSize, type ParameterLayout, type ParameterSet, sameLayout, unflatten } from './params.js';
import type { JoinInfo, ModelHeader, RoundInfo, UpdateHeader } from './protocol.js';
import type { FederatedTransport } from './transport.js';

/** What a local training run is asked to do. */
export interface FederatedTrainOptions {
  /** Local epochs over the client's data. */
  epochs: number;
  /**
   * FedProx proximal coefficient μ: the trainer adds (μ/2)·‖w − w_global‖² to its loss, pulling the local model
   * towards the global one on skewed data. 0 is plain FedAvg.
   */
  proximalMu: number;
  /** The round being trained for. */
  round: number;
  /** Cancels training. */
  signal?: AbortSignal;
}

/** A local training result. */
export interface FederatedTrainResult {
  /** The trained parameters (same layout as the start). */
  parameters: ParameterSet;
  /** Samples trained on (the client's FedAvg weight): the number of training pairs, not pairs × epochs. */
  samples: number;
}

/** Trains a model locally; what a {@link FederatedClient} federates. The adapter trainer implements it. */
export interface FederatedTrainer {
  /**
   * Trains from `start` for `options.epochs` epochs on local data.
   *
   * @param start - the global parameters to start from (and, for FedProx, to stay near)
   * @param options - epochs, proximal coefficient, round, signal
   * @returns the trained parameters and the sample count
   */
  train(start: ParameterSet, options: FederatedTrainOptions): Promise<FederatedTrainResult>;
}

/** Options of {@link FederatedClient}. */
export interface FederatedClientOptions {
  /** How to reach the coordinator (`HttpTransport`, or `DirectTransport` in-process). */
  transport: FederatedTransport;
  /** The local trainer. */
  trainer: FederatedTrainer;
  /**
   * This client's id (kept across restarts of either side).
   * @defaultValue a random id
   */
  clientId?: string;
  /**
   * Local epochs per round (E).
   * @defaultValue 1
   */
  epochs?: number;
  /**
   * FedProx proximal coefficient μ (0: plain FedAvg).
   * @defaultValue 0
   */
  proximalMu?: number;
  /**
   * How often to ask for the round state while waiting, in milliseconds.
   * @defaultValue 250
   */
  pollMs?: number;
  /**
   * How long to keep retrying while the coordinator is unreachable, in milliseconds.
   * @defaultValue 300_000
   */
  reconnectTimeoutMs?: number;
  /** Called after each update is accepted. */
  onUpdate?: (event: ClientRoundEvent) => void;
}

/** One accepted update. */
export interface ClientRoundEvent {
  /** The round. */
  round: number;
  /** Samples sent as weight. */
  samples: number;
  /** Bytes of the update frame. */
  bytesSent: number;
  /** Whether it was masked. */
  masked: boolean;
  /** Values clamped to ±clip by masking. */
  clipped: number;
}

/** What one {@link FederatedClient.step} did. */
export type ClientStep = 'joined' | 'waiting' | 'committed' | 'submitted' | 'finished';

/** What {@link FederatedClient.run} returns. */
export interface FederatedClientResult {
  /** The final global model. */
  parameters: Record<string, Float32Array>;
  /** Rounds this client's update counted towards. */
  rounds: number[];
  /** Bytes of updates sent. */
  bytesSent: number;
  /** Bytes of global models received. */
  bytesReceived: number;
}

interface Trained {
  round: number;
  modelVersion: string;
  delta: Float32Array;
  samples: number;
}

/**
 * A participant of a federation.
 *
 * @example
 * ```ts
 * const client = new FederatedClient({
 *   transport: new HttpTransport({ url: 'https://coord:8443', apiKey }),
 *   trainer, clientId: 'site-a', epochs: 2,
 * });
 * const { parameters } = await client.run();
 * ```
 */
export class FederatedClient {
  /** This client's id. */
  readonly clientId: string;
  readonly #transport: FederatedTransport;
  readonly #trainer: FederatedTrainer;
  readonly #epochs: number;
  readonly #mu: number;
  readonly #pollMs: number;
  readonly #reconnectMs: number;
  readonly #onUpdate: ((e: ClientRoundEvent) => void) | undefined;
  #join: JoinInfo | undefined;
  #global: { version: string; weights: Float32Array } | undefined;
  #trained: Trained | undefined;
  #keys: { round: number; attempt: number; pair: MaskKeyPair } | undefined;
  #rounds: number[] = [];
  #bytesSent = 0;
  #bytesReceived = 0;

  /**
   * @param options - transport, trainer, id, epochs, FedProx μ, polling
   * @throws {ValidationError} for bad options
   */
  constructor(options: FederatedClientOptions) {
    if (!options?.transport || !options.trainer) throw new ValidationError('FederatedClient needs a transport and a trainer');
    const epochs = options.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 1) throw new ValidationError('epochs must be a positive integer');
    const mu = options.proximalMu ?? 0;
    if (!(mu >= 0 && Number.isFinite(mu))) throw new ValidationError('proximalMu must be a non-negative number');
    this.clientId = options.clientId ?? `c-${randomBytes(6).toString('hex')}`;
    this.#transport = options.transport;
    this.#trainer = options.trainer;
    this.#epochs = epochs;
    this.#mu = mu;
    this.#pollMs = options.pollMs ?? 250;
    this.#reconnectMs = options.reconnectTimeoutMs ?? 300_000;
    this.#onUpdate = options.onUpdate;
  }

  /** Bytes of updates sent so far. */
  get bytesSent(): number {
    return this.#bytesSent;
  }

  /** Bytes of global models received so far. */
  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /**
   * Takes part until the federation finishes.
   *
   * @param options - `signal` stops the client
   * @returns the final global model and what this client sent
   * @throws {InvalidUpdateError} when the coordinator refuses this client's update for its content (shape, NaN)
   * @throws `ConnectionError` when the coordinator stays unreachable past `reconnectTimeoutMs`
   * @throws `AbortError` when the signal fires
   */
  async run(options: { signal?: AbortSignal } = {}): Promise<FederatedClientResult> {
    const { signal } = options;
    let failingSince: number | undefined;
    for (;;) {
      let step: ClientStep;
      try {
        step = await this.step(signal);
        failingSince = undefined;
      } catch (err) {
        if (!(err instanceof AbiError) || !err.retryable) throw err;
        failingSince ??= Date.now();
        if (Date.now() - failingSince > this.#reconnectMs) throw err;
        await sleep(Math.min(this.#pollMs * 4, 2000), signal);
        continue;
      }
      if (step === 'finished') {
        return { parameters: unflatten(this.#global!.weights, this.#join!.layout), rounds: [...this.#rounds], bytesSent: this.#bytesSent, bytesReceived: this.#bytesReceived };
      }
      if (step === 'waiting') await sleep(this.#pollMs, signal);
    }
  }

  /**
   * Does the next protocol action: join, train and send (or commit, then send masked), or nothing while waiting.
   * {@link FederatedClient.run} calls it in a loop; benchmarks call it directly to drive clients in lockstep.
   *
   * @param signal - cancels the step
   * @returns what it did
   * @throws {InvalidUpdateError} when the update is refused for its content
   * @throws `AbiError`s of the transport (retryable ones are worth retrying)
   */
  async step(signal?: AbortSignal): Promise<ClientStep> {
    throwIfAborted(signal);
    if (!this.#join) {
      await this.#doJoin(signal);
      return 'joined';
    }
    let info: RoundInfo;
    try {
      info = await this.#transport.round(this.clientId, signal);
    } catch (err) {
      if (err instanceof NotFoundError) {
        // The coordinator restarted and forgot us: join again (our trained delta stays valid for the same model).
        await this.#doJoin(signal);
        return 'joined';
      }
      throw err;
    }
    if (info.phase === 'finished') {
      // Fetch the final model now, while the coordinator is known to be up.
      await this.#fetchGlobal(info.modelVersion, signal);
      return 'finished';
    }
    if (info.submitted) return 'waiting';
    try {
      if (!info.secure) {
        const trained = await this.#ensureTrained(info, signal);
        await this.#send(info, encodeFrame({ round: info.round, attempt: info.attempt, samples: trained.samples } satisfies UpdateHeader, trained.delta), trained.samples, false, 0, signal);
        return 'submitted';
      }
      if (info.phase === 'collect') {
        if (info.committed) return 'waiting';
        const trained = await this.#ensureTrained(info, signal);
        const pair = generateMaskKeys();
        await this.#transport.commit(this.clientId, { round: info.round, attempt: info.attempt, publicKey: pair.publicKey, samples: trained.samples }, signal);
        this.#keys = { round: info.round, attempt: info.attempt, pair };
        return 'committed';
      }
      // Masked phase: send only if we are a participant with the key we committed for this attempt.
      const me = info.participants?.find((p) => p.id === this.clientId);
      const keys = this.#keys;
      const trained = this.#trained;
      if (!me || !keys || keys.round !== info.round || keys.attempt !== info.attempt || me.publicKey !== keys.pair.publicKey
        || !trained || trained.round !== info.round || info.scale === undefined) {
        return 'waiting';
      }
      const { values, clipped } = quantize(trained.delta, trained.samples, info.scale, this.#join.clip);
      applyMasks(values, this.clientId, keys.pair.privateKey, info.participants!, { session: this.#join.session, round: info.round, attempt: info.attempt });
      await this.#send(info, encodeFrame({ round: info.round, attempt: info.attempt, samples: trained.samples } satisfies UpdateHeader, values), trained.samples, true, clipped, signal);
      return 'submitted';
    } catch (err) {
      // The round moved on (deadline, restart) or we already sent: look again next step.
      if (err instanceof InvalidUpdateError && (err.reason === 'round' || err.reason === 'duplicate' || err.reason === 'participant')) return 'waiting';
      if (err instanceof NotFoundError) {
        this.#join = undefined;
        return 'waiting';
      }
      throw err;
    }
  }

  /**
   * The global model as last fetched (fetching it if it changed).
   *
   * @param signal - cancels the fetch
   * @returns the parameters
   */
  async globalParameters(signal?: AbortSignal): Promise<Record<string, Float32Array>> {
    if (!this.#join) await this.#doJoin(signal);
    const info = await this.#transport.round(this.clientId, signal);
    const weights = await this.#fetchGlobal(info.modelVersion, signal);
    return unflatten(weights, this.#join!.layout);
  }

  async #doJoin(signal: AbortSignal | undefined): Promise<void> {
    const info = await this.#transport.join(this.clientId, signal);
    if (this.#join && (info.session !== this.#join.session || !sameLayout(info.layout, this.#join.layout))) {
      // Another federation on the same address: nothing trained for the old one applies.
      this.#trained = undefined;
      this.#global = undefined;
    }
    this.#join = info;
  }

  async #fetchGlobal(version: string, signal: AbortSignal | undefined): Promise<Float32Array> {
    if (this.#global?.version === version) return this.#global.weights;
    const bytes = await this.#transport.model(this.clientId, signal);
    this.#bytesReceived += bytes.byteLength;
    const { header, values } = decodeFrame<ModelHeader>(bytes);
    const layout: ParameterLayout = this.#join!.layout;
    if (!(values instanceof Float32Array) || values.length !== layoutSize(layout)) {
      throw new InvalidUpdateError('shape', 'the global model does not match the layout announced at join');
    }
    this.#global = { version: header.modelVersion, weights: values };
    return values;
  }

  async #ensureTrained(info: RoundInfo, signal: AbortSignal | undefined): Promise<Trained> {
    const t = this.#trained;
    if (t && t.round === info.round && t.modelVersion === info.modelVersion) return t;
    const layout = this.#join!.layout;
    const start = await this.#fetchGlobal(info.modelVersion, signal);
    const result = await this.#trainer.train(unflatten(start, layout), { epochs: this.#epochs, proximalMu: this.#mu, round: info.round, signal });
    if (!Number.isInteger(result.samples) || result.samples < 1) throw new ValidationError('the trainer must report a positive integer sample count');
    const trained = flatten(result.parameters, layout);
    const delta = new Float32Array(trained.length);
    for (let i = 0; i < delta.length; i++) delta[i] = trained[i] - start[i];
    this.#trained = { round: info.round, modelVersion: info.modelVersion, delta, samples: result.samples };
    return this.#trained;
  }

  async #send(info: RoundInfo, frame: Buffer, samples: number, masked: boolean, clipped: number, signal: AbortSignal | undefined): Promise<void> {
    await this.#transport.submit(this.clientId, frame, signal);
    this.#bytesSent += frame.length;
    this.#rounds.push(info.round);
    this.#onUpdate?.({ round: info.round, samples, bytesSent: frame.length, masked, clipped });
  }
}
