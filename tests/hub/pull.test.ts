// pullModel / fromPretrained against a loopback Hub speaking the real protocol (tests/helpers/hub-server.ts): the
// Hugging Face cache layout, only the engine's files, token never sent to the storage host, resume after a cut,
// verification, typed Hub errors, abort, offline mode, and reuse of what is cached.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AbortError, CorruptDataError, EntryNotFoundError, GatedRepoError, HubError, ModelNotCachedError, RepoNotFoundError, RevisionNotFoundError,
} from '../../src/core/errors.js';
import { LocalCrossEncoder } from '../../src/engine/cross-encoder.js';
import { LocalEmbedder } from '../../src/engine/local-embedder.js';
import { HubClient } from '../../src/hub/client.js';
import { listCachedModels, removeCachedModel, repoCacheDir } from '../../src/hub/cache.js';
import { pullModel, type PullModelOptions, type PullProgress } from '../../src/hub/pull.js';
import { modelDir, tempDir } from '../engine/helpers.js';
import { type FakeHub, repoFromFolder, startFakeHub } from '../helpers/hub-server.js';

const EMBED = 'abi-test/tiny-bert';
const CROSS = 'abi-test/tiny-cross-encoder';
const GATED = 'abi-test/gated-bert';
const TOKEN = 'hf_test_secret_token_123';

let hub: FakeHub;
let tmp: ReturnType<typeof tempDir>;
let n = 0;
const freshCache = (): string => join(tmp.dir, `cache-${n++}`);
const opts = (cacheDir: string, extra: PullModelOptions = {}): PullModelOptions =>
  ({ endpoint: hub.endpoint, cacheDir, token: false, retry: { maxAttempts: 3, initialDelayMs: 10 }, ...extra });

beforeAll(async () => {
  tmp = tempDir('abi-hub-');
  const gated = repoFromFolder(GATED, modelDir('tiny-bert'));
  gated.gatedToken = TOKEN;
  hub = await startFakeHub([repoFromFolder(EMBED, modelDir('tiny-bert')), repoFromFolder(CROSS, modelDir('tiny-cross-encoder')), gated]);
});
afterAll(async () => {
  await hub.close();
  tmp.cleanup();
});
afterEach(() => {
  hub.faults.cut = undefined;
  hub.faults.corrupt = undefined;
  hub.faults.throttle = undefined;
  hub.faults.fail = undefined;
  hub.requests.length = 0;
  vi.unstubAllEnvs();
});

const fileGets = () => hub.requests.filter((r) => r.method === 'GET' && !r.path.startsWith('/api/'));

