// `abi-sdk federated serve|join`: federated training of an embedding adapter. `serve` hosts a FederatedCoordinator on
// the HTTP server (API keys with the `federated` role, TLS/mTLS); `join` trains on this site's pairs and sends only
// weight deltas, then writes the final adapter file.
import { pino } from 'pino';
import { ModelMismatchError, UsageError } from '../../core/errors.js';
import { readEnv } from '../../internal/env.js';
import { KeyStore } from '../../server/auth/keys.js';
import { createServer } from '../../server/server.js';
import type { AdapterConfig } from '../../training/adapter.js';
import { saveAdapter } from '../../training/adapter-file.js';
import { describeBaseModel } from '../../training/base-model.js';
import { embedTrainingPairs } from '../../training/embedded-pairs.js';
import { readPairsJsonl } from '../../training/pairs.js';
import { AdapterTrainer } from '../../training/trainer.js';
import {
  adapterFromParameters, AdapterFederatedTrainer, initialAdapterParameters,
} from '../../training/federated/adapter-trainer.js';
import { FederatedClient } from '../../training/federated/client.js';
import { FederatedCoordinator } from '../../training/federated/coordinator.js';
import { HttpTransport } from '../../training/federated/http-transport.js';
import type { CliCommand } from '../command.js';
import { openEmbedder, parseEmbedderSpec } from '../indexing/embedder-spec.js';
import { absolute, addListenOptions, type ListenOptions, nonNegativeInt, parseDuration, positiveInt, setting, tlsOptionsOf } from '../options.js';
import { readFileSync } from 'node:fs';

interface ServeOptions extends ListenOptions {
  dir: string;
  dimension: number;
  rank: number;
  hidden: number;
  apply: 'both' | 'query';
  baseModel?: string;
  rounds: number;
  quorum: number;
  minClients?: number;
  roundTimeout: string;
  secure?: boolean;
  clip?: number;
  seed: number;
  linger: string;
  logLevel: string;
}

interface JoinOptions {
  url: string;
  apiKey?: string;
  pairs: string;
  base: string;
  clientId?: string;
  epochs: number;
  mu: number;
  batchSize: number;
  lr: number;
  seed: number;
  ca?: string;
  cert?: string;
  key?: string;
  out?: string;
}

function nonNegative(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n >= 0) || !Number.isFinite(n)) throw new UsageError(`${name} must be a number ≥ 0, got "${value}"`);
    return n;
  };
}

