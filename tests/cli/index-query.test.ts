// `abi-sdk index` and `query` end to end: the built bin over State of the Union speeches (filter, --json, a re-run
// that embeds nothing, a change and a removal), then in-process: config file and env precedence, typed errors and
// exit codes, local models with a reranker, hybrid search, HTML and PDF extraction, interruption.
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { modelDir, tempDir } from '../engine/helpers.js';
import { cli, ensureBuilt, makePdf, runBin, writeSpeeches } from './helpers.js';

const tmp = tempDir('abi-cli-');
afterAll(() => tmp.cleanup());

interface Hit {
  rank: number;
  id: string;
  score: number;
  rerankScore?: number;
  source: string;
  chunk: number;
  text: string;
  metadata: Record<string, unknown>;
}
const parseLines = (text: string | string[]): Hit[] =>
  (Array.isArray(text) ? text : text.split('\n')).filter((l) => l.trim()).map((l) => JSON.parse(l) as Hit);

describe('abi-sdk index + query, as a user runs them (node dist/cli.js)', () => {
  const work = join(tmp.dir, 'bin');
  const docs = join(work, 'speeches');
  beforeAll(() => {
    ensureBuilt();
    mkdirSync(docs, { recursive: true });
    writeSpeeches(docs, [1990, 1991, 1992, 1993, 2000, 2001]);
  }, 600_000); // builds dist when it is stale (CI builds before testing, so there it is a no-op)

  it('indexes a folder, filters a query by metadata, prints JSON lines, and re-runs embedding only what changed', async () => {
    const first = await runBin(['index', 'speeches', '--store', '.abi', '--embedder', 'hashing', '--json'], { cwd: work });
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { files: number; changed: number; embedded: number; total: number };
    expect(report).toMatchObject({ files: 6, changed: 6, unchanged: 0 });
    expect(report.embedded).toBeGreaterThan(50);
    expect(report.total).toBe(report.embedded);
    // Not a TTY: progress comes as plain lines on stderr, results stay alone on stdout.
    expect(first.stderr).toMatch(/indexing: 6\/6 files/);

    const q = await runBin(['query', '--store', '.abi', 'budget deficit and taxes', '-k', '4', '--filter', '{"source":{"$contains":"1990"}}', '--json'], { cwd: work });
    expect(q.code, q.stderr).toBe(0);
    const hits = parseLines(q.stdout);
    expect(hits).toHaveLength(4);
    for (const h of hits) {
      expect(h.source).toMatch(/^speeches\/1990-george-bush\.txt$/);
      expect(h.metadata).toMatchObject({ source: h.source, chunk: h.chunk, chunks: expect.any(Number), mtime: expect.any(String), hash: expect.any(String) });
    }
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    expect(hits.map((h) => h.rank)).toEqual([1, 2, 3, 4]);
    expect(hits.some((h) => /budget|deficit|tax/i.test(h.text))).toBe(true);

    const again = await runBin(['index', 'speeches', '--store', '.abi', '--json'], { cwd: work });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ files: 6, changed: 0, unchanged: 6, removed: 0, embedded: 0, deleted: 0, total: report.total });

    appendFileSync(join(docs, '2000-william-j-clinton.txt'), '\n\nA closing paragraph about broadband for every classroom.');
    rmSync(join(docs, '1993-william-j-clinton.md'));
    const third = await runBin(['index', 'speeches', '--store', '.abi'], { cwd: work });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/indexed 5 files into \.abi: 1 new or changed, 4 unchanged, 1 removed/);
    const embedded = Number(/embedded (\d+) chunks/.exec(third.stdout)![1]);
    expect(embedded).toBeGreaterThan(0);
    const after = parseLines((await runBin(['query', '--store', '.abi', 'broadband for every classroom', '-k', '500', '--json'], { cwd: work })).stdout);
    expect(after[0].text).toContain('broadband for every classroom');
    const held = Number(/the store holds (\d+) chunks/.exec(third.stdout)![1]);
    expect(held).toBeLessThan(report.total); // a 1993 speech's chunks left, a few appended
    expect(after).toHaveLength(held);
    expect(after.filter((h) => h.source.includes('1993'))).toEqual([]);
  }, 120_000);

  it('answers bad flags and a bad config with one line and exit code 2; completion bash is valid bash', async () => {
    const bad = await runBin(['query', '--store', '.abi', 'x', '--bogus'], { cwd: work });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^abi-sdk: unknown option '--bogus'/)]);
    writeFileSync(join(work, 'bad.json'), JSON.stringify({ index: { chunkSize: 'big' } }));
    const cfg = await runBin(['--config', 'bad.json', 'index', 'speeches', '--store', '.abi'], { cwd: work });
    expect(cfg.code).toBe(2);
    expect(cfg.stderr.trim().split('\n')).toEqual(['abi-sdk: bad.json: index.chunkSize: expected number, received string']);

    const completion = await runBin(['completion', 'bash']);
    expect(completion.code).toBe(0);
    expect(completion.stdout).toContain('complete -o default -F _abi_sdk abi-sdk');
    const script = join(work, 'completion.bash');
    writeFileSync(script, completion.stdout);
    execFileSync('bash', ['-n', script]);
    // Sourced, it completes subcommands and options from the tree.
    const words = execFileSync('bash', ['-c', `source ${script}; COMP_WORDS=(abi-sdk query --st); COMP_CWORD=2; _abi_sdk; echo "\${COMPREPLY[@]}"; COMP_WORDS=(abi-sdk ""); COMP_CWORD=1; _abi_sdk; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    const [opts, commands] = words.trim().split('\n');
    expect(opts).toBe('--store');
    expect(commands.split(' ')).toEqual(expect.arrayContaining(['index', 'query', 'serve', 'keys', 'bench', 'completion']));
  }, 60_000);
});

describe('abi-sdk index + query, in-process', () => {
  const work = join(tmp.dir, 'inproc');
  const docs = join(work, 'docs');
  beforeAll(async () => {
    mkdirSync(docs, { recursive: true });
    writeSpeeches(docs, [1990, 1991, 2001]);
    const r = await cli(['index', 'docs', '--store', 'store', '--embedder', 'hashing:256', '--text', '--chunk-size', '600', '--chunk-overlap', '60'], { cwd: work });
    expect(r.code, r.err.join('\n')).toBe(0);
  });

  it('resolves settings flag > ABI_* env > abi.config.json > default', async () => {
    writeFileSync(join(work, 'abi.config.json'), JSON.stringify({ store: './store', query: { k: 2 } }));
    try {
      expect(parseLines((await cli(['query', 'taxes', '--json'], { cwd: work })).out)).toHaveLength(2); // config
      vi.stubEnv('ABI_STORE', join(work, 'nowhere'));
      const fromEnv = await cli(['query', 'taxes', '--json'], { cwd: work });
      expect(fromEnv.code).toBe(1);
      expect(fromEnv.err[0]).toMatch(/no index at .*nowhere.*\(NOT_FOUND\)$/);
      expect(parseLines((await cli(['query', 'taxes', '--json', '--store', 'store', '-k', '3'], { cwd: work })).out)).toHaveLength(3); // flags
      vi.stubEnv('ABI_STORE', '   '); // blank counts as unset
      expect(parseLines((await cli(['query', 'taxes', '--json'], { cwd: work })).out)).toHaveLength(2);
    } finally {
      vi.unstubAllEnvs();
      rmSync(join(work, 'abi.config.json'));
    }
  });

  it('names the bad field of a config file, and treats usage mistakes as exit 2', async () => {
    const cases: [unknown, RegExp][] = [
      [{ query: { k: 0 } }, /^abi-sdk: abi\.config\.json: query\.k: too small: expected number to be >0$/],
      [{ stor: 'x' }, /^abi-sdk: abi\.config\.json: stor: unknown field$/],
      [{ index: { chunksize: 3 } }, /^abi-sdk: abi\.config\.json: index\.chunksize: unknown field$/],
    ];
    try {
      for (const [config, message] of cases) {
        writeFileSync(join(work, 'abi.config.json'), JSON.stringify(config));
        const r = await cli(['query', 'x', '--store', 'store'], { cwd: work });
        expect(r.code).toBe(2);
        expect(r.err).toEqual([expect.stringMatching(message)]);
      }
      writeFileSync(join(work, 'abi.config.json'), '{ "store": ');
      expect((await cli(['query', 'x'], { cwd: work })).err[0]).toMatch(/^abi-sdk: abi\.config\.json: not valid JSON/);
    } finally {
      rmSync(join(work, 'abi.config.json'));
    }
    expect((await cli(['--config', 'missing.json', 'query', 'x'], { cwd: work })).code).toBe(2);
    writeFileSync(join(work, 'k1.json'), JSON.stringify({ store: './store', query: { k: 1 } }));
    expect(parseLines((await cli(['query', 'x', '--json', '--config', 'k1.json'], { cwd: work })).out)).toHaveLength(1);
    expect((await cli(['query', 'x', '--store', 'store', '--filter', '{bad'], { cwd: work })).err[0]).toMatch(/^abi-sdk: --filter is not valid JSON/);
    expect((await cli(['query', 'x', '--store', 'store', '--filter', '{"year":{"$near":1}}'], { cwd: work })).code).toBe(2);
    expect((await cli(['query', 'x', '--store', 'store', '-k', 'many'], { cwd: work })).err).toEqual(['abi-sdk: -k must be a positive integer, got "many"']);
    expect((await cli(['--version'])).out[0]).toMatch(/^\d+\.\d+\.\d+/);
    expect((await cli(['query', 'x'], { cwd: work })).err).toEqual(['abi-sdk: query needs --store DIR (an index made by abi-sdk index)']);
    expect((await cli(['index', 'docs', '--store', 's2', '--chunk-size', '100', '--chunk-overlap', '100'], { cwd: work })).code).toBe(2);
    expect((await cli(['index', 'docs', '--store', 's2', '--embedder', 'word2vec'], { cwd: work })).code).toBe(2);
    expect((await cli(['index', '--store', 's2'], { cwd: work })).err[0]).toMatch(/missing required argument 'paths'/);
    expect((await cli([], { cwd: work })).code).toBe(2);
  });

  it('refuses a query or a re-index with another embedder than the store was built with', async () => {
    const q = await cli(['query', 'x', '--store', 'store', '--embedder', 'hashing:384'], { cwd: work });
    expect(q.code).toBe(1);
    expect(q.err[0]).toMatch(/store store was indexed with hashing:256 \(dimension 256\), not hashing:384.*\(CONFLICT\)$/);
    const i = await cli(['index', 'docs', '--store', 'store', '--model', modelDir('tiny-bert')], { cwd: work });
    expect(i.code).toBe(1);
    expect(i.err[0]).toMatch(/CONFLICT/);
    // The same embedder named explicitly is fine.
    expect((await cli(['query', 'x', '--store', 'store', '--embedder', 'hashing:256'], { cwd: work })).code).toBe(0);
  });

  it('runs hybrid search on a store indexed with --text, and refuses it on one without', async () => {
    const hits = parseLines((await cli(['query', 'Persian Gulf', '--store', 'store', '--hybrid', '--json', '-k', '3'], { cwd: work })).out);
    expect(hits).toHaveLength(3);
    expect(hits[0].text).toMatch(/Gulf/);
    const plain = join(work, 'plain');
    expect((await cli(['index', 'docs/1990-george-bush.txt', '--store', plain, '--embedder', 'hashing'], { cwd: work })).code).toBe(0);
    const r = await cli(['query', 'x', '--store', plain, '--hybrid'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/--hybrid needs a BM25 text index/);
  });

  it('indexes with a local model folder and reranks with a local cross-encoder', async () => {
    const store = join(work, 'local');
    const first = await cli(['index', 'docs', '--store', store, '--model', modelDir('tiny-bert'), '--json'], { cwd: work });
    expect(first.code, first.err.join('\n')).toBe(0);
    expect(JSON.parse(first.out[0])).toMatchObject({ embedder: `local:${modelDir('tiny-bert')}`, changed: 3 });
    const r = await cli(['query', 'the economy and jobs', '--store', store, '--rerank', modelDir('tiny-cross-encoder'), '-k', '3', '--json'], { cwd: work });
    expect(r.code, r.err.join('\n')).toBe(0);
    const hits = parseLines(r.out);
    expect(hits).toHaveLength(3);
    for (const h of hits) expect(h.rerankScore).toEqual(expect.any(Number));
    expect(hits.map((h) => h.rerankScore!)).toEqual([...hits.map((h) => h.rerankScore!)].sort((a, b) => b - a));
    const table = await cli(['query', 'jobs', '--store', store, '--rerank', modelDir('tiny-cross-encoder'), '-k', '2'], { cwd: work });
    expect(table.out[0]).toMatch(/^#\s+rerank\s+source/);
    expect((await cli(['query', 'x', '--store', store, '--rerank', join(work, 'no-model')], { cwd: work })).code).toBe(2);
  }, 60_000);

  it('reads HTML and PDF, skips an unreadable file with a warning and exit 1, and keeps indexing the rest', async () => {
    const mixed = join(work, 'mixed');
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'page.html'), '<html><head><style>.x{color:red}</style><script>var secret = 1;</script></head><body><h1>Harbour</h1><p>The lighthouse keeper logs every <b>ship</b>.</p></body></html>');
    writeFileSync(join(mixed, 'report.pdf'), makePdf(['Quarterly report on glacier retreat', 'measured by satellite']));
    writeFileSync(join(mixed, 'broken.pdf'), '%PDF-1.4 this is not a pdf');
    writeFileSync(join(mixed, 'notes.txt'), 'plain notes about sourdough starters');
    const r = await cli(['index', 'mixed', '--store', 'mixed-store', '--embedder', 'hashing', '--json'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.err.filter((l) => l.startsWith('abi-sdk: skipped'))).toEqual([expect.stringMatching(/^abi-sdk: skipped mixed\/broken\.pdf: not a readable PDF/)]);
    expect(JSON.parse(r.out[0])).toMatchObject({ files: 4, changed: 3, failed: 1 });
    const hits = parseLines((await cli(['query', 'x', '--store', 'mixed-store', '-k', '10', '--json'], { cwd: work })).out);
    const bySource = Object.fromEntries(hits.map((h) => [h.source, h.text]));
    expect(bySource['mixed/report.pdf']).toMatch(/Quarterly report on glacier retreat\s+measured by satellite/);
    expect(bySource['mixed/page.html']).toMatch(/HARBOUR[\s\S]*The lighthouse keeper logs every ship\./);
    expect(bySource['mixed/page.html']).not.toMatch(/secret|color/);
    expect(bySource['mixed/notes.txt']).toBe('plain notes about sourdough starters');
    // --glob narrows what a folder contributes; files no longer matched are removed from the index.
    const onlyText = await cli(['index', 'mixed', '--store', 'mixed-store', '--glob', '**/*.txt', '--json'], { cwd: work });
    expect(onlyText.code).toBe(0);
    expect(JSON.parse(onlyText.out[0])).toMatchObject({ files: 1, unchanged: 1, removed: 2, total: 1 });
  });

  it('ends with exit 130 when interrupted, and shows a progress bar with ETA on a terminal', async () => {
    const stop = new AbortController();
    stop.abort();
    const r = await cli(['index', 'docs', '--store', 'aborted', '--embedder', 'hashing'], { cwd: work, signal: stop.signal });
    expect(r.code).toBe(130);
    expect(r.err.at(-1)).toBe('abi-sdk: interrupted');
    let drawn = '';
    const tty = {
      isTTY: true, columns: 120, rows: 40,
      write: (s: string) => { drawn += s; return true; },
      cursorTo: () => true, clearLine: () => true, moveCursor: () => true, clearScreenDown: () => true,
      on: () => tty, removeListener: () => tty, once: () => tty,
    } as unknown as NodeJS.WriteStream;
    const bar = await cli(['index', 'docs', '--store', 'tty-store', '--embedder', 'hashing'], { cwd: work, tty });
    expect(bar.code).toBe(0);
    expect(drawn).toMatch(/indexing \[[^\]]*\] 100% \| \d+\/\d+ files .*ETA/);
    expect(bar.err.some((l) => l.startsWith('indexing:'))).toBe(false);
  });
});

describe('abi-sdk index + query with a remote embedder (Ollama wire protocol on loopback)', () => {
  it('embeds in batches through /api/embed, records the embedder, and queries with it', async () => {
    const { startFakeOllama } = await import('../helpers/ollama-server.js');
    const ollama = await startFakeOllama({ dim: 16 });
    const work = join(tmp.dir, 'ollama');
    mkdirSync(join(work, 'docs'), { recursive: true });
    writeSpeeches(join(work, 'docs'), [1990]);
    vi.stubEnv('OLLAMA_HOST', ollama.url);
    try {
      const r = await cli(['index', 'docs', '--store', 'store', '--embedder', 'ollama:nomic-embed-text', '--batch-size', '8', '--json'], { cwd: work });
      expect(r.code, r.err.join('\n')).toBe(0);
      const report = JSON.parse(r.out[0]) as { embedder: string; dimension: number; embedded: number };
      expect(report).toMatchObject({ embedder: 'ollama:nomic-embed-text', dimension: 16 });
      // One probe for the dimension, then ceil(chunks / 8) batches.
      expect(ollama.count(/\/api\/embed$/)).toBe(1 + Math.ceil(report.embedded / 8));
      const q = await cli(['query', 'taxes', '--store', 'store', '--json', '-k', '2'], { cwd: work });
      expect(q.code, q.err.join('\n')).toBe(0);
      expect(parseLines(q.out)).toHaveLength(2);
      expect(ollama.count(/\/api\/embed$/)).toBe(2 + Math.ceil(report.embedded / 8));
    } finally {
      vi.unstubAllEnvs();
      await ollama.close();
    }
  });
});

describe('abi-sdk index with openai: (OpenAI wire protocol on loopback, through the openai client)', () => {
  it('uses OPENAI_BASE_URL / OPENAI_API_KEY, and says which variable is missing without a key', async () => {
    const { startFakeOpenAI } = await import('../helpers/openai-server.js');
    const openai = await startFakeOpenAI({ apiKey: 'sk-test', dim: 12 });
    const work = join(tmp.dir, 'openai');
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'note.md'), '# Budget\n\nThe deficit fell this year.');
    try {
      for (const v of ['OPENAI_API_KEY', 'ABI_OPENAI_API_KEY', 'ABI_OPENAI_BASE_URL']) vi.stubEnv(v, ''); // blank = unset
      vi.stubEnv('OPENAI_BASE_URL', `${openai.url}/v1`);
      const missing = await cli(['index', 'note.md', '--store', 'nokey', '--embedder', 'openai:text-embedding-3-small'], { cwd: work });
      expect(missing.code).toBe(1);
      expect(missing.err.at(-1)).toMatch(/OPENAI_API_KEY.*\(MISSING_API_KEY\)$/);
      vi.stubEnv('OPENAI_API_KEY', 'sk-test');
      const r = await cli(['index', 'note.md', '--store', 'store', '--embedder', 'openai:text-embedding-3-small', '--json'], { cwd: work });
      expect(r.code, r.err.join('\n')).toBe(0);
      expect(JSON.parse(r.out[0])).toMatchObject({ embedder: 'openai:text-embedding-3-small', dimension: 12, embedded: 1 });
      const q = parseLines((await cli(['query', 'deficit', '--store', 'store', '--json'], { cwd: work })).out);
      expect(q).toEqual([expect.objectContaining({ source: 'note.md', chunk: 0, text: '# Budget\n\nThe deficit fell this year.' })]);
    } finally {
      vi.unstubAllEnvs();
      await openai.close();
    }
  });
});

describe('abi-sdk bench and completion', () => {
  it('names the benchmarks on an unknown one, and says where to run them when bench/ is not shipped', async () => {
    const r = await cli(['bench', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^abi-sdk: unknown benchmark "nope" \(available: .*\bann\b.*\bembed\b.*\bserve\b/);
    expect((await cli(['bench', '--help'])).out.join('\n')).toMatch(/Benchmarks here: .*ann/);
    // The published package: package.json and dist/ only (node_modules linked for its dependencies).
    ensureBuilt();
    const pkg = join(tmp.dir, 'installed');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    const root = join(import.meta.dirname, '../..');
    for (const f of readdirSync(join(root, 'dist'))) if (f.endsWith('.js')) copyFileSync(join(root, 'dist', f), join(pkg, 'dist', f));
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [join(pkg, 'dist/cli.js'), 'bench', 'ann'], { cwd: pkg, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      failure = err as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr.trim()).toMatch(/^abi-sdk: benchmarks are not in the published package; run them from a checkout: git clone .* \(UNSUPPORTED\)$/);
  }, 120_000);

  it('has --help on every command, listing the exit codes at the top', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.out.join('\n')).toMatch(/Exit codes: 0 ok, 1 runtime error, 2 usage or config error, 130 interrupted/);
    for (const path of [['index'], ['query'], ['serve'], ['keys'], ['keys', 'create'], ['keys', 'list'], ['keys', 'revoke'], ['keys', 'rotate'], ['bench'], ['completion']]) {
      const r = await cli([...path, '--help']);
      expect(r.code, path.join(' ')).toBe(0);
      expect(r.out.join('\n')).toMatch(new RegExp(`^Usage: abi-sdk ${path.join(' ')}`));
    }
  });

  it('prints zsh and fish scripts from the same tree', async () => {
    const zsh = (await cli(['completion', 'zsh'])).out.join('\n');
    expect(zsh).toMatch(/^#compdef abi-sdk/);
    expect(zsh).toContain('bashcompinit');
    const fish = (await cli(['completion', 'fish'])).out.join('\n');
    expect(fish).toContain("complete -c abi-sdk -n '__fish_use_subcommand' -a index");
    expect(fish).toMatch(/__fish_seen_subcommand_from keys.* -a rotate/);
    expect(fish).toMatch(/__fish_seen_subcommand_from query' -l store -r -F/);
    expect((await cli(['completion', 'tcsh'])).code).toBe(2);
  });
});
