// Source-tree entry of the search worker (tests, tsx): registers tsx's loader inside the worker, then runs the
// TypeScript entry. The published build starts dist/search-worker.{js,cjs} instead.
import { register } from 'tsx/esm/api';

register();
await import('./search-worker.ts');
