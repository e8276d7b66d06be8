/**
 * `npm run bench:check`: the benchmark regression check. Runs a quick form of bench:ann (10k clustered vectors, HNSW
 * against hnswlib-node), bench:embed (the tiny generated model against transformers.js and a bare tokenizers +
 * onnxruntime loop) and bench:kernels (WASM kernels against hnswlib-node's and usearch's exact search), one after
 * the other, reads the ratios each wrote to bench/results/*-check.json, and fails when a ratio falls more than the
 * tolerance stated in bench/baseline.json below its baseline. Ratios to a peer measured in the same run, never
 * absolute times: the machines these run on are shared and their load moves every time.
 *
 *   npm run bench:check                         # check against bench/baseline.json (exit 1 on a regression)
 *   npm run bench:check -- --update --runs 4    # run 4 times; write the medians as the new baseline
 *
 * Children's output goes to bench/results/check-<bench>.log; a child that fails prints its tail and fails the check.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR, machineInfo, readResults, type MachineInfo, type PeerRatio } from './results.js';

const ROOT = join(import.meta.dirname, '..');
const BASELINE = join(import.meta.dirname, 'baseline.json');
const args = process.argv.slice(2);
const update = args.includes('--update');
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : update ? 3 : 1;

/** The quick forms bench:check runs, in order (each writes `<name>-check.json`). */
const STEPS: { name: string; argv: string[] }[] = [
  { name: 'ann', argv: ['--expose-gc', '--import', 'tsx', 'bench/ann.ts', '--quick', '--n', '10000', '--queries', '300', '--datasets', 'clustered', '--systems', 'hnsw', '--no-resident', '--variant', 'check'] },
  { name: 'embed', argv: ['--import', 'tsx', 'bench/embed.ts', '--check'] },
  { name: 'kernels', argv: ['--import', 'tsx', 'bench/kernels.ts', '--check'] },
];

/**
 * The ratios checked. The runs also record others (best QPS at recall ≥ 0.95, filtered search at 10k, embedding
 * wall-time ratios, kernels at D=768, whose 12 MB of candidates leave the cache other processes share), but those
 * jump from run to run on a loaded machine (0.71-2.57 at D=768 in three runs) and would fail on noise alone. bench:embed
 * runs one thread in this form, so its CPU-time ratios are its work ratios, and other processes barely move them.
 */
const CHECKED = [
  'ann.clustered.hnsw.qps_same_ef',
  'ann.clustered.hnsw.build',
  'embed.short.b32.vs_transformers_cpu',
  'embed.medium.b32.vs_transformers_cpu',
  'embed.mixed.vs_transformers_cpu',
  'embed.mixed.vs_bare_loop_cpu',
  'kernels.f32_dot_block_384.vs_hnswlib',
  'kernels.f32_dot_gather_384.vs_hnswlib',
  'kernels.i8_dot_block_384.vs_usearch',
];

/** One checked ratio in bench/baseline.json. */
interface BaselineRatio {
  baseline: number;
  /** What each run of the update gave (the spread is the noise the tolerance must absorb). */
  observed: number[];
  peer: string;
  what: string;
  /** A tolerance for this ratio alone, overriding the file's, and why. */
  tolerance?: number;
  toleranceReason?: string;
}

/** bench/baseline.json. */
interface Baseline {
  /** The fraction a ratio may fall below its baseline before the check fails. */
  tolerance: number;
  reason: string;
  date: string;
  machine: MachineInfo;
  runs: number;
  ratios: Record<string, BaselineRatio>;
}

