// HTTPS, mutual TLS, and certificates reloaded on file change without dropping open connections.
import { renameSync, writeFileSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../engine/helpers.js';
import { makeCa, makeLeaf, type Pem } from './certs.js';
import { EMBED_MODEL, EngineService, startServer } from './helpers.js';

let service: EngineService;
const dir = tempDir('abi-server-tls-');
let ca: Pem;
let serverA: Pem;
let serverB: Pem;
let client: Pem;
let rogueClient: Pem;

beforeAll(async () => {
  service = await EngineService.open();
  ca = makeCa(dir.dir, 'test-ca');
  const rogueCa = makeCa(dir.dir, 'rogue-ca');
  serverA = makeLeaf(dir.dir, ca, 'server-a', 'server');
  serverB = makeLeaf(dir.dir, ca, 'server-b', 'server');
  client = makeLeaf(dir.dir, ca, 'client-1', 'client');
  rogueClient = makeLeaf(dir.dir, rogueCa, 'rogue-client', 'client');
});
afterAll(async () => {
  await service.close();
  dir.cleanup();
});

interface Answer { status: number; body: string; peer: string; socket: TLSSocket }

function get(url: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { ca: ca.cert, ...options }, (res) => {
      const socket = res.socket as TLSSocket;
      const peer = String(socket.getPeerCertificate().subject?.CN);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, peer, socket }));
    });
    req.on('error', reject);
    req.end();
  });
}

function post(url: string, path: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { ca: ca.cert, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Copies a PEM pair over the served files with atomic renames (as cert-manager and certbot do). */
function install(files: { certFile: string; keyFile: string }, pem: Pem): void {
  for (const [from, to] of [[pem.key, files.keyFile], [pem.cert, files.certFile]] as const) {
    writeFileSync(`${to}.tmp`, from);
    renameSync(`${to}.tmp`, to);
  }
}

describe('TLS', () => {
  it('serves HTTPS to clients that trust the CA', async () => {
    const files = { certFile: join(dir.dir, 'live-1.crt'), keyFile: join(dir.dir, 'live-1.key') };
    install(files, serverA);
    const { server, url } = await startServer({ service, tls: { ...files, watchIntervalMs: 0 } });
    try {
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const r = await get(url, '/health');
      expect(r).toMatchObject({ status: 200, peer: 'server-a' });
      // Plain HTTP on the TLS port is refused; an untrusting client fails the handshake.
      await expect(fetch(url.replace('https', 'http') + '/health')).rejects.toThrow();
      await expect(get(url, '/health', { ca: undefined })).rejects.toThrow(/self-signed|unable to verify|certificate/i);
      const e = await post(url, '/v1/embeddings', { model: EMBED_MODEL, input: 'over tls' });
      expect(e.status).toBe(200);
      expect(JSON.parse(e.body).data[0].embedding.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('reloads certificates when the files change, keeping open connections', async () => {
    const files = { certFile: join(dir.dir, 'live-2.crt'), keyFile: join(dir.dir, 'live-2.key') };
    install(files, serverA);
    const { server, url } = await startServer({ service, tls: { ...files, watchIntervalMs: 50 } });
    server.httpServer.keepAliveTimeout = 120_000; // the old connection must outlive a slow poll on a busy machine
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1, ca: ca.cert });
    try {
      const first = await get(url, '/health', { agent: keepAlive });
      expect(first.peer).toBe('server-a');
      install(files, serverB);
      await expect.poll(async () => (await get(url, '/health', { agent: false })).peer, { timeout: 30_000, interval: 100 }).toBe('server-b');
      expect(server.tlsReloads).toBeGreaterThanOrEqual(1);
      // The connection opened before the reload is still up and still serving.
      const again = await get(url, '/health', { agent: keepAlive });
      expect(again.socket).toBe(first.socket);
      expect(again).toMatchObject({ status: 200, peer: 'server-a' });
      // A broken file keeps the current certificates.
      writeFileSync(files.keyFile, 'not a key');
      expect(server.reloadTls()).toBe(false);
      expect((await get(url, '/health', { agent: false })).peer).toBe('server-b');
    } finally {
      keepAlive.destroy();
      await server.close();
    }
  });
});

describe('mutual TLS', () => {
  it('requires a client certificate from the configured CA', async () => {
    const files = { certFile: join(dir.dir, 'live-3.crt'), keyFile: join(dir.dir, 'live-3.key') };
    install(files, serverA);
    const { server, url } = await startServer({ service, tls: { ...files, clientCaFile: ca.certFile, watchIntervalMs: 0 } });
    try {
      const ok = await get(url, '/health', { cert: client.cert, key: client.key, agent: false });
      expect(ok.status).toBe(200);
      await expect(get(url, '/health', { agent: false })).rejects.toThrow();
      await expect(get(url, '/health', { cert: rogueClient.cert, key: rogueClient.key, agent: false })).rejects.toThrow();
    } finally {
      await server.close();
    }
  });
});
