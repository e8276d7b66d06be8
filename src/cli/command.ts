// The contract every `abi-sdk` command implements: a file under src/cli/commands/ exports one `CliCommand`, listed
// once in src/cli/commands.ts. The command gets its io, validated config, progress reporter and stop signal from
// the `CommandContext` its action receives, so it runs the same in-process (tests) and as the bin.
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { InferenceService } from '../scheduler/types.js';
import type { AbiConfig } from './config.js';
import type { Progress } from './progress.js';
import type { SchedulerServiceOptions } from './service.js';

/** Where the CLI writes and what it runs against (replaceable in tests). */
export interface CliIo {
  /** Writes one line of output (results). */
  stdout: (line: string) => void;
  /** Writes one line of diagnostics (errors, warnings, plain progress lines). */
  stderr: (line: string) => void;
  /** Stops the command: `serve` shuts down (exit 0), long commands end with exit 130. The bin wires SIGINT/SIGTERM. */
  signal?: AbortSignal;
  /** Called with the URL once `serve` listens. */
  onListening?: (url: string) => void;
  /** Builds the service for `serve --models DIR`. */
  openService?: (modelsDir: string, options: SchedulerServiceOptions & { logger: Logger }) => Promise<InferenceService>;
  /** A terminal to draw progress bars on (the bin passes `process.stderr` when it is a TTY); else plain lines go to `stderr`. */
  tty?: NodeJS.WriteStream;
  /** Working directory for relative paths and `abi.config.json`. @defaultValue process.cwd() */
  cwd?: string;
  /** Child processes (`bench`) write straight to this process's stdout/stderr instead of through `stdout`/`stderr`. */
  inheritStdio?: boolean;
}

/** What a command's action gets. */
export interface CommandContext {
  /** The io given to `runCli`. */
  readonly io: CliIo;
  /** Working directory (resolved). */
  readonly cwd: string;
  /** The validated config file (`{}` when there is none). */
  readonly config: AbiConfig;
  /** Path of the config file read, if any. */
  readonly configPath: string | undefined;
  /** Fires on SIGINT/SIGTERM; pass it to everything that waits. */
  readonly signal: AbortSignal | undefined;
  /** The command being run: `opts()` holds its options after flag > env > config > default resolution, `processedArgs` its arguments. */
  readonly command: Command;
  /**
   * Starts a progress report for a step of `total` units: a bar with ETA on a terminal, plain lines otherwise.
   *
   * @param label - what is being done, e.g. `embedding`
   * @param total - units of work
   * @param unit - what a unit is, e.g. `chunks`
   * @returns the reporter (call `stop()` when done)
   */
  progress(label: string, total: number, unit?: string): Progress;
}

/** The action of a command: resolves to the exit code (`void` = 0). */
export type CommandAction = (ctx: CommandContext) => Promise<number | void> | number | void;

/** One command (or command group) of the `abi-sdk` CLI. */
export interface CliCommand {
  /**
   * Adds the command, its options, arguments and subcommands to `program`.
   *
   * @param program - the root program
   * @param action - wraps an action so it receives a {@link CommandContext} and its exit code is kept
   */
  register(program: Command, action: (fn: CommandAction) => (...args: unknown[]) => Promise<void>): void;
}
