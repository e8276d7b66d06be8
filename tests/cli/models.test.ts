// `abi-sdk models pull|list|rm` in-process against the loopback Hub: plain progress lines off a TTY, the HF cache
// layout, offline use, exit codes (0, 1 for a typed error, 2 for bad usage).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { modelDir, tempDir } from '../engine/helpers.js';
import { type FakeHub, repoFromFolder, startFakeHub } from '../helpers/hub-server.js';

const NAME = 'abi-test/tiny-bert';
let hub: FakeHub;
let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  tmp = tempDir('abi-cli-models-');
  hub = await startFakeHub([repoFromFolder(NAME, modelDir('tiny-bert')), repoFromFolder('abi-test/tiny-cross-encoder', modelDir('tiny-cross-encoder'))]);
});
afterAll(async () => {
  await hub.close();
  tmp.cleanup();
});
afterEach(() => vi.unstubAllEnvs());

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), cwd: tmp.dir });
  return { code, out, err };
}

describe('abi-sdk models', () => {
  it('pull downloads into the HF cache with progress, list shows it, rm removes it', async () => {
    vi.stubEnv('HF_ENDPOINT', hub.endpoint);
    vi.stubEnv('HF_TOKEN', '');
    const cache = join(tmp.dir, 'hf');
    const pulled = await cli(['models', 'pull', NAME, '--dtype', 'int8', '--cache-dir', cache]);
    expect(pulled.err.join('\n')).toMatch(/downloading abi-test\/tiny-bert/);
    expect(pulled.code, pulled.err.join('\n')).toBe(0);
    const commit = hub.repos.get(NAME)!.commit;
    expect(pulled.out[0]).toMatch(new RegExp(`^abi-test/tiny-bert@main \\(commit ${commit.slice(0, 12)}\\): 9 files, [\\d.]+ MB downloaded$`));
    expect(existsSync(join(pulled.out[1]!, 'onnx/model_quantized.onnx'))).toBe(true);

    const again = await cli(['models', 'pull', `hf:${NAME}`, '--cache-dir', cache, '--dtype', 'int8']);
    expect(again.out[0]).toMatch(/already cached$/);

    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const listed = await cli(['models', 'list', '--cache-dir', cache]);
    expect(listed.code).toBe(0);
    expect(listed.out[0]).toMatch(/^MODEL\s+SIZE\s+REVISIONS$/);
    expect(listed.out[1]).toMatch(new RegExp(`^abi-test/tiny-bert\\s+[\\d.]+ MB\\s+main→${commit.slice(0, 12)}$`));
    const json = await cli(['models', 'list', '--cache-dir', cache, '--json']);
    expect(JSON.parse(json.out[0]!)).toMatchObject({ repoId: NAME, refs: { main: commit } });

    const missing = await cli(['models', 'pull', 'abi-test/other', '--cache-dir', cache]);
    expect(missing.code).toBe(1);
    expect(missing.err.join('\n')).toMatch(/abi-test\/other \(revision main\) is not in the local cache.*npx abi-sdk models pull abi-test\/other.*\(MODEL_NOT_CACHED\)/);

    const rm = await cli(['models', 'rm', NAME, '--cache-dir', cache]);
    expect(rm.code).toBe(0);
    expect((await cli(['models', 'list', '--cache-dir', cache])).out[0]).toMatch(/^no models in /);
    expect((await cli(['models', 'rm', NAME, '--cache-dir', cache])).code).toBe(1);
  });

  it('index --model and query --rerank take Hub names; query then works offline from the cache', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    vi.stubEnv('HF_ENDPOINT', hub.endpoint);
    vi.stubEnv('HF_TOKEN', '');
    vi.stubEnv('HF_HUB_CACHE', join(tmp.dir, 'hf-index'));
    const docs = join(tmp.dir, 'docs');
    mkdirSync(docs, { recursive: true });
    writeFileSync(join(docs, 'a.md'), 'Cats sit on mats and sleep in the sun.');
    writeFileSync(join(docs, 'b.md'), 'Budgets and taxes were debated in congress.');
    const indexed = await cli(['index', 'docs', '--store', 'store', '--model', NAME]);
    expect(indexed.code, indexed.err.join('\n')).toBe(0);
    expect(indexed.err.join('\n')).toMatch(/downloading abi-test\/tiny-bert: \d+\/\d+ bytes/); // the download's progress
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    hub.requests.length = 0;
    const q = await cli(['query', '--store', 'store', 'cats', '-k', '2', '--json']);
    expect(q.code, q.err.join('\n')).toBe(0);
    expect(q.out.map((l) => JSON.parse(l) as { source: string })).toHaveLength(2);
    expect(q.err.join('\n')).not.toMatch(/downloading/); // cached: no download, no progress
    expect(hub.requests).toEqual([]);
    // The reranker is not cached: offline, a typed error naming the pull command.
    const r = await cli(['query', '--store', 'store', 'cats', '--rerank', 'abi-test/tiny-cross-encoder']);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/npx abi-sdk models pull abi-test\/tiny-cross-encoder.*MODEL_NOT_CACHED/);
    vi.stubEnv('HF_HUB_OFFLINE', '');
    const rr = await cli(['query', '--store', 'store', 'cats', '--rerank', 'hf:abi-test/tiny-cross-encoder', '--json']);
    expect(rr.code, rr.err.join('\n')).toBe(0);
    expect(rr.err.join('\n')).toMatch(/downloading abi-test\/tiny-cross-encoder/);
  });

  it('serve --models passes hf: names through to the service unresolved', async () => {
    const seen: string[] = [];
    const { AbortError } = await import('../../src/core/errors.js');
    const code = await runCli(['serve', '--models', 'hf:abi-test/tiny-bert@main', '--no-auth'], {
      stdout: () => {}, stderr: () => {}, cwd: tmp.dir,
      openService: async (models) => {
        seen.push(models);
        throw new AbortError('stop here');
      },
    });
    expect(seen).toEqual(['hf:abi-test/tiny-bert@main']);
    expect(code).toBe(130);
  });

  it('bad usage exits 2: an unknown dtype, a malformed name', async () => {
    expect((await cli(['models', 'pull', NAME, '--dtype', 'int4'])).code).toBe(2);
    expect((await cli(['models', 'pull', '../etc/passwd'])).code).toBe(2);
    expect((await cli(['models', 'rm'])).code).toBe(2);
  });
});
