/**
 * SVG plots of benchmark results, drawn by vega-lite (spec → Vega) and rendered by Vega's headless View (no
 * browser, no canvas): recall@10 against QPS for bench:ann, as ann-benchmarks draws it (one line per system and
 * dataset, QPS on a log scale, each line the Pareto frontier of that system's settings), and texts/s by batch size
 * and text length per system for bench:embed.
 *
 * The benches call these at the end of a run; run alone, this re-renders from saved results JSON, so a README
 * table and its plot come from the same run:
 *
 *   npm run bench:plot -- bench/results/ann-100000.json bench/results/embed-default.json --out docs/img
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { readResults, type MachineInfo } from './results.js';

/** One row of bench:ann's table. */
export interface AnnRow {
  dataset: string;
  system: string;
  params: string;
  buildS: number | null;
  qps: number;
  recall: number;
  memMB: number | null;
  /** Bytes of vectors, codes and index structures alone (abi-sdk), in MB. */
  indexMB?: number;
  note?: string;
}

/** One bar of bench:embed's plot: a system's texts/s at one batch size on one text length. */
export interface EmbedPoint {
  set: string;
  batch: number;
  system: string;
  textsPerS: number;
}

/** Renders a vega-lite spec to an SVG string (Vega's View with no renderer attached: nothing touches a DOM). */
export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The Pareto frontier of one system's settings, as ann-benchmarks plots it: walking from the highest recall down,
 * a setting stays only if it is faster than every setting with higher recall.
 */
export function paretoFrontier<T extends { recall: number; qps: number }>(points: T[]): T[] {
  const sorted = [...points].sort((a, b) => b.recall - a.recall || b.qps - a.qps);
  const out: T[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.qps > best) {
      out.push(p);
      best = p.qps;
    }
  }
  return out.reverse();
}

/** The recall–QPS spec for bench:ann rows: a panel per dataset, a line per system. */
export function annSpec(rows: AnnRow[], subtitle: string): vl.TopLevelSpec {
  const values: { dataset: string; system: string; recall: number; qps: number; params: string }[] = [];
  const keys = [...new Set(rows.map((r) => `${r.dataset}\u0000${r.system}`))];
  for (const key of keys) {
    const [dataset, system] = key.split('\u0000');
    for (const r of paretoFrontier(rows.filter((x) => x.dataset === dataset && x.system === system))) {
      values.push({ dataset, system, recall: r.recall, qps: r.qps, params: r.params });
    }
  }
  const minRecall = Math.min(...values.map((v) => v.recall));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'bench:ann — recall@10 against queries per second (up and right is better)', subtitle },
    background: 'white',
    data: { values },
    facet: { column: { field: 'dataset', type: 'nominal', title: null, header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
    spec: {
      width: 360,
      height: 300,
      mark: { type: 'line', point: { filled: true, size: 45 }, strokeWidth: 1.6 },
      encoding: {
        x: {
          field: 'recall', type: 'quantitative', title: 'recall@10',
          // Padding keeps the exact systems' points at recall 1.0 clear of the frame.
          scale: { domain: [Math.max(0, Math.floor(minRecall * 20) / 20), 1], zero: false, nice: false, padding: 12 },
        },
        y: { field: 'qps', type: 'quantitative', title: 'queries per second (log scale)', scale: { type: 'log' } },
        color: { field: 'system', type: 'nominal', title: 'system', legend: { orient: 'bottom', columns: 3, labelLimit: 260 } },
        shape: { field: 'system', type: 'nominal', title: 'system' },
        order: { field: 'recall', type: 'quantitative' },
      },
    },
    config: { font: 'sans-serif', axis: { grid: true, gridOpacity: 0.5 } },
  };
}

