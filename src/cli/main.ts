// The `abi-sdk` command line: `serve` runs the HTTP server over a folder of models; `keys` manages API keys in the
// server's data directory (the running server picks up changes to the key file).
import { parseArgs } from 'node:util';
import { isAbsolute, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { AbiError, ValidationError } from '../core/errors.js';
import { readEnv } from '../internal/env.js';
import { KeyStore, type Role } from '../server/auth/keys.js';
import { createServer } from '../server/server.js';
import type { BatchReport, InferenceService } from '../scheduler/types.js';
import type { SchedulerServiceOptions } from './service.js';

/** Where the CLI writes and how it opens the models (replaceable in tests). */
export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Stops `serve` (the bin wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
  /** Called with the URL once `serve` listens. */
  onListening?: (url: string) => void;
  /** Builds the service for `serve --models DIR`. */
  openService?: (modelsDir: string, options: SchedulerServiceOptions & { logger: Logger }) => Promise<InferenceService>;
}

const USAGE = `Usage:
  abi-sdk serve --models DIR [--port 8080] [--host 127.0.0.1] [--data-dir DIR | --no-auth]
                [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
                [--max-body-bytes N] [--max-inputs N] [--max-tokens N] [--rpm N] [--tpm N] [--log-level info]
                [--workers N | --devices cpu,cuda:0,...] [--max-queue 1024] [--max-wait-ms 2] [--threads N]
  abi-sdk keys create --principal NAME --role ROLE [--role ROLE] [--model ID]... [--expires-in 30d] [--rpm N] [--tpm N]
  abi-sdk keys list
  abi-sdk keys revoke ID
  abi-sdk keys rotate ID [--grace 1d] [--expires-in 90d]
  (keys commands take --data-dir DIR; default: ABI_DATA_DIR, else ./abi-data)
Roles: admin (manage keys), embed (inference endpoints), metrics (GET /metrics).`;

/** A bad command line (unknown command, missing or malformed flag): printed with the usage, exit code 2. */
class UsageError extends ValidationError {}

/**
 * Parses `30s`, `15m`, `12h`, `30d` into milliseconds.
 *
 * @param text - the duration
 * @returns milliseconds
 */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new UsageError(`bad duration "${text}" (use e.g. 90s, 15m, 12h, 30d)`);
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}

function dataDirOf(value: string | undefined): string {
  const dir = value ?? readEnv('ABI_DATA_DIR') ?? './abi-data';
  return isAbsolute(dir) ? dir : resolve(dir);
}

