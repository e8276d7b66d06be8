// The server's contract: for every route the router can mount (keyed `METHOD path`), what it takes and what it
// answers, as zod schemas. Handlers validate requests through these schemas (schemas/validate.ts) and the OpenAPI
// document is generated from them (openapi.ts), so what is accepted and what is documented cannot drift apart.
import { UnsupportedError } from '../core/errors.js';
import type { z } from 'zod';
import { ApiKeyInfo, CreateKeyRequest, IssuedKey, KeyList, RotateKeyRequest } from './schemas/admin.js';
import { ArrowStream, EncodeQuery, EncodeRequest } from './schemas/encode.js';
import { CommitAck, CommitRequest, FederatedStatus, JoinInfo, JoinRequest, RoundInfo, UpdateAck } from './schemas/federated.js';
import { OllamaEmbedRequest, OllamaEmbedResponse, OllamaTags } from './schemas/ollama.js';
import { OpenAIEmbeddingsRequest, OpenAIEmbeddingsResponse, OpenAIModel, OpenAIModelList } from './schemas/openai.js';
import { Health, OpenApiDocument, Readiness } from './schemas/ops.js';
import { TeiEmbedRequest, TeiEmbedResponse, TeiRerankRequest, TeiRerankResponse } from './schemas/tei.js';

/** A request or answer body: a schema for JSON (and CBOR), or a binary media type. */
export interface BodyContract {
  /** JSON schema of the body; absent for binary bodies. */
  schema?: z.ZodType;
  /** Binary media type (federated frames, Arrow, CBOR-only bodies); with `schema` it names a second encoding. */
  media?: string;
}

/** What one route takes and answers. */
export interface RouteContract {
  /** One line for the OpenAPI operation. */
  summary: string;
  /** Group in the rendered reference. */
  tag: 'OpenAI' | 'TEI' | 'Ollama' | 'Encode' | 'Admin' | 'Federated' | 'Operations';
  /** The request body. */
  request?: {
    schema?: z.ZodType;
    /** An empty body is read as `{}`. */
    optional?: boolean;
    /**
     * The body may also be CBOR (`application/cbor`): the JSON body's shape, or a bare array of strings standing for
     * the field named here.
     */
    cborTexts?: string;
    /** Only this media type is taken (binary frames, CBOR, Arrow). */
    media?: string;
  };
  /** Query parameters. */
  query?: z.ZodObject;
  /** Request headers the route reads. */
  headers?: Record<string, string>;
  /** The success answer. */
  response: { status: number; description: string; schema?: z.ZodType; media?: string; arrow?: boolean };
  /** Other statuses the route itself answers (besides the error responses every route has). */
  other?: Record<number, { description: string; schema?: z.ZodType; media?: string }>;
}

const FEDERATED_CLIENT = { 'x-abi-federated-client': 'The client id returned by `join`.' };
const EMBEDDINGS_NOTE = 'With `Accept: application/vnd.apache.arrow.stream` the answer is an Arrow IPC stream instead.';

