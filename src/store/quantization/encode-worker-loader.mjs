// Source-tree entry of the IVF encode worker (tests, tsx): registers tsx's loader inside the worker, then runs the
// TypeScript entry. The published build starts dist/ivf-worker.{js,cjs} instead.
import { register } from 'tsx/esm/api';

register();
await import('./encode-worker.ts');
