/**
 * The federated coordinator: holds the global model, runs rounds (quorum, per-phase deadline), validates and
 * aggregates client updates with FedAvg weighted by sample counts (in the clear, or masked in ℤ/2³² for secure
 * aggregation), checkpoints the global model after every round and resumes from the last checkpoint after a crash.
 * Transport-free: the HTTP routes (src/server/routes/federated.ts) and the in-process transport call it alike.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  AbiError, AbortError, CallbackError, ClosedError, ConflictError, InvalidUpdateError, IOError, NotFoundError, ValidationError,
} from '../../core/errors.js';
import { Listeners } from '../../internal/listeners.js';
import { type RoundSummary, readLatestCheckpoint, writeCheckpoint } from './checkpoint.js';
import { applyDelta, FedAvgAccumulator } from './fedavg.js';
import { decodeFrame, encodeFrame } from './frame.js';
import { maskScale, type MaskParticipant, RingSum } from './masking.js';
import {
  firstNonFinite, flatten, layoutOf, layoutSize, type ParameterLayout, type ParameterSet, sameLayout, unflatten,
} from './params.js';
import type {
  CommitRequest, JoinInfo, JsonValue, ModelHeader, RoundInfo, RoundPhase, UpdateAck, UpdateHeader,
} from './protocol.js';

/** Options of {@link FederatedCoordinator.open}. */
export interface FederatedCoordinatorOptions {
  /** Directory for checkpoints; a run resumes from the newest one there. */
  dir: string;
  /** The starting global model (ignored when resuming, except that its layout must match the checkpoint's). */
  initial: ParameterSet;
  /** Total rounds to run. */
  rounds: number;
  /**
   * Fewest updates a round needs to be aggregated at its deadline.
   * @defaultValue 2
   */
  quorum?: number;
  /**
   * A round closes before its deadline only once at least this many clients have joined (so the first round does not
   * close on the first few to connect); at the deadline, `quorum` updates suffice.
   * @defaultValue `quorum`
   */
  minClients?: number;
  /**
   * How long each phase of a round waits for clients, in milliseconds. A round closes early once every active
   * client has sent its update.
   * @defaultValue 60_000
   */
  roundTimeoutMs?: number;
  /**
   * Secure aggregation by pairwise masks: the coordinator sees only the masked sum.
   * @defaultValue false
   */
  secure?: boolean;
  /**
   * Masked rounds clamp each delta value to ±clip before fixed-point encoding.
   * @defaultValue 16
   */
  clip?: number;
  /** A description of the model handed to clients when they join (base model, adapter shape). */
  model?: JsonValue;
  /**
   * Checkpoints kept on disk.
   * @defaultValue 3
   */
  keepCheckpoints?: number;
  /**
   * Time source in milliseconds since the epoch (tests, benchmarks).
   * @defaultValue Date.now
   */
  now?: () => number;
  /**
   * How often deadlines are checked on a timer, in milliseconds; 0 for no timer (call {@link FederatedCoordinator.poll}).
   * @defaultValue 200
   */
  tickMs?: number;
  /**
   * Called after each round is aggregated and checkpointed. If it throws, the round stays done (its checkpoint is
   * on disk) and the error is reported as a `CallbackError` through the `error` event and `status().lastError`.
   */
  onRound?: (summary: RoundSummary) => void;
}

/** Events of a {@link FederatedCoordinator} (`coordinator.on(event, listener)`). Listeners that throw are ignored. */
export interface FederatedCoordinatorEvents {
  /**
   * Background work failed: a round's checkpoint could not be written (`IOError`; the round stays open and is
   * aggregated again after a backoff, nothing is lost) or `onRound` threw (`CallbackError`). Having no listener is
   * fine: nothing is thrown, and `status().lastError` says the same.
   */
  error: [error: AbiError];
}

/** The last background failure, as {@link FederatedStatus.lastError} reports it. */
export interface FederatedFailure {
  /** The error's code (`IO_ERROR`, `CALLBACK_FAILED`). */
  code: string;
  /** What failed. */
  message: string;
  /** When, in milliseconds since the epoch (the coordinator's clock). */
  at: number;
  /** For a failed checkpoint: when aggregation is tried again (the round stays open until it succeeds). */
  retryAt?: number;
}

