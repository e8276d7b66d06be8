/**
 * How a federated client reaches its coordinator: the transport contract, and the in-process transport that calls a
 * {@link FederatedCoordinator} directly with the same binary frames the HTTP transport sends (benchmarks, tests of
 * the protocol logic). `HttpTransport` is the one for real deployments.
 *
 * @module
 */
import { throwIfAborted } from '../../internal/abort.js';
import type { FederatedCoordinator } from './coordinator.js';
import type { CommitRequest, JoinInfo, RoundInfo, UpdateAck } from './protocol.js';

/** The calls a client makes to its coordinator. Errors are `AbiError`s with the coordinator's codes. */
export interface FederatedTransport {
  /**
   * Joins (or re-joins) the federation.
   *
   * @param clientId - the id to use; the coordinator makes one when omitted
   * @param signal - cancels the call
   * @returns the join information
   */
  join(clientId: string | undefined, signal?: AbortSignal): Promise<JoinInfo>;
  /**
   * The current round.
   *
   * @param clientId - this client
   * @param signal - cancels the call
   * @returns the round information
   */
  round(clientId: string, signal?: AbortSignal): Promise<RoundInfo>;
  /**
   * The global model frame.
   *
   * @param clientId - this client
   * @param signal - cancels the call
   * @returns the frame bytes
   */
  model(clientId: string, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Commits to a masked round with a public key.
   *
   * @param clientId - this client
   * @param request - round, attempt, key, samples
   * @param signal - cancels the call
   */
  commit(clientId: string, request: CommitRequest, signal?: AbortSignal): Promise<void>;
  /**
   * Sends an update frame.
   *
   * @param clientId - this client
   * @param frame - the update frame
   * @param signal - cancels the call
   * @returns the acknowledgement
   */
  submit(clientId: string, frame: Uint8Array, signal?: AbortSignal): Promise<UpdateAck>;
}

/**
 * A transport that calls a coordinator in the same process. The bytes exchanged are the same frames as over HTTP,
 * so bytes-per-round figures carry over; only the network is missing.
 *
 * @example
 * ```ts
 * const client = new FederatedClient({ transport: new DirectTransport(coordinator), trainer });
 * ```
 */
export class DirectTransport implements FederatedTransport {
  readonly #coordinator: FederatedCoordinator;
  readonly #principal: string | undefined;

  /**
   * @param coordinator - the coordinator to call
   * @param principal - the principal to act as (when the coordinator's clients are bound to API keys)
   */
  constructor(coordinator: FederatedCoordinator, principal?: string) {
    this.#coordinator = coordinator;
    this.#principal = principal;
  }

  /** {@inheritDoc FederatedTransport.join} */
  async join(clientId: string | undefined, signal?: AbortSignal): Promise<JoinInfo> {
    throwIfAborted(signal);
    return this.#coordinator.join({ clientId, principal: this.#principal });
  }

  /** {@inheritDoc FederatedTransport.round} */
  async round(clientId: string, signal?: AbortSignal): Promise<RoundInfo> {
    throwIfAborted(signal);
    return this.#coordinator.roundInfo(clientId, this.#principal);
  }

  /** {@inheritDoc FederatedTransport.model} */
  async model(clientId: string, signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal);
    return this.#coordinator.modelFrame(clientId, this.#principal);
  }

  /** {@inheritDoc FederatedTransport.commit} */
  async commit(clientId: string, request: CommitRequest, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    this.#coordinator.commit(clientId, request, this.#principal);
  }

  /** {@inheritDoc FederatedTransport.submit} */
  async submit(clientId: string, frame: Uint8Array, signal?: AbortSignal): Promise<UpdateAck> {
    throwIfAborted(signal);
    return this.#coordinator.submit(clientId, frame, this.#principal);
  }
}
