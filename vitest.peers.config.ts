// Vitest for the peer matrix (scripts/test-peers.mjs): the default config, with optional peers resolved from the
// folders named in ABI_PEER_DIRS (JSON: { "openai": "/abs/.tmp/peers/openai@7/node_modules/openai" }) instead of
// the project's node_modules — the SDK's lazy imports and the tests' own imports of the peer both see that copy.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

const dirs = JSON.parse(process.env.ABI_PEER_DIRS ?? '{}') as Record<string, string>;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export default mergeConfig(base, defineConfig({
  resolve: {
    alias: Object.entries(dirs).map(([name, dir]) => ({ find: new RegExp(`^${escape(name)}(/.*)?$`), replacement: `${dir}$1` })),
  },
}));
