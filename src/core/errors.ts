/**
 * The SDK's error hierarchy. Every error abi-sdk throws is an {@link AbiError} with a stable
 * {@link AbiErrorCode}; families are subclasses so `instanceof` works across the SDK.
 *
 * @module
 */

/**
 * Stable, machine-readable error codes. New codes may be added; existing codes never change meaning.
 *
 * | code | thrown as | meaning |
 * |---|---|---|
 * | `INVALID_INPUT` | {@link ValidationError} | an argument is malformed (empty id, NaN in a vector, bad option) |
 * | `INVALID_FILTER` | {@link InvalidFilterError} | a metadata filter does not parse |
 * | `DIMENSION_MISMATCH` | {@link DimensionMismatchError} | a vector's length differs from the store's or model's dimension |
 * | `NOT_FOUND` | {@link NotFoundError} | a named thing (file, model, record) does not exist |
 * | `CORRUPT_DATA` | {@link CorruptDataError} | a file failed its checksum, magic or structure checks |
 * | `LOCKED` | {@link LockedError} | another process or handle holds the write lock |
 * | `CONFLICT` | {@link ConflictError} | the operation conflicts with the current state |
 * | `CLOSED` | {@link ClosedError} | the object was closed or shut down |
 * | `ABORTED` | {@link AbortError} | the caller's `AbortSignal` fired |
 * | `TIMEOUT` | {@link TimeoutError} | the operation ran past its timeout |
 * | `BUSY` | {@link OverloadedError} | a bounded queue is full; retry later |
 * | `CAPACITY_EXCEEDED` | {@link CapacityError} | a fixed capacity would be exceeded (e.g. the 4 GiB of a wasm32 memory) |
 * | `UNSUPPORTED` | {@link UnsupportedError} | the feature is not available here (device, format, operation) |
 * | `MODEL_LOAD_FAILED` | {@link ModelLoadError} | a model folder could not be loaded |
 * | `IO_ERROR` | {@link IOError} | the file system failed (permissions, EIO); `errno` holds the system code |
 * | `NO_SPACE` | {@link NoSpaceError} | the disk or quota is full (ENOSPC, EDQUOT); nothing was applied, retry once space is freed |
 * | `DURABILITY_LOST` | {@link DurabilityError} | an fsync failed: the store refuses writes until reopened (reopening recovers from the log) |
 * | `MISSING_API_KEY` | {@link MissingApiKeyError} | a connector has no credentials |
 * | `UNAUTHORIZED` | {@link AuthenticationError} | credentials were rejected (HTTP 401) |
 * | `FORBIDDEN` | {@link PermissionDeniedError} | credentials lack permission (HTTP 403) |
 * | `RATE_LIMITED` | {@link RateLimitError} | the provider or a local limiter refused for rate (HTTP 429) |
 * | `MODEL_LOADING` | {@link ModelLoadingError} | the provider is still loading the model (Hugging Face 503) |
 * | `MODEL_NOT_FOUND` | {@link ModelNotFoundError} | the provider does not know the model (Ollama 404) |
 * | `PROVIDER_ERROR` | {@link ProviderError} | the provider answered with another error status |
 * | `INVALID_RESPONSE` | {@link InvalidResponseError} | the provider's answer does not have the expected shape |
 * | `CONNECTION_ERROR` | {@link ConnectionError} | the request never got an answer (refused, reset, DNS) |
 * | `CIRCUIT_OPEN` | {@link CircuitOpenError} | the circuit breaker is open for this endpoint |
 * | `WORKER_CRASHED` | {@link WorkerCrashedError} | a scheduler worker died while running the job |
 * | `CALLBACK_FAILED` | {@link CallbackError} | a callback you passed (e.g. `onBatch`, `onRound`) threw; `cause` holds what it threw |
 * | `POOL_UNHEALTHY` | {@link PoolUnhealthyError} | a worker pool's workers keep dying at start; it refuses work until a respawn succeeds |
 * | `REPO_NOT_FOUND` | {@link RepoNotFoundError} | the Hugging Face Hub has no such model repository (or it is private) |
 * | `REVISION_NOT_FOUND` | {@link RevisionNotFoundError} | the repository has no such branch, tag or commit |
 * | `ENTRY_NOT_FOUND` | {@link EntryNotFoundError} | the repository has no such file at that revision |
 * | `GATED_REPO` | {@link GatedRepoError} | the model is gated: accept its terms on the Hub and pass a token |
 * | `MODEL_NOT_CACHED` | {@link ModelNotCachedError} | offline, and the model is not in the local cache |
 * | `MODEL_MISMATCH` | {@link ModelMismatchError} | an artifact (e.g. a trained adapter) belongs to another base model |
 * | `INVALID_UPDATE` | {@link InvalidUpdateError} | a federated client's model update has the wrong shape, round or non-finite values |
 * | `USAGE` | {@link UsageError} | a command line or config file is malformed (unknown flag, bad value, bad field) |
 * | `SOURCE_FAILED` | {@link SourceError} | the caller's iterable a stream reads from threw (e.g. a malformed line); what was written before stays |
 */
