/**
 * bench/plot.ts: the Pareto frontier the ANN plot draws, and that the vega-lite specs render to SVG in Node (no
 * browser) with one mark per frontier point and every system named in the legend.
 */
import { describe, expect, it } from 'vitest';
import { annSpec, embedSpec, paretoFrontier, renderSvg, type AnnRow } from '../../bench/plot.js';

const row = (dataset: string, system: string, ef: number, recall: number, qps: number): AnnRow =>
  ({ dataset, system, params: `ef${ef}`, buildS: 1, qps, recall, memMB: 1 });

describe('paretoFrontier', () => {
  it('keeps a setting only when it is faster than every setting with higher recall', () => {
    const points = [
      { recall: 0.9, qps: 1000 }, { recall: 0.95, qps: 1200 }, // ef 16 slower than ef 32 on a noisy run: dominated
      { recall: 0.99, qps: 500 }, { recall: 0.99, qps: 400 }, { recall: 1, qps: 100 },
    ];
    expect(paretoFrontier(points)).toEqual([{ recall: 0.95, qps: 1200 }, { recall: 0.99, qps: 500 }, { recall: 1, qps: 100 }]);
  });
});

describe('plots', () => {
  it('renders the recall–QPS plot as SVG with one point per frontier setting and a panel per dataset', async () => {
    const rows = [
      row('clustered', 'abi-sdk HNSW', 16, 0.9, 3000), row('clustered', 'abi-sdk HNSW', 32, 0.97, 2000),
      row('clustered', 'hnswlib-node', 16, 0.89, 2500), row('clustered', 'hnswlib-node', 32, 0.96, 2600),
      row('lowrank', 'abi-sdk HNSW', 16, 0.7, 3000), row('lowrank', 'abi-sdk flat', 0, 1, 40),
    ];
    const svg = await renderSvg(annSpec(rows, 'test run'));
    expect(svg.startsWith('<svg')).toBe(true);
    for (const name of ['abi-sdk HNSW', 'hnswlib-node', 'abi-sdk flat', 'clustered', 'lowrank', 'recall@10']) expect(svg).toContain(name);
    // hnswlib-node's ef 16 is dominated by its ef 32 (slower at lower recall): 5 of the 6 rows are drawn as points,
    // on one line per system and dataset.
    expect(svg.match(/aria-roledescription="point"/g)?.length).toBe(5);
    expect(svg.match(/aria-roledescription="line mark"/g)?.length).toBe(4);
  });

  it('renders the texts/s plot with a bar per system, batch and text length', async () => {
    const points = ['short', 'medium'].flatMap((set) => [1, 32].flatMap((batch) =>
      ['abi-sdk fp32', 'transformers.js'].map((system) => ({ set, batch, system, textsPerS: batch * (system === 'transformers.js' ? 1 : 2) }))));
    const svg = await renderSvg(embedSpec(points, 'test run'));
    expect(svg).toContain('transformers.js');
    expect(svg).toContain('caller batch size');
    expect((svg.match(/aria-roledescription="bar"/g) ?? []).length).toBe(8);
  });
});
