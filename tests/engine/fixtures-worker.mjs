// Worker entry: registers tsx's loader inside the worker so it can import the TypeScript sources, then runs the task.
import { register } from 'tsx/esm/api';

register();
await import('./fixtures-worker.ts');
