/**
 * One table from `AbiErrorCode` to HTTP status, and the error bodies each protocol's clients expect
 * (OpenAI `{ error: { message, type, code } }`, TEI `{ error, error_type }`, Ollama `{ error }`).
 *
 * @module
 */
import { AbiError, type AbiErrorCode, type AbiErrorOptions, InvalidUpdateError } from '../core/errors.js';

/** Which protocol's error shape a route answers with. */
export type ErrorDialect = 'openai' | 'tei' | 'ollama';

/** HTTP status per error code. TEI answers validation failures with 422; see {@link httpStatusOf}. */
const STATUS: Readonly<Record<AbiErrorCode, number>> = {
  INVALID_INPUT: 400,
  INVALID_FILTER: 400,
  DIMENSION_MISMATCH: 400,
  NOT_FOUND: 404,
  CORRUPT_DATA: 500,
  LOCKED: 409,
  CONFLICT: 409,
  CLOSED: 503,
  ABORTED: 499,
  TIMEOUT: 504,
  BUSY: 503,
  CAPACITY_EXCEEDED: 413,
  UNSUPPORTED: 400,
  MODEL_LOAD_FAILED: 500,
  IO_ERROR: 500,
  NO_SPACE: 507,
  DURABILITY_LOST: 503,
  MISSING_API_KEY: 401,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  MODEL_LOADING: 503,
  MODEL_NOT_FOUND: 404,
  PROVIDER_ERROR: 502,
  INVALID_RESPONSE: 502,
  CONNECTION_ERROR: 502,
  CIRCUIT_OPEN: 503,
  WORKER_CRASHED: 503,
  POOL_UNHEALTHY: 503,
  CALLBACK_FAILED: 500,
  REPO_NOT_FOUND: 404,
  REVISION_NOT_FOUND: 404,
  ENTRY_NOT_FOUND: 404,
  GATED_REPO: 403,
  MODEL_NOT_CACHED: 404,
  MODEL_MISMATCH: 409,
  INVALID_UPDATE: 422,
  USAGE: 400,
  SOURCE_FAILED: 500,
  INTERNAL: 500,
};

/** TEI's `error_type` values (text-embeddings-inference `ErrorType`), plus the ones it has no name for. */
const TEI_TYPE: Partial<Record<AbiErrorCode, string>> = {
  INVALID_INPUT: 'Validation',
  DIMENSION_MISMATCH: 'Validation',
  UNSUPPORTED: 'Validation',
  CAPACITY_EXCEEDED: 'Validation',
  BUSY: 'Overloaded',
  RATE_LIMITED: 'Overloaded',
  CLOSED: 'Unhealthy',
  DURABILITY_LOST: 'Unhealthy',
  NO_SPACE: 'Backend',
  MODEL_LOADING: 'Unhealthy',
  WORKER_CRASHED: 'Backend',
  POOL_UNHEALTHY: 'Unhealthy',
  MODEL_LOAD_FAILED: 'Backend',
  UNAUTHORIZED: 'Unauthorized',
  MISSING_API_KEY: 'Unauthorized',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'NotFound',
  MODEL_NOT_FOUND: 'NotFound',
  INVALID_UPDATE: 'Validation',
};

/** OpenAI's `error.type` by status class, and `error.code` where OpenAI has a well-known one. */
const OPENAI_CODE: Partial<Record<AbiErrorCode, string>> = {
  UNAUTHORIZED: 'invalid_api_key',
  MISSING_API_KEY: 'invalid_api_key',
  RATE_LIMITED: 'rate_limit_exceeded',
  MODEL_NOT_FOUND: 'model_not_found',
};

function openaiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/**
 * An error with an explicit HTTP status for what has no `AbiErrorCode` of its own (405, 413).
 *
 * @internal
 */
export class HttpError extends AbiError {
  /** The status to send. */
  readonly status: number;
  /**
   * @param status - HTTP status
   * @param code - the closest stable code
   * @param message - description
   * @param options - cause
   */
  constructor(status: number, code: AbiErrorCode, message: string, options: AbiErrorOptions = {}) {
    super(code, message, options);
    this.status = status;
  }
}

/**
 * The HTTP status for an error thrown while serving a request. Non-abi errors are 500.
 *
 * @param err - what was thrown
 * @param dialect - TEI answers `INVALID_INPUT` with 422, like text-embeddings-inference
 * @returns the status code
 */
export function httpStatusOf(err: unknown, dialect: ErrorDialect = 'openai'): number {
  if (!(err instanceof AbiError)) return 500;
  if (err instanceof HttpError) return err.status;
  if (dialect === 'tei' && err.code === 'INVALID_INPUT') return 422;
  return STATUS[err.code];
}

/**
 * The error body a protocol's clients parse.
 *
 * @param err - what was thrown
 * @param status - the status being sent
 * @param dialect - the protocol
 * @returns a JSON-serializable body; internal errors say only "Internal server error"
 */
export function errorBody(err: unknown, status: number, dialect: ErrorDialect): unknown {
  const known = err instanceof AbiError;
  // Which check refused a federated update, so the client can tell "round moved on" from "bad delta".
  const param = err instanceof InvalidUpdateError ? err.reason : null;
  const message = known ? err.message : 'Internal server error';
  const code = known ? err.code : 'INTERNAL';
  switch (dialect) {
    case 'tei':
      return { error: message, error_type: (known && TEI_TYPE[err.code]) || (status >= 500 ? 'Backend' : 'Validation') };
    case 'ollama':
      return { error: message };
    default:
      return {
        error: {
          message, type: openaiType(status), param,
          code: (known && OPENAI_CODE[err.code]) || code.toLowerCase(),
        },
      };
  }
}
