// The `abi-sdk` command line: builds the command tree from the commands listed in ./commands.ts (one file per command
// under ./commands/, as the gh, npm and hf CLIs are laid out), parses with commander, and maps every outcome to an
// exit code: 0 ok, 1 runtime error, 2 usage or config error, 130 interrupted.
//
// Why commander (not yargs, not node:util parseArgs): it is maintained, has no dependencies, models nested
// subcommands with per-command help, records where each option value came from (which is how flag > env > config >
// default is resolved in ./options.ts), and exposes the command tree that `completion` walks. yargs does the same with
// more machinery; parseArgs has no subcommands, help or suggestions.
import { Command, CommanderError } from 'commander';
import { AbiError } from '../core/errors.js';
import { readEnv } from '../internal/env.js';
import type { CliCommand, CliIo, CommandAction, CommandContext } from './command.js';
import * as registry from './commands.js';
import { loadConfig } from './config.js';
import { applyEnvAndConfig, packageRoot } from './options.js';
import { startProgress } from './progress.js';

export type { CliIo, CommandContext, CliCommand } from './command.js';
export { parseDuration } from './options.js';

/** Exit codes, as documented in `--help` and docs/cli.md. */
export const EXIT = { ok: 0, error: 1, usage: 2, interrupted: 130 } as const;

const EXIT_HELP = `
Configuration: flags > ABI_* environment variables > abi.config.json (or --config FILE) > defaults.
Exit codes: 0 ok, 1 runtime error, 2 usage or config error, 130 interrupted (SIGINT/SIGTERM).
Docs: https://github.com/abi-sdk/abi-sdk/blob/main/docs/cli.md`;

/** The package version. */
export function packageVersion(): string {
  return packageRoot()?.version ?? '0.0.0';
}

/** Lines written by commander (help, errors) arrive with their newlines; the io takes lines. */
function lines(write: (line: string) => void): (text: string) => void {
  return (text) => write(text.replace(/\n$/, ''));
}

/**
 * Builds the command tree (used by {@link runCli} and by `completion`).
 *
 * @param io - where output goes
 * @param onExit - receives each action's exit code
 * @returns the root command
 */
export function buildProgram(io: CliIo, onExit: (code: number) => void = () => {}): Command {
  const program = new Command('abi-sdk')
    .description('Index, search and serve text with abi-sdk: local embeddings, an embedded vector store, rerankers.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--config <file>', 'config file (default: ./abi.config.json when present)')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: lines(io.stdout), writeErr: lines(io.stderr), outputError: () => {} })
    .addHelpText('after', EXIT_HELP);
  const cwd = io.cwd ?? process.cwd();
  const action = (fn: CommandAction) => async (...args: unknown[]): Promise<void> => {
    const command = args.at(-1) as Command;
    const { config, path } = loadConfig(cwd, command.optsWithGlobals<{ config?: string }>().config);
    applyEnvAndConfig(command, config);
    const ctx: CommandContext = {
      io, cwd, config, configPath: path, signal: io.signal, command,
      progress: (label, total, unit = '') => startProgress(label, total, unit, io.tty ? { tty: io.tty } : { line: io.stderr }),
    };
    onExit((await fn(ctx)) ?? EXIT.ok);
  };
  for (const command of Object.values(registry) as CliCommand[]) command.register(program, action);
  return program;
}

/**
 * Runs the CLI.
 *
 * @param argv - arguments after the program name
 * @param io - output, stop signal, service factory, terminal
 * @returns the exit code: 0 ok, 1 runtime error, 2 usage or config error, 130 interrupted
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    return exitCodeOf(err, io);
  }
}

function exitCodeOf(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) return EXIT.ok; // --help, --version
    // `commander.help`: no command given, the help went to stderr already.
    if (err.code !== 'commander.help' && err.code !== 'commander.helpDisplayed') {
      io.stderr(`abi-sdk: ${err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (see --help)`);
    }
    return EXIT.usage;
  }
  if (err instanceof AbiError) {
    if (err.code === 'USAGE') {
      io.stderr(`abi-sdk: ${err.message}`);
      return EXIT.usage;
    }
    if (err.code === 'ABORTED' || io.signal?.aborted) {
      io.stderr('abi-sdk: interrupted');
      return EXIT.interrupted;
    }
    io.stderr(`abi-sdk: ${err.message} (${err.code})`);
    return EXIT.error;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr(`abi-sdk: ${e.message}${readEnv('ABI_DEBUG') ? `\n${e.stack ?? ''}` : ' (set ABI_DEBUG=1 for the stack)'}`);
  return EXIT.error;
}