export type AbiErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_FILTER'
  | 'DIMENSION_MISMATCH'
  | 'NOT_FOUND'
  | 'CORRUPT_DATA'
  | 'LOCKED'
  | 'CONFLICT'
  | 'CLOSED'
  | 'ABORTED'
  | 'TIMEOUT'
  | 'BUSY'
  | 'CAPACITY_EXCEEDED'
  | 'UNSUPPORTED'
  | 'MODEL_LOAD_FAILED'
  | 'IO_ERROR'
  | 'NO_SPACE'
  | 'DURABILITY_LOST'
  | 'MISSING_API_KEY'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'MODEL_LOADING'
  | 'MODEL_NOT_FOUND'
  | 'PROVIDER_ERROR'
  | 'INVALID_RESPONSE'
  | 'CONNECTION_ERROR'
  | 'CIRCUIT_OPEN'
  | 'WORKER_CRASHED'
  | 'POOL_UNHEALTHY'
  | 'CALLBACK_FAILED'
  | 'REPO_NOT_FOUND'
  | 'REVISION_NOT_FOUND'
  | 'ENTRY_NOT_FOUND'
  | 'GATED_REPO'
  | 'MODEL_NOT_CACHED'
  | 'MODEL_MISMATCH'
  | 'INVALID_UPDATE'
  | 'USAGE'
  | 'SOURCE_FAILED'
  | 'INTERNAL';

/** Options common to every {@link AbiError} constructor. */
export interface AbiErrorOptions {
  /** The underlying error (a vendor error, a system error), kept for debugging. */
  cause?: unknown;
  /** Overrides the family's default for whether retrying the same call may succeed. */
  retryable?: boolean;
}

/**
 * Base class of every error abi-sdk throws.
 *
 * @example
 * ```ts
 * try { await store.upsert(records); }
 * catch (err) { if (err instanceof AbiError && err.code === 'DIMENSION_MISMATCH') { ... } }
 * ```
 */
export class AbiError extends Error {
  /** Stable machine-readable code; see {@link AbiErrorCode}. */
  readonly code: AbiErrorCode;
  /** Whether repeating the same call later may succeed (rate limits, timeouts, 5xx). */
  readonly retryable: boolean;

