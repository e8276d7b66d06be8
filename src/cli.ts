#!/usr/bin/env node
// The `abi-sdk` bin: runs the CLI with this process's stdout/stderr; the first SIGINT/SIGTERM stops the command
// (serve shuts down, index/query end with exit 130), a second one exits at once.
import { runCli } from './cli/main.js';

const stop = new AbortController();
const onSignal = (): void => {
  if (stop.signal.aborted) process.exit(130);
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
runCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  signal: stop.signal,
  tty: process.stderr.isTTY ? process.stderr : undefined,
  inheritStdio: true,
}).then((code) => {
  process.exitCode = code;
}, (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
