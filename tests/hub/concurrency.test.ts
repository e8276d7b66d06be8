// Two real processes pulling the same model into one cache at once: the per-blob lock lets one download each blob
// while the other waits, and both end with the same verified snapshot. Plus the lock's stale-owner takeover.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLock } from '../../src/internal/file-lock.js';

const acquireBlobLock = (path: string, options?: { signal?: AbortSignal }) => FileLock.acquire(path, options);
import { modelDir, tempDir } from '../engine/helpers.js';
import { type FakeHub, repoFromFolder, startFakeHub } from '../helpers/hub-server.js';

const NAME = 'abi-test/tiny-bert';
let hub: FakeHub;
let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  tmp = tempDir('abi-hub-proc-');
  hub = await startFakeHub([repoFromFolder(NAME, modelDir('tiny-bert'))]);
});
afterAll(async () => {
  await hub.close();
  tmp.cleanup();
});

function pullInChild(cacheDir: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'pull-child.ts'), hub.endpoint, cacheDir, NAME], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('concurrent pulls', () => {
  it('two processes pulling the same model share the downloads and both get the verified snapshot', async () => {
    const cacheDir = join(tmp.dir, 'shared');
    // Slow enough that the two overlap (each LFS body takes ~1 s).
    hub.faults.throttle = { chunkBytes: 128 * 1024, delayMs: 30 };
    const [a, b] = await Promise.all([pullInChild(cacheDir), pullInChild(cacheDir)]);
    hub.faults.throttle = undefined;
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    const ra = JSON.parse(a.out) as { dir: string; commit: string; downloadedBytes: number };
    const rb = JSON.parse(b.out) as { dir: string; commit: string; downloadedBytes: number };
    expect(ra.dir).toBe(rb.dir);
    const onnx = hub.repos.get(NAME)!.files.get('onnx/model.onnx')!;
    expect(readFileSync(join(ra.dir, 'onnx/model.onnx')).equals(onnx.content)).toBe(true);
    // Each blob came over the wire once: the second process waited on the lock and found it done.
    const lfsGets = hub.requests.filter((r) => r.origin === 'lfs' && r.method === 'GET');
    expect(lfsGets.length).toBe(1);
    // Every file's bytes were transferred once in total, whichever process fetched it.
    const files = (JSON.parse(a.out) as { files: string[] }).files;
    const total = files.reduce((s, f) => s + hub.repos.get(NAME)!.files.get(f)!.content.length, 0);
    expect(ra.downloadedBytes + rb.downloadedBytes).toBe(total);
    expect(existsSync(join(cacheDir, 'models--abi-test--tiny-bert', 'blobs', `${onnx.sha256}.incomplete`))).toBe(false);
  }, 60_000);

  it('a lock whose owner died is taken over; a live one is waited for', async () => {
    const dir = join(tmp.dir, 'locks');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'x.lock');
    // A pid that is not alive on this host.
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), token: 'dead' }));
    const lock = await acquireBlobLock(file);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    let second = false;
    const waiting = acquireBlobLock(file).then((l) => {
      second = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(second).toBe(false);
    await lock.release();
    const l2 = await waiting;
    expect(second).toBe(true);
    await l2.release();
    expect(existsSync(file)).toBe(false);
    // Waiting is abortable.
    const held = await acquireBlobLock(file);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await expect(acquireBlobLock(file, { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    await held.release();
  });
});
