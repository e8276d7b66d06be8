// API keys: the full roles × endpoints matrix, model allow-lists, rotation, expiry, revocation, the admin API, and
// the key file holding only salted hashes.
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbiServer, KeyStore, type Role } from '../../src/server/index.js';
import { FederatedCoordinator } from '../../src/training/federated/index.js';
import { encodeFrame } from '../../src/training/federated/frame.js';
import { tempDir } from '../engine/helpers.js';
import { call, EMBED_MODEL, EngineService, RERANK_MODEL, startServer } from './helpers.js';

let service: EngineService;
let server: AbiServer;
let url: string;
let keys: KeyStore;
let coordinator: FederatedCoordinator;
const dir = tempDir('abi-server-auth-');
let now = Date.now();

beforeAll(async () => {
  service = await EngineService.open();
  keys = KeyStore.open(dir.dir, { watchIntervalMs: 0, now: () => now });
  // A federation that never closes a round: every caller's update is accepted and kept.
  coordinator = await FederatedCoordinator.open({ dir: `${dir.dir}/fed`, initial: { w: new Float32Array(4) }, rounds: 1, quorum: 1000, tickMs: 0 });
  ({ server, url } = await startServer({ service, auth: { keys }, federated: coordinator }));
});
afterAll(async () => {
  coordinator.close();
  await server.close();
  await service.close();
  dir.cleanup();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Every endpoint with a request that succeeds for an authorized caller, and the role it needs (null: public). */
/** Joins with the key (when it may), then calls a federated endpoint as that client. */
async function asClient(key: string | undefined, path: string, init: { raw?: Uint8Array; body?: unknown } = {}): ReturnType<typeof call> {
  const headers: Record<string, string> = key ? bearer(key) : {};
  const joined = await call(`${url}/v1/federated/join`, { body: {}, headers });
  if (joined.status === 200) headers['x-abi-federated-client'] = joined.body.clientId;
  return call(`${url}${path}`, { ...init, headers });
}

const ENDPOINTS: { name: string; role: Role | null; ok?: number; send: (key: string | undefined) => ReturnType<typeof call> }[] = [
  { name: 'POST /v1/embeddings', role: 'embed', send: (k) => call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'x' }, headers: k ? bearer(k) : {} }) },
  { name: 'GET /v1/models', role: 'embed', send: (k) => call(`${url}/v1/models`, { headers: k ? bearer(k) : {} }) },
  { name: 'POST /embed', role: 'embed', send: (k) => call(`${url}/embed`, { body: { inputs: 'x' }, headers: k ? bearer(k) : {} }) },
  { name: 'POST /', role: 'embed', send: (k) => call(`${url}/`, { body: { inputs: ['x'] }, headers: k ? bearer(k) : {} }) },
  { name: 'POST /rerank', role: 'embed', send: (k) => call(`${url}/rerank`, { body: { query: 'q', texts: ['a', 'b'] }, headers: k ? bearer(k) : {} }) },
  { name: 'POST /api/embed', role: 'embed', send: (k) => call(`${url}/api/embed`, { body: { model: EMBED_MODEL, input: 'x' }, headers: k ? bearer(k) : {} }) },
  { name: 'GET /api/tags', role: 'embed', send: (k) => call(`${url}/api/tags`, { headers: k ? bearer(k) : {} }) },
  { name: 'GET /metrics', role: 'metrics', send: (k) => call(`${url}/metrics`, { headers: k ? bearer(k) : {} }) },
  { name: 'GET /admin/keys', role: 'admin', send: (k) => call(`${url}/admin/keys`, { headers: k ? bearer(k) : {} }) },
  {
    name: 'POST /admin/keys', role: 'admin',
    send: (k) => call(`${url}/admin/keys`, { body: { principal: 'made-by-matrix', roles: ['embed'] }, headers: k ? bearer(k) : {} }),
  },
  {
    name: 'POST /admin/keys/:id/rotate', role: 'admin',
    send: (k) => call(`${url}/admin/keys/${keys.create({ principal: 'rot', roles: ['embed'] }).info.id}/rotate`, { body: {}, headers: k ? bearer(k) : {} }),
  },
  {
    name: 'DELETE /admin/keys/:id', role: 'admin',
    send: (k) => call(`${url}/admin/keys/${keys.create({ principal: 'del', roles: ['embed'] }).info.id}`, { method: 'DELETE', headers: k ? bearer(k) : {} }),
  },
  { name: 'POST /v1/federated/join', role: 'federated', send: (k) => call(`${url}/v1/federated/join`, { body: {}, headers: k ? bearer(k) : {} }) },
  { name: 'GET /v1/federated/round', role: 'federated', send: (k) => asClient(k, '/v1/federated/round') },
  { name: 'GET /v1/federated/model', role: 'federated', send: (k) => asClient(k, '/v1/federated/model') },
  {
    name: 'POST /v1/federated/update', role: 'federated',
    send: (k) => asClient(k, '/v1/federated/update', { raw: encodeFrame({ round: 1, attempt: 0, samples: 1 }, new Float32Array(4)) }),
  },
  // A plain (unmasked) federation refuses key commitments: 400 once past authentication.
  { name: 'POST /v1/federated/commit', role: 'federated', ok: 400, send: (k) => asClient(k, '/v1/federated/commit', { body: { round: 1, attempt: 0, publicKey: 'A'.repeat(43), samples: 1 } }) },
  { name: 'GET /v1/federated/status', role: 'federated', send: (k) => call(`${url}/v1/federated/status`, { headers: k ? bearer(k) : {} }) },
  { name: 'GET /health', role: null, send: (k) => call(`${url}/health`, { headers: k ? bearer(k) : {} }) },
  { name: 'GET /ready', role: null, send: (k) => call(`${url}/ready`, { headers: k ? bearer(k) : {} }) },
];