/** A client as the coordinator tracks it. */
export interface FederatedClientRecord {
  /** The client's id. */
  id: string;
  /** The API key principal that joined it, when authentication is on. */
  principal: string | undefined;
  /** Last request, in milliseconds since the epoch. */
  lastSeen: number;
  /** Whether it missed the last deadline (then rounds do not wait for it until it sends again). */
  missed: boolean;
}

/** What {@link FederatedCoordinator.status} reports. */
export interface FederatedStatus {
  /** Session id. */
  session: string;
  /** Current round (rounds + 1 once finished). */
  round: number;
  /** Total rounds. */
  rounds: number;
  /** Attempt of the current round. */
  attempt: number;
  /** Phase. */
  phase: RoundPhase;
  /** Whether rounds are masked. */
  secure: boolean;
  /** Quorum. */
  quorum: number;
  /** Known clients. */
  clients: FederatedClientRecord[];
  /** Clients whose update (or key, in the masked collect phase) is in for the current attempt. */
  received: string[];
  /** Round the coordinator resumed at after a restart, if it did. */
  resumedAt: number | undefined;
  /** Model checksum. */
  modelVersion: string;
  /** Finished rounds. */
  history: RoundSummary[];
  /** The last background failure (checkpoint write, `onRound`), or undefined; cleared once a checkpoint succeeds. */
  lastError: FederatedFailure | undefined;
  /** Background failures since open. */
  failures: number;
}

const CLIENT_ID_RE = /^[\w.:@-]{1,64}$/;
/** First wait before aggregating again after a checkpoint could not be written; doubled per failure in a row. */
const CHECKPOINT_RETRY_MS = 1000;
/** Longest wait between checkpoint retries. */
const CHECKPOINT_RETRY_MAX_MS = 60_000;

function versionOf(weights: Float32Array): string {
  return crc32(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength)).toString(16).padStart(8, '0') + `-${weights.length}`;
}

