// `abi-sdk keys create|list|revoke|rotate`: API keys in the server's data directory (the running server picks up
// changes to the key file).
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { KeyStore, type Role } from '../../server/auth/keys.js';
import type { CliCommand, CommandAction, CommandContext } from '../command.js';
import { absolute, parseDuration, positiveInt, setting } from '../options.js';

interface KeysOptions {
  dataDir?: string;
  principal?: string;
  role?: string[];
  model?: string[];
  expiresIn?: string;
  grace?: string;
  rpm?: number;
  tpm?: number;
  json?: boolean;
}

const ROLES = ['admin', 'embed', 'metrics'];

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function withDataDir(cmd: Command): Command {
  return cmd
    .addOption(setting('--data-dir <dir>', 'server data directory holding the key file (default: ./abi-data)', { env: 'ABI_DATA_DIR', config: 'dataDir' }))
    .option('--json', 'print JSON');
}

/** Opens the key store, runs `fn` and closes it. */
function withStore(ctx: CommandContext, fn: (store: KeyStore, o: KeysOptions) => void): void {
  const o = ctx.command.opts<KeysOptions>();
  const store = KeyStore.open(absolute(ctx.cwd, o.dataDir ?? './abi-data'), { watchIntervalMs: 0 });
  try {
    fn(store, o);
  } finally {
    store.close();
  }
}

function expiresAt(o: KeysOptions): Date | undefined {
  return o.expiresIn ? new Date(Date.now() + parseDuration(o.expiresIn)) : undefined;
}

/** `abi-sdk keys …` */
export const keys: CliCommand = {
  register(program, action: (fn: CommandAction) => (...args: unknown[]) => Promise<void>) {
    const group = program.command('keys').description('manage the API keys `abi-sdk serve` accepts (in its --data-dir)');
    withDataDir(group.command('create').description('issue a new key (printed once)'))
      .requiredOption('--principal <name>', 'who the key belongs to')
      .option('--role <role>', `role (repeatable): ${ROLES.join(', ')} (admin manages keys, embed calls inference, metrics reads /metrics)`, collect)
      .option('--model <id>', 'restrict the key to this model (repeatable)', collect)
      .option('--expires-in <duration>', 'lifetime, e.g. 30d, 12h')
      .option('--rpm <n>', 'requests per minute', positiveInt('--rpm'))
      .option('--tpm <n>', 'tokens per minute', positiveInt('--tpm'))
      .action(action((ctx) => withStore(ctx, (store, o) => {
        if (!o.role?.length) throw new UsageError('keys create needs at least one --role');
        const issued = store.create({
          principal: o.principal!, roles: o.role as Role[], models: o.model, expiresAt: expiresAt(o),
          ...(o.rpm || o.tpm ? { rateLimit: { requestsPerMinute: o.rpm, tokensPerMinute: o.tpm } } : {}),
        });
        ctx.io.stdout(o.json ? JSON.stringify({ key: issued.key, ...issued.info }) : `${issued.key}\n(id ${issued.info.id}; shown once, store it now)`);
      })));
    withDataDir(group.command('list').description('list keys with their state'))
      .action(action((ctx) => withStore(ctx, (store, o) => {
        const list = store.list();
        if (o.json) return ctx.io.stdout(JSON.stringify(list));
        for (const k of list) {
          const state = k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? 'expired' : 'active';
          ctx.io.stdout(`${k.id}  ${k.principal}  ${k.roles.join(',')}  ${state}${k.expiresAt ? `  expires ${k.expiresAt}` : ''}${k.models ? `  models ${k.models.join(',')}` : ''}`);
        }
      })));
    withDataDir(group.command('revoke').description('revoke a key at once').argument('<id>', 'key id'))
      .action(action((ctx) => withStore(ctx, (store, o) => {
        const info = store.revoke(ctx.command.processedArgs[0] as string);
        ctx.io.stdout(o.json ? JSON.stringify(info) : `revoked ${info.id} (${info.principal})`);
      })));
    withDataDir(group.command('rotate').description('issue a replacement key; the old one keeps working for --grace').argument('<id>', 'key id'))
      .option('--grace <duration>', 'how long the old key keeps working, e.g. 1d')
      .option('--expires-in <duration>', 'lifetime of the new key, e.g. 90d')
      .action(action((ctx) => withStore(ctx, (store, o) => {
        const id = ctx.command.processedArgs[0] as string;
        const issued = store.rotate(id, { ...(o.grace ? { graceMs: parseDuration(o.grace) } : {}), expiresAt: expiresAt(o) });
        ctx.io.stdout(o.json ? JSON.stringify({ key: issued.key, ...issued.info }) : `${issued.key}\n(id ${issued.info.id}, replaces ${id}; shown once)`);
      })));
  },
};
