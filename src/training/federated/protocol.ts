/**
 * The federated protocol's messages, shared by the coordinator, the HTTP routes and the client transports. JSON
 * field names are camelCase on the wire as here; weights and updates are binary frames (see frame.ts).
 *
 * @module
 */
import type { MaskParticipant } from './masking.js';
import type { ParameterLayout } from './params.js';

/** The HTTP header carrying the client id on every call after join. */
export const CLIENT_HEADER = 'x-abi-federated-client';

/** A JSON value describing the model, handed to clients at join (e.g. base model id, adapter shape). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a client gets when it joins. */
export interface JoinInfo {
  /** The id the client must use from now on. */
  clientId: string;
  /** The federation's session id (changes only with a fresh data directory). */
  session: string;
  /** The parameter layout updates must follow. */
  layout: ParameterLayout;
  /** Total rounds of the run. */
  rounds: number;
  /** Whether updates must be masked (secure aggregation). */
  secure: boolean;
  /** Clamp bound of masked updates. */
  clip: number;
  /** The model description the coordinator was started with. */
  model: JsonValue;
}

/** The phase of the current round. */
export type RoundPhase =
  /** Plain rounds: collecting updates. Masked rounds: collecting public keys from clients ready to submit. */
  | 'collect'
  /** Masked rounds only: participants and their keys are fixed; collecting masked updates. */
  | 'masked'
  /** All rounds are done. */
  | 'finished';

/** The current round as one client sees it. */
export interface RoundInfo {
  /** Round number (1-based); `rounds + 1` once finished. */
  round: number;
  /** Total rounds. */
  rounds: number;
  /** Attempt within the round (masked rounds restart when a committed client drops). */
  attempt: number;
  /** The phase. */
  phase: RoundPhase;
  /** When the phase's deadline passes, in milliseconds since the epoch. */
  deadline: number;
  /** Checksum of the global weights this round starts from (fetch the model when it changes). */
  modelVersion: string;
  /** Whether updates must be masked. */
  secure: boolean;
  /** Whether this client's update for this round is in. */
  submitted: boolean;
  /** Masked rounds: whether this client's key for this attempt is in. */
  committed: boolean;
  /** Masked rounds in the `masked` phase: everyone taking part, with their public keys and sample counts. */
  participants?: MaskParticipant[];
  /** Masked rounds in the `masked` phase: the fixed-point scale. */
  scale?: number;
  /** Updates needed before the deadline for the round to count. */
  quorum: number;
}

/** A key commitment for a masked round. */
export interface CommitRequest {
  /** Round number. */
  round: number;
  /** Attempt. */
  attempt: number;
  /** X25519 public key for this attempt, base64url. */
  publicKey: string;
  /** The client's sample count for this round. */
  samples: number;
}

/** The header of an update frame. */
export interface UpdateHeader {
  /** Round number. */
  round: number;
  /** Attempt (masked rounds). */
  attempt: number;
  /** Samples the client trained on (its FedAvg weight). */
  samples: number;
}

/** The coordinator's answer to an accepted update. */
export interface UpdateAck {
  /** Round the update counts for. */
  round: number;
  /** Bytes received. */
  bytes: number;
}

/** The header of a global-model frame. */
export interface ModelHeader {
  /** Rounds completed when these weights were produced. */
  completed: number;
  /** The round they start. */
  round: number;
  /** Their checksum. */
  modelVersion: string;
  /** Layout of the values. */
  layout: ParameterLayout;
}