function l2(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/**
 * Runs federated rounds over a global model. Create with {@link FederatedCoordinator.open}; mount on the HTTP server
 * with `createServer({ federated: coordinator, ... })`, or drive in-process through `DirectTransport`.
 *
 * Plain rounds: every client fetches the global model, trains, and sends its delta with its sample count; the round
 * closes when every active client has sent, or at the deadline with at least `quorum` updates (those that missed
 * the deadline are marked and not waited for again until they send). Masked rounds add a commit phase: clients with
 * an update ready send an X25519 public key; at the deadline (or when every active client has committed) the
 * participants are fixed and each sends its masked update. If a committed participant does not send, the masks
 * cannot cancel: the attempt is abandoned and the round restarts with fresh keys among the clients still there.
 *
 * @example
 * ```ts
 * const coordinator = await FederatedCoordinator.open({ dir: './fed', initial: adapter.getParameters(), rounds: 20, quorum: 3 });
 * const server = createServer({ service, auth: { keys }, federated: coordinator });
 * await server.listen(8443);
 * await coordinator.finished();
 * ```
 */
export class FederatedCoordinator {
  /** The session id, stable across restarts on the same directory. */
  readonly session: string;
  /** The parameter layout. */
  readonly layout: ParameterLayout;
  /** Total rounds. */
  readonly rounds: number;
  /** Whether rounds are masked. */
  readonly secure: boolean;
  /** Quorum. */
  readonly quorum: number;
  /** The round a restart resumed at (undefined for a fresh run). */
  readonly resumedAt: number | undefined;
  readonly #opts: Required<Pick<FederatedCoordinatorOptions, 'dir' | 'roundTimeoutMs' | 'clip' | 'keepCheckpoints' | 'minClients'>>;
  readonly #model: JsonValue;
  readonly #now: () => number;
  readonly #onRound: ((s: RoundSummary) => void) | undefined;
  readonly #size: number;
  readonly #clients = new Map<string, FederatedClientRecord>();
  readonly #history: RoundSummary[];
  #global: Float32Array;
  #modelVersion: string;
  #modelFrame: Buffer | undefined;
  #completed: number;
  #attempt = 0;
  #phase: RoundPhase = 'collect';
  #deadline = 0;
  #openedAt = 0;
  #bytesIn = 0;
  #bytesOut = 0;
  #plain: FedAvgAccumulator;
  #plainFrom = new Map<string, number>();
  #commits = new Map<string, MaskParticipant>();
  #participants: MaskParticipant[] = [];
  #scale = 0;
  #ring: RingSum | undefined;
  #maskedFrom = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  readonly #events = new Listeners<FederatedCoordinatorEvents>();
  #lastError: FederatedFailure | undefined;
  #failures = 0;
  /** Checkpoint writes that failed in a row (the retry backoff doubles with each). */
  #checkpointFailures = 0;

  private constructor(options: FederatedCoordinatorOptions, state: { session: string; completed: number; weights: Float32Array; history: RoundSummary[]; resumed: boolean }) {
    this.layout = layoutOf(options.initial);
    this.#size = layoutSize(this.layout);
    this.session = state.session;
    this.rounds = options.rounds;
    this.secure = options.secure ?? false;
    this.quorum = options.quorum ?? 2;
    this.resumedAt = state.resumed ? state.completed + 1 : undefined;
    this.#opts = {
      dir: options.dir, roundTimeoutMs: options.roundTimeoutMs ?? 60_000, clip: options.clip ?? 16,
      keepCheckpoints: options.keepCheckpoints ?? 3, minClients: options.minClients ?? this.quorum,
    };
    this.#model = options.model ?? null;
    this.#now = options.now ?? Date.now;
    this.#onRound = options.onRound;
    this.#global = state.weights;
    this.#modelVersion = versionOf(this.#global);
    this.#completed = state.completed;
    this.#history = state.history;
    this.#plain = new FedAvgAccumulator(this.#size);
    this.#openRound();
    const tick = options.tickMs ?? 200;
    if (tick > 0) {
      // poll() reports its own failures; this guard only keeps a bug from ever escaping a timer.
      this.#timer = setInterval(() => {
        try {
          this.poll();
        } catch (err) {
          this.#report(err instanceof AbiError ? err : new AbiError('INTERNAL', `federated tick failed: ${String((err as Error)?.message ?? err)}`, { cause: err }));
        }
      }, tick);
      this.#timer.unref();
    }
  }

  /**
   * Opens a coordinator on a directory: resumes from the newest checkpoint there, or starts from `initial` and
   * writes checkpoint 0.
   *
   * @param options - directory, initial model, rounds, quorum, deadlines, secure aggregation
   * @returns the coordinator, its current round open
   * @throws {ValidationError} for bad options, or a checkpoint whose layout differs from `initial`'s
   * @throws `CorruptDataError` when the newest checkpoint fails its checks
   * @throws `IOError` when the directory cannot be read or written
   */
  static async open(options: FederatedCoordinatorOptions): Promise<FederatedCoordinator> {
    if (!options?.dir) throw new ValidationError('FederatedCoordinator needs a dir');
    if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new ValidationError('rounds must be a positive integer');
    for (const k of ['quorum', 'minClients'] as const) {
      const v = options[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ValidationError(`${k} must be a positive integer`);
    }
    if (options.roundTimeoutMs !== undefined && !(options.roundTimeoutMs > 0)) throw new ValidationError('roundTimeoutMs must be positive');
    if (options.clip !== undefined && !(options.clip > 0 && Number.isFinite(options.clip))) throw new ValidationError('clip must be a positive number');
    const layout = layoutOf(options.initial);
    const initial = flatten(options.initial, layout);
    if (firstNonFinite(initial) >= 0) throw new ValidationError('initial parameters contain NaN or Infinity');
    const saved = readLatestCheckpoint(options.dir);
    if (saved) {
      if (!sameLayout(saved.layout, layout)) {
        throw new ValidationError(`the checkpoint in ${options.dir} has another parameter layout than the model given`);
      }
      return new FederatedCoordinator(options, { ...saved, weights: saved.weights, resumed: true });
    }
    const session = randomBytes(12).toString('base64url');
    writeCheckpoint(options.dir, { session, completed: 0, layout, weights: initial, history: [] }, options.keepCheckpoints ?? 3);
    return new FederatedCoordinator(options, { session, completed: 0, weights: initial, history: [], resumed: false });
  }

  /** The current round (1-based; `rounds + 1` once finished). */
  get round(): number {
    return this.#completed + 1;
  }

  /** Rounds completed. */
  get completed(): number {
    return this.#completed;
  }

  /** Whether every round is done. */
  get isFinished(): boolean {
    return this.#phase === 'finished';
  }

  /**
   * The current global weights.
   *
   * @returns a copy, as named tensors
   */
  globalParameters(): Record<string, Float32Array> {
    return unflatten(this.#global, this.layout);
  }

  /**
   * Registers a client (or re-registers one after either side restarted).
   *
   * @param request - `clientId`: the id to use (a fresh one is made when omitted); `principal`: the API key's
   *   principal, which must stay the same for that id
   * @returns the session, layout, rounds and masking settings
   * @throws {ValidationError} for a malformed id
   * @throws {ConflictError} when the id belongs to another principal
   */
  join(request: { clientId?: string; principal?: string } = {}): JoinInfo {
    this.poll();
    const id = request.clientId ?? `c-${randomBytes(6).toString('hex')}`;
    if (!CLIENT_ID_RE.test(id)) throw new ValidationError('clientId must be 1-64 characters of letters, digits and ._:@-');
    const known = this.#clients.get(id);
    if (known && known.principal !== request.principal) throw new ConflictError(`client id "${id}" belongs to another principal`);
    if (known) {
      known.lastSeen = this.#now();
      known.missed = false;
    } else {
      this.#clients.set(id, { id, principal: request.principal, lastSeen: this.#now(), missed: false });
    }
    return {
      clientId: id, session: this.session, layout: this.layout.map((e) => ({ ...e })), rounds: this.rounds, secure: this.secure,
      clip: this.#opts.clip, model: this.#model,
    };
  }

  /**
   * The current round as a client sees it.
   *
   * @param clientId - the client asking
   * @param principal - its API key's principal
   * @returns round, phase, deadline, model version; participants and scale in the masked phase
   * @throws {NotFoundError} for a client that has not joined (it should join again: the coordinator may have restarted)
   */
  roundInfo(clientId: string, principal?: string): RoundInfo {
    this.poll();
    this.#client(clientId, principal);
    const info: RoundInfo = {
      round: this.round, rounds: this.rounds, attempt: this.#attempt, phase: this.#phase, deadline: this.#deadline,
      modelVersion: this.#modelVersion, secure: this.secure, quorum: this.quorum,
      submitted: this.secure ? this.#maskedFrom.has(clientId) : this.#plainFrom.has(clientId),
      committed: this.#commits.has(clientId) || this.#participants.some((p) => p.id === clientId),
    };
    if (this.#phase === 'masked') {
      info.participants = this.#participants.map((p) => ({ ...p }));
      info.scale = this.#scale;
    }
    return info;
  }

  /**
   * The global model as a binary frame (float32 little-endian). Counted in the round's bytes sent.
   *
   * @param clientId - the client asking
   * @param principal - its API key's principal
   * @returns the frame
   * @throws {NotFoundError} for a client that has not joined
   */
  modelFrame(clientId: string, principal?: string): Buffer {
    this.#client(clientId, principal);
    this.#modelFrame ??= encodeFrame({
      completed: this.#completed, round: this.round, modelVersion: this.#modelVersion, layout: this.layout,
    } satisfies ModelHeader, this.#global);
    this.#bytesOut += this.#modelFrame.length;
    return this.#modelFrame;
  }

  /**
   * Masked rounds: a client with an update ready commits by sending its public key and sample count.
   *
   * @param clientId - the client
   * @param request - round, attempt, public key, samples
   * @param principal - its API key's principal
   * @throws {InvalidUpdateError} (`round`) when that round/attempt is not collecting keys
   * @throws {ValidationError} for a malformed key or sample count, or on a plain run
   * @throws {NotFoundError} for a client that has not joined
   */
  commit(clientId: string, request: CommitRequest, principal?: string): void {
    this.poll();
    const client = this.#client(clientId, principal);
    if (!this.secure) throw new ValidationError('this federation does not use secure aggregation');
    if (typeof request?.publicKey !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(request.publicKey)) throw new ValidationError('publicKey must be a base64url X25519 key');
    checkSamples(request.samples);
    if (request.round !== this.round || request.attempt !== this.#attempt || this.#phase !== 'collect') {
      throw new InvalidUpdateError('round', `round ${request.round} attempt ${request.attempt} is not collecting keys (current: round ${this.round} attempt ${this.#attempt}, ${this.#phase})`);
    }
    client.missed = false;
    this.#commits.set(clientId, { id: clientId, publicKey: request.publicKey, samples: request.samples });
    this.#maybeAdvance();
  }

  /**
   * Receives one client's update frame: a float32 delta (plain rounds) or a uint32 masked update (masked rounds).
   *
   * @param clientId - the client
   * @param body - the frame bytes
   * @param principal - its API key's principal
   * @returns the round it counts for and the bytes received
   * @throws {InvalidUpdateError} for a frame that does not decode, the wrong round or attempt, the wrong length,
   *   NaN/Inf values, a second update, or a masked update from a non-participant
   * @throws {NotFoundError} for a client that has not joined
   */
  submit(clientId: string, body: Uint8Array, principal?: string): UpdateAck {
    this.poll();
    const client = this.#client(clientId, principal);
    this.#bytesIn += body.byteLength;
    const { header, values } = decodeFrame<UpdateHeader>(body);
    if (typeof header !== 'object' || header === null) throw new InvalidUpdateError('frame', 'update header must be an object');
    if (this.#phase === 'finished') throw new InvalidUpdateError('round', 'the federation has finished');
    if (header.round !== this.round) throw new InvalidUpdateError('round', `update is for round ${header.round}, the current round is ${this.round}`);
    if (values.length !== this.#size) throw new InvalidUpdateError('shape', `update has ${values.length} values, the model has ${this.#size}`);
    if (this.secure) {
      if (!(values instanceof Uint32Array)) throw new InvalidUpdateError('frame', 'masked rounds take uint32 updates');
      if (this.#phase !== 'masked' || header.attempt !== this.#attempt) {
        throw new InvalidUpdateError('round', `round ${this.round} attempt ${header.attempt} is not collecting masked updates (attempt ${this.#attempt}, ${this.#phase})`);
      }
      const p = this.#participants.find((x) => x.id === clientId);
      if (!p) throw new InvalidUpdateError('participant', `client "${clientId}" did not commit to round ${this.round} attempt ${this.#attempt}`);
      if (header.samples !== p.samples) throw new InvalidUpdateError('shape', `update says ${header.samples} samples, the commitment ${p.samples}`);
      if (this.#maskedFrom.has(clientId)) throw new InvalidUpdateError('duplicate', `client "${clientId}" already sent its update for this round`);
      this.#ring!.add(values);
      this.#maskedFrom.add(clientId);
    } else {
      if (!(values instanceof Float32Array)) throw new InvalidUpdateError('frame', 'plain rounds take float32 deltas');
      checkSamples(header.samples);
      const bad = firstNonFinite(values);
      if (bad >= 0) throw new InvalidUpdateError('non-finite', `update value ${bad} is ${values[bad]}`);
      if (this.#plainFrom.has(clientId)) throw new InvalidUpdateError('duplicate', `client "${clientId}" already sent its update for this round`);
      this.#plain.add(values, header.samples);
      this.#plainFrom.set(clientId, header.samples);
    }
    client.missed = false;
    const ack = { round: this.round, bytes: body.byteLength };
    this.#maybeAdvance();
    return ack;
  }

  /**
   * The run's state: round, phase, clients, what is in, and every finished round's summary.
   *
   * @returns a snapshot
   */
  status(): FederatedStatus {
    this.poll();
    return {
      session: this.session, round: this.round, rounds: this.rounds, attempt: this.#attempt, phase: this.#phase,
      secure: this.secure, quorum: this.quorum, clients: [...this.#clients.values()].map((c) => ({ ...c })),
      received: this.secure ? (this.#phase === 'masked' ? [...this.#maskedFrom] : [...this.#commits.keys()]) : [...this.#plainFrom.keys()],
      resumedAt: this.resumedAt, modelVersion: this.#modelVersion, history: this.#history.map((h) => ({ ...h })),
      lastError: this.#lastError && { ...this.#lastError }, failures: this.#failures,
    };
  }

  /**
   * Listens to background failures; see {@link FederatedCoordinatorEvents}.
   *
   * @param event - `error`
   * @param listener - called with the typed error; exceptions it throws are ignored
   * @returns this coordinator
   * @example
   * ```ts
   * coordinator.on('error', (err) => log.error({ err }, 'federated round'));
   * ```
   */
  on<K extends keyof FederatedCoordinatorEvents>(event: K, listener: (...args: FederatedCoordinatorEvents[K]) => void): this {
    this.#events.on(event, listener);
    return this;
  }

  /**
   * Removes a listener added with {@link FederatedCoordinator.on}.
   *
   * @param event - the event
   * @param listener - the listener
   * @returns this coordinator
   */
  off<K extends keyof FederatedCoordinatorEvents>(event: K, listener: (...args: FederatedCoordinatorEvents[K]) => void): this {
    this.#events.off(event, listener);
    return this;
  }

  /**
   * Checks the current phase's deadline now (also done on a timer and on every request): aggregates with quorum,
   * extends a round without quorum, or restarts a masked attempt a participant dropped out of. Never throws: a
   * checkpoint that cannot be written is reported (`error` event, `status().lastError`) and retried after a backoff.
   */
  poll(): void {
    if (this.#closed || this.#phase === 'finished' || this.#now() < this.#deadline) return;
    const now = this.#now();
    // Every masked update is in (a checkpoint failed after the sum was complete): aggregate again, never restart.
    if (this.secure && this.#phase === 'masked' && this.#participants.length > 0 && this.#maskedFrom.size === this.#participants.length) {
      this.#aggregate();
      return;
    }
    if (!this.secure) {
      if (this.#plainFrom.size >= this.quorum) this.#aggregate();
      else this.#deadline = now + this.#opts.roundTimeoutMs;
      return;
    }
    if (this.#phase === 'collect') {
      if (this.#commits.size >= this.quorum) this.#startMasked();
      else this.#deadline = now + this.#opts.roundTimeoutMs;
      return;
    }
    // Masked phase past its deadline with updates missing: the masks of the missing cannot be removed.
    for (const p of this.#participants) {
      if (!this.#maskedFrom.has(p.id)) {
        const c = this.#clients.get(p.id);
        if (c) c.missed = true;
      }
    }
    this.#attempt++;
    this.#resetCollect();
  }

  /**
   * Resolves when every round is done.
   *
   * @param signal - stops waiting
   * @returns when finished
   * @throws `AbortError` when the signal fires
   * @throws `ClosedError` when the coordinator is closed before the last round is done (also for a call after
   *   `close()`); a run that had finished resolves even after `close()`
   */
  finished(signal?: AbortSignal): Promise<void> {
    if (this.#phase === 'finished') return Promise.resolve();
    if (this.#closed) return Promise.reject(new ClosedError('FederatedCoordinator'));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => { signal?.removeEventListener('abort', onAbort); resolve(); },
        reject: (err: Error) => { signal?.removeEventListener('abort', onAbort); reject(err); },
      };
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new AbortError('stopped waiting for the federation to finish', { cause: signal!.reason }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * Stops the deadline timer and settles every pending {@link FederatedCoordinator.finished} with a `ClosedError`
   * (the rounds are not done; nobody is left waiting forever). The last checkpoint stays on disk;
   * {@link FederatedCoordinator.open} resumes from it.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const w of this.#waiters.splice(0)) w.reject(new ClosedError('FederatedCoordinator'));
  }

  #client(id: string, principal: string | undefined): FederatedClientRecord {
    const c = typeof id === 'string' ? this.#clients.get(id) : undefined;
    if (!c) throw new NotFoundError(`unknown federated client "${String(id)}": join first`);
    if (c.principal !== principal) throw new ConflictError(`client id "${id}" belongs to another principal`);
    c.lastSeen = this.#now();
    return c;
  }

  #active(): FederatedClientRecord[] {
    return [...this.#clients.values()].filter((c) => !c.missed);
  }

  #openRound(): void {
    if (this.#completed >= this.rounds) {
      this.#phase = 'finished';
      for (const w of this.#waiters.splice(0)) w.resolve();
      return;
    }
    this.#attempt = 0;
    this.#openedAt = this.#now();
    this.#bytesIn = 0;
    this.#bytesOut = 0;
    this.#plain = new FedAvgAccumulator(this.#size);
    this.#plainFrom = new Map();
    this.#resetCollect();
  }

  #resetCollect(): void {
    this.#phase = 'collect';
    this.#commits = new Map();
    this.#participants = [];
    this.#maskedFrom = new Set();
    this.#ring = undefined;
    this.#deadline = this.#now() + this.#opts.roundTimeoutMs;
  }

  #startMasked(): void {
    this.#participants = [...this.#commits.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const c of this.#active()) if (!this.#commits.has(c.id)) c.missed = true;
    const total = this.#participants.reduce((n, p) => n + p.samples, 0);
    this.#scale = maskScale(this.#opts.clip, total, this.#participants.length);
    this.#ring = new RingSum(this.#size);
    this.#maskedFrom = new Set();
    this.#phase = 'masked';
    this.#deadline = this.#now() + this.#opts.roundTimeoutMs;
  }

  /** Closes the phase early when everyone expected is in. */
  #maybeAdvance(): void {
    if (this.#clients.size < this.#opts.minClients) return;
    if (this.secure && this.#phase === 'collect') {
      const active = this.#active();
      if (this.#commits.size >= this.quorum && active.every((c) => this.#commits.has(c.id))) this.#startMasked();
      return;
    }
    if (this.secure && this.#phase === 'masked') {
      if (this.#maskedFrom.size === this.#participants.length) this.#aggregate();
      return;
    }
    const active = this.#active();
    if (this.#plainFrom.size >= this.quorum && active.every((c) => this.#plainFrom.has(c.id))) this.#aggregate();
  }

  #aggregate(): void {
    let mean: Float32Array;
    let clients: string[];
    let samples: number;
    if (this.secure) {
      clients = this.#participants.map((p) => p.id);
      samples = this.#participants.reduce((n, p) => n + p.samples, 0);
      mean = this.#ring!.decode(this.#scale, samples);
    } else {
      clients = [...this.#plainFrom.keys()];
      samples = this.#plain.totalWeight;
      mean = this.#plain.mean();
    }
    const dropped = [...this.#clients.values()].filter((c) => !clients.includes(c.id));
    const next = applyDelta(this.#global, mean);
    const summary: RoundSummary = {
      round: this.round, attempts: this.#attempt + 1, clients, samples, dropped: dropped.map((c) => c.id), secure: this.secure,
      bytesIn: this.#bytesIn, bytesOut: this.#bytesOut, durationMs: this.#now() - this.#openedAt, deltaNorm: l2(mean),
    };
    // Durable first: a crash after this line resumes at the next round with this model. A failed write changes
    // nothing: the round stays open with every update kept, and is aggregated again after a backoff.
    try {
      writeCheckpoint(this.#opts.dir, {
        session: this.session, completed: this.#completed + 1, layout: this.layout, weights: next, history: [...this.#history, summary],
      }, this.#opts.keepCheckpoints);
    } catch (err) {
      const e = err instanceof AbiError ? err : new IOError(`cannot write federated checkpoint in ${this.#opts.dir}`, { cause: err });
      const delay = Math.min(CHECKPOINT_RETRY_MAX_MS, CHECKPOINT_RETRY_MS * 2 ** Math.min(this.#checkpointFailures++, 20));
      this.#deadline = this.#now() + delay;
      this.#report(e, this.#deadline);
      return;
    }
    this.#checkpointFailures = 0;
    if (this.#lastError?.code === 'IO_ERROR') this.#lastError = undefined;
    for (const c of dropped) c.missed = true;
    this.#history.push(summary);
    this.#global = next;
    this.#modelVersion = versionOf(next);
    this.#modelFrame = undefined;
    this.#completed++;
    this.#openRound();
    if (this.#onRound) {
      try {
        this.#onRound(summary);
      } catch (err) {
        this.#report(new CallbackError('onRound', err));
      }
    }
  }

  /** Records a background failure and tells the `error` listeners. */
  #report(err: AbiError, retryAt?: number): void {
    this.#failures++;
    this.#lastError = { code: err.code, message: err.message, at: this.#now(), ...(retryAt !== undefined ? { retryAt } : {}) };
    this.#events.emit('error', err);
  }
}

function checkSamples(samples: unknown): asserts samples is number {
  if (typeof samples !== 'number' || !Number.isInteger(samples) || samples < 1 || samples > 2 ** 31) {
    throw new ValidationError('samples must be a positive integer');
  }
}
