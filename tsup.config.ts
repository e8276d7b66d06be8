import { defineConfig } from 'tsup';

// One entry per public subpath; vendor SDKs and frameworks stay external (optional peers).
export default defineConfig({
  entry: { index: 'src/index.ts', server: 'src/server/index.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  shims: true,
  splitting: false,
});