describe('pullModel', () => {
  it('fetches only the files the engine reads into the Hugging Face cache layout, the token kept off the storage host', async () => {
    const cacheDir = freshCache();
    const repo = hub.repos.get(EMBED)!;
    const pulled = await pullModel(EMBED, opts(cacheDir, { token: 'hf_abc' }));
    expect(pulled.commit).toBe(repo.commit);
    const repoDir = repoCacheDir(cacheDir, EMBED);
    expect(repoDir.endsWith('models--abi-test--tiny-bert')).toBe(true);
    expect(pulled.dir).toBe(join(repoDir, 'snapshots', repo.commit));
    expect(pulled.files.sort()).toEqual([
      '1_Pooling/config.json', 'config.json', 'config_sentence_transformers.json', 'modules.json', 'onnx/model.onnx',
      'sentence_bert_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json',
    ]);
    expect(existsSync(join(pulled.dir, 'onnx/model_fp16.onnx'))).toBe(false);
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8')).toBe(repo.commit);
    // Blobs named by ETag (sha256 for LFS, git sha1 otherwise); snapshot entries are relative symlinks to them.
    const onnx = repo.files.get('onnx/model.onnx')!;
    const cfg = repo.files.get('config.json')!;
    expect(readdirSync(join(repoDir, 'blobs')).sort()).toContain(onnx.sha256);
    expect(readlinkSync(join(pulled.dir, 'onnx/model.onnx'))).toBe(`../../../blobs/${onnx.sha256}`);
    expect(readlinkSync(join(pulled.dir, 'config.json'))).toBe(`../../blobs/${cfg.gitSha1}`);
    expect(readFileSync(join(pulled.dir, 'onnx/model.onnx')).equals(onnx.content)).toBe(true);
    expect(pulled.downloadedBytes).toBe(pulled.files.reduce((s, f) => s + repo.files.get(f)!.content.length, 0));
    // The LFS file was fetched from the other origin, without the token; the Hub itself got it.
    const lfs = hub.requests.filter((r) => r.origin === 'lfs');
    expect(lfs.length).toBe(1);
    expect(lfs.every((r) => r.authorization === undefined)).toBe(true);
    expect(hub.requests.filter((r) => r.origin === 'hub').every((r) => r.authorization === 'Bearer hf_abc')).toBe(true);
  });

  it('fetches nothing twice: a complete snapshot costs one metadata request, blobs already there are only linked', async () => {
    const cacheDir = freshCache();
    await pullModel(EMBED, opts(cacheDir));
    hub.requests.length = 0;
    const again = await pullModel(EMBED, opts(cacheDir));
    expect(again.downloadedBytes).toBe(0);
    expect(hub.requests.map((r) => r.path)).toEqual([`/api/models/${EMBED}/revision/main`]);
    // As after a Python download of another revision: blobs present, this snapshot missing.
    const repoDir = repoCacheDir(cacheDir, EMBED);
    const { rmSync } = await import('node:fs');
    rmSync(join(repoDir, 'snapshots'), { recursive: true });
    hub.requests.length = 0;
    const relinked = await pullModel(EMBED, opts(cacheDir));
    expect(relinked.downloadedBytes).toBe(0);
    expect(fileGets()).toEqual([]);
    expect(lstatSync(join(relinked.dir, 'onnx/model.onnx')).isSymbolicLink()).toBe(true);
  });

  it('int8 fetches the quantized file only; a dtype the repo lacks is EntryNotFound naming what it has', async () => {
    const cacheDir = freshCache();
    const pulled = await pullModel(CROSS, opts(cacheDir, { dtype: 'int8' }));
    expect(pulled.files.filter((f) => f.endsWith('.onnx'))).toEqual(['onnx/model_quantized.onnx']);
    const err = await pullModel(CROSS, opts(cacheDir, { dtype: 'fp16' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EntryNotFoundError);
    expect((err as Error).message).toMatch(/no fp16 ONNX file.*it has dtype fp32, int8/);
  });

  it('resumes a download cut mid-file with a Range request, and the result verifies', async () => {
    const cacheDir = freshCache();
    hub.faults.cut = { path: 'onnx/model.onnx', afterBytes: 1_000_000, times: 1 };
    const pulled = await pullModel(EMBED, opts(cacheDir));
    const lfs = hub.requests.filter((r) => r.origin === 'lfs');
    expect(lfs.length).toBe(2);
    expect(lfs[0]!.range).toBeUndefined();
    const start = Number(/^bytes=(\d+)-$/.exec(lfs[1]!.range ?? '')?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(1_000_000);
    expect(readFileSync(join(pulled.dir, 'onnx/model.onnx')).equals(hub.repos.get(EMBED)!.files.get('onnx/model.onnx')!.content)).toBe(true);
  });

  it('a file failing its sha256 is a CorruptDataError and leaves nothing loadable', async () => {
    const cacheDir = freshCache();
    hub.faults.corrupt = new Set(['onnx/model.onnx']);
    const err = await pullModel(EMBED, opts(cacheDir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as Error).message).toMatch(/sha256/);
    const repoDir = repoCacheDir(cacheDir, EMBED);
    expect(readdirSync(join(repoDir, 'blobs')).filter((b) => b.length === 64 || b.endsWith('.incomplete'))).toEqual([]);
    expect(existsSync(join(repoDir, 'refs', 'main'))).toBe(false);
    await expect(pullModel(EMBED, opts(cacheDir, { offline: true }))).rejects.toBeInstanceOf(ModelNotCachedError);
  });

  it('maps the Hub errors: RepoNotFound, RevisionNotFound, EntryNotFound, gated without and with a wrong token', async () => {
    const cacheDir = freshCache();
    const missing = await pullModel('abi-test/nope', opts(cacheDir)).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RepoNotFoundError);
    expect((missing as RepoNotFoundError).code).toBe('REPO_NOT_FOUND');
    expect((missing as Error).message).toMatch(/abi-test\/nope.*not found.*HF_TOKEN/);
    const rev = await pullModel(`hf:${EMBED}@v9`, opts(cacheDir)).catch((e: unknown) => e);
    expect(rev).toBeInstanceOf(RevisionNotFoundError);
    expect((rev as RevisionNotFoundError).revision).toBe('v9');
    const entry = await new HubClient({ endpoint: hub.endpoint, token: false })
      .fileMetadata({ repoId: EMBED, revision: 'main' }, 'onnx/missing.onnx').catch((e: unknown) => e);
    expect(entry).toBeInstanceOf(EntryNotFoundError);
    expect((entry as EntryNotFoundError).status).toBe(404);

    const noToken = await pullModel(GATED, opts(cacheDir)).catch((e: unknown) => e);
    expect(noToken).toBeInstanceOf(GatedRepoError);
    expect((noToken as GatedRepoError).status).toBe(401);
    expect((noToken as Error).message).toMatch(/gated.*HF_TOKEN/);
    const wrong = 'hf_wrong_secret_987';
    const bad = await pullModel(GATED, opts(cacheDir, { token: wrong })).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(GatedRepoError);
    expect((bad as GatedRepoError).status).toBe(403);
    // The double echoes the token in its error text; the client scrubs it everywhere.
    expect(JSON.stringify({ m: (bad as Error).message, b: (bad as GatedRepoError).body, s: (bad as Error).stack })).not.toContain(wrong);
    vi.stubEnv('HF_TOKEN', TOKEN);
    const ok = await pullModel(GATED, opts(cacheDir, { token: undefined }));
    expect(ok.commit).toBe(hub.repos.get(GATED)!.commit);
    expect(hub.requests.filter((r) => r.origin === 'lfs').every((r) => r.authorization === undefined)).toBe(true);
  });

  it('retries a 5xx from the Hub, then gives up with a retryable HubError', async () => {
    const cacheDir = freshCache();
    hub.faults.fail = { status: 503, times: 1, path: /^\/api\// };
    await pullModel(EMBED, opts(cacheDir, { dtype: 'int8' }));
    expect(hub.requests.filter((r) => r.path.startsWith('/api/')).length).toBe(2);
    hub.faults.fail = { status: 500, times: 10, path: /resolve/ };
    const err = await pullModel(EMBED, opts(freshCache())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect(err).toMatchObject({ code: 'PROVIDER_ERROR', status: 500, retryable: true, repoId: EMBED, path: 'config.json' });
  });

  it('aborts a slow download promptly, keeps the partial file for resuming but never loads it, then resumes', async () => {
    const cacheDir = freshCache();
    hub.faults.throttle = { chunkBytes: 16 * 1024, delayMs: 20 };
    const ac = new AbortController();
    let abortedAt = 0;
    const onProgress = (p: PullProgress): void => {
      if (p.file === 'onnx/model.onnx' && p.fileBytes > 200_000 && !abortedAt) {
        abortedAt = Date.now();
        ac.abort();
      }
    };
    const err = await pullModel(EMBED, opts(cacheDir, { signal: ac.signal, onProgress })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
    const repoDir = repoCacheDir(cacheDir, EMBED);
    const onnx = hub.repos.get(EMBED)!.files.get('onnx/model.onnx')!;
    const partial = join(repoDir, 'blobs', `${onnx.sha256}.incomplete`);
    expect(statSync(partial).size).toBeGreaterThan(0);
    expect(statSync(partial).size).toBeLessThan(onnx.content.length);
    await expect(pullModel(EMBED, opts(cacheDir, { offline: true }))).rejects.toBeInstanceOf(ModelNotCachedError);
    await expect(LocalEmbedder.fromPretrained(EMBED, opts(cacheDir, { offline: true }))).rejects.toBeInstanceOf(ModelNotCachedError);

    hub.faults.throttle = undefined;
    hub.requests.length = 0;
    const partialSize = statSync(partial).size;
    const seen: PullProgress[] = [];
    const resumed = await pullModel(EMBED, opts(cacheDir, { onProgress: (p) => seen.push(p) }));
    // Progress starts from the partial file and ends at the total.
    expect(seen[0]!.file).toBe('onnx/model.onnx');
    expect(seen[0]!.fileBytes).toBeGreaterThan(partialSize);
    expect(seen.at(-1)!.bytes).toBe(seen.at(-1)!.totalBytes);
    const lfs = hub.requests.filter((r) => r.origin === 'lfs');
    expect(lfs.length).toBe(1);
    expect(lfs[0]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(readFileSync(join(resumed.dir, 'onnx/model.onnx')).equals(onnx.content)).toBe(true);
  });

  it('offline: a cached model loads with zero requests; a missing one names the model, revision and the pull command', async () => {
    const cacheDir = freshCache();
    await pullModel(EMBED, opts(cacheDir));
    hub.requests.length = 0;
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const cached = await pullModel(EMBED, opts(cacheDir));
    expect(cached.offline).toBe(true);
    expect(hub.requests).toEqual([]);
    const err = await pullModel(`${CROSS}@v2`, opts(cacheDir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotCachedError);
    expect((err as Error).message).toContain(CROSS);
    expect((err as Error).message).toContain('revision v2');
    expect((err as Error).message).toContain(`npx abi-sdk models pull ${CROSS} --revision v2`);
    expect(hub.requests).toEqual([]);
    vi.unstubAllEnvs();
    // The Hub unreachable (nothing listens): the cache answers.
    const down = await pullModel(EMBED, { cacheDir, endpoint: 'http://127.0.0.1:9', retry: { maxAttempts: 1 } });
    expect(down.offline).toBe(true);
    expect(down.commit).toBe(cached.commit);
  });

  it('lists and removes cached models', async () => {
    const cacheDir = freshCache();
    await pullModel(EMBED, opts(cacheDir, { dtype: 'int8' }));
    const [m] = await listCachedModels(cacheDir);
    expect(m!.repoId).toBe(EMBED);
    expect(m!.refs).toEqual({ main: hub.repos.get(EMBED)!.commit });
    expect(m!.sizeOnDisk).toBeGreaterThan(1_000_000);
    expect(m!.sizeOnDisk).toBeLessThan(3_000_000);
    expect(await removeCachedModel(EMBED, cacheDir)).toBe(true);
    expect(await listCachedModels(cacheDir)).toEqual([]);
    expect(await removeCachedModel(EMBED, cacheDir)).toBe(false);
  });
});

describe('fromPretrained', () => {
  it('embeds and scores exactly as fromFolder on the same files', async () => {
    const cacheDir = freshCache();
    const texts = ['the cat sat on the mat', 'a quick brown fox', ''];
    const pretrained = await LocalEmbedder.fromPretrained(`hf:${EMBED}`, { ...opts(cacheDir), threads: 1 });
    const folder = await LocalEmbedder.fromFolder(modelDir('tiny-bert'), { threads: 1 });
    try {
      expect(pretrained.model).toBe(EMBED);
      expect(await pretrained.embedDocuments(texts)).toEqual(await folder.embedDocuments(texts));
      expect(await pretrained.embedQuery('cats')).toEqual(await folder.embedQuery('cats'));
    } finally {
      await pretrained.close();
      await folder.close();
    }
    const ce = await LocalCrossEncoder.fromPretrained(CROSS, { ...opts(cacheDir), dtype: 'int8', threads: 1 });
    const ceFolder = await LocalCrossEncoder.fromFolder(modelDir('tiny-cross-encoder'), { dtype: 'int8', threads: 1 });
    try {
      expect(await ce.rerank('cats', texts)).toEqual(await ceFolder.rerank('cats', texts));
    } finally {
      await ce.close();
      await ceFolder.close();
    }
  });
});
