// A client generated from the OpenAPI document talks to the server: openapi-typescript's types (checked in under
// generated/, and checked here to be what the current document generates) with openapi-fetch. `npm run typecheck`
// checks the calls below against those types, so a route or field the document lost breaks the build.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbiServer, KeyStore } from '../../src/server/index.js';
import { FederatedCoordinator } from '../../src/training/federated/index.js';
import { documentTypes, fullDocument } from '../../scripts/openapi.js';
import { tempDir } from '../engine/helpers.js';
import type { paths } from './generated/openapi.js';
import { EMBED_MODEL, EngineService, RERANK_MODEL, startServer } from './helpers.js';

let service: EngineService;
let server: AbiServer;
let keys: KeyStore;
let coordinator: FederatedCoordinator;
// JSON answers only: the Arrow alternative of the embedding routes is read with apache-arrow, not this client.
let client: ReturnType<typeof createClient<paths, 'application/json'>>;
let anonymous: ReturnType<typeof createClient<paths, 'application/json'>>;
const dir = tempDir('abi-server-client-');

beforeAll(async () => {
  service = await EngineService.open();
  keys = KeyStore.open(dir.dir, { watchIntervalMs: 0 });
  const admin = keys.create({ principal: 'client-test', roles: ['admin', 'embed', 'metrics', 'federated'] }).key;
  coordinator = await FederatedCoordinator.open({ dir: `${dir.dir}/fed`, initial: { w: new Float32Array(4) }, rounds: 1, quorum: 1000, tickMs: 0 });
  let url: string;
  ({ server, url } = await startServer({ service, auth: { keys }, federated: coordinator }));
  client = createClient<paths, 'application/json'>({ baseUrl: url, headers: { authorization: `Bearer ${admin}` } });
  anonymous = createClient<paths, 'application/json'>({ baseUrl: url });
});
afterAll(async () => {
  coordinator.close();
  await server.close();
  await service.close();
  dir.cleanup();
});

describe('the generated types', () => {
  it('are what openapi-typescript generates from the current document (else run `npm run openapi:types`)', async () => {
    const checkedIn = readFileSync(join(import.meta.dirname, 'generated', 'openapi.ts'), 'utf8');
    expect(checkedIn === await documentTypes(fullDocument()), 'tests/server/generated/openapi.ts is stale: run `npm run openapi:types`').toBe(true);
  });
});

describe('an openapi-fetch client over them', () => {
  it('embeds through the OpenAI, TEI and Ollama routes and gets the same vectors', async () => {
    const oa = await client.POST('/v1/embeddings', { body: { model: EMBED_MODEL, input: ['hello world', 'vectors'] } });
    expect(oa.response.status).toBe(200);
    const vectors = oa.data!.data.map((d) => d.embedding as number[]);
    expect(vectors).toHaveLength(2);
    const tei = await client.POST('/embed', { body: { inputs: ['hello world', 'vectors'] } });
    expect(tei.data).toEqual(vectors);
    const ol = await client.POST('/api/embed', { body: { model: EMBED_MODEL, input: ['hello world', 'vectors'] } });
    expect(ol.data!.embeddings).toEqual(vectors);
    const b64 = await client.POST('/v1/embeddings', { body: { model: EMBED_MODEL, input: 'hello world', encoding_format: 'base64' } });
    const bytes = Buffer.from(b64.data!.data[0].embedding as string, 'base64');
    expect(Array.from(new Float32Array(new Uint8Array(bytes).buffer))).toEqual(vectors[0]);
  });

  it('reranks, lists and describes models', async () => {
    const r = await client.POST('/rerank', { body: { query: 'capital of france', texts: ['paris is the capital', 'bananas'], return_text: true, model: RERANK_MODEL } });
    expect(r.data!.map((x) => x.text).sort()).toEqual(['bananas', 'paris is the capital']);
    const models = await client.GET('/v1/models');
    expect(models.data!.data.map((m) => m.id)).toEqual([EMBED_MODEL, RERANK_MODEL]);
    const one = await client.GET('/v1/models/{id}', { params: { path: { id: EMBED_MODEL } } });
    expect(one.data).toMatchObject({ id: EMBED_MODEL, object: 'model' });
    const tags = await client.GET('/api/tags');
    expect(tags.data!.models).toHaveLength(2);
  });

  it('gets typed errors in each dialect', async () => {
    const tei = await client.POST('/embed', { body: { inputs: [] } });
    expect(tei.response.status).toBe(422);
    expect(tei.error).toEqual({ error: '"inputs" must not be empty', error_type: 'Validation' });
    const oa = await client.POST('/v1/embeddings', { body: { model: 'nope', input: 'x' } });
    expect(oa.response.status).toBe(404);
    expect(oa.error).toMatchObject({ error: { code: 'model_not_found', type: 'invalid_request_error' } });
    const denied = await anonymous.POST('/v1/embeddings', { body: { model: EMBED_MODEL, input: 'x' } });
    expect(denied.response.status).toBe(401);
    expect(denied.error).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it('creates, lists, rotates and revokes keys through the admin API', async () => {
    const created = await client.POST('/admin/keys', { body: { principal: 'svc', roles: ['embed'], expires_in_seconds: 3600, rate_limit: { requests_per_minute: 10 } } });
    expect(created.response.status).toBe(201);
    expect(created.data!.key).toMatch(/^abi_/);
    const id = created.data!.id;
    expect((await client.GET('/admin/keys')).data!.keys.map((k) => k.id)).toContain(id);
    const rotated = await client.POST('/admin/keys/{id}/rotate', { params: { path: { id } }, body: { grace_seconds: 0 } });
    expect(rotated.data!.rotatedFrom).toBe(id);
    const revoked = await client.DELETE('/admin/keys/{id}', { params: { path: { id: rotated.data!.id } } });
    expect(revoked.data!.revokedAt).toEqual(expect.any(String));
    const tooLong = await client.POST('/admin/keys', { body: { principal: 'svc', roles: ['embed'], expires_in_seconds: 1e20 } });
    expect(tooLong.response.status).toBe(400);
  });

  it('joins the federation, reads the round and the status; probes and the document itself', async () => {
    const joined = await client.POST('/v1/federated/join', { body: {} });
    const clientId = joined.data!.clientId;
    const round = await client.GET('/v1/federated/round', { params: { header: { 'x-abi-federated-client': clientId } } });
    expect(round.data).toMatchObject({ round: 1, phase: 'collect' });
    expect((await client.GET('/v1/federated/status')).data!.clients.map((c) => c.id)).toContain(clientId);
    expect((await anonymous.GET('/health')).data).toEqual({ status: 'ok' });
    expect((await anonymous.GET('/ready')).data).toMatchObject({ status: 'ready' });
    const doc = await anonymous.GET('/openapi.json');
    expect(doc.data!.openapi).toBe('3.1.0');
  });
});
