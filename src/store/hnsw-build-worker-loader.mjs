// Source-tree entry of the HNSW build worker (tests, tsx): registers tsx's loader inside the worker, then runs the
// TypeScript entry. The published build starts dist/hnsw-build-worker.{js,cjs} instead.
import { register } from 'tsx/esm/api';

register();
await import('./hnsw-build-worker.ts');