describe('roles × endpoints', () => {
  const callers: { name: string; roles: Role[] | 'none' | 'garbage' }[] = [
    { name: 'no key', roles: 'none' },
    { name: 'unknown key', roles: 'garbage' },
    { name: 'admin', roles: ['admin'] },
    { name: 'embed', roles: ['embed'] },
    { name: 'metrics', roles: ['metrics'] },
    { name: 'federated', roles: ['federated'] },
    { name: 'embed+metrics', roles: ['embed', 'metrics'] },
    { name: 'all roles', roles: ['admin', 'embed', 'metrics', 'federated'] },
  ];
  for (const caller of callers) {
    it(`${caller.name}`, async () => {
      const key = caller.roles === 'none' ? undefined
        : caller.roles === 'garbage' ? `abi_0123456789abcdef_${'A'.repeat(43)}`
          : keys.create({ principal: `matrix-${caller.name}`, roles: caller.roles }).key;
      const got: string[] = [];
      const want: string[] = [];
      for (const ep of ENDPOINTS) {
        const r = await ep.send(key);
        got.push(`${ep.name} ${r.status}`);
        const expected = ep.role === null ? (ep.name === 'GET /ready' ? 200 : 200)
          : key === undefined || caller.roles === 'garbage' ? 401
            : (caller.roles as Role[]).includes(ep.role) ? (ep.ok ?? (ep.name.startsWith('POST /admin/keys') ? 201 : 200)) : 403;
        want.push(`${ep.name} ${expected}`);
        if (r.status === 401) expect(r.headers.get('www-authenticate')).toBe('Bearer');
      }
      expect(got).toEqual(want);
    });
  }
});

describe('model allow-lists', () => {
  it('a key limited to the embedding model cannot rerank and sees only its models', async () => {
    const { key } = keys.create({ principal: 'limited', roles: ['embed'], models: [EMBED_MODEL] });
    expect((await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'x' }, headers: bearer(key) })).status).toBe(200);
    expect(await call(`${url}/rerank`, { body: { model: RERANK_MODEL, query: 'q', texts: ['a'] }, headers: bearer(key) })).toMatchObject({
      status: 403, body: { error_type: 'Forbidden' },
    });
    // TEI without a model name falls to the first allowed model of the kind: none here.
    expect((await call(`${url}/rerank`, { body: { query: 'q', texts: ['a'] }, headers: bearer(key) })).status).toBe(404);
    const models = await call(`${url}/v1/models`, { headers: bearer(key) });
    expect(models.body.data.map((m: { id: string }) => m.id)).toEqual([EMBED_MODEL]);
    const tags = await call(`${url}/api/tags`, { headers: bearer(key) });
    expect(tags.body.models.map((m: { name: string }) => m.name)).toEqual([EMBED_MODEL]);
  });
});

