/**
 * `import 'abi-sdk'` must work without the vendor clients installed: the SDK is bundled as tsup does (peers
 * external), copied to a folder with no node_modules above it, and loaded from there (ESM and CommonJS).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

// Every optional peer stays external, as in tsup's build; none is installed where the bundle runs.
const peers = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies);
const dir = mkdtempSync(join(tmpdir(), 'abi-peers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const script = (load: string) => `
${load}
const out = {};
out.exports = ['OpenAIConnector', 'OllamaConnector', 'HuggingFaceConnector', 'RedisEmbeddingCache', 'CachedEmbedder', 'ResilientCaller']
  .every((n) => typeof sdk[n] === 'function');
const tries = {
  openai: () => new sdk.OpenAIConnector({ apiKey: 'sk-x', baseURL: 'http://127.0.0.1:9/v1' }).embedder().embed(['x']),
  ollama: () => new sdk.OllamaConnector({ host: 'http://127.0.0.1:9' }).embedder('m').embed(['x']),
  hf: () => new sdk.HuggingFaceConnector({ endpointUrl: 'http://127.0.0.1:9' }).embedder('m').embed(['x']),
  redis: () => new sdk.RedisEmbeddingCache({ url: 'redis://127.0.0.1:9' }).getMany(['k']),
};
for (const [name, fn] of Object.entries(tries)) {
  try { await fn(); out[name] = 'no error'; } catch (e) { out[name] = e.code + ': ' + e.message; }
}
console.log(JSON.stringify(out));
`;

describe('optional peer dependencies', () => {
  it.each(['esm', 'cjs'] as const)('the %s build loads without them and names the package to install', async (format) => {
    const file = join(dir, format === 'esm' ? 'sdk.mjs' : 'sdk.cjs');
    await build({
      entryPoints: ['src/index.ts'], bundle: true, platform: 'node', target: 'node20', format, outfile: file,
      external: peers, logLevel: 'silent',
    });
    const runner = join(dir, `run-${format}.mjs`);
    writeFileSync(runner, format === 'esm'
      ? script(`const sdk = await import(${JSON.stringify(file)});`)
      : script(`import { createRequire } from 'node:module'; const sdk = createRequire(import.meta.url)(${JSON.stringify(file)});`));
    const out = JSON.parse(execFileSync(process.execPath, [runner], { cwd: dir, encoding: 'utf8' }));
    expect(out.exports).toBe(true);
    expect(out.openai).toBe('UNSUPPORTED: OpenAIConnector needs the optional peer dependency "openai": npm install openai');
    expect(out.ollama).toBe('UNSUPPORTED: OllamaConnector needs the optional peer dependency "ollama": npm install ollama');
    expect(out.hf).toBe('UNSUPPORTED: HuggingFaceConnector needs the optional peer dependency "@huggingface/inference": npm install @huggingface/inference');
    expect(out.redis).toBe('UNSUPPORTED: RedisEmbeddingCache needs the optional peer dependency "ioredis": npm install ioredis');
  });
});
