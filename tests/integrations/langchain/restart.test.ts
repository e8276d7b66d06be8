// A store written by another process that was SIGKILLed (no close, no snapshot) reopens with every acknowledged
// write: same documents, same scores.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../../src/index.js';
import { AbiEmbeddings, AbiVectorStore } from '../../../integrations/langchain/index.js';
import { QUERIES, SOTU_FILE, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('AbiVectorStore across process restarts', () => {
  it('reopens what a killed process wrote, with the same results', async () => {
    const bundle = join(tmp.dir, 'writer.mjs');
    await build({
      entryPoints: [join(import.meta.dirname, 'fixtures', 'writer.ts')], bundle: true, platform: 'node',
      format: 'esm', target: 'node20', outfile: bundle, logLevel: 'silent',
      // The integration imports the public entry; its native optional peers load lazily and are not needed here.
      external: ['onnxruntime-node', 'tokenizers'],
    });
    const dir = join(tmp.dir, 'store');
    const child = spawnSync(process.execPath, [bundle, dir, SOTU_FILE], { encoding: 'utf8', timeout: 60_000 });
    expect({ signal: child.signal, stderr: child.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    const seen = JSON.parse(child.stdout) as { id: string; text: string; metadata: unknown; score: number }[][];
    const store = await AbiVectorStore.load(dir, new AbiEmbeddings({ embedder: new HashingEmbedder({ dimension: 128 }) }));
    expect(await store.backend.count()).toBe(58);
    for (const [i, q] of QUERIES.entries()) {
      const got = await store.similaritySearchWithScore(q, 5);
      expect(got.map(([d, s]) => ({ id: d.id, text: d.pageContent, metadata: d.metadata, score: s }))).toEqual(seen[i]);
    }
    await store.close();
  });
});
