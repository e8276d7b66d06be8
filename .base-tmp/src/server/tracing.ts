// OpenTelemetry around HTTP handling and inference: spans through @opentelemetry/api, which is a no-op until the
// application registers an SDK (and a propagator, for W3C `traceparent` to be read from incoming requests).
import type { IncomingHttpHeaders } from 'node:http';
import {
  context, propagation, type Context, type Span, SpanKind, SpanStatusCode, trace, type Tracer,
} from '@opentelemetry/api';
import { AbiError } from '../core/errors.js';

const TRACER_NAME = 'abi-sdk';

/** The server's tracer (the global provider's, resolved per call so a provider registered later is used). */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/**
 * The trace context a request carries (W3C `traceparent`/`tracestate` with the default propagator).
 *
 * @param headers - the request headers
 * @returns the extracted context, or the active one when the request has none
 */
export function extractContext(headers: IncomingHttpHeaders): Context {
  return propagation.extract(context.active(), headers);
}

/**
 * Starts the server span of a request as a child of the caller's trace.
 *
 * @param parent - the extracted context
 * @param name - span name, e.g. `POST /v1/embeddings`
 * @param attributes - HTTP attributes
 * @returns the span and the context that holds it
 */
export function startServerSpan(parent: Context, name: string, attributes: Record<string, string | number>): { span: Span; ctx: Context } {
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}

/**
 * Runs `fn` inside a child span named `name`, recording failures.
 *
 * @param ctx - the parent context (the request's)
 * @param name - span name, e.g. `abi.embed`
 * @param attributes - model, inputs
 * @param fn - the work
 * @returns what `fn` returns
 */
export async function inSpan<T>(ctx: Context, name: string, attributes: Record<string, string | number>, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes }, ctx);
  try {
    return await context.with(trace.setSpan(ctx, span), () => fn(span));
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Marks a span failed.
 *
 * @param span - the span
 * @param err - the error
 */
export function recordError(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  if (err instanceof AbiError) span.setAttribute('abi.error.code', err.code);
  if (err instanceof Error) span.recordException(err);
}

/**
 * A `fetch` that adds the active trace context (W3C `traceparent`/`tracestate` with the default propagator) to every
 * request. Give it to a connector (`new OpenAIConnector({ fetch: traceContextFetch() })`) whose calls run inside a
 * served request, so the remote provider's spans join the caller's trace. A no-op without an OpenTelemetry SDK.
 *
 * @param base - the fetch to wrap
 * @returns the wrapping fetch
 * @defaultValue base: globalThis.fetch
 * @example
 * ```ts
 * const upstream = new OpenAIConnector({ baseURL: 'http://gpu-box:8080/v1', fetch: traceContextFetch() });
 * ```
 */
export function traceContextFetch(base: typeof fetch = globalThis.fetch): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    if (Object.keys(carrier).length === 0) return base(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const [k, v] of Object.entries(carrier)) if (!headers.has(k)) headers.set(k, v);
    return base(input, { ...init, headers });
  }) as typeof fetch;
}