  /**
   * Creates the error.
   *
   * @param code - the stable error code
   * @param message - a human-readable description (never contains secrets)
   * @param options - cause and retryability
   */
  constructor(code: AbiErrorCode, message: string, options: AbiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** An argument is malformed: empty ids, non-finite numbers, unknown options. Code `INVALID_INPUT`. */
export class ValidationError extends AbiError {
  /**
   * Creates the error.
   *
   * @param message - what is wrong and where
   * @param options - cause
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super('INVALID_INPUT', message, options);
  }
}

/**
 * A data file (e.g. training pairs as JSONL) has a malformed record. Code `INVALID_INPUT`; `line` says where.
 *
 * @example
 * ```ts
 * try { await readPairsJsonl('pairs.jsonl'); } catch (err) { if (err instanceof DataFormatError) console.log(err.line); }
 * ```
 */
export class DataFormatError extends ValidationError {
  /** 1-based line number of the bad record. */
  readonly line: number;
  /** The file (or source name) it came from. */
  readonly source: string;
  /**
   * Creates the error.
   *
   * @param message - what is wrong with the record
   * @param source - the file or source name
   * @param line - 1-based line number
   * @param options - cause
   */
  constructor(message: string, source: string, line: number, options: AbiErrorOptions = {}) {
    super(`${source}:${line}: ${message}`, options);
    this.line = line;
    this.source = source;
  }
}

/** A metadata filter does not parse (unknown operator, wrong operand type). Code `INVALID_FILTER`. */
export class InvalidFilterError extends AbiError {
  /** Path inside the filter where the problem was found, e.g. `$and[1].year.$gte`. */
  readonly path: string;
  /**
   * Creates the error.
   *
   * @param message - what is wrong
   * @param path - where in the filter
   */
  constructor(message: string, path: string) {
    super('INVALID_FILTER', `${message} (at ${path || 'filter root'})`);
    this.path = path;
  }
}

/**
 * Base of what the vector store says about its data and files: corrupt or inconsistent data, a held lock, a vector
 * of the wrong dimension. Catch it to handle "the store refused" in one clause, as {@link ConnectorError} does for
 * providers; argument checks stay {@link ValidationError}, closed handles {@link ClosedError}.
 *
 * @example
 * ```ts
 * try { await VectorStore.open({ path: './data', dimension: 384 }); }
 * catch (err) { if (err instanceof StoreError) console.error(`store ${err.code}: ${err.message}`); }
 * ```
 */
export class StoreError extends AbiError {
  /**
   * Creates the error.
   *
   * @param code - the stable code
   * @param message - what failed
   * @param options - cause, retryable
   */
  constructor(code: AbiErrorCode, message: string, options: AbiErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A vector's length differs from the expected dimension. Code `DIMENSION_MISMATCH`. */
export class DimensionMismatchError extends StoreError {
  /** The dimension the store or model expects. */
  readonly expected: number;
  /** The dimension that was given. */
  readonly actual: number;
  /**
   * Creates the error.
   *
   * @param expected - the expected dimension
   * @param actual - the given dimension
   * @param context - what was being checked, e.g. `record "a"`
   */
  constructor(expected: number, actual: number, context = 'vector') {
    super('DIMENSION_MISMATCH', `${context} has dimension ${actual}, expected ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** A named thing (file, model, record, endpoint) does not exist. Code `NOT_FOUND`. */
export class NotFoundError extends AbiError {
  /**
   * Creates the error.
   *
   * @param message - what was not found
   * @param options - cause
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super('NOT_FOUND', message, options);
  }
}

/** A file failed its checksum, magic number, version or structure checks. Code `CORRUPT_DATA`. */
export class CorruptDataError extends StoreError {
  /** The file that is corrupt, when known. */
  readonly file: string | undefined;
  /**
   * Creates the error.
   *
   * @param message - what check failed
   * @param file - the file's path
   * @param options - cause
   */
  constructor(message: string, file?: string, options: AbiErrorOptions = {}) {
    super('CORRUPT_DATA', file ? `${message} (${file})` : message, options);
    this.file = file;
  }
}

/** Another process or handle holds the write lock. Code `LOCKED`. */
export class LockedError extends StoreError {
  /**
   * Creates the error.
   *
   * @param message - what is locked, and by whom when known
   * @param options - cause
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super('LOCKED', message, options);
  }
}

/**
 * The store's own in-memory state broke an invariant (an index insert out of order, a slot with no row, a section
 * that wrote other than it announced): a bug, not bad input. Code `INTERNAL`.
 */
export class StoreIntegrityError extends StoreError {
  /**
   * Creates the error.
   *
   * @param message - which invariant failed
   * @param options - cause
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super('INTERNAL', message, options);
  }
}

/** The operation conflicts with the current state (e.g. an id already exists where it must not). Code `CONFLICT`. */
export class ConflictError extends AbiError {
  /**
   * Creates the error.
   *
   * @param message - the conflict
   * @param options - cause
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super('CONFLICT', message, options);
  }
}

/** The object was closed or shut down before or during the call. Code `CLOSED`. */
export class ClosedError extends AbiError {
  /**
   * Creates the error.
   *
   * @param what - what was closed, e.g. `VectorStore`
   */
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}

/** The caller's `AbortSignal` fired. Code `ABORTED`. Never retried. */
export class AbortError extends AbiError {
  /**
   * Creates the error.
   *
   * @param message - defaults to "The operation was aborted"
   * @param options - cause (the signal's reason)
   */
  constructor(message = 'The operation was aborted', options: AbiErrorOptions = {}) {
    super('ABORTED', message, options);
  }
}

/** The operation ran past its timeout. Code `TIMEOUT`. Retryable. */
export class TimeoutError extends AbiError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Creates the error.
   *
   * @param timeoutMs - the timeout in milliseconds
   * @param what - what timed out
   * @param options - cause
   */
  constructor(timeoutMs: number, what = 'operation', options: AbiErrorOptions = {}) {
    super('TIMEOUT', `${what} timed out after ${timeoutMs} ms`, { retryable: true, ...options });
    this.timeoutMs = timeoutMs;
  }
}

/** A bounded queue is full; the request was refused at once. Code `BUSY`. Retryable. */
export class OverloadedError extends AbiError {
  /**
   * Creates the error.
   *
   * @param message - which limit was hit
   * @param options - cause
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super('BUSY', message, { retryable: true, ...options });
  }
}

/**
 * A fixed capacity would be exceeded: a WebAssembly memory cannot grow past its maximum (4 GiB for wasm32), or
 * the engine refused to grow it. Code `CAPACITY_EXCEEDED`. Not retryable: free space or split the data.
 */
export class CapacityError extends AbiError {
  /** The size that was requested, in bytes, when known. */
  readonly requestedBytes: number | undefined;
  /** The limit that applies, in bytes, when known. */
  readonly limitBytes: number | undefined;
  /**
   * @param message - what was being allocated and which limit applies
   * @param options - cause, requested size and limit
   */
  constructor(message: string, options: AbiErrorOptions & { requestedBytes?: number; limitBytes?: number } = {}) {
    super('CAPACITY_EXCEEDED', message, options);
    this.requestedBytes = options.requestedBytes;
    this.limitBytes = options.limitBytes;
  }
}

/** The feature is not available in this environment (device, file format, operation). Code `UNSUPPORTED`. */
export class UnsupportedError extends AbiError {
  /**
   * Creates the error.
   *
   * @param message - what is unsupported and, where possible, what to do instead
   * @param options - cause
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super('UNSUPPORTED', message, options);
  }
}

/** A model folder could not be loaded (missing file, bad graph, unparsable tokenizer). Code `MODEL_LOAD_FAILED`. */
export class ModelLoadError extends AbiError {
  /** The model folder or file. */
  readonly path: string | undefined;
  /**
   * Creates the error.
   *
   * @param message - what failed
   * @param path - the folder or file
   * @param options - cause
   */
  constructor(message: string, path?: string, options: AbiErrorOptions = {}) {
    super('MODEL_LOAD_FAILED', path ? `${message} (${path})` : message, options);
    this.path = path;
  }
}

/** The system error code (`EIO`, `ENOSPC`…) found on an error or along its `cause` chain. */
function errnoIn(err: unknown): string | undefined {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
  }
  return undefined;
}

/** The file system failed (permission denied, EIO). Code `IO_ERROR`; `errno` holds the system code when known. */
export class IOError extends AbiError {
  /** The system error code of the cause (`EIO`, `EACCES`…), when known. */
  readonly errno: string | undefined;

  /**
   * Creates the error.
   *
   * @param message - what operation failed
   * @param options - cause (the Node.js system error)
   * @param code - the code (subclasses)
   */
  constructor(message: string, options: AbiErrorOptions = {}, code: AbiErrorCode = 'IO_ERROR') {
    super(code, message, options);
    this.errno = errnoIn(options.cause);
  }
}

/**
 * The disk or the user's quota is full (ENOSPC, EDQUOT). Code `NO_SPACE`, retryable: the failed write was not
 * applied, and the same object accepts writes again once space is freed (no reopen needed).
 */
export class NoSpaceError extends IOError {
  /**
   * Creates the error.
   *
   * @param message - what operation failed
   * @param options - cause (the Node.js system error)
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super(message, { retryable: true, ...options }, 'NO_SPACE');
  }
}

/**
 * An fsync (or fdatasync) of a store's files failed, so data the kernel held for them may be lost, and a later fsync
 * could succeed falsely (PostgreSQL's 2018 lesson). Code `DURABILITY_LOST`. The store stays readable but rejects
 * every later write, `flush()` and `close()`'s final flush; reopening it recovers every acknowledged write from the
 * log. Not retryable on the same handle.
 */
export class DurabilityError extends StoreError {
  /**
   * Creates the error.
   *
   * @param path - the store directory
   * @param options - cause (the failed fsync's error)
   */
  constructor(path: string | undefined, options: AbiErrorOptions = {}) {
    const why = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('DURABILITY_LOST', `store ${path ?? '(memory)'} lost durability (an fsync failed${why}); it refuses writes until reopened, and reopening recovers every acknowledged write from the log`, options);
  }
}

/** A scheduler worker died while running the job. Code `WORKER_CRASHED`. Retryable. */
export class WorkerCrashedError extends AbiError {
  /**
   * Creates the error.
   *
   * @param message - which worker and why, when known
   * @param options - cause
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super('WORKER_CRASHED', message, { retryable: true, ...options });
  }
}

/**
 * A callback given to the SDK (`LocalSchedulerOptions.onBatch`, `FederatedCoordinatorOptions.onRound`) threw. The
 * SDK catches it so that it fails only the work it was called for (the batch's jobs), never the process or other
 * callers; `cause` holds what the callback threw. Code `CALLBACK_FAILED`.
 *
 * @example
 * ```ts
 * try { await scheduler.embed('minilm', texts); }
 * catch (err) { if (err instanceof CallbackError) console.error('onBatch failed:', err.cause); }
 * ```
 */
export class CallbackError extends AbiError {
  /** Which callback threw, e.g. `onBatch`. */
  readonly callback: string;
  /**
   * Creates the error.
   *
   * @param callback - the callback's option name
   * @param cause - what it threw
   */
  constructor(callback: string, cause: unknown) {
    super('CALLBACK_FAILED', `${callback} threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.callback = callback;
  }
}

/**
 * A worker pool (the local scheduler's, the store's encode pool) is in a crash loop: its workers died at start
 * more times in a row than the pool allows, so it refuses work at once instead of queueing it behind respawns
 * that keep failing. Code `POOL_UNHEALTHY` (HTTP 503). Retryable: the pool keeps trying to respawn at its
 * longest backoff and takes work again as soon as a worker comes up.
 *
 * @example
 * ```ts
 * try { await scheduler.embed('minilm', texts); }
 * catch (err) { if (err instanceof PoolUnhealthyError) console.error(scheduler.health().reason); }
 * ```
 */
export class PoolUnhealthyError extends AbiError {
  /**
   * Creates the error.
   *
   * @param message - which pool and why (the last crash)
   * @param options - cause (the last worker error)
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super('POOL_UNHEALTHY', message, { retryable: true, ...options });
  }
}

/**
 * A federated client's model update was refused: wrong length or layout, NaN/Inf values, a frame that does not
 * decode, or an update for a round or attempt that is not open. Code `INVALID_UPDATE` (HTTP 422). The update is
 * dropped; the round goes on with the other clients.
 */
export class InvalidUpdateError extends AbiError {
  /** Why the update was refused, e.g. `shape`, `non-finite`, `round`, `frame`. */
  readonly reason: 'shape' | 'non-finite' | 'round' | 'frame' | 'duplicate' | 'participant';
  /**
   * Creates the error.
   *
   * @param reason - the failed check
   * @param message - what is wrong
   * @param options - cause
   */
  constructor(reason: InvalidUpdateError['reason'], message: string, options: AbiErrorOptions = {}) {
    super('INVALID_UPDATE', message, options);
    this.reason = reason;
  }
}

/** Fields of a {@link ConnectorError}. */
export interface ConnectorErrorOptions extends AbiErrorOptions {
  /** Provider name, e.g. `openai`, `ollama`, `huggingface`, `local-scheduler`. */
  provider: string;
  /** HTTP status, when the provider answered. */
  status?: number;
  /** The provider's request id, when it sent one. */
  requestId?: string;
  /** The provider's error body (parsed JSON or text), secrets removed. */
  body?: unknown;
  /** How long the provider asked to wait before retrying (`Retry-After`), in milliseconds, when it said. */
  retryAfterMs?: number;
}

/**
 * An error talking to a model provider. Subclasses narrow it by cause; {@link connectorErrorFromStatus}
 * builds the right one from an HTTP status.
 */
export class ConnectorError extends AbiError {
  /** Provider name. */
  readonly provider: string;
  /** HTTP status, when the provider answered. */
  readonly status: number | undefined;
  /** The provider's request id, when it sent one. */
  readonly requestId: string | undefined;
  /** The provider's error body, secrets removed. */
  readonly body: unknown;
  /** How long the provider asked to wait before retrying, in milliseconds, when it said (`Retry-After`). */
  readonly retryAfterMs: number | undefined;
  /**
   * Creates the error.
   *
   * @param code - the stable code
   * @param message - the provider's message or a description
   * @param options - provider, status, request id, body, retry-after, cause, retryable
   */
  constructor(code: AbiErrorCode, message: string, options: ConnectorErrorOptions) {
    super(code, message, options);
    this.provider = options.provider;
    this.status = options.status;
    this.requestId = options.requestId;
    this.body = options.body;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** No API key was configured for a provider that needs one. Code `MISSING_API_KEY`. */
export class MissingApiKeyError extends ConnectorError {
  /**
   * Creates the error.
   *
   * @param provider - the provider
   * @param envVars - the environment variables that were consulted, in precedence order
   */
  constructor(provider: string, envVars: readonly string[]) {
    super('MISSING_API_KEY', `No API key for ${provider}: pass apiKey or set ${envVars.join(' or ')}`, { provider });
  }
}

/** The provider rejected the credentials (HTTP 401). Code `UNAUTHORIZED`. */
export class AuthenticationError extends ConnectorError {
  /**
   * Creates the error.
   *
   * @param message - the provider's message
   * @param options - provider and response details
   */
  constructor(message: string, options: ConnectorErrorOptions) {
    super('UNAUTHORIZED', message, options);
  }
}

/** The credentials lack permission (HTTP 403). Code `FORBIDDEN`. */
export class PermissionDeniedError extends ConnectorError {
  /**
   * Creates the error.
   *
   * @param message - the provider's message
   * @param options - provider and response details
   */
  constructor(message: string, options: ConnectorErrorOptions) {
    super('FORBIDDEN', message, options);
  }
}

/** Refused for rate (HTTP 429 or a local limiter). Code `RATE_LIMITED`. Retryable. */
export class RateLimitError extends ConnectorError {
  /**
   * Creates the error.
   *
   * @param message - the provider's message
   * @param options - provider, response details and the requested wait (`retryAfterMs`)
   */
  constructor(message: string, options: ConnectorErrorOptions) {
    super('RATE_LIMITED', message, { retryable: true, ...options });
  }
}

/** The provider is still loading the model (Hugging Face 503). Code `MODEL_LOADING`. Retryable. */
export class ModelLoadingError extends ConnectorError {
  /** The provider's estimate of the remaining load time, in milliseconds, when it sent one. */
  readonly estimatedMs: number | undefined;
  /**
   * Creates the error.
   *
   * @param message - the provider's message
   * @param options - provider, response details and estimate
   */
  constructor(message: string, options: ConnectorErrorOptions & { estimatedMs?: number }) {
    super('MODEL_LOADING', message, { retryable: true, ...options });
    this.estimatedMs = options.estimatedMs;
  }
}

/** The provider does not know the model (Ollama 404). Code `MODEL_NOT_FOUND`. */
export class ModelNotFoundError extends ConnectorError {
  /**
   * Creates the error.
   *
   * @param message - the provider's message
   * @param options - provider and response details
   */
  constructor(message: string, options: ConnectorErrorOptions) {
    super('MODEL_NOT_FOUND', message, options);
  }
}

/** The provider answered with an error status not covered by a narrower class. Code `PROVIDER_ERROR`. */
export class ProviderError extends ConnectorError {
  /**
   * Creates the error.
   *
   * @param message - the provider's message
   * @param options - provider and response details; 408 and 5xx are retryable by default
   */
  constructor(message: string, options: ConnectorErrorOptions) {
    const s = options.status;
    super('PROVIDER_ERROR', message, { retryable: s === 408 || (s !== undefined && s >= 500), ...options });
  }
}

/** The provider's answer does not have the expected shape (bad JSON, wrong count). Code `INVALID_RESPONSE`. */
export class InvalidResponseError extends ConnectorError {
  /**
   * Creates the error.
   *
   * @param message - what was wrong with the answer
   * @param options - provider and response details
   */
  constructor(message: string, options: ConnectorErrorOptions) {
    super('INVALID_RESPONSE', message, options);
  }
}

/** The request got no answer (refused, reset, DNS failure). Code `CONNECTION_ERROR`. Retryable. */
export class ConnectionError extends ConnectorError {
  /**
   * Creates the error.
   *
   * @param message - what failed
   * @param options - provider and cause
   */
  constructor(message: string, options: ConnectorErrorOptions) {
    super('CONNECTION_ERROR', message, { retryable: true, ...options });
  }
}

/** The circuit breaker is open; the call was not attempted. Code `CIRCUIT_OPEN`. Retryable later. */
export class CircuitOpenError extends ConnectorError {
  /**
   * Creates the error.
   *
   * @param message - which circuit
   * @param options - provider
   */
  constructor(message: string, options: ConnectorErrorOptions) {
    super('CIRCUIT_OPEN', message, { retryable: true, ...options });
  }
}

/** Fields of a {@link HubError}. */
export interface HubErrorOptions extends Omit<ConnectorErrorOptions, 'provider'> {
  /** The repository, e.g. `BAAI/bge-small-en-v1.5`. */
  repoId: string;
  /** The revision asked for (branch, tag or commit). */
  revision: string;
  /** The file inside the repository, when the error is about one file. */
  path?: string;
}

/**
 * An error from the Hugging Face Hub while fetching a model (provider `huggingface-hub`). The narrower subclasses
 * say why; a plain `HubError` carries `UNAUTHORIZED` (401: no or bad token), `FORBIDDEN` (403), `PROVIDER_ERROR`
 * (5xx, retryable) or `INVALID_RESPONSE`. Messages never contain the token.
 */
export class HubError extends ConnectorError {
  /** The repository. */
  readonly repoId: string;
  /** The revision asked for. */
  readonly revision: string;
  /** The file, when the error is about one file. */
  readonly path: string | undefined;
  /**
   * Creates the error.
   *
   * @param code - the stable code
   * @param message - what failed, naming the model and revision
   * @param options - repository, revision, file, HTTP status, cause
   */
  constructor(code: AbiErrorCode, message: string, options: HubErrorOptions) {
    super(code, message, { ...options, provider: 'huggingface-hub' });
    this.repoId = options.repoId;
    this.revision = options.revision;
    this.path = options.path;
  }
}

/** The Hub has no such repository, or it is private and the token (if any) cannot see it. Code `REPO_NOT_FOUND`. */
export class RepoNotFoundError extends HubError {
  /**
   * Creates the error.
   *
   * @param message - what was asked for
   * @param options - repository, revision, status
   */
  constructor(message: string, options: HubErrorOptions) {
    super('REPO_NOT_FOUND', message, options);
  }
}

/** The repository exists but has no such branch, tag or commit. Code `REVISION_NOT_FOUND`. */
export class RevisionNotFoundError extends HubError {
  /**
   * Creates the error.
   *
   * @param message - what was asked for
   * @param options - repository, revision, status
   */
  constructor(message: string, options: HubErrorOptions) {
    super('REVISION_NOT_FOUND', message, options);
  }
}

/** The repository has no such file at the revision. Code `ENTRY_NOT_FOUND`. */
export class EntryNotFoundError extends HubError {
  /**
   * Creates the error.
   *
   * @param message - what was asked for
   * @param options - repository, revision, file, status
   */
  constructor(message: string, options: HubErrorOptions) {
    super('ENTRY_NOT_FOUND', message, options);
  }
}

/** The model is gated: accept its terms on its Hub page, then pass a token (`HF_TOKEN`). Code `GATED_REPO`. */
export class GatedRepoError extends HubError {
  /**
   * Creates the error.
   *
   * @param message - what was asked for and what to do
   * @param options - repository, revision, status
   */
  constructor(message: string, options: HubErrorOptions) {
    super('GATED_REPO', message, options);
  }
}

/**
 * The model is not in the local Hugging Face cache and the Hub may not be asked (`HF_HUB_OFFLINE=1`, `offline: true`)
 * or cannot be reached. The message names the model, the revision and the command that fetches it. Code
 * `MODEL_NOT_CACHED`.
 */
export class ModelNotCachedError extends AbiError {
  /** The repository. */
  readonly repoId: string;
  /** The revision asked for. */
  readonly revision: string;
  /**
   * Creates the error.
   *
   * @param repoId - the repository
   * @param revision - the revision
   * @param reason - why the Hub was not asked, e.g. `HF_HUB_OFFLINE=1`
   * @param options - cause
   */
  constructor(repoId: string, revision: string, reason: string, options: AbiErrorOptions = {}) {
    const pull = `npx abi-sdk models pull ${repoId}${revision === 'main' ? '' : ` --revision ${revision}`}`;
    super('MODEL_NOT_CACHED', `model ${repoId} (revision ${revision}) is not in the local cache and ${reason}; ` +
      `fetch it with \`${pull}\` while online`, options);
    this.repoId = repoId;
    this.revision = revision;
  }
}

/**
 * A command line or configuration file is malformed: an unknown flag, a missing argument, a bad value, a config field
 * of the wrong type. Code `USAGE`; the `abi-sdk` command line exits with status 2 on it.
 *
 * @example
 * ```ts
 * throw new UsageError('--chunk-overlap must be smaller than --chunk-size');
 * ```
 */
export class UsageError extends AbiError {
  /**
   * Creates the error.
   *
   * @param message - one line saying what is wrong and where (flag, file, field)
   * @param options - cause
   */
  constructor(message: string, options: AbiErrorOptions = {}) {
    super('USAGE', message, options);
  }
}

/**
 * An artifact was made for another model: a trained adapter loaded on top of a base embedder whose id, dimension or
 * output differ from the one it was trained on. Code `MODEL_MISMATCH`.
 *
 * @example
 * ```ts
 * try { new AdaptedEmbedder(base, loaded); } catch (err) { if (err instanceof ModelMismatchError) console.log(err.expected); }
 * ```
 */
export class ModelMismatchError extends AbiError {
  /** What the artifact expects (e.g. `minilm-l6 (384-d)`). */
  readonly expected: string;
  /** What was given. */
  readonly actual: string;
  /**
   * Creates the error.
   *
   * @param message - what does not match
   * @param expected - the artifact's model
   * @param actual - the given model
   * @param options - cause
   */
  constructor(message: string, expected: string, actual: string, options: AbiErrorOptions = {}) {
    super('MODEL_MISMATCH', message, options);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * Builds the narrowest {@link ConnectorError} for an HTTP error status, as openai-node's `APIError.generate()` does.
 *
 * @param status - the HTTP status
 * @param message - the provider's message
 * @param options - provider, request id, body, cause, retry-after
 * @returns the typed error (not thrown)
 */
export function connectorErrorFromStatus(
  status: number,
  message: string,
  options: ConnectorErrorOptions,
): ConnectorError {
  const o = { ...options, status };
  if (status === 401) return new AuthenticationError(message, o);
  if (status === 403) return new PermissionDeniedError(message, o);
  if (status === 429) return new RateLimitError(message, o);
  return new ProviderError(message, o);
}

/**
 * True when `err` is an {@link AbiError}, optionally with the given code.
 *
 * @param err - any thrown value
 * @param code - the code to match
 * @returns whether it matches
 */
export function isAbiError(err: unknown, code?: AbiErrorCode): err is AbiError {
  return err instanceof AbiError && (code === undefined || err.code === code);
}

/**
 * The iterable a stream reads from (records for `upsertStream`, texts for `embedStream`) threw. Whole batches
 * written before it stay written; `written` says how many records, so a caller can resume after them. The source's
 * own error is the `cause`. Code `SOURCE_FAILED`.
 */
export class SourceError extends AbiError {
  /** Records written before the source failed. */
  readonly written: number;

  /**
   * Creates the error.
   *
   * @param written - records written before the failure
   * @param options - cause (the source's error)
   */
  constructor(written: number, options: AbiErrorOptions = {}) {
    const why = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('SOURCE_FAILED', `the record source failed after ${written} records were written${why}`, options);
    this.written = written;
  }
}
