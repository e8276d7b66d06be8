/**
 * Federated training: a coordinator that runs FedAvg rounds over a global parameter vector (quorum, deadlines,
 * checkpoints, optional secure aggregation by pairwise masks) and clients that train locally and send only deltas.
 * The HTTP endpoints live on the server (`createServer({ federated })`); see docs/training.md.
 *
 * @module
 */
export {
  FederatedCoordinator, type FederatedClientRecord, type FederatedCoordinatorOptions, type FederatedStatus,
} from './coordinator.js';
export {
  type ClientRoundEvent, type ClientStep, FederatedClient, type FederatedClientOptions, type FederatedClientResult,
  type LocalTrainer, type LocalTrainOptions, type LocalTrainResult,
} from './client.js';
export { DirectTransport, type FederatedTransport } from './transport.js';
export { HttpTransport, type HttpTransportOptions } from './http-transport.js';
export { CHECKPOINT_FORMAT, readLatestCheckpoint, type CheckpointState, type RoundSummary } from './checkpoint.js';
export { applyDelta, FedAvgAccumulator } from './fedavg.js';
export { decodeFrame, encodeFrame, type Frame, type FrameEncoding } from './frame.js';
export {
  applyMasks, generateMaskKeys, type MaskContext, type MaskKeyPair, type MaskParticipant, maskScale, pairMask, quantize, RingSum,
} from './masking.js';
export {
  firstNonFinite, flatten, layoutOf, layoutSize, type ParameterEntry, type ParameterLayout, type ParameterSet, sameLayout, unflatten,
} from './params.js';
export { CLIENT_HEADER } from './protocol.js';
export type {
  CommitRequest, JoinInfo, JsonValue, ModelHeader, RoundInfo, RoundPhase, UpdateAck, UpdateHeader,
} from './protocol.js';
