// The CLI in-process: keys subcommands on a data dir, and `serve --models` answering a key the CLI made.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDuration, runCli } from '../../src/cli/main.js';
import { LocalEmbedder } from '../../src/engine/local-embedder.js';
import { AdaptedEmbedder } from '../../src/embedders/adapted.js';
import { cosine, maxAbsDiff, modelDir, tempDir } from '../engine/helpers.js';
import { saveNoisyAdapter } from '../training/helpers.js';
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

describe('abi-sdk serve --adapter', () => {
  it('answers /v1/embeddings with the adapted vectors (flag or config), and refuses an adapter for another model at start', async () => {
    const base = await LocalEmbedder.fromFolder(modelDir(EMBED_MODEL), { threads: 1 });
    const other = await LocalEmbedder.fromFolder(modelDir('tiny-bert-prompts'), { threads: 1 });
    const work = join(dir.dir, 'adapter');
    mkdirSync(work);
    const file = join(work, 'domain.abi-adapter');
    const wrong = join(work, 'wrong.abi-adapter');
    const texts = ['how do I reset my password', 'the cat sat on the mat', 'invoices are due in 30 days'];
    let plain: Float32Array[], expected: Float32Array[], expectedDocs: Float32Array[];
    try {
      await saveNoisyAdapter(base, file, 'both', 11);
      await saveNoisyAdapter(other, wrong, 'both', 12);
      const adapted = await AdaptedEmbedder.load(base, file);
      plain = await base.embedDocuments(texts);
      expected = await adapted.embed(texts, { inputType: 'query' });
      expectedDocs = await adapted.embedDocuments(texts);
    } finally {
      await base.close();
      await other.close();
    }
    const serveOnce = async (argv: string[], check: (url: string) => Promise<void>): Promise<void> => {
      const stop = new AbortController();
      let exited!: Promise<number>;
      const url = await new Promise<string>((resolve, reject) => {
        exited = runCli(['serve', '--models', modelDir(EMBED_MODEL), '--port', '0', '--no-auth', '--log-level', 'silent', '--workers', '1', '--threads', '1', ...argv], {
          stdout: () => {}, stderr: () => {}, cwd: work, signal: stop.signal, onListening: resolve,
        });
        exited.then((code) => reject(new Error(`serve exited with ${code} before listening`)), reject);
      });
      try {
        await check(url);
      } finally {
        stop.abort();
        expect(await exited).toBe(0);
      }
    };
    const vectorsOf = (body: { data: { embedding: number[] }[] }): Float32Array[] => body.data.map((d) => Float32Array.from(d.embedding));
    const checkAdapted = async (url: string): Promise<void> => {
      const docs = vectorsOf((await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: texts } })).body);
      const queries = vectorsOf((await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: texts, input_type: 'query' } })).body);
      const small = vectorsOf((await call(`${url}/v1/embeddings`, { body: { model: EMBED_MODEL, input: texts, dimensions: 8 } })).body);
      texts.forEach((_, i) => {
        expect(maxAbsDiff(docs[i], expectedDocs[i])).toBeLessThan(1e-4);
        expect(maxAbsDiff(queries[i], expected[i])).toBeLessThan(1e-4);
        expect(cosine(docs[i], plain[i])).toBeLessThan(0.99); // not the base model's vectors
        expect(small[i].length).toBe(8);
        expect(Math.hypot(...small[i])).toBeCloseTo(1, 4);
      });
    };
    // --adapter MODEL_ID=FILE, relative to the working directory.
    await serveOnce(['--adapter', `${EMBED_MODEL}=domain.abi-adapter`], checkAdapted);
    // serve.adapters in the config file, relative to the file.
    writeFileSync(join(work, 'abi.config.json'), JSON.stringify({ serve: { adapters: { [EMBED_MODEL]: './domain.abi-adapter' } } }));
    await serveOnce([], checkAdapted);
    // An adapter trained on another base model: exit 1 with MODEL_MISMATCH, nothing served.
    const err: string[] = [];
    const code = await runCli(['serve', '--models', modelDir(EMBED_MODEL), '--port', '0', '--no-auth', '--log-level', 'silent', '--workers', '1',
      '--config', join(work, 'abi.config.json'), '--adapter', `${EMBED_MODEL}=${wrong}`], { stdout: () => {}, stderr: (l) => err.push(l), cwd: work, onListening: () => { throw new Error('must not listen'); } });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/MODEL_MISMATCH/);
    expect((await runCli(['serve', '--models', modelDir(EMBED_MODEL), '--adapter', 'no-equals-sign'], { stdout: () => {}, stderr: () => {} }))).toBe(2);
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
