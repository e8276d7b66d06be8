// `abi-sdk bench NAME [ARGS...]`: runs one of the project's benchmarks (the `bench:NAME` npm scripts over bench/*.ts)
// with ARGS passed through, so each keeps its own flags (`--expose-gc`, memory limits) in one place: package.json.
// bench/ is not in the published package (it needs the peers it compares with — hnswlib, usearch, LanceDB, fastembed
// — as devDependencies, and datasets); from an npm install this says so and how to get a checkout.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { UnsupportedError, UsageError } from '../../core/errors.js';
import type { CliCommand } from '../command.js';
import { packageRoot } from '../options.js';

function benchNames(): string[] {
  return Object.keys(packageRoot()?.scripts ?? {}).filter((s) => s.startsWith('bench:')).map((s) => s.slice(6)).sort();
}

/** `abi-sdk bench …` */
export const bench: CliCommand = {
  register(program, action) {
    program.command('bench')
      .description('run a benchmark from a source checkout (bench:NAME npm scripts), passing ARGS through')
      .argument('<name>', 'benchmark: ann, embed, serve, …')
      .argument('[args...]', 'passed to the benchmark (e.g. --n 10000)')
      .passThroughOptions()
      .allowUnknownOption()
      .addHelpText('after', () => `\nBenchmarks here: ${benchNames().join(', ') || '(none)'}\nExample: abi-sdk bench ann --n 20000 --datasets clustered`)
      .action(action(async (ctx) => {
        const [name, args = []] = ctx.command.processedArgs as [string, string[] | undefined];
        const pkg = packageRoot();
        if (!pkg || !existsSync(join(pkg.dir, 'bench'))) {
          throw new UnsupportedError('benchmarks are not in the published package; run them from a checkout: git clone https://github.com/abi-sdk/abi-sdk && cd abi-sdk && npm ci && npx abi-sdk bench ' + name);
        }
        if (!pkg.scripts[`bench:${name}`]) throw new UsageError(`unknown benchmark "${name}" (available: ${benchNames().join(', ')})`);
        const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
        const child = spawn(npm, ['run', '--silent', `bench:${name}`, '--', ...args], {
          cwd: pkg.dir, stdio: ctx.io.inheritStdio ? 'inherit' : ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32',
        });
        if (!ctx.io.inheritStdio) {
          createInterface({ input: child.stdout! }).on('line', ctx.io.stdout);
          createInterface({ input: child.stderr! }).on('line', ctx.io.stderr);
        }
        const onAbort = (): void => void child.kill('SIGINT');
        ctx.signal?.addEventListener('abort', onAbort, { once: true });
        try {
          const code = await new Promise<number>((resolve, reject) => {
            child.once('error', reject);
            child.once('close', (c, signal) => resolve(c ?? (signal ? 130 : 1)));
          });
          if (ctx.signal?.aborted) return 130;
          return code === 0 ? 0 : code === 130 ? 130 : 1;
        } finally {
          ctx.signal?.removeEventListener('abort', onAbort);
        }
      }));
  },
};
