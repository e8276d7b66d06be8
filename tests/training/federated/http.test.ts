// The federated endpoints over HTTP in one process: bad updates come back to that client as HTTP 422 with the typed
// error, client ids are bound to their API key's principal, and a federation runs over mutual TLS (and refuses a
// client without a certificate).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ConnectionError, InvalidUpdateError } from '../../../src/core/errors.js';
import { type AbiServer, createServer, KeyStore } from '../../../src/server/index.js';
import { FederatedClient, FederatedCoordinator, HttpTransport } from '../../../src/training/federated/index.js';
import { encodeFrame } from '../../../src/training/federated/frame.js';
import { tempDir } from '../../engine/helpers.js';
import { makeCa, makeLeaf } from '../../server/certs.js';
import { DIM, LinearTrainer, mse, zeroModel } from './linear-trainer.js';

const dir = tempDir('abi-fed-http-');
let keys: KeyStore;
let siteKey: string;
let otherKey: string;
afterAll(() => dir.cleanup());
beforeAll(() => {
  keys = KeyStore.open(`${dir.dir}/keys`, { watchIntervalMs: 0 });
  siteKey = keys.create({ principal: 'site-a', roles: ['federated'] }).key;
  otherKey = keys.create({ principal: 'site-b', roles: ['federated'] }).key;
});

describe('errors over HTTP', () => {
  let coordinator: FederatedCoordinator;
  let server: AbiServer;
  let url: string;
  beforeAll(async () => {
    coordinator = await FederatedCoordinator.open({ dir: `${dir.dir}/plain`, initial: zeroModel(), rounds: 2, quorum: 2, tickMs: 0 });
    server = createServer({ federated: coordinator, auth: { keys }, logger: false });
    url = await server.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    coordinator.close();
    await server.close();
  });

  it('a delta of the wrong shape or with NaN is a 422 INVALID_UPDATE that the transport turns back into InvalidUpdateError', async () => {
    const t = new HttpTransport({ url, apiKey: siteKey });
    const { clientId } = await t.join('site-a');
    const res = await fetch(`${url}/v1/federated/update`, {
      method: 'POST', headers: { authorization: `Bearer ${siteKey}`, 'x-abi-federated-client': clientId, 'content-type': 'application/octet-stream' },
      body: encodeFrame({ round: 1, attempt: 0, samples: 3 }, new Float32Array(DIM)),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_update', param: 'shape' } });
    const nan = new Float32Array(DIM + 1);
    nan[2] = NaN;
    const err = await t.submit(clientId, encodeFrame({ round: 1, attempt: 0, samples: 3 }, nan)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidUpdateError);
    expect(err).toMatchObject({ code: 'INVALID_UPDATE', reason: 'non-finite' });
    // The good update after the bad ones is accepted.
    await expect(t.submit(clientId, encodeFrame({ round: 1, attempt: 0, samples: 3 }, new Float32Array(DIM + 1)))).resolves.toMatchObject({ round: 1 });
    expect(coordinator.status().received).toEqual(['site-a']);
    t.close();
  });

  it('a client id belongs to the principal that joined it', async () => {
    const t = new HttpTransport({ url, apiKey: otherKey });
    await expect(t.join('site-a')).rejects.toBeInstanceOf(ConflictError);
    await expect(t.round('site-a')).rejects.toBeInstanceOf(ConflictError);
    t.close();
  });
});

describe('mutual TLS', () => {
  it('runs a federation over HTTPS with client certificates and refuses a client without one', async () => {
    const ca = makeCa(dir.dir, 'fed-ca');
    const srv = makeLeaf(dir.dir, ca, 'fed-server', 'server');
    const cli = makeLeaf(dir.dir, ca, 'fed-client', 'client');
    const coordinator = await FederatedCoordinator.open({ dir: `${dir.dir}/tls`, initial: zeroModel(), rounds: 3, quorum: 2, tickMs: 0 });
    const server = createServer({
      federated: coordinator, auth: { keys }, logger: false,
      tls: { certFile: srv.certFile, keyFile: srv.keyFile, clientCaFile: ca.certFile, watchIntervalMs: 0 },
    });
    const url = await server.listen(0, '127.0.0.1');
    try {
      expect(url.startsWith('https://')).toBe(true);
      const transport = (apiKey: string) => new HttpTransport({ url, apiKey, ca: ca.cert, cert: cli.cert, key: cli.key });
      const ta = transport(siteKey);
      const tb = transport(otherKey);
      const a = new FederatedClient({ transport: ta, trainer: new LinearTrainer({ samples: 30, seed: 1 }), clientId: 'site-a', pollMs: 20 });
      const b = new FederatedClient({ transport: tb, trainer: new LinearTrainer({ samples: 30, seed: 2 }), clientId: 'site-b', pollMs: 20 });
      const [ra, rb] = await Promise.all([a.run(), b.run()]);
      expect(ra.rounds).toEqual([1, 2, 3]);
      expect(rb.parameters).toEqual(ra.parameters);
      expect(mse(ra.parameters)).toBeLessThan(0.01);
      // Bytes per round: each client sends one frame of DIM+1 float32 values plus header, and fetches the model.
      const h = coordinator.status().history[0];
      expect(h.bytesIn).toBe(ra.bytesSent / 3 + rb.bytesSent / 3);
      ta.close();
      tb.close();
      const noCert = new HttpTransport({ url, apiKey: siteKey, ca: ca.cert });
      await expect(noCert.join('site-c')).rejects.toBeInstanceOf(ConnectionError);
      noCert.close();
    } finally {
      coordinator.close();
      await server.close();
    }
  });
});
