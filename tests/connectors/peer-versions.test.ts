// Which copy of a peer the tests load. Under the peer matrix (scripts/test-peers.mjs, ABI_PEER_VERSIONS set) each
// pinned peer must be exactly the version the matrix installed; in the default run, the project's copy must be a
// major that package.json's peer range accepts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OpenAIConnector } from '../../src/index.js';
import { startFakeOpenAI } from '../helpers/openai-server.js';

const pinned = JSON.parse(process.env.ABI_PEER_VERSIONS ?? '{}') as Record<string, string>;
const peers = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies;

/** The majors a `^A.0.0 || ^B.0.0` range accepts. */
function caretMajors(range: string): number[] {
  return range.split('||').map((p) => /^\s*\^(\d+)\./.exec(p)?.[1]).filter((m) => m !== undefined).map(Number);
}

describe('peer versions', () => {
  it('loads the openai the run asked for', async () => {
    const { VERSION } = await import('openai/version');
    if (pinned.openai) expect(VERSION).toBe(pinned.openai);
    expect(caretMajors(peers.openai)).toContain(Number(VERSION.split('.')[0]));
  });

  it('the SDK itself loads that openai (its User-Agent names the version)', async () => {
    const { VERSION } = await import('openai/version');
    const server = await startFakeOpenAI({ apiKey: 'sk-test' });
    try {
      await new OpenAIConnector({ apiKey: 'sk-test', baseURL: `${server.url}/v1` }).embedder('text-embedding-3-small').embed(['x']);
      expect(server.requests.at(-1)?.headers['user-agent']).toBe(`OpenAI/JS ${VERSION}`);
    } finally {
      await server.close();
    }
  });

  it('accepts openai 6 and 7 (7 needs Node >= 22)', () => {
    expect(caretMajors(peers.openai)).toEqual([6, 7]);
  });
});