describe('lifecycle', () => {
  it('rotation issues a new key for the same principal; the old one works until its expiry, then is rejected', async () => {
    const { key: admin } = keys.create({ principal: 'ops', roles: ['admin'] });
    const created = await call(`${url}/admin/keys`, {
      body: { principal: 'svc', roles: ['embed'], models: [EMBED_MODEL], rate_limit: { requests_per_minute: 1000 } }, headers: bearer(admin),
    });
    expect(created.status).toBe(201);
    const old = created.body.key as string;
    const rotated = await call(`${url}/admin/keys/${created.body.id}/rotate`, { body: { grace_seconds: 60 }, headers: bearer(admin) });
    expect(rotated).toMatchObject({
      status: 201, body: { principal: 'svc', roles: ['embed'], models: [EMBED_MODEL], rotatedFrom: created.body.id, rateLimit: { requestsPerMinute: 1000 } },
    });
    const fresh = rotated.body.key as string;
    expect(fresh).not.toBe(old);
    const embed = (k: string) => call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: 'x' }, headers: bearer(k) });
    expect((await embed(old)).status).toBe(200);
    expect((await embed(fresh)).status).toBe(200);
    const listed = await call(`${url}/admin/keys`, { headers: bearer(admin) });
    const oldInfo = listed.body.keys.find((k: { id: string }) => k.id === created.body.id);
    expect(Date.parse(oldInfo.expiresAt) - now).toBeLessThanOrEqual(60_000);
    now += 61_000;
    try {
      expect(await embed(old)).toMatchObject({ status: 401, body: { error: { message: 'API key has expired', code: 'invalid_api_key' } } });
      expect((await embed(fresh)).status).toBe(200);
    } finally {
      now -= 61_000;
    }
  });
  it('revoked keys are rejected at once; expired ones from creation too', async () => {
    const { key: admin } = keys.create({ principal: 'ops2', roles: ['admin'] });
    const { key, info } = keys.create({ principal: 'tmp', roles: ['embed'] });
    expect((await call(`${url}/v1/models`, { headers: bearer(key) })).status).toBe(200);
    expect((await call(`${url}/admin/keys/${info.id}`, { method: 'DELETE', headers: bearer(admin) })).status).toBe(200);
    expect(await call(`${url}/v1/models`, { headers: bearer(key) })).toMatchObject({ status: 401, body: { error: { message: 'API key has been revoked' } } });
    const expired = keys.create({ principal: 'old', roles: ['embed'], expiresAt: new Date(now - 1000) });
    expect((await call(`${url}/v1/models`, { headers: bearer(expired.key) })).status).toBe(401);
    expect((await call(`${url}/admin/keys/nope`, { method: 'DELETE', headers: bearer(admin) })).status).toBe(404);
    const target = keys.create({ principal: 'rotate-me', roles: ['embed'] }).info.id;
    expect((await call(`${url}/admin/keys/${target}/rotate`, { method: 'POST', headers: bearer(admin) })).status).toBe(201);
    expect((await call(`${url}/admin/keys/${target}/rotate`, { raw: '{bad', headers: { ...bearer(admin), 'content-type': 'application/json' } })).status).toBe(400);
    expect((await call(`${url}/admin/keys/${info.id}/rotate`, { method: 'POST', headers: bearer(admin) })).status).toBe(404);
    expect(await call(`${url}/admin/keys`, { body: { principal: 'x', roles: ['root'] }, headers: bearer(admin) })).toMatchObject({
      status: 400, body: { error: { message: expect.stringMatching(/unknown role/) } },
    });
  });
  it('a rotation refused for a bad option leaves the old key exactly as it was (in memory and on disk)', async () => {
    const { key, info } = keys.create({ principal: 'keep-me', roles: ['embed'], expiresAt: new Date(now + 3_600_000) });
    const before = keys.list().find((k) => k.id === info.id);
    const count = keys.list().length;
    expect(() => keys.rotate(info.id, { graceMs: 1000, expiresAt: 'not a date' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    // Checked before anything re-reads the key file (every write does): the store in memory is what verify() uses.
    expect(keys.list().find((k) => k.id === info.id)).toEqual(before);
    expect(keys.list()).toHaveLength(count);
    // Past the grace the refused rotation asked for, the untouched key still works.
    now += 2000;
    try {
      expect((await call(`${url}/v1/models`, { headers: bearer(key) })).status).toBe(200);
    } finally {
      now -= 2000;
    }
    expect(() => keys.rotate(info.id, { graceMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(keys.list().find((k) => k.id === info.id)).toEqual(before);
    const other = KeyStore.open(dir.dir, { watchIntervalMs: 0 });
    expect(other.list().find((k) => k.id === info.id)).toEqual(before);
    other.close();
  });
  it('expiries past what a date can hold are 400 (not 500), on create and rotate', async () => {
    const { key: admin } = keys.create({ principal: 'ops3', roles: ['admin'] });
    const target = keys.create({ principal: 'far-future', roles: ['embed'] }).info.id;
    for (const [path, body] of [
      ['/admin/keys', { principal: 'huge', roles: ['embed'], expires_in_seconds: 1e20 }],
      [`/admin/keys/${target}/rotate`, { expires_in_seconds: 1e20 }],
      ['/admin/keys', { principal: 'huge', roles: ['embed'], expires_at: '+999999-01-01T00:00:00Z' }],
    ] as const) {
      expect(await call(`${url}${path}`, { body, headers: bearer(admin) })).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    }
    // A huge grace never shortens the old key and is no error.
    expect((await call(`${url}/admin/keys/${target}/rotate`, { body: { grace_seconds: 1e20 }, headers: bearer(admin) })).status).toBe(201);
    expect(keys.list().find((k) => k.id === target)?.expiresAt).toBeUndefined();
  });
  it('a tampered key (right id, wrong secret) and malformed headers are 401', async () => {
    const { key } = keys.create({ principal: 'tamper', roles: ['embed'] });
    const tampered = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    for (const h of [`Bearer ${tampered}`, `Basic ${key}`, 'Bearer', key]) {
      expect((await call(`${url}/v1/models`, { headers: { authorization: h } })).status).toBe(401);
    }
  });
});

describe('key file', () => {
  it('holds salted hashes only, written 0600, and a second store (the CLI) sees changes', () => {
    const issued = keys.create({ principal: 'file-check', roles: ['metrics'] });
    const text = readFileSync(keys.path, 'utf8');
    const secret = issued.key.slice('abi_'.length + 16 + 1); // base64url secrets may contain '_'
    expect(secret).toHaveLength(43);
    expect(text).not.toContain(secret);
    const stored = (JSON.parse(text) as { keys: { id: string; salt: string; hash: string }[] }).keys.find((k) => k.id === issued.info.id)!;
    expect(stored.salt).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    expect(stored.hash).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    expect(statSync(keys.path).mode & 0o777).toBe(0o600);
    const other = KeyStore.open(dir.dir, { watchIntervalMs: 0 });
    expect(other.verify(issued.key).principal).toBe('file-check');
    const fromCli = other.create({ principal: 'cli', roles: ['embed'] });
    // The server's store re-reads the file before writing and when it changes on disk.
    keys.create({ principal: 'after', roles: ['embed'] });
    expect(keys.list().map((k) => k.id)).toContain(fromCli.info.id);
    other.close();
  });
  it('the server notices keys added by another process through file watching', async () => {
    const d = tempDir('abi-server-watch-');
    const watched = KeyStore.open(d.dir, { watchIntervalMs: 50 });
    try {
      const cli = KeyStore.open(d.dir, { watchIntervalMs: 0 });
      const { key } = cli.create({ principal: 'late', roles: ['embed'] });
      await expect.poll(() => { try { return watched.verify(key).principal; } catch { return undefined; } }, { timeout: 5000 }).toBe('late');
    } finally {
      watched.close();
      d.cleanup();
    }
  });
});