function positive(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

function readPem(cwd: string, path: string | undefined): Buffer | undefined {
  return path === undefined ? undefined : readFileSync(absolute(cwd, path));
}

/** `abi-sdk federated` */
export const federated: CliCommand = {
  register(program, action) {
    const group = program.command('federated').description('federated training of an embedding adapter (coordinator and sites)');
    addListenOptions(group.command('serve'), 8443)
      .description('run a federated coordinator on the HTTP server (/v1/federated/*, role "federated")')
      .addOption(setting('--dir <dir>', 'checkpoint directory (a restart resumes from it)', { env: 'ABI_FEDERATED_DIR', config: 'federated.dir' }).default('./abi-federated'))
      .requiredOption('--dimension <n>', "the base embedder's dimension", positiveInt('--dimension'))
      .option('--rank <n>', 'low-rank adapter (0: full d×d)', nonNegativeInt('--rank'), 0)
      .option('--hidden <n>', 'residual MLP width (0: none)', nonNegativeInt('--hidden'), 0)
      .option('--apply <where>', 'adapt "both" queries and documents, or "query" only', 'both')
      .option('--base-model <id>', 'the base model id sites must use (checked at join)')
      .option('--rounds <n>', 'rounds to run', positiveInt('--rounds'), 20)
      .option('--quorum <n>', 'fewest updates a round needs at its deadline', positiveInt('--quorum'), 2)
      .option('--min-clients <n>', 'clients that must have joined before a round may close early (default: quorum)', positiveInt('--min-clients'))
      .option('--round-timeout <duration>', 'deadline of each round phase', '10m')
      .option('--secure', 'secure aggregation by pairwise masks (the coordinator sees only the sum)')
      .option('--clip <x>', 'masked rounds clamp delta values to ±clip (default 16)', positive('--clip'))
      .option('--seed <n>', 'initialisation seed', nonNegativeInt('--seed'), 0)
      .option('--linger <duration>', 'keep serving this long after the last round so sites fetch the final model', '60s')
      .addOption(setting('--log-level <level>', 'pino log level', { env: 'ABI_LOG_LEVEL', config: 'serve.logLevel' }).default('info'))
      .action(action(async (ctx) => {
        const o = ctx.command.opts<ServeOptions>();
        if (o.apply !== 'both' && o.apply !== 'query') throw new UsageError('--apply must be "both" or "query"');
        const tls = tlsOptionsOf(o, ctx.cwd);
        const roundTimeoutMs = parseDuration(o.roundTimeout);
        const lingerMs = parseDuration(o.linger);
        const logger = pino({ name: 'abi-sdk', level: o.logLevel });
        const adapter: AdapterConfig = { dimension: o.dimension, rank: o.rank, hidden: o.hidden, apply: o.apply };
        const coordinator = await FederatedCoordinator.open({
          dir: absolute(ctx.cwd, o.dir), initial: initialAdapterParameters(adapter, o.seed), rounds: o.rounds, quorum: o.quorum,
          minClients: o.minClients, roundTimeoutMs, secure: o.secure ?? false, clip: o.clip,
          model: { adapter: { ...adapter }, baseModel: o.baseModel ?? null },
          onRound: (s) => {
            logger.info({ round: s.round, clients: s.clients.length, dropped: s.dropped, samples: s.samples, bytesIn: s.bytesIn, bytesOut: s.bytesOut }, 'round aggregated');
            ctx.io.stdout(`round ${s.round}/${o.rounds}: ${s.clients.length} clients, ${s.samples} samples, ${s.dropped.length} dropped, ${s.bytesIn + s.bytesOut} bytes`);
          },
        });
        // A checkpoint that cannot be written (retried with backoff) or a failing onRound is logged, never fatal.
        coordinator.on('error', (err) => logger.error({ err }, 'federated coordinator'));
        if (coordinator.resumedAt !== undefined) ctx.io.stderr(`resuming at round ${coordinator.resumedAt} from ${o.dir}`);
        const keyStore = o.auth === false ? undefined : KeyStore.open(absolute(ctx.cwd, o.dataDir ?? './abi-data'));
        if (keyStore && keyStore.list().length === 0) {
          logger.warn({ keyFile: keyStore.path }, 'no API keys yet: create one per site with `abi-sdk keys create --principal SITE --role federated`');
        }
        const server = createServer({
          federated: coordinator, logger,
          ...(keyStore ? { auth: { keys: keyStore } } : {}),
          ...(tls ? { tls } : {}),
        });
        try {
          const url = await server.listen(o.port, o.host);
          ctx.io.onListening?.(url);
          ctx.io.stderr(`federated coordinator on ${url}: round ${coordinator.round} of ${o.rounds}${o.secure ? ', secure aggregation' : ''}`);
          const stop = new AbortController();
          ctx.signal?.addEventListener('abort', () => stop.abort(), { once: true });
          // Ends when every round is done (after --linger) or on the signal; either is a normal end.
          await coordinator.finished(stop.signal).then(
            async () => {
              ctx.io.stdout(`finished ${o.rounds} rounds; model ${coordinator.status().modelVersion} in ${o.dir}`);
              await new Promise<void>((resolve) => {
                const t = setTimeout(resolve, lingerMs);
                stop.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
              });
            },
            () => undefined,
          );
        } finally {
          coordinator.close();
          await server.close({ deadlineMs: 5_000 });
        }
        return 0;
      }));

    group.command('join')
      .description('take part in a federation: train on local pairs, send only weight deltas, save the final adapter')
      .requiredOption('--url <url>', "the coordinator's URL")
      .option('--api-key <key>', 'API key with the "federated" role (or env ABI_API_KEY)')
      .requiredOption('--pairs <file>', 'local training pairs, JSONL {query, positive, negative?}')
      .requiredOption('--base <embedder>', 'base embedder: hashing[:DIM], local:FOLDER, openai:MODEL or ollama:MODEL (as `index --embedder`)')
      .option('--client-id <id>', "this site's id (keep it across restarts)")
      .option('--epochs <n>', 'local epochs per round (E)', positiveInt('--epochs'), 1)
      .option('--mu <x>', 'FedProx proximal coefficient (0: FedAvg)', nonNegative('--mu'), 0)
      .option('--batch-size <n>', 'pairs per step', positiveInt('--batch-size'), 32)
      .option('--lr <x>', 'local learning rate', positive('--lr'), 2e-3)
      .option('--seed <n>', 'batch-order seed', nonNegativeInt('--seed'), 0)
      .option('--ca <file>', "CA (PEM) to trust for the coordinator's certificate")
      .option('--cert <file>', 'client certificate (PEM) for mutual TLS')
      .option('--key <file>', 'client key (PEM) for mutual TLS')
      .option('--out <file>', 'write the final adapter here')
      .action(action(async (ctx) => {
        const o = ctx.command.opts<JoinOptions>();
        if (Boolean(o.cert) !== Boolean(o.key)) throw new UsageError('--cert and --key go together');
        const transport = new HttpTransport({
          url: o.url, apiKey: o.apiKey ?? readEnv('ABI_API_KEY'),
          ca: readPem(ctx.cwd, o.ca), cert: readPem(ctx.cwd, o.cert), key: readPem(ctx.cwd, o.key),
        });
        let closeBase: (() => Promise<void>) | undefined;
        try {
          const info = await transport.join(o.clientId, ctx.signal);
          const model = info.model as { adapter?: AdapterConfig; baseModel?: string | null } | null;
          if (!model?.adapter) throw new UsageError('the coordinator did not announce an adapter shape (is it an adapter federation?)');
          const opened = await openEmbedder(parseEmbedderSpec(o.base, undefined, ctx.cwd)!, ctx.signal);
          closeBase = () => opened.close();
          const base = opened.embedder;
          if (model.baseModel && model.baseModel !== base.model) {
            throw new ModelMismatchError(`the federation trains on "${model.baseModel}", --base is "${base.model}"`, model.baseModel, base.model);
          }
          if (base.dimension !== model.adapter.dimension) {
            throw new ModelMismatchError(`the federation's adapter is ${model.adapter.dimension}-d, the base gives ${base.dimension}-d`, String(model.adapter.dimension), String(base.dimension));
          }
          const pairs = await readPairsJsonl(absolute(ctx.cwd, o.pairs), { signal: ctx.signal });
          const data = await embedTrainingPairs(base, pairs, { signal: ctx.signal });
          ctx.io.stderr(`joined ${o.url} as ${info.clientId}: ${data.count} pairs, ${info.rounds} rounds${info.secure ? ', secure aggregation' : ''}`);
          const trainer = new AdapterFederatedTrainer({
            trainer: new AdapterTrainer({ adapter: model.adapter, batchSize: o.batchSize, learningRate: o.lr, seed: o.seed }),
            adapter: model.adapter, data, learningRate: o.lr,
          });
          const client = new FederatedClient({
            transport, trainer, clientId: info.clientId, epochs: o.epochs, proximalMu: o.mu,
            onUpdate: (e) => ctx.io.stdout(`round ${e.round}: sent ${e.bytesSent} bytes (${e.samples} samples${e.masked ? ', masked' : ''})`),
          });
          const result = await client.run({ signal: ctx.signal });
          ctx.io.stdout(`done: ${result.rounds.length} rounds, ${result.bytesSent} bytes sent, ${result.bytesReceived} bytes received`);
          if (o.out) {
            const adapter = adapterFromParameters(model.adapter, result.parameters);
            await saveAdapter(absolute(ctx.cwd, o.out), adapter, await describeBaseModel(base, { signal: ctx.signal }), {
              federated: { session: info.session, rounds: result.rounds.length },
            });
            ctx.io.stdout(`wrote ${o.out}`);
          }
        } finally {
          transport.close();
          await closeBase?.();
        }
        return 0;
      }));
  },
};
