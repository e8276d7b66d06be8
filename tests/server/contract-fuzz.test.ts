// Property tests from the contract: bodies generated from each route's request schema (as the OpenAPI document
// states it) are accepted with a 2xx, and near misses of them (a field of the wrong type, a required field missing, a
// value nested too deep, the body wrapped in an array, a texts array far past the limits) are refused with a 4xx in
// the route's dialect. Never a 5xx.
import { encode as cborEncode } from 'cbor-x';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDialect } from '../../src/server/error-status.js';
import { type AbiServer, KeyStore } from '../../src/server/index.js';
import { openApiDocument } from '../../src/server/openapi.js';
import { FederatedCoordinator } from '../../src/training/federated/index.js';
import { tempDir } from '../engine/helpers.js';
import { call, EMBED_MODEL, EngineService, RERANK_MODEL, startServer } from './helpers.js';
import { bodyOf, nearMissOf, validOf } from './schema-arbitrary.js';

const RUNS = 25;
let service: EngineService;
let server: AbiServer;
let url: string;
let keys: KeyStore;
let coordinator: FederatedCoordinator;
let admin: string;
let doc: ReturnType<typeof openApiDocument>;
const dir = tempDir('abi-server-fuzz-');

beforeAll(async () => {
  service = await EngineService.open();
  keys = KeyStore.open(dir.dir, { watchIntervalMs: 0 });
  admin = keys.create({ principal: 'fuzzer', roles: ['admin', 'embed', 'federated'] }).key;
  coordinator = await FederatedCoordinator.open({ dir: `${dir.dir}/fed`, initial: { w: new Float32Array(4) }, rounds: 1, quorum: 1000, tickMs: 0 });
  ({ server, url } = await startServer({ service, auth: { keys }, federated: coordinator, limits: { maxInputs: 64, maxBodyBytes: 256 * 1024 } }));
  doc = openApiDocument(server.routes);
});
afterAll(async () => {
  coordinator.close();
  await server.close();
  await service.close();
  dir.cleanup();
});

const dim = fc.option(fc.integer({ min: 1, max: 32 }), { nil: null });
/** Per route: the path to call, field overrides that depend on what is served, the texts field, and a fix-up for
 * cross-field rules JSON Schema does not state (the admin API takes one expiry, not both). */
const ROUTES: { op: string; call?: () => Promise<string>; overrides: Record<string, fc.Arbitrary<unknown>>; texts?: string; fix?: (b: Record<string, unknown>) => void }[] = [
  { op: 'POST /v1/embeddings', overrides: { model: fc.constant(EMBED_MODEL), dimensions: dim }, texts: 'input' },
  { op: 'POST /embed', overrides: { model: fc.constantFrom(EMBED_MODEL, null), dimensions: dim }, texts: 'inputs' },
  { op: 'POST /', overrides: { model: fc.constantFrom(EMBED_MODEL, null), dimensions: dim }, texts: 'inputs' },
  { op: 'POST /rerank', overrides: { model: fc.constantFrom(RERANK_MODEL, null) }, texts: 'texts' },
  { op: 'POST /api/embed', overrides: { model: fc.constant(EMBED_MODEL), dimensions: dim }, texts: 'input' },
  { op: 'POST /admin/keys', overrides: {}, fix: oneExpiry },
  {
    op: 'POST /admin/keys/:id/rotate', overrides: {}, fix: oneExpiry,
    call: async () => `/admin/keys/${keys.create({ principal: 'rotated', roles: ['embed'] }).info.id}/rotate`,
  },
  { op: 'POST /v1/federated/join', overrides: { clientId: fc.option(fc.stringMatching(/^[A-Za-z0-9._:@-]{1,64}$/), { nil: null }) } },
];

function oneExpiry(b: Record<string, unknown>): void {
  if (b.expires_at != null && b.expires_in_seconds != null) delete b.expires_at;
}

function requestSchema(op: string): Record<string, unknown> {
  const [method, path] = op.split(' ');
  const o = doc.paths[path.replace(/:(\w+)/g, '{$1}')][method.toLowerCase()] as { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } };
  return o.requestBody.content['application/json'].schema;
}

function dialectOf(op: string): ErrorDialect {
  const [method, path] = op.split(' ');
  return server.routes.find((r) => r.method === method && r.path === path)!.dialect;
}

