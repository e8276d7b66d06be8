import { defineConfig } from 'tsup';

// One entry per public subpath; vendor SDKs and frameworks stay external (optional peers). Splitting puts the
// shared src code in one chunk, so `abi-sdk` and its subpaths share classes (instanceof works across them).
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    langchain: 'integrations/langchain/index.ts',
    llamaindex: 'integrations/llamaindex/index.ts',
    qdrant: 'src/backends/qdrant/index.ts',
    pgvector: 'src/backends/pgvector/index.ts',
    server: 'src/server/index.ts',
    federated: 'src/training/federated/index.ts',
    cli: 'src/cli.ts',
    // The worker thread LocalScheduler starts (dist/scheduler-worker.{js,cjs}, next to the shared chunks).
    'scheduler-worker': 'src/scheduler/worker.ts',
    // The worker threads that assign and PQ-encode vectors while an IVF-PQ index trains and rebuilds.
    'ivf-worker': 'src/store/quantization/encode-worker.ts',
    // The worker threads that answer vector searches over the store's shared index (VectorStore searchThreads).
    'search-worker': 'src/store/search-pool/search-worker.ts',
    // The worker threads that plan batches of HNSW nodes (phase A of batched construction).
    'hnsw-build-worker': 'src/store/hnsw-build-worker.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  shims: true,
  splitting: true,
});
