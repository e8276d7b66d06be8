// `abi-sdk federated serve|join` in-process: a coordinator and two sites run two rounds over HTTP and each site
// writes the same final adapter file; bad flags are usage errors.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../src/embedders/hashing.js';
import { loadAdapter } from '../../src/training/adapter-file.js';
import { tempDir } from '../engine/helpers.js';
import { cli } from './helpers.js';

const dir = tempDir('abi-cli-fed-');
afterAll(() => dir.cleanup());

const TOPICS = ['tariffs on imported steel', 'the army and the navy', 'public schools and teachers', 'railroads across the west', 'the national debt', 'treaties with foreign nations', 'farm prices and harvests', 'veterans and pensions'];

function pairsFile(name: string, offset: number): string {
  const lines: string[] = [];
  for (let i = 0; i < 24; i++) {
    const topic = TOPICS[(i + offset) % TOPICS.length];
    lines.push(JSON.stringify({ query: `what about ${topic} ${i}`, positive: `The message discussed ${topic} at length in section ${i}, with figures for the year.` }));
  }
  const path = join(dir.dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('abi-sdk federated', () => {
  it('serve + two joins: two rounds, the same adapter file at both sites', async () => {
    let url = '';
    const listening = new Promise<void>((resolve) => {
      const served = cli(['federated', 'serve', '--dir', join(dir.dir, 'coord'), '--dimension', '32', '--rank', '4', '--rounds', '2', '--quorum', '2',
        '--no-auth', '--port', '0', '--linger', '3s', '--round-timeout', '60s', '--base-model', new HashingEmbedder({ dimension: 32 }).model], {
        onListening: (u) => {
          url = u;
          resolve();
        },
      });
      void served.then((r) => (serveResult = r));
    });
    let serveResult: { code: number; out: string[]; err: string[] } | undefined;
    await listening;
    const join1 = cli(['federated', 'join', '--url', url, '--pairs', pairsFile('a.jsonl', 0), '--base', 'hashing:32', '--client-id', 'site-a',
      '--epochs', '2', '--out', join(dir.dir, 'a.adapter')]);
    const join2 = cli(['federated', 'join', '--url', url, '--pairs', pairsFile('b.jsonl', 3), '--base', 'hashing:32', '--client-id', 'site-b',
      '--mu', '0.01', '--out', join(dir.dir, 'b.adapter')]);
    const [a, b] = await Promise.all([join1, join2]);
    expect(a.err.join('\n')).toMatch(/joined .* as site-a: 24 pairs, 2 rounds/);
    expect(a).toMatchObject({ code: 0 });
    expect(b).toMatchObject({ code: 0 });
    expect(a.out.filter((l) => l.startsWith('round '))).toHaveLength(2);
    expect(a.out).toContain(`wrote ${join(dir.dir, 'a.adapter')}`);
    const fa = await loadAdapter(join(dir.dir, 'a.adapter'));
    const fb = await loadAdapter(join(dir.dir, 'b.adapter'));
    expect(fa.adapter.parameters).toEqual(fb.adapter.parameters);
    expect(fa.adapter.parameters.some((v) => v !== 0)).toBe(true);
    while (!serveResult) await new Promise((r) => setTimeout(r, 20));
    expect(serveResult.code).toBe(0);
    expect(serveResult.out.filter((l) => /^round \d\/2: 2 clients, 48 samples, 0 dropped/.test(l))).toHaveLength(2);
    expect(serveResult.out.at(-1)).toMatch(/^finished 2 rounds/);
  });

  it('bad flags are usage errors', async () => {
    expect((await cli(['federated', 'join', '--url', 'http://127.0.0.1:1', '--pairs', 'x', '--base', 'hashing:32', '--cert', 'c.pem'])).code).toBe(2);
    expect((await cli(['federated', 'serve', '--dimension', '0'])).code).toBe(2);
  });
});
