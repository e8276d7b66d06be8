// The CLI in-process: keys subcommands on a data dir, and `serve --models` answering a key the CLI made.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDuration, runCli } from '../../src/cli/main.js';
import { modelDir, tempDir } from '../engine/helpers.js';
import { call, EMBED_MODEL, RERANK_MODEL } from './helpers.js';

const dir = tempDir('abi-server-cli-');
afterAll(() => dir.cleanup());

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out, err };
}

describe('abi-sdk keys', () => {
  it('creates, lists, rotates and revokes keys in the data dir', async () => {
    const data = join(dir.dir, 'data');
    const created = await cli('keys', 'create', '--data-dir', data, '--principal', 'svc', '--role', 'embed', '--role', 'metrics',
      '--model', EMBED_MODEL, '--expires-in', '30d', '--rpm', '100', '--json');
    expect(created.code).toBe(0);
    const info = JSON.parse(created.out[0]) as { key: string; id: string; roles: string[]; models: string[]; expiresAt: string; rateLimit: object };
    expect(info).toMatchObject({ roles: ['embed', 'metrics'], models: [EMBED_MODEL], rateLimit: { requestsPerMinute: 100 } });
    expect(info.key).toMatch(/^abi_[0-9a-f]{16}_/);
    expect(Date.parse(info.expiresAt) - Date.now()).toBeGreaterThan(29 * 86400e3);
    const rotated = await cli('keys', 'rotate', info.id, '--data-dir', data, '--grace', '1h');
    expect(rotated.code).toBe(0);
    expect(rotated.out[0]).toMatch(/^abi_/);
    const listed = await cli('keys', 'list', '--data-dir', data);
    expect(listed.out).toHaveLength(2);
    expect(listed.out[0]).toMatch(new RegExp(`^${info.id}  svc  embed,metrics  active  expires`));
    const revoked = await cli('keys', 'revoke', info.id, '--data-dir', data);
    expect(revoked.out[0]).toBe(`revoked ${info.id} (svc)`);
    expect((await cli('keys', 'list', '--data-dir', data)).out[0]).toContain('revoked');
  });
  it('explains usage mistakes with exit code 2 and store errors with 1', async () => {
    expect((await cli('keys', 'create', '--data-dir', dir.dir, '--role', 'embed')).code).toBe(2);
    expect((await cli('keys', 'create', '--data-dir', dir.dir, '--principal', 'x', '--role', 'root')).code).toBe(1);
    expect((await cli('keys', 'revoke', 'nope', '--data-dir', dir.dir)).err[0]).toMatch(/NOT_FOUND/);
    expect((await cli('keys', 'list', '--bogus')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('serve')).err[0]).toMatch(/--models/);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2d')).toBe(172_800_000);
  });
});

describe('abi-sdk serve', () => {
  it('serves every model folder under --models with the keys in --data-dir, and stops on the signal', async () => {
    const models = join(dir.dir, 'models');
    mkdirSync(models);
    symlinkSync(modelDir(EMBED_MODEL), join(models, EMBED_MODEL));
    symlinkSync(modelDir(RERANK_MODEL), join(models, RERANK_MODEL));
    const data = join(dir.dir, 'serve-data');
    const { key } = JSON.parse((await cli('keys', 'create', '--data-dir', data, '--principal', 'p', '--role', 'embed', '--json')).out[0]) as { key: string };
    const stop = new AbortController();
    let url = '';
    let exited!: Promise<number>;
    const listening = new Promise<void>((resolve) => {
      exited = runCli(['serve', '--models', models, '--port', '0', '--data-dir', data, '--log-level', 'silent', '--threads', '1'], {
        stdout: () => {}, stderr: () => {}, signal: stop.signal,
        onListening: (u) => {
          url = u;
          resolve();
        },
      });
    });
    await listening;
    const headers = { authorization: `Bearer ${key}` };
    expect((await call(`${url}/v1/models`, { headers })).body.data.map((m: { id: string }) => m.id)).toEqual([EMBED_MODEL, RERANK_MODEL]);
    expect((await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: ['a', 'b'] }, headers })).body.data).toHaveLength(2);
    expect((await call(`${url}/rerank`, { body: { query: 'q', texts: ['a', 'b'] }, headers })).status).toBe(200);
    expect((await call(`${url}/v1/models`)).status).toBe(401);
    stop.abort();
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

describe('the serve service', () => {
  it('runs maxConcurrent jobs, queues maxQueue, refuses the rest with BUSY, and drops aborted waiters', async () => {
    const { openModelsService } = await import('../../src/cli/service.js');
    const service = await openModelsService(modelDir(EMBED_MODEL), { maxConcurrent: 1, maxQueue: 2 });
    try {
      expect(service.models()).toEqual([{ id: EMBED_MODEL, kind: 'embedding', dimension: expect.any(Number), loaded: true }]);
      const texts = Array.from({ length: 64 }, (_, i) => `text ${i} `.repeat(20));
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => service.embed(EMBED_MODEL, texts)));
      const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code));
      expect(codes).toEqual(['ok', 'ok', 'ok', 'BUSY', 'BUSY', 'BUSY']);
      expect(service.stats()).toMatchObject({ queuedJobs: 0, runningJobs: 0, rejectedJobs: 3, completedJobs: 3 });
      const ac = new AbortController();
      const first = service.embed(EMBED_MODEL, texts);
      const queued = service.embed(EMBED_MODEL, texts, { signal: ac.signal });
      expect(service.stats().queuedJobs).toBe(1);
      ac.abort();
      await expect(queued).rejects.toMatchObject({ code: 'ABORTED' });
      expect(service.stats().queuedJobs).toBe(0);
      await first;
      await expect(service.embed('nope', ['x'])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    } finally {
      await service.close();
    }
    await expect(service.embed(EMBED_MODEL, ['x'])).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