/** The texts/s spec for bench:embed: a panel per text length, bars per system at each batch size. */
export function embedSpec(points: EmbedPoint[], subtitle: string): vl.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'bench:embed — texts per second by batch size (higher is better)', subtitle },
    background: 'white',
    data: { values: points },
    facet: { column: { field: 'set', type: 'nominal', title: null, sort: ['short', 'medium'], header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
    spec: {
      width: 330,
      height: 260,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'batch', type: 'ordinal', title: 'caller batch size', axis: { labelAngle: 0 } },
        xOffset: { field: 'system', type: 'nominal' },
        y: { field: 'textsPerS', type: 'quantitative', title: 'texts per second' },
        color: { field: 'system', type: 'nominal', title: 'system', legend: { orient: 'bottom', columns: 3, labelLimit: 260 } },
      },
    },
    resolve: { scale: { y: 'independent' } },
    config: { font: 'sans-serif', axis: { grid: true, gridOpacity: 0.5 } },
  };
}

/**
 * Draws bench:ann's recall–QPS plot into `file` (SVG).
 *
 * @param rows - bench:ann's rows (every system and dataset of one run)
 * @param file - the SVG to write (its folder is created)
 * @param subtitle - what was measured and when
 * @returns the file written
 */
export async function writeAnnPlot(rows: AnnRow[], file: string, subtitle: string): Promise<string> {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await renderSvg(annSpec(rows, subtitle)));
  return file;
}

/**
 * Draws bench:embed's texts/s plot into `file` (SVG).
 *
 * @param points - texts/s per system, text length and batch size of one run
 * @param file - the SVG to write (its folder is created)
 * @param subtitle - what was measured and when
 * @returns the file written
 */
export async function writeEmbedPlot(points: EmbedPoint[], file: string, subtitle: string): Promise<string> {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await renderSvg(embedSpec(points, subtitle)));
  return file;
}

/** The plot's subtitle for a bench:ann run of n × dim vectors on `date` (ISO). */
export function annSubtitle(n: number, dim: number | string, k: number, date: string, machine: MachineInfo): string {
  return `${n.toLocaleString('en')} × ${dim} normalized vectors, k=${k}, one query at a time; ${onMachine(machine, date)}`;
}

/** Where and when: cores and the load average at the end of the run (above the core count, the machine was shared). */
function onMachine(m: MachineInfo, date: string): string {
  return `${m.cores} cores, load ${m.loadavg[0]}, ${date.slice(0, 10)}`;
}

/** The plot's subtitle for a bench:embed run. */
export function embedSubtitle(model: string, threads: number, date: string, machine: MachineInfo): string {
  return `${model} (random weights, real shape), ${threads} intra-op threads; ${onMachine(machine, date)}`;
}

/** The figures bench:ann and bench:embed keep in their results JSON (the parts the plots read). */
interface AnnFigures { N: number; DIM: number; K: number; rows: AnnRow[] }
interface EmbedFigures { model: string; threads: number; points: EmbedPoint[] }

/** Re-renders the plot of each results file given (ann-*.json, embed-*.json) into --out (default: beside it). */
async function main(argv: string[]): Promise<void> {
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? resolve(argv[outAt + 1]) : undefined;
  const files = argv.filter((a, i) => a.endsWith('.json') && argv[i - 1] !== '--out');
  if (files.length === 0) throw new Error('usage: npm run bench:plot -- bench/results/ann-100000.json [embed-default.json] [--out docs/img]');
  for (const file of files) {
    const r = readResults<AnnFigures & EmbedFigures>(file);
    const dir = out ?? dirname(resolve(file));
    const name = join(dir, `${basename(file, '.json')}.svg`);
    if (r.bench === 'ann') {
      const f = r.figures;
      console.log(await writeAnnPlot(f.rows, name, annSubtitle(f.N, f.DIM, f.K, r.date, r.machine)));
    } else if (r.bench === 'embed') {
      const f = r.figures;
      console.log(await writeEmbedPlot(f.points, name, embedSubtitle(f.model, f.threads, r.date, r.machine)));
    } else {
      throw new Error(`${file}: no plot for bench "${r.bench}"`);
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main(process.argv.slice(2));
