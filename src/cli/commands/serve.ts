// `abi-sdk serve`: the HTTP server (OpenAI, TEI and Ollama dialects) over a folder of models, on the scheduler.
import { pino } from 'pino';
import { UsageError } from '../../core/errors.js';
import { KeyStore } from '../../server/auth/keys.js';
import type { BatchReport } from '../../scheduler/types.js';
import type { CliCommand } from '../command.js';
import { absolute, addListenOptions, type ListenOptions, positiveInt, setting, tlsOptionsOf } from '../options.js';
import { isHubModelList } from '../../scheduler/models.js';

interface ServeOptions extends ListenOptions {
  models?: string;
  maxBodyBytes?: number;
  maxInputs?: number;
  maxTokens?: number;
  rpm?: number;
  tpm?: number;
  logLevel: string;
  workers?: number;
  devices?: string;
  maxQueue?: number;
  maxWaitMs?: number;
  threads?: number;
  adapter?: string[];
}

/** `--adapter MODEL_ID=FILE`, repeatable. */
function collectAdapter(value: string, previous: string[] | undefined): string[] {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new UsageError(`--adapter takes MODEL_ID=FILE, got "${value}"`);
  return [...(previous ?? []), value];
}

function maxWait(value: string): number {
  const n = Number(value);
  if (!(n >= 0)) throw new UsageError('--max-wait-ms must be ≥ 0');
  return n;
}

/** `abi-sdk serve` */
export const serve: CliCommand = {
  register(program, action) {
    addListenOptions(program.command('serve'), 8080)
      .description('serve every model folder under --models over HTTP (OpenAI /v1/embeddings, TEI /embed /rerank, Ollama /api/embed)')
      .addOption(setting('--models <dir>', 'a folder of model folders (or one model folder), or hf:owner/name[@rev],... Hub models', { env: 'ABI_MODELS_DIR', config: 'serve.models' }))
      .option('--max-body-bytes <n>', 'largest request body', positiveInt('--max-body-bytes'))
      .option('--max-inputs <n>', 'most texts per request', positiveInt('--max-inputs'))
      .option('--max-tokens <n>', 'most tokens per request', positiveInt('--max-tokens'))
      .option('--rpm <n>', 'requests per minute per key', positiveInt('--rpm'))
      .option('--tpm <n>', 'tokens per minute per key', positiveInt('--tpm'))
      .addOption(setting('--log-level <level>', 'pino log level', { env: 'ABI_LOG_LEVEL', config: 'serve.logLevel' }).default('info'))
      .option('--workers <n>', 'CPU worker threads', positiveInt('--workers'))
      .option('--devices <list>', 'one worker per device, e.g. cpu,cuda:0 (instead of --workers)')
      .option('--max-queue <n>', 'queued jobs before BUSY (default 1024)', positiveInt('--max-queue'))
      .option('--max-wait-ms <ms>', 'batching window (default 2)', maxWait)
      .option('--threads <n>', 'onnxruntime threads per worker', positiveInt('--threads'))
      .option('--adapter <id=file>', 'apply a trained adapter file to model ID\'s embeddings (repeatable; checked against the model at start)', collectAdapter)
      .action(action(async (ctx) => {
        const o = ctx.command.opts<ServeOptions>();
        const { io } = ctx;
        if (!o.models) throw new UsageError('serve needs --models DIR (a folder of model folders)');
        const tls = tlsOptionsOf(o, ctx.cwd);
        if (o.workers && o.devices) throw new UsageError('--workers and --devices are alternatives');
        const logger = pino({ name: 'abi-sdk', level: o.logLevel });
        const devices = o.devices ? o.devices.split(',').map((d) => d.trim()).filter(Boolean)
          : o.workers ? Array.from({ length: o.workers }, () => 'cpu') : undefined;
        // Batches are reported to the server's metrics once the server exists.
        let observeBatch: ((b: BatchReport) => void) | undefined;
        // Adapters: the config's `serve.adapters`, then each --adapter (relative to the working directory) over it.
        const adapters: Record<string, string> = { ...ctx.config.serve?.adapters };
        for (const a of o.adapter ?? []) {
          const eq = a.indexOf('=');
          adapters[a.slice(0, eq)] = absolute(ctx.cwd, a.slice(eq + 1));
        }
        const open = io.openService ?? (await import('../service.js')).openSchedulerService;
        const service = await open(isHubModelList(o.models) ? o.models : absolute(ctx.cwd, o.models), {
          logger, devices, maxQueue: o.maxQueue, threads: o.threads, maxWaitMs: o.maxWaitMs, onBatch: (b) => observeBatch?.(b),
          ...(Object.keys(adapters).length > 0 ? { adapters } : {}),
        });
        const keyStore = o.auth === false ? undefined : KeyStore.open(absolute(ctx.cwd, o.dataDir ?? './abi-data'));
        if (keyStore && keyStore.list().length === 0) {
          logger.warn({ keyFile: keyStore.path }, 'no API keys yet: every request will be refused; create one with `abi-sdk keys create --principal NAME --role embed`');
        }
        if (!keyStore && !['127.0.0.1', 'localhost', '::1'].includes(o.host)) {
          logger.warn({ host: o.host }, 'serving without authentication on a non-loopback address');
        }
        // Loaded here: the server's modules (HTTP, metrics) are not needed by the other commands.
        const { createServer } = await import('../../server/server.js');
        const server = createServer({
          service, logger,
          ...(keyStore ? { auth: { keys: keyStore } } : {}),
          ...(tls ? { tls } : {}),
          limits: {
            maxBodyBytes: o.maxBodyBytes, maxInputs: o.maxInputs, maxTokensPerRequest: o.maxTokens,
            ...(o.rpm || o.tpm ? { rateLimit: { requestsPerMinute: o.rpm, tokensPerMinute: o.tpm } } : {}),
          },
        });
        observeBatch = server.metrics ? (b) => server.metrics!.observeBatch(b) : undefined;
        try {
          const url = await server.listen(o.port, o.host);
          io.onListening?.(url);
          // Runs until the signal: a stop is the normal end of `serve` (exit 0), not an interruption.
          await new Promise<void>((resolveStop) => {
            if (ctx.signal?.aborted) resolveStop();
            ctx.signal?.addEventListener('abort', () => resolveStop(), { once: true });
          });
          logger.info('shutting down');
        } finally {
          await server.close({ deadlineMs: 10_000 });
          await service.close({ deadlineMs: 10_000 });
        }
        return 0;
      }));
  },
};