/** Runs the three quick benches once; returns every ratio they wrote and the seconds each took. */
function runOnce(round: number): { ratios: Record<string, PeerRatio>; seconds: Record<string, number> } {
  const ratios: Record<string, PeerRatio> = {};
  const seconds: Record<string, number> = {};
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const step of STEPS) {
    const results = join(RESULTS_DIR, `${step.name}-check.json`);
    rmSync(results, { force: true }); // a child that exits 0 without writing must not pass on an earlier run's file
    const t = performance.now();
    const child = spawnSync(process.execPath, step.argv, { cwd: ROOT, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
    seconds[step.name] = (performance.now() - t) / 1000;
    const log = join(RESULTS_DIR, `check-${step.name}.log`);
    writeFileSync(log, `$ node ${step.argv.join(' ')}\n${child.stdout}\n${child.stderr}`);
    if (child.status !== 0) {
      console.error(`${`${child.stdout}\n${child.stderr}`.trim().split('\n').slice(-30).join('\n')}`);
      throw new Error(`bench:check: ${step.name} failed (exit ${child.status ?? child.signal}); full output in ${log}`);
    }
    Object.assign(ratios, readResults(results).ratios);
    console.error(`bench:check: run ${round}: ${step.name} done in ${seconds[step.name].toFixed(0)} s (log: ${log})`);
  }
  return { ratios, seconds };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x: number): string => x.toFixed(2);

const t0 = performance.now();
const all: Record<string, PeerRatio>[] = [];
for (let r = 1; r <= runs; r++) all.push(runOnce(r).ratios);
const total = (performance.now() - t0) / 1000;

if (update) {
  let old: Partial<Baseline> = {};
  try {
    old = JSON.parse(readFileSync(BASELINE, 'utf8')) as Baseline;
  } catch {
    // first baseline
  }
  const ratios: Record<string, BaselineRatio> = {};
  for (const key of CHECKED) {
    const seen = all.map((a) => a[key]).filter(Boolean);
    if (seen.length === 0) throw new Error(`bench:check: no run produced ${key}`);
    const values = seen.map((p) => p.value);
    ratios[key] = {
      baseline: Number(fmt(median(values))), observed: values.map((v) => Number(fmt(v))), peer: seen[0].peer, what: seen[0].what,
      ...(old.ratios?.[key]?.tolerance !== undefined ? { tolerance: old.ratios[key].tolerance, toleranceReason: old.ratios[key].toleranceReason } : {}),
    };
  }
  const next: Baseline = {
    tolerance: old.tolerance ?? 0.35,
    reason: old.reason ?? 'set the reason: why this tolerance absorbs the noise seen in `observed` and still fails a real regression',
    date: new Date().toISOString(), machine: machineInfo(), runs, ratios,
  };
  writeFileSync(BASELINE, `${JSON.stringify(next, null, 2)}\n`);
  console.log(`bench:check: baseline written to ${BASELINE} (medians of ${runs} runs, ${total.toFixed(0)} s)`);
  for (const [key, r] of Object.entries(ratios)) console.log(`  ${key}: ${fmt(r.baseline)} (runs: ${r.observed.map(fmt).join(', ')})`);
} else {
  const base = JSON.parse(readFileSync(BASELINE, 'utf8')) as Baseline;
  const current = all[all.length - 1];
  const header = ['ratio (higher = abi-sdk ahead)', 'peer', 'baseline', 'this run', 'floor', 'change', 'result'];
  const lines: string[][] = [];
  let failed = 0;
  for (const [key, b] of Object.entries(base.ratios)) {
    const tol = b.tolerance ?? base.tolerance;
    const floor = b.baseline * (1 - tol);
    const now = current[key]?.value;
    const ok = now !== undefined && now >= floor;
    if (!ok) failed++;
    lines.push([key, b.peer, fmt(b.baseline), now === undefined ? 'missing' : fmt(now), fmt(floor),
      now === undefined ? '—' : `${now >= b.baseline ? '+' : ''}${(((now - b.baseline) / b.baseline) * 100).toFixed(0)}%`, ok ? 'PASS' : 'FAIL']);
  }
  console.log(`\nbench:check — ratios to peers measured in the same run against bench/baseline.json (${base.date.slice(0, 10)}, ` +
    `tolerance ${(base.tolerance * 100).toFixed(0)}% below baseline unless the ratio states its own), load ${machineInfo().loadavg[0]} on ${machineInfo().cores} cores, ${total.toFixed(0)} s\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i >= 2 && i <= 5 ? '---:' : '---')).join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
  console.log('');
  for (const l of lines) console.log(`${l[6]} ${l[0]}: ${l[3]} (baseline ${l[2]}, floor ${l[4]})`);
  console.log(failed ? `\nbench:check: FAIL (${failed} of ${lines.length} ratios below their floor)` : `\nbench:check: PASS (${lines.length} ratios)`);
  if (failed) process.exitCode = 1;
}