/** The error body each dialect's clients parse. */
function expectDialect(dialect: ErrorDialect, body: any, context: string): void {
  if (dialect === 'openai') expect(body, context).toMatchObject({ error: { message: expect.any(String), type: expect.any(String), code: expect.any(String) } });
  else if (dialect === 'tei') expect(body, context).toMatchObject({ error: expect.any(String), error_type: expect.any(String) });
  else expect(body, context).toMatchObject({ error: expect.any(String) });
}

const headers = () => ({ authorization: `Bearer ${admin}`, 'content-type': 'application/json' });
const components = () => doc.components.schemas as Record<string, any>;

describe('bodies derived from the schemas are accepted (2xx)', () => {
  it.each(ROUTES.map((r) => [r.op, r] as const))('%s', async (op, r) => {
    const arb = validOf(requestSchema(op), components(), r.overrides);
    await fc.assert(fc.asyncProperty(arb, async (generated) => {
      const body = { ...(generated as Record<string, unknown>) };
      r.fix?.(body);
      const path = r.call ? await r.call() : op.split(' ')[1];
      const res = await call(`${url}${path}`, { raw: JSON.stringify(body), headers: headers() });
      expect(res.status, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
    }), { numRuns: RUNS, seed: 25 });
  });

  it('CBOR: the JSON shape or a bare array of strings (POST /v1/embeddings, POST /embed, POST /encode)', async () => {
    const texts = fc.array(fc.string({ maxLength: 16 }), { minLength: 1, maxLength: 4 });
    await fc.assert(fc.asyncProperty(texts, async (t) => {
      const cbor = { ...headers(), 'content-type': 'application/cbor' };
      for (const [path, raw] of [['/v1/embeddings', cborEncode({ model: EMBED_MODEL, input: t })], ['/embed', cborEncode(t)], ['/encode', cborEncode(t)]] as const) {
        const res = await call(`${url}${path}`, { raw, headers: cbor });
        expect(res.status, `${path} ${JSON.stringify(t)} → ${res.status} ${String(res.body).slice(0, 200)}`).toBe(200);
      }
    }), { numRuns: 10, seed: 25 });
  });
});

describe('near misses are refused with a 4xx in the route\'s dialect, never a 5xx', () => {
  it.each(ROUTES.map((r) => [r.op, r] as const))('%s', async (op, r) => {
    const schema = requestSchema(op);
    const valid = validOf(schema, components(), r.overrides).map((b) => {
      const body = { ...(b as Record<string, unknown>) };
      r.fix?.(body);
      return body;
    });
    const dialect = dialectOf(op);
    await fc.assert(fc.asyncProperty(nearMissOf(valid, schema, components(), r.texts), async (miss) => {
      const path = r.call ? await r.call() : op.split(' ')[1];
      const res = await call(`${url}${path}`, { raw: JSON.stringify(bodyOf(miss)), headers: headers() });
      const context = `${miss.kind} ${miss.field ?? ''}: ${JSON.stringify(miss.body).slice(0, 200)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
      expect(res.status, context).toBeGreaterThanOrEqual(400);
      expect(res.status, context).toBeLessThan(500);
      if (miss.kind === 'huge array') expect(res.status, context).toBe(413);
      else expect(res.status, context).toBe(dialect === 'tei' ? 422 : 400);
      expectDialect(dialect, res.body, context);
    }), { numRuns: RUNS, seed: 25 });
  });

  it('CBOR bodies that are not CBOR, or not strings, are a 4xx in the TEI dialect', async () => {
    const junk = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })), { minLength: 1, maxLength: 4 }).map((v) => new Uint8Array(cborEncode(v))),
    );
    await fc.assert(fc.asyncProperty(junk, async (raw) => {
      for (const path of ['/encode', '/embed']) {
        const res = await call(`${url}${path}`, { raw, headers: { ...headers(), 'content-type': 'application/cbor' } });
        const context = `${path} ${Buffer.from(raw).toString('hex').slice(0, 80)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
        // Random bytes can happen to be a valid CBOR array of strings; then the texts are embedded.
        if (res.status === 200) continue;
        expect(res.status, context).toBeGreaterThanOrEqual(400);
        expect(res.status, context).toBeLessThan(500);
        expectDialect('tei', res.body, context);
      }
    }), { numRuns: 40, seed: 25 });
  });
});
