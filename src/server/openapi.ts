// The OpenAPI 3.1 document, generated from the route contracts (contract.ts) with zod's own JSON Schema output:
// request bodies as the schemas take them (`io: input`), answers as the handlers send them (`io: output`), error
// answers in each route's dialect, bearer auth on every route that needs a role.
import { ValidationError } from '../core/errors.js';
import { z } from 'zod';
import { contractOf, type RouteContract } from './contract.js';
import type { ErrorDialect } from './error-status.js';
import { OllamaError, OpenAIError, TeiError } from './schemas/common.js';
import { ARROW_STREAM, ArrowStream, CBOR } from './schemas/encode.js';

/** The contract's version (bumped when a route's request or answer changes). */
export const CONTRACT_VERSION = '1.0.0';

/** A JSON value of the document. */
export type OpenApiJson = null | boolean | number | string | OpenApiJson[] | { [key: string]: OpenApiJson };

/** An OpenAPI 3.1 document (only the parts this generator writes are typed). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers?: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, OpenApiJson>>;
  components: { schemas: Record<string, OpenApiJson>; securitySchemes: Record<string, OpenApiJson> };
}

/** The route fields the document needs (the router's own table entries fit). */
export interface DocumentedRoute {
  method: string;
  path: string;
  dialect: ErrorDialect;
  /** Role a key needs; `null` for public routes. */
  role: string | null;
}

/** Options of {@link openApiDocument}. */
export interface OpenApiOptions {
  /** A server URL to put in `servers`. */
  serverUrl?: string;
}

const TAGS: Record<RouteContract['tag'], string> = {
  OpenAI: 'OpenAI-compatible embeddings and models (errors: `{ error: { message, type, param, code } }`).',
  TEI: 'Text-Embeddings-Inference-compatible embed and rerank (errors: `{ error, error_type }`, validation 422).',
  Ollama: 'Ollama-compatible embed and model list (errors: `{ error }`).',
  Encode: 'Fletcher-compatible bulk routes: CBOR or Arrow in, Arrow out (errors in the TEI shape).',
  Admin: 'API keys (role `admin`; mounted when the server has a key store).',
  Federated: 'Federated training (role `federated`; mounted when the server hosts a coordinator).',
  Operations: 'Probes, metrics and this document.',
};

const ERROR_SCHEMA: Record<ErrorDialect, z.ZodType> = { openai: OpenAIError, tei: TeiError, ollama: OllamaError };

type Json = { [key: string]: OpenApiJson };

/** Turns zod schemas into component schemas, hoisting named ones (zod `id` metadata) and their `$defs`. */
class Components {
  readonly schemas: Record<string, OpenApiJson> = {};

  ref(schema: z.ZodType, io: 'input' | 'output'): OpenApiJson {
    const js = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
    const defs = (js.$defs ?? {}) as Json;
    delete js.$defs;
    delete js.$schema;
    for (const [id, def] of Object.entries(defs)) this.#put(id, def);
    const id = (schema.meta() as { id?: string } | undefined)?.id;
    // A named root comes back as a `$ref` into its own `$defs` entry, hoisted above.
    if (id && defs[id] !== undefined) return { $ref: `#/components/schemas/${id}` };
    const rewritten = this.#rewrite(js);
    if (!id) return rewritten;
    this.#put(id, rewritten);
    return { $ref: `#/components/schemas/${id}` };
  }

  #rewrite(js: OpenApiJson): OpenApiJson {
    return JSON.parse(JSON.stringify(js).replaceAll('"#/$defs/', '"#/components/schemas/')) as OpenApiJson;
  }

  #put(id: string, js: OpenApiJson): void {
    const value = this.#rewrite(js);
    const had = this.schemas[id];
    if (had !== undefined && JSON.stringify(had) !== JSON.stringify(value)) {
      throw new ValidationError(`schema id "${id}" names two different schemas (request and answer shapes differ?)`);
    }
    this.schemas[id] = value;
  }
}

function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

