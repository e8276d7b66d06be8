// Shared option helpers of the CLI: value parsers that throw `UsageError`, and `setting()`, an option that can also
// come from an `ABI_*` environment variable or a config file field. Precedence: flag > env > config > default —
// commander records where each value came from (`getOptionValueSource`), and env/config only fill what the command
// line left unset.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { readEnv } from '../internal/env.js';
import type { ServerTlsOptions } from '../server/tls.js';
import type { AbiConfig } from './config.js';

/** Where an option may also come from. */
interface SettingSource {
  /** Environment variable, read with `readEnv` (trimmed, blank = unset). */
  env?: string;
  /** Dotted path into the config file, e.g. `index.chunkSize`. */
  config?: string;
}

const sources = new WeakMap<Option, SettingSource>();

/**
 * An option that may also be set by an environment variable and/or a config file field. The description gets the
 * variable's name so `--help` shows it.
 *
 * @param flags - commander flags, e.g. `--store <dir>`
 * @param description - help text
 * @param from - env variable and config path
 * @param parse - parses a string value (flag or env) into the option's value; throw `UsageError` on bad input
 * @returns the option, to pass to `command.addOption`
 */
export function setting(flags: string, description: string, from: SettingSource, parse?: (value: string) => unknown): Option {
  const extra = [from.env ? `env ${from.env}` : '', from.config ? `config ${from.config}` : ''].filter(Boolean).join(', ');
  const option = new Option(flags, extra ? `${description} [${extra}]` : description);
  if (parse) option.argParser((value: string) => parse(value));
  sources.set(option, from);
  return option;
}

function configValue(config: AbiConfig, path: string): unknown {
  let v: unknown = config;
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Fills the options the command line left unset from the environment, then from the config file.
 *
 * @param command - the command about to run
 * @param config - the validated config file
 */
export function applyEnvAndConfig(command: Command, config: AbiConfig): void {
  for (const option of command.options) {
    const from = sources.get(option);
    if (!from) continue;
    const key = option.attributeName();
    const source = command.getOptionValueSource(key);
    if (source !== undefined && source !== 'default') continue;
    const env = from.env ? readEnv(from.env) : undefined;
    if (env !== undefined) {
      let value: unknown = env;
      try {
        if (option.parseArg) value = option.parseArg(env, undefined);
        else if (option.isBoolean()) value = parseBool(env, from.env!);
      } catch (err) {
        throw new UsageError(`${from.env}: ${(err as Error).message}`);
      }
      command.setOptionValueWithSource(key, value, 'env');
      continue;
    }
    const fromConfig = from.config ? configValue(config, from.config) : undefined;
    if (fromConfig !== undefined) command.setOptionValueWithSource(key, fromConfig, 'config');
  }
}

function parseBool(value: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new UsageError(`${name} must be true or false`);
}

/**
 * Parser for a positive integer flag.
 *
 * @param name - the flag, for the message
 * @returns the parser
 */
export function positiveInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

/**
 * Parser for a TCP port flag (0 = any free port).
 *
 * @param value - the flag's value
 * @returns the port
 * @throws {@link UsageError} outside 0-65535
 */
export function tcpPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new UsageError('--port must be 0-65535');
  return n;
}

/**
 * Parser for a non-negative integer flag.
 *
 * @param name - the flag, for the message
 * @returns the parser
 */
export function nonNegativeInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`${name} must be an integer ≥ 0, got "${value}"`);
    return n;
  };
}

/**
 * Parses `30s`, `15m`, `12h`, `30d` into milliseconds.
 *
 * @param text - the duration
 * @returns milliseconds
 * @throws {@link UsageError} for anything else
 */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new UsageError(`bad duration "${text}" (use e.g. 90s, 15m, 12h, 30d)`);
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/**
 * Resolves `path` against the working directory.
 *
 * @param cwd - the working directory
 * @param path - absolute or relative
 * @returns the absolute path
 */
export function absolute(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** What every command that listens for HTTP (`serve`, `federated serve`) takes: address, API keys, TLS. */
export interface ListenOptions {
  port: number;
  host: string;
  dataDir?: string;
  auth: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
}

/**
 * Adds the {@link ListenOptions} flags (`--port --host --data-dir --no-auth --tls-cert --tls-key --tls-client-ca`).
 *
 * @param command - the listening command
 * @param defaultPort - its port when neither flag, env nor config sets one
 * @returns the command
 */
export function addListenOptions(command: Command, defaultPort: number): Command {
  return command
    .addOption(setting('--port <n>', 'port (0: any free port)', { env: 'ABI_PORT', config: 'serve.port' }, tcpPort).default(defaultPort))
    .addOption(setting('--host <host>', 'address to listen on', { env: 'ABI_HOST', config: 'serve.host' }).default('127.0.0.1'))
    .addOption(setting('--data-dir <dir>', 'data directory with the API key file (default: ./abi-data)', { env: 'ABI_DATA_DIR', config: 'dataDir' }))
    .option('--no-auth', 'accept requests without an API key')
    .option('--tls-cert <file>', 'TLS certificate (PEM); with --tls-key')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--tls-client-ca <file>', 'require client certificates signed by this CA (mutual TLS)');
}

/**
 * The server's TLS options from the TLS flags, paths resolved against `cwd`; none without `--tls-cert`.
 *
 * @param o - the parsed flags
 * @param cwd - the working directory
 * @returns the TLS options, or undefined for plain HTTP
 * @throws {@link UsageError} for `--tls-cert` without `--tls-key` (or the reverse), or `--tls-client-ca` alone
 */
export function tlsOptionsOf(o: ListenOptions, cwd: string): ServerTlsOptions | undefined {
  if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
  if (o.tlsClientCa && !o.tlsCert) throw new UsageError('--tls-client-ca needs --tls-cert and --tls-key');
  if (!o.tlsCert) return undefined;
  return { certFile: absolute(cwd, o.tlsCert), keyFile: absolute(cwd, o.tlsKey!), ...(o.tlsClientCa ? { clientCaFile: absolute(cwd, o.tlsClientCa) } : {}) };
}

/** The abi-sdk package this CLI runs from: its folder, version and npm scripts. */
export interface PackageRoot {
  dir: string;
  version: string;
  scripts: Record<string, string>;
}

let root: PackageRoot | null | undefined;

/**
 * Finds the abi-sdk package.json above this module (src/cli/ in a checkout, dist/ when installed).
 *
 * @returns the package, or `undefined` when it cannot be found
 */
export function packageRoot(): PackageRoot | undefined {
  if (root !== undefined) return root ?? undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; scripts?: Record<string, string> };
      if (pkg.name === 'abi-sdk') return (root = { dir, version: pkg.version ?? '0.0.0', scripts: pkg.scripts ?? {} });
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir);
  }
  root = null;
  return undefined;
}
