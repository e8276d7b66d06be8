/**
 * Recognising transport failures (refused, reset, closed mid-body) in whatever a client, `fetch` or a driver threw.
 * Shared by the connectors and the remote vector-store backends, so it lives below both.
 *
 * @module
 * @internal
 */

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);
const NETWORK_MESSAGES = /fetch failed|terminated|other side closed|socket hang up|network error|connection error|premature close/i;

/**
 * Whether an error (or anything in its `cause` chain) is a transport failure: refused, reset, closed mid-body.
 *
 * @internal
 */
export function isNetworkError(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e !== 'object') break;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    const name = (e as { name?: unknown }).name;
    if (name === 'APIConnectionError' || name === 'SocketError') return true;
    const message = (e as { message?: unknown }).message;
    if ((name === 'TypeError' || name === 'Error') && typeof message === 'string' && NETWORK_MESSAGES.test(message)) return true;
  }
  return false;
}
