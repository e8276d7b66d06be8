/**
 * `abi-sdk/federated`: federated training of embedding adapters (or any model whose state is a few float arrays).
 * A coordinator runs FedAvg rounds over the global parameters (quorum, deadlines, checkpoints and resume, optional
 * secure aggregation by pairwise masks); clients train locally for E epochs and send only weight deltas, as binary
 * frames. The HTTP endpoints live on the server (`createServer({ federated })`, role `federated`); see the
 * "Federated" part of docs/training.md.
 *
 * @example
 * ```ts
 * import { FederatedCoordinator, initialAdapterParameters } from 'abi-sdk/federated';
 * import { createServer, KeyStore } from 'abi-sdk/server';
 * const config = { dimension: 384, rank: 16 };
 * const coordinator = await FederatedCoordinator.open({ dir: './fed', initial: initialAdapterParameters(config), rounds: 20, quorum: 3, model: config });
 * await createServer({ federated: coordinator, auth: { keys: KeyStore.open('./data') } }).listen(8443, '0.0.0.0');
 * ```
 *
 * @packageDocumentation
 * @module abi-sdk/federated
 */
export {
  FederatedCoordinator, type FederatedClientRecord, type FederatedCoordinatorEvents, type FederatedCoordinatorOptions, type FederatedFailure,
  type FederatedStatus,
} from './coordinator.js';
export {
  type ClientRoundEvent, type ClientStep, FederatedClient, type FederatedClientOptions, type FederatedClientResult,
  type FederatedTrainer, type FederatedTrainOptions, type FederatedTrainResult,
} from './client.js';
export {
  adapterFromParameters, AdapterFederatedTrainer, type AdapterFederatedTrainerOptions, initialAdapterParameters,
} from './adapter-trainer.js';
export { DirectTransport, type FederatedTransport } from './transport.js';
export { HttpTransport, type HttpTransportOptions } from './http-transport.js';
export type { CheckpointState, RoundSummary } from './checkpoint.js';
export type { FrameEncoding } from './frame.js';
export type { MaskParticipant } from './masking.js';
export type { ParameterEntry, ParameterLayout, ParameterSet } from './params.js';
export type {
  CommitRequest, JoinInfo, JsonValue, ModelHeader, RoundInfo, RoundPhase, UpdateAck, UpdateHeader,
} from './protocol.js';
