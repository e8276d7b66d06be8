/**
 * Child process for `npm run bench:serve`: one server on its own process (so the load generator does not share its
 * event loop). `--service direct` runs the engine per request; `--bare` is a bare node:http server answering a fixed
 * JSON body (the floor for per-request HTTP cost).
 */
import { createServer as createHttpServer } from 'node:http';
import { parseArgs } from 'node:util';
import { openModelsService } from '../src/cli/service.js';
import { LocalScheduler } from '../src/scheduler/local-scheduler.js';
import { createServer } from '../src/server/index.js';
import type { InferenceService } from '../src/scheduler/types.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string' }, service: { type: 'string', default: 'direct' }, bare: { type: 'boolean', default: false },
    'max-queue': { type: 'string' }, threads: { type: 'string' }, 'max-inputs': { type: 'string' },
  },
});

if (values.bare) {
  const body = JSON.stringify({ status: 'ok' });
  const bare = createHttpServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  bare.listen(0, '127.0.0.1', () => {
    const a = bare.address() as { port: number };
    process.stdout.write(`http://127.0.0.1:${a.port}\n`);
  });
  process.on('SIGTERM', () => bare.close(() => process.exit(0)));
} else {
  const service: InferenceService = await openService(values.service!, values.models!);
  // Bulk requests (10k texts in one body) need the per-request input and body limits raised.
  const maxInputs = values['max-inputs'] ? Number(values['max-inputs']) : undefined;
  const server = createServer({
    service, logger: false, metrics: { processMetrics: true },
    ...(maxInputs ? { limits: { maxInputs, maxBodyBytes: 64 * 1024 * 1024 } } : {}),
  });
  const url = await server.listen(0, '127.0.0.1');
  process.stdout.write(`${url}\n`);
  process.on('SIGTERM', () => void server.close({ deadlineMs: 2000 }).then(() => service.close({ deadlineMs: 2000 })).then(() => process.exit(0)));
}

async function openService(kind: string, models: string): Promise<InferenceService> {
  const maxQueue = values['max-queue'] ? Number(values['max-queue']) : undefined;
  if (kind === 'direct') return openModelsService(models, { maxQueue });
  // The scheduler: one CPU worker using every core, with dynamic batching on or off.
  if (kind === 'batched' || kind === 'unbatched') {
    return LocalScheduler.create({ models, devices: ['cpu'], coalesce: kind === 'batched', ...(maxQueue ? { maxQueuedJobs: maxQueue } : {}) });
  }
  throw new Error(`unknown --service ${kind}`);
}