/**
 * Runs the CLI.
 *
 * @param argv - arguments after the program name
 * @param io - output, stop signal, service factory
 * @returns the exit code
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === 'serve') return await serve(rest, io);
    if (command === 'keys') return keys(rest, io);
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE);
      return command === undefined ? 1 : 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`abi-sdk: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof AbiError) {
      io.stderr(`abi-sdk: ${err.message} (${err.code})`);
      return 1;
    }
    throw err;
  }
}

function keys(argv: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true, strict: true,
    options: {
      'data-dir': { type: 'string' }, principal: { type: 'string' }, role: { type: 'string', multiple: true },
      model: { type: 'string', multiple: true }, 'expires-in': { type: 'string' }, grace: { type: 'string' },
      rpm: { type: 'string' }, tpm: { type: 'string' }, json: { type: 'boolean' },
    },
  });
  const [sub, id] = positionals;
  const store = KeyStore.open(dataDirOf(values['data-dir']), { watchIntervalMs: 0 });
  const expiresAt = values['expires-in'] ? new Date(Date.now() + parseDuration(values['expires-in'])) : undefined;
  try {
    switch (sub) {
      case 'create': {
        if (!values.principal) throw new UsageError('keys create needs --principal');
        if (!values.role?.length) throw new UsageError('keys create needs at least one --role');
        const rpm = positiveInt(values.rpm, 'rpm');
        const tpm = positiveInt(values.tpm, 'tpm');
        const issued = store.create({
          principal: values.principal, roles: values.role as Role[], models: values.model, expiresAt,
          ...(rpm || tpm ? { rateLimit: { requestsPerMinute: rpm, tokensPerMinute: tpm } } : {}),
        });
        io.stdout(values.json ? JSON.stringify({ key: issued.key, ...issued.info }) : `${issued.key}\n(id ${issued.info.id}; shown once, store it now)`);
        return 0;
      }
      case 'rotate': {
        if (!id) throw new UsageError('keys rotate needs a key id');
        const issued = store.rotate(id, { ...(values.grace ? { graceMs: parseDuration(values.grace) } : {}), expiresAt });
        io.stdout(values.json ? JSON.stringify({ key: issued.key, ...issued.info }) : `${issued.key}\n(id ${issued.info.id}, replaces ${id}; shown once)`);
        return 0;
      }
      case 'revoke': {
        if (!id) throw new UsageError('keys revoke needs a key id');
        const info = store.revoke(id);
        io.stdout(values.json ? JSON.stringify(info) : `revoked ${info.id} (${info.principal})`);
        return 0;
      }
      case 'list': {
        const list = store.list();
        if (values.json) io.stdout(JSON.stringify(list));
        else {
          for (const k of list) {
            const state = k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? 'expired' : 'active';
            io.stdout(`${k.id}  ${k.principal}  ${k.roles.join(',')}  ${state}${k.expiresAt ? `  expires ${k.expiresAt}` : ''}${k.models ? `  models ${k.models.join(',')}` : ''}`);
          }
        }
        return 0;
      }
      default:
        throw new UsageError(sub ? `unknown keys command "${sub}"` : 'keys needs a command: create, list, revoke, rotate');
    }
  } finally {
    store.close();
  }
}

async function serve(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv], strict: true,
    options: {
      models: { type: 'string' }, port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' }, 'no-auth': { type: 'boolean', default: false },
      'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'tls-client-ca': { type: 'string' },
      'max-body-bytes': { type: 'string' }, 'max-inputs': { type: 'string' }, 'max-tokens': { type: 'string' },
      rpm: { type: 'string' }, tpm: { type: 'string' }, 'log-level': { type: 'string', default: 'info' },
      workers: { type: 'string' }, devices: { type: 'string' }, 'max-queue': { type: 'string' }, 'max-wait-ms': { type: 'string' },
      threads: { type: 'string' },
    },
  });
  if (!values.models) throw new UsageError('serve needs --models DIR (a folder of model folders)');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535');
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new UsageError('--tls-cert and --tls-key go together');
  if (values['tls-client-ca'] && !values['tls-cert']) throw new UsageError('--tls-client-ca needs --tls-cert and --tls-key');
  const logger = pino({ name: 'abi-sdk', level: values['log-level'] });
  if (values.workers && values.devices) throw new UsageError('--workers and --devices are alternatives');
  const workers = positiveInt(values.workers, 'workers');
  const devices = values.devices ? values.devices.split(',').map((d) => d.trim()).filter(Boolean)
    : workers ? Array.from({ length: workers }, () => 'cpu') : undefined;
  const maxWaitMs = values['max-wait-ms'] === undefined ? undefined : Number(values['max-wait-ms']);
  if (maxWaitMs !== undefined && !(maxWaitMs >= 0)) throw new UsageError('--max-wait-ms must be ≥ 0');
  // Batches are reported to the server's metrics once the server exists.
  let observeBatch: ((b: BatchReport) => void) | undefined;
  const open = io.openService ?? (await import('./service.js')).openSchedulerService;
  const service = await open(resolve(values.models), {
    logger, devices, maxQueue: positiveInt(values['max-queue'], 'max-queue'), threads: positiveInt(values.threads, 'threads'),
    maxWaitMs, onBatch: (b) => observeBatch?.(b),
  });
  const keyStore = values['no-auth'] ? undefined : KeyStore.open(dataDirOf(values['data-dir']));
  if (keyStore && keyStore.list().length === 0) {
    logger.warn({ keyFile: keyStore.path }, 'no API keys yet: every request will be refused; create one with `abi-sdk keys create --principal NAME --role embed`');
  }
  if (!keyStore && !['127.0.0.1', 'localhost', '::1'].includes(values.host)) {
    logger.warn({ host: values.host }, 'serving without authentication on a non-loopback address');
  }
  const rpm = positiveInt(values.rpm, 'rpm');
  const tpm = positiveInt(values.tpm, 'tpm');
  const server = createServer({
    service, logger,
    ...(keyStore ? { auth: { keys: keyStore } } : {}),
    ...(values['tls-cert'] ? { tls: { certFile: values['tls-cert'], keyFile: values['tls-key']!, clientCaFile: values['tls-client-ca'] } } : {}),
    limits: {
      maxBodyBytes: positiveInt(values['max-body-bytes'], 'max-body-bytes'),
      maxInputs: positiveInt(values['max-inputs'], 'max-inputs'),
      maxTokensPerRequest: positiveInt(values['max-tokens'], 'max-tokens'),
      ...(rpm || tpm ? { rateLimit: { requestsPerMinute: rpm, tokensPerMinute: tpm } } : {}),
    },
  });
  observeBatch = server.metrics ? (b) => server.metrics!.observeBatch(b) : undefined;
  try {
    const url = await server.listen(port, values.host);
    io.onListening?.(url);
    await new Promise<void>((resolveStop) => {
      if (io.signal?.aborted) resolveStop();
      io.signal?.addEventListener('abort', () => resolveStop(), { once: true });
    });
    logger.info('shutting down');
  } finally {
    await server.close({ deadlineMs: 10_000 });
    await service.close({ deadlineMs: 10_000 });
  }
  return 0;
}
