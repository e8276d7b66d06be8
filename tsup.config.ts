import { defineConfig } from 'tsup';

// One entry per public subpath; vendor SDKs and frameworks stay external (optional peers).
export default defineConfig({
  // scheduler-worker: the worker thread LocalScheduler starts (dist/scheduler-worker.{js,cjs}, next to the chunks).
  entry: { index: 'src/index.ts', server: 'src/server/index.ts', cli: 'src/cli.ts', 'scheduler-worker': 'src/scheduler/worker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  shims: true,
  splitting: false,
});
