// Model names: hf: prefix, @revision, validation that keeps names and revisions inside the cache folder; cache-folder
// precedence (explicit > ABI_HF_HUB_CACHE > HF_HUB_CACHE > HF_HOME/hub > ~/.cache/huggingface/hub).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { hubCacheDir } from '../../src/hub/cache.js';
import { isHubModelSpec, parseHubModelId } from '../../src/hub/model-id.js';
import { hubOffline } from '../../src/hub/pull.js';

afterEach(() => vi.unstubAllEnvs());

describe('parseHubModelId', () => {
  it('reads owner/name, the hf: prefix and an @revision; an explicit revision wins', () => {
    expect(parseHubModelId('BAAI/bge-small-en-v1.5')).toEqual({ repoId: 'BAAI/bge-small-en-v1.5', revision: 'main' });
    expect(parseHubModelId('hf:BAAI/bge-small-en-v1.5@v1.0')).toEqual({ repoId: 'BAAI/bge-small-en-v1.5', revision: 'v1.0' });
    expect(parseHubModelId('hf:a/b@x', 'refs/pr/1')).toEqual({ repoId: 'a/b', revision: 'refs/pr/1' });
    expect(parseHubModelId('gpt2').repoId).toBe('gpt2');
    expect(isHubModelSpec('hf:a/b')).toBe(true);
    expect(isHubModelSpec('./models/a')).toBe(false);
  });

  it('refuses names and revisions that could leave the cache folder', () => {
    for (const bad of ['', '../x', 'a/../b', 'a/b/c', '/abs', 'a--b/c', 'a/b c']) {
      expect(() => parseHubModelId(bad), bad).toThrow(ValidationError);
    }
    for (const rev of ['../main', '/etc', 'a//b', 'a\\b']) expect(() => parseHubModelId('a/b', rev), rev).toThrow(ValidationError);
  });
});

describe('hubCacheDir and offline mode', () => {
  it('follows explicit > ABI_HF_HUB_CACHE > HF_HUB_CACHE > HF_HOME/hub > XDG/~ default', () => {
    vi.stubEnv('ABI_HF_HUB_CACHE', '');
    vi.stubEnv('HF_HUB_CACHE', '');
    vi.stubEnv('HF_HOME', '');
    vi.stubEnv('XDG_CACHE_HOME', '');
    expect(hubCacheDir()).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
    vi.stubEnv('HF_HOME', '/data/hf');
    expect(hubCacheDir()).toBe(resolve('/data/hf/hub'));
    vi.stubEnv('HF_HUB_CACHE', '/data/hub-cache');
    expect(hubCacheDir()).toBe(resolve('/data/hub-cache'));
    vi.stubEnv('ABI_HF_HUB_CACHE', '/data/abi');
    expect(hubCacheDir()).toBe(resolve('/data/abi'));
    expect(hubCacheDir('/explicit')).toBe(resolve('/explicit'));
  });

  it('reads HF_HUB_OFFLINE as huggingface_hub does; the option wins', () => {
    vi.stubEnv('HF_HUB_OFFLINE', '');
    vi.stubEnv('ABI_HF_HUB_OFFLINE', '');
    expect(hubOffline()).toBe(false);
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    expect(hubOffline()).toBe(true);
    expect(hubOffline(false)).toBe(false);
    vi.stubEnv('HF_HUB_OFFLINE', 'TRUE');
    expect(hubOffline()).toBe(true);
    vi.stubEnv('ABI_HF_HUB_OFFLINE', '0');
    expect(hubOffline()).toBe(false);
  });
});