/** Every route the server can mount, keyed `METHOD path` as the route table spells it. */
export const ROUTE_CONTRACTS: Readonly<Record<string, RouteContract>> = {
  'POST /v1/embeddings': {
    summary: 'Embed texts (OpenAI embeddings API).', tag: 'OpenAI',
    request: { schema: OpenAIEmbeddingsRequest, cborTexts: 'input' },
    response: { status: 200, description: `The vectors. ${EMBEDDINGS_NOTE}`, schema: OpenAIEmbeddingsResponse, arrow: true },
  },
  'GET /v1/models': {
    summary: 'List the models this key may use.', tag: 'OpenAI', response: { status: 200, description: 'The models.', schema: OpenAIModelList },
  },
  'GET /v1/models/:id': {
    summary: 'Describe one model.', tag: 'OpenAI', response: { status: 200, description: 'The model.', schema: OpenAIModel },
  },
  'POST /embed': {
    summary: 'Embed texts (Text Embeddings Inference).', tag: 'TEI',
    request: { schema: TeiEmbedRequest, cborTexts: 'inputs' },
    response: { status: 200, description: `One vector per input. ${EMBEDDINGS_NOTE}`, schema: TeiEmbedResponse, arrow: true },
  },
  'POST /': {
    summary: 'Embed texts: where `@huggingface/inference` sends feature extraction for an endpoint URL (same as `POST /embed`).', tag: 'TEI',
    request: { schema: TeiEmbedRequest, cborTexts: 'inputs' },
    response: { status: 200, description: `One vector per input. ${EMBEDDINGS_NOTE}`, schema: TeiEmbedResponse, arrow: true },
  },
  'POST /rerank': {
    summary: 'Rerank texts against a query (Text Embeddings Inference).', tag: 'TEI',
    request: { schema: TeiRerankRequest },
    response: { status: 200, description: 'Scores, best first.', schema: TeiRerankResponse },
  },
  'POST /api/embed': {
    summary: 'Embed texts (Ollama).', tag: 'Ollama',
    request: { schema: OllamaEmbedRequest, cborTexts: 'input' },
    response: { status: 200, description: `The vectors. ${EMBEDDINGS_NOTE}`, schema: OllamaEmbedResponse, arrow: true },
  },
  'GET /api/tags': {
    summary: 'List the models (Ollama).', tag: 'Ollama', response: { status: 200, description: 'The models.', schema: OllamaTags },
  },
  'POST /encode': {
    summary: 'Embed a CBOR array of strings (Fletcher-compatible); answers Arrow.', tag: 'Encode',
    request: { schema: EncodeRequest, media: 'application/cbor' }, query: EncodeQuery,
    response: { status: 200, description: 'The texts and their vectors as an Arrow IPC stream.', schema: ArrowStream, media: 'application/vnd.apache.arrow.stream' },
  },
  'POST /encode/arrow': {
    summary: 'Embed the `text` column of an Arrow IPC stream (Fletcher-compatible); answers Arrow.', tag: 'Encode',
    request: { media: 'application/vnd.apache.arrow.stream' }, query: EncodeQuery,
    response: { status: 200, description: 'The texts and their vectors as an Arrow IPC stream.', schema: ArrowStream, media: 'application/vnd.apache.arrow.stream' },
  },
  'GET /health': {
    summary: 'Liveness probe (public).', tag: 'Operations', response: { status: 200, description: 'The process answers.', schema: Health },
  },
  'GET /ready': {
    summary: 'Readiness probe (public): 503 until every model is loaded.', tag: 'Operations',
    response: { status: 200, description: 'Ready.', schema: Readiness },
    other: { 503: { description: 'Not ready yet.', schema: Readiness } },
  },
  'GET /metrics': {
    summary: 'Prometheus exposition (role `metrics`).', tag: 'Operations',
    response: { status: 200, description: 'Metrics in the Prometheus text format.', media: 'text/plain' },
  },
  'GET /openapi.json': {
    summary: 'This document (public).', tag: 'Operations', response: { status: 200, description: 'The OpenAPI 3.1 document of the routes this server mounts.', schema: OpenApiDocument },
  },
  'GET /admin/keys': {
    summary: 'List API keys (no secrets).', tag: 'Admin', response: { status: 200, description: 'The keys.', schema: KeyList },
  },
  'POST /admin/keys': {
    summary: 'Create an API key.', tag: 'Admin', request: { schema: CreateKeyRequest },
    response: { status: 201, description: 'The key; its secret is shown only here.', schema: IssuedKey },
  },
  'POST /admin/keys/:id/rotate': {
    summary: 'Issue a new key for the same principal, roles and limits.', tag: 'Admin', request: { schema: RotateKeyRequest, optional: true },
    response: { status: 201, description: 'The new key; its secret is shown only here.', schema: IssuedKey },
  },
  'DELETE /admin/keys/:id': {
    summary: 'Revoke an API key.', tag: 'Admin', response: { status: 200, description: 'The revoked key.', schema: ApiKeyInfo },
  },
  'POST /v1/federated/join': {
    summary: 'Join the federation.', tag: 'Federated', request: { schema: JoinRequest, optional: true },
    response: { status: 200, description: 'The client id and the run\'s parameters.', schema: JoinInfo },
  },
  'GET /v1/federated/round': {
    summary: 'The current round.', tag: 'Federated', headers: FEDERATED_CLIENT,
    response: { status: 200, description: 'The round.', schema: RoundInfo },
  },
  'GET /v1/federated/model': {
    summary: 'The global model frame.', tag: 'Federated', headers: FEDERATED_CLIENT,
    response: { status: 200, description: 'A model frame (JSON header, then float32 little-endian values).', media: 'application/octet-stream' },
  },
  'POST /v1/federated/commit': {
    summary: 'Commit a key for a masked round.', tag: 'Federated', headers: FEDERATED_CLIENT, request: { schema: CommitRequest },
    response: { status: 200, description: 'Committed.', schema: CommitAck },
  },
  'POST /v1/federated/update': {
    summary: 'Send an update frame.', tag: 'Federated', headers: FEDERATED_CLIENT, request: { media: 'application/octet-stream' },
    response: { status: 200, description: 'Accepted.', schema: UpdateAck },
  },
  'GET /v1/federated/status': {
    summary: 'The run\'s status.', tag: 'Federated', response: { status: 200, description: 'The status.', schema: FederatedStatus },
  },
};

/**
 * The contract of a route.
 *
 * @param method - HTTP method
 * @param path - the route table's path (`:name` parameters)
 * @returns the contract
 * @throws `Error` for a route without one (a programming error: every mounted route must be described)
 * @internal
 */
export function contractOf(method: string, path: string): RouteContract {
  const c = ROUTE_CONTRACTS[`${method} ${path}`];
  if (!c) throw new UnsupportedError(`no contract for ${method} ${path}: add it to ROUTE_CONTRACTS`);
  return c;
}
