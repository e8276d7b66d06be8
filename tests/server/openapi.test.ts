// The OpenAPI document: valid for a maintained OpenAPI 3.1 validator, complete both ways against the router's own
// table (every mounted route documented, every documented route mounted), served publicly at /openapi.json, and
// built from the very schemas the handlers validate with.
import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_CONTRACTS } from '../../src/server/contract.js';
import { type AbiServer, KeyStore } from '../../src/server/index.js';
import { openApiDocument } from '../../src/server/openapi.js';
import { FederatedCoordinator } from '../../src/training/federated/index.js';
import { tempDir } from '../engine/helpers.js';
import { call, EngineService, startServer } from './helpers.js';

let service: EngineService;
let server: AbiServer;
let plain: AbiServer;
let url: string;
let plainUrl: string;
let keys: KeyStore;
let coordinator: FederatedCoordinator;
const dir = tempDir('abi-server-openapi-');

beforeAll(async () => {
  service = await EngineService.open();
  keys = KeyStore.open(dir.dir, { watchIntervalMs: 0 });
  coordinator = await FederatedCoordinator.open({ dir: `${dir.dir}/fed`, initial: { w: new Float32Array(4) }, rounds: 1, quorum: 1000, tickMs: 0 });
  // Everything mounted: models, the admin API (a key store) and federated training.
  ({ server, url } = await startServer({ service, auth: { keys }, federated: coordinator }));
  ({ server: plain, url: plainUrl } = await startServer({ service }));
});
afterAll(async () => {
  coordinator.close();
  await server.close();
  await plain.close();
  await service.close();
  dir.cleanup();
});

const operations = (doc: { paths: Record<string, Record<string, unknown>> }): string[] =>
  Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`)).sort();

describe('GET /openapi.json', () => {
  it('is public even with authentication on, and describes exactly the routes this server mounts', async () => {
    const r = await call(`${url}/openapi.json`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    const mounted = server.routes.map((x) => `${x.method} ${x.path}`).sort();
    expect(operations(r.body)).toEqual(mounted);
    // With everything mounted, the router's table and the contract table are the same set.
    expect(mounted).toEqual(Object.keys(ROUTE_CONTRACTS).sort());
    expect(r.body).toEqual(JSON.parse(JSON.stringify(openApiDocument(server.routes))));
  });

  it('a server without keys or a coordinator documents neither the admin nor the federated routes', async () => {
    const doc = (await call(`${plainUrl}/openapi.json`)).body;
    const ops = operations(doc);
    expect(ops).toEqual(plain.routes.map((x) => `${x.method} ${x.path}`).sort());
    expect(ops.some((o) => o.includes('/admin/') || o.includes('/federated/'))).toBe(false);
    expect(ops).toContain('POST /v1/embeddings');
  });

  it('every documented route answers (no 404 or 405 from the router), and every mounted one is documented', async () => {
    const doc = (await call(`${url}/openapi.json`)).body;
    for (const op of operations(doc)) {
      const [method, path] = op.split(' ');
      const r = await call(`${url}${path.replace(/:\w+/g, 'x')}`, { method });
      // Without a key every role-guarded route is a 401; the public ones answer; none is unrouted.
      expect([401, 200, 503], `${op} → ${r.status}`).toContain(r.status);
    }
  });

  it('marks public and guarded operations, errors in each route\'s dialect', async () => {
    const doc = (await call(`${url}/openapi.json`)).body;
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.paths['/openapi.json'].get.security).toEqual([]);
    expect(doc.paths['/v1/embeddings'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/admin/keys'].post['x-abi-role']).toBe('admin');
    expect(doc.paths['/embed'].post.responses['422'].content['application/json'].schema.$ref).toBe('#/components/schemas/TeiError');
    expect(doc.paths['/api/embed'].post.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/OllamaError');
    expect(Object.keys(doc.paths['/v1/embeddings'].post.requestBody.content)).toEqual(['application/json', 'application/cbor']);
    expect(Object.keys(doc.paths['/v1/embeddings'].post.responses['200'].content)).toEqual(['application/json', 'application/vnd.apache.arrow.stream']);
    expect(doc.components.schemas.CreateKeyRequest.properties.expires_in_seconds.anyOf[0]).toMatchObject({ type: 'integer', maximum: expect.any(Number) });
  });
});

describe('the document validates', () => {
  it('with @readme/openapi-parser (OpenAPI 3.1)', async () => {
    const doc = openApiDocument(server.routes);
    const result = await validate(structuredClone(doc) as never);
    expect(result, JSON.stringify(result)).toMatchObject({ valid: true, specification: 'OpenAPI' });
    expect(doc.openapi).toBe('3.1.0');
  });

  it('and the validator does catch a broken one (a dangling $ref, a response without a description)', async () => {
    const doc = structuredClone(openApiDocument(server.routes)) as unknown as { paths: Record<string, Record<string, { responses: Record<string, { description?: string }> }>>; components: { schemas: Record<string, unknown> } };
    delete doc.components.schemas.Texts;
    expect((await validate(structuredClone(doc) as never)).valid).toBe(false);
    const doc2 = structuredClone(openApiDocument(server.routes)) as unknown as typeof doc;
    delete doc2.paths['/health'].get.responses['200'].description;
    expect((await validate(doc2 as never)).valid).toBe(false);
  });

  it('a route without a contract cannot be documented', () => {
    expect(() => openApiDocument([{ method: 'GET', path: '/nowhere', dialect: 'openai', role: null }])).toThrow(/no contract/);
  });
});
