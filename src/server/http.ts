// Request plumbing on node:http: bounded JSON bodies, JSON answers, request ids, and the per-request context
// handed to routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Context, Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { ValidationError } from '../core/errors.js';
import type { ApiKeyInfo } from './auth/keys.js';
import { HttpError, type ErrorDialect } from './error-status.js';

/** Everything a route handler needs about the request being served. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Correlation id: the caller's `x-request-id` when well-formed, else a fresh UUID. */
  requestId: string;
  /** The caller's key, when authentication is on. */
  key: ApiKeyInfo | undefined;
  /** Fires when the client goes away before the answer is sent. */
  signal: AbortSignal;
  log: Logger;
  span: Span;
  /** The trace context holding the request's span (parent of inference spans). */
  otel: Context;
  /** Path parameters from the route pattern. */
  params: Record<string, string>;
  /** The route's error dialect. */
  dialect: ErrorDialect;
}

const REQUEST_ID_RE = /^[\w.:@/+=-]{1,128}$/;

/**
 * The correlation id of a request.
 *
 * @param req - the request
 * @returns the caller's well-formed `x-request-id`, else a new UUID
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
}

/**
 * Reads a JSON request body, refusing bodies past `maxBytes` (413) as soon as they pass it.
 *
 * @param req - the request
 * @param maxBytes - largest body accepted
 * @param options - `optional`: an empty body reads as `{}`
 * @returns the parsed body
 * @throws {@link HttpError} 413 past the limit, 415 for a non-JSON content type
 * @throws `ValidationError` for a body that is not JSON
 */
export async function readJson(req: IncomingMessage, maxBytes: number, options: { optional?: boolean } = {}): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/(.+\+)?json\b/i.test(type) && !/^text\/plain\b/i.test(type)) {
    throw new HttpError(415, 'INVALID_INPUT', `Unsupported content type "${type}": send application/json`);
  }
  const text = (await readBody(req, maxBytes)).toString('utf8');
  if (!text.trim()) {
    if (options.optional) return {};
    throw new ValidationError('Request body is empty: send a JSON object');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ValidationError(`Request body is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Reads a request body as bytes, refusing bodies past `maxBytes` (413) as soon as they pass it.
 *
 * @param req - the request
 * @param maxBytes - largest body accepted
 * @returns the body
 * @throws {@link HttpError} 413 past the limit
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Sends binary data.
 *
 * @param res - the response
 * @param status - HTTP status
 * @param body - the bytes
 * @param contentType - the content type
 */
export function sendBytes(res: ServerResponse, status: number, body: Uint8Array, contentType = 'application/octet-stream'): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': body.byteLength });
  res.end(body);
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'CAPACITY_EXCEEDED', `Request body is larger than the limit of ${maxBytes} bytes`);
}

/**
 * Sends a JSON answer (once; later calls are ignored).
 *
 * @param res - the response
 * @param status - HTTP status
 * @param body - JSON-serializable body
 * @param headers - extra headers
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers,
  });
  res.end(text);
}

/**
 * Sends plain text (Prometheus exposition, health probes).
 *
 * @param res - the response
 * @param status - HTTP status
 * @param text - the body
 * @param contentType - the content type
 */
export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
