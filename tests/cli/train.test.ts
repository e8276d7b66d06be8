// `abi-sdk train`: trains and saves an adapter; Ctrl-C (the signal) writes a checkpoint and `--resume` finishes the
// run with the same weights as an uninterrupted one; bad input exits with the mapped codes.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { loadAdapter } from '../../src/training/adapter-file.js';
import { synonymTextPairs } from '../training/helpers.js';

let dir: string;
let pairsFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'abi-cli-train-'));
  pairsFile = join(dir, 'pairs.jsonl');
  await writeFile(pairsFile, synonymTextPairs(200, 3).map((p) => JSON.stringify(p)).join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[], signal?: AbortSignal, onErr?: (line: string) => void): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (l) => out.push(l), stderr: (l) => { err.push(l); onErr?.(l); }, signal, cwd: dir });
  return { code, out, err };
}

const args = (out: string): string[] => ['train', '--pairs', 'pairs.jsonl', '--base', 'hashing:64', '--out', out, '--epochs', '5', '--lr', '0.01', '--rank', '16', '--seed', '2', '--patience', '0', '--validation', '0.2'];

describe('abi-sdk train', () => {
  it('trains, reports held-out figures and writes the adapter and metrics', async () => {
    const { code, out, err } = await cli(args('run1'));
    expect(err.join('\n')).toMatch(/epoch 5: loss/);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/nDCG@10 0\.\d+ -> 0\.\d+/);
    const metrics = JSON.parse(await readFile(join(dir, 'run1', 'metrics.json'), 'utf8'));
    expect(metrics.after.ndcg).toBeGreaterThan(metrics.before.ndcg);
    const file = await loadAdapter(join(dir, 'run1', 'adapter.abi-adapter'));
    expect(file.base.model).toMatch(/^hashing/);
    expect(file.adapter.config).toMatchObject({ dimension: 64, rank: 16 });
  });

  it('a stop signal writes a checkpoint (exit 130); --resume ends with the uninterrupted weights', async () => {
    const stop = new AbortController();
    const first = await cli(args('run2'), stop.signal, (l) => { if (l.startsWith('epoch 2:')) stop.abort(); });
    expect(first.code).toBe(130);
    expect(first.err.join('\n')).toMatch(/rerun with --resume/);
    const resumed = await cli([...args('run2'), '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.err.some((l) => l.startsWith('epoch 1:'))).toBe(false);
    const a = await loadAdapter(join(dir, 'run1', 'adapter.abi-adapter'));
    const b = await loadAdapter(join(dir, 'run2', 'adapter.abi-adapter'));
    expect(Buffer.from(b.adapter.parameters.buffer).equals(Buffer.from(a.adapter.parameters.buffer))).toBe(true);
  });

  it('bad input: a malformed JSONL line exits 1 naming the line; bad flags exit 2', async () => {
    await writeFile(join(dir, 'bad.jsonl'), '{"query":"a","positive":"b"}\n{"query":"a"}\n');
    const bad = await cli(['train', '--pairs', 'bad.jsonl', '--base', 'hashing:64', '--out', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.err.join('\n')).toMatch(/bad\.jsonl:2: "positive"/);
    expect((await cli(['train', '--pairs', 'pairs.jsonl', '--base', 'nope', '--out', 'x'])).code).toBe(2);
    expect((await cli([...args('x'), '--lr', '-1'])).code).toBe(2);
    expect((await cli(['train', '--pairs', 'pairs.jsonl'])).code).toBe(2);
  });
});
