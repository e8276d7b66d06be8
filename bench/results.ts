/**
 * One results file per benchmark run: every bench writes its figures, its ratios to the peers measured in the same
 * run, the machine (CPU model, cores, memory, load), Node and package versions, the date and its arguments as JSON
 * under bench/results/ (git-ignored). `npm run bench:check` compares the ratios with bench/baseline.json, and
 * bench/plot.ts draws the README's plots from these files, so a table and its plot come from one run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

/** Where every bench writes its results (git-ignored). */
export const RESULTS_DIR = join(import.meta.dirname, 'results');

/**
 * A ratio of abi-sdk to a peer measured in the same run, oriented so that higher is better for abi-sdk (a QPS ratio
 * as abi / peer, a time ratio as peer / abi). This is what the regression check compares: absolute times drift with
 * the load on a shared machine, ratios much less.
 */
export interface PeerRatio {
  /** abi-sdk's figure over the peer's (or the peer's time over abi-sdk's); > 1 means abi-sdk is ahead. */
  value: number;
  /** The peer it is measured against, e.g. `hnswlib-node`. */
  peer: string;
  /** What was compared, in words. */
  what: string;
}

/** The machine a run measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  /** 1, 5 and 15 minute load averages when the run ended: above the core count the machine was shared. */
  loadavg: number[];
  platform: string;
  arch: string;
}

/** The JSON each bench writes. */
export interface BenchResults<F = unknown> {
  bench: string;
  /** Which form of the run (e.g. `100000`, `quick`, `check`): the file is `<bench>-<variant>.json`. */
  variant: string;
  date: string;
  args: string[];
  seconds: number;
  machine: MachineInfo;
  versions: { node: string; v8: string; 'abi-sdk': string; packages: Record<string, string> };
  ratios: Record<string, PeerRatio>;
  figures: F;
}

const require = createRequire(import.meta.url);
const ROOT = join(import.meta.dirname, '..');

/** Installed version of a package, read from its own package.json; `'missing'` when it does not resolve. */
export function packageVersion(name: string): string {
  try {
    // The project's own install first: ESM-only packages often do not resolve through require().
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // not at the top level (nested, or a workspace): resolve it
  }
  try {
    // Walk up from the resolved entry to the package's own package.json (exports maps often hide ./package.json).
    let dir = dirname(require.resolve(name));
    for (;;) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // no package.json at this level: keep walking
      }
      const up = dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
    }
  } catch {
    return 'missing';
  }
}

/** CPU model, cores, memory and load of this machine. */
export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    platform: process.platform,
    arch: process.arch,
  };
}

/**
 * Writes one run's results to `<dir>/<bench>-<variant>.json` (default dir: bench/results) and returns the path.
 *
 * @param bench - the bench's name (`ann`, `embed`, `kernels`, ...)
 * @param run - the folder (e.g. docs/bench for the README's run), the form of the run, the packages measured (their
 *   versions are recorded), the start time (`performance.now()` at start), the ratios to peers and the figures
 * @returns the file written
 */
export function writeResults<F>(bench: string, run: {
  dir?: string;
  variant: string;
  packages: string[];
  started: number;
  ratios: Record<string, PeerRatio>;
  figures: F;
}): string {
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const out: BenchResults<F> = {
    bench,
    variant: run.variant,
    date: new Date().toISOString(),
    args: process.argv.slice(2),
    seconds: Math.round((performance.now() - run.started) / 100) / 10,
    machine: machineInfo(),
    versions: {
      node: process.version,
      v8: process.versions.v8,
      'abi-sdk': own.version,
      packages: Object.fromEntries(run.packages.map((p) => [p, packageVersion(p)])),
    },
    ratios: run.ratios,
    figures: run.figures,
  };
  const dir = run.dir ?? RESULTS_DIR;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${bench}-${run.variant}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.error(`${bench}: results written to ${file}`);
  return file;
}

/** Reads a results file written by {@link writeResults}. */
export function readResults<F>(file: string): BenchResults<F> {
  return JSON.parse(readFileSync(file, 'utf8')) as BenchResults<F>;
}

/** Geometric mean (the mean of ratios that treats 2x and 0.5x symmetrically). */
export function geomean(xs: number[]): number {
  return xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : NaN;
}