function operation(route: DocumentedRoute, c: RouteContract, components: Components): Json {
  const op: Json = { summary: c.summary, tags: [c.tag], operationId: operationId(route) };
  const parameters: OpenApiJson[] = [];
  for (const m of route.path.matchAll(/:(\w+)/g)) parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
  if (c.query) {
    const js = components.ref(c.query, 'input') as Json;
    const props = (js.properties ?? {}) as Json;
    const required = new Set((js.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(props)) {
      const { description, ...rest } = schema as Json;
      parameters.push({ name, in: 'query', required: required.has(name), schema: rest, ...(description !== undefined ? { description } : {}) });
    }
  }
  for (const [name, description] of Object.entries(c.headers ?? {})) {
    parameters.push({ name, in: 'header', required: true, description, schema: { type: 'string' } });
  }
  if (parameters.length) op.parameters = parameters;
  if (c.request) {
    const content: Json = {};
    if (c.request.media) {
      content[c.request.media] = { schema: c.request.schema ? components.ref(c.request.schema, 'input') : { type: 'string', contentMediaType: c.request.media } };
    } else if (c.request.schema) {
      const schema = components.ref(c.request.schema, 'input');
      content['application/json'] = { schema };
      if (c.request.cborTexts) {
        content[CBOR] = {
          schema: { anyOf: [schema, { type: 'array', items: { type: 'string' }, description: `Shorthand for a body whose "${c.request.cborTexts}" is this array.` }] },
        };
      }
    }
    op.requestBody = { required: !c.request.optional, content };
  }
  const responses: Json = {};
  const ok = c.response;
  const okContent: Json = {};
  if (ok.media) okContent[ok.media] = { schema: ok.schema ? components.ref(ok.schema, 'output') : { type: 'string' } };
  else if (ok.schema) okContent['application/json'] = { schema: components.ref(ok.schema, 'output') };
  if (ok.arrow) okContent[ARROW_STREAM] = { schema: components.ref(ArrowStream, 'output') };
  responses[String(ok.status)] = { description: ok.description, content: okContent };
  for (const [status, o] of Object.entries(c.other ?? {})) {
    responses[status] = { description: o.description, content: { [o.media ?? 'application/json']: { schema: o.schema ? components.ref(o.schema, 'output') : { type: 'string' } } } };
  }
  const error = { 'application/json': { schema: components.ref(ERROR_SCHEMA[route.dialect], 'output') } };
  if (c.request) {
    responses[route.dialect === 'tei' ? '422' : '400'] = { description: 'The body does not fit the schema (the first wrong field is named).', content: error };
    responses['413'] = { description: 'Body, inputs or tokens past the server\'s limits.', content: error };
    responses['415'] = { description: 'Unsupported content type.', content: error };
  }
  if (route.role !== null) {
    responses['401'] = { description: 'Missing, unknown, expired or revoked API key (when authentication is on).', content: error };
    responses['403'] = { description: `The key lacks the \`${route.role}\` role, or may not use the model.`, content: error };
  }
  responses['4XX'] = { description: 'Other client errors in the route\'s dialect (404 unknown model, 429 rate limit with `Retry-After`).', content: error };
  responses['5XX'] = { description: 'Server errors in the route\'s dialect (503 busy, unhealthy or closing, with `Retry-After`).', content: error };
  op.responses = responses;
  op.security = route.role === null ? [] : [{ bearer: [] }];
  if (route.role !== null) op['x-abi-role'] = route.role;
  return op;
}

function operationId(route: DocumentedRoute): string {
  const words = route.path.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1));
  return `${route.method.toLowerCase()}${words.join('') || 'Root'}`;
}

/**
 * The OpenAPI 3.1 document of a set of routes, generated from their contracts.
 *
 * @param routes - the routes to describe (a server passes the ones it mounts)
 * @param options - a server URL
 * @returns the document
 * @throws `Error` when a route has no contract
 * @example
 * ```ts
 * const doc = openApiDocument(server.routes);
 * ```
 */
export function openApiDocument(routes: readonly DocumentedRoute[], options: OpenApiOptions = {}): OpenApiDocument {
  const components = new Components();
  const paths: Record<string, Record<string, OpenApiJson>> = {};
  const tags = new Set<RouteContract['tag']>();
  for (const route of routes) {
    const c = contractOf(route.method, route.path);
    tags.add(c.tag);
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation(route, c, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'abi-sdk server',
      version: CONTRACT_VERSION,
      description: 'OpenAI-, Text-Embeddings-Inference- and Ollama-compatible embedding and rerank routes, Fletcher-compatible bulk '
        + 'routes (CBOR in, Arrow out), API key administration, federated training and probes. Generated from the zod schemas '
        + 'the server validates requests with. Routes that need a role take `Authorization: Bearer <key>` when the server has a key store.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [...tags].map((name) => ({ name, description: TAGS[name] })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (`abi_<id>_<secret>`).' } },
    },
  };
}
