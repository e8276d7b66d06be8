// Source-tree worker entry (tests, tsx): registers tsx's loader inside the worker, then runs the TypeScript entry.
// The published build starts dist/scheduler-worker.{js,cjs} instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
