// Import direction: every dependency points down the layer table below, and integrations use only what a user can
// import. Runs over the real import graph (static, type-only and dynamic imports), so an upward import fails CI.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * The layers, top to bottom (keep in step with docs/overview.md). A module may import its own folder and any folder
 * on a lower line; a folder on the same line or above is a violation.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['integrations/langchain', 'integrations/llamaindex'],
  ['src/cli'],
  ['src/server'],
  ['src/indexing'],
  ['src/scheduler'],
  ['src/embedders'],
  ['src/engine', 'src/backends', 'src/cache', 'src/training'],
  ['src/connectors', 'src/hub'],
  ['src/store'],
  ['src/retrieval'],
  ['src/resilience'],
  ['src/kernels'],
  ['src/internal'],
  ['src/core'],
];

/** Package entry points (tsup entries): they re-export from every layer, and are what integrations may import. */
const ENTRIES = new Set([
  'src/index.ts', 'src/cli.ts', 'src/backends/qdrant/index.ts', 'src/backends/pgvector/index.ts', 'src/server/index.ts',
  'src/training/federated/index.ts',
]);

const rank = new Map(LAYERS.flatMap((line, i) => line.map((folder) => [folder, i] as const)));

/** The layer folder a repository path belongs to, or undefined (entries, files outside the layers). */
function folderOf(path: string): string | undefined {
  const parts = path.split('/');
  const key = parts[0] === 'integrations' ? parts.slice(0, 2).join('/') : parts.slice(0, 2).join('/');
  if (rank.has(key)) return key;
  if (path === 'src/cli.ts') return 'src/cli';
  return undefined;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'generated' ? [] : sources(path);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Edge {
  from: string;
  to: string;
}

/** Every relative import (static, `import type`, `export … from`, dynamic) between repository files. */
function importGraph(): Edge[] {
  const edges: Edge[] = [];
  for (const from of [...sources('src'), ...sources('integrations')]) {
    const info = ts.preProcessFile(readFileSync(join(ROOT, from), 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(from), ref.fileName)).split(sep).join('/');
      edges.push({ from, to: target.replace(/\.(m?js)$/, (m) => (m === '.mjs' ? '.mjs' : '.ts')) });
    }
  }
  return edges;
}

/** Imports that do not point down: same-line folders or higher ones (package entries are exempt). */
function upward(edges: readonly Edge[]): string[] {
  return edges
    .filter((e) => !ENTRIES.has(e.from))
    .flatMap((e) => {
      const a = folderOf(e.from), b = folderOf(e.to);
      if (a === undefined || b === undefined || a === b) return [];
      return rank.get(b)! > rank.get(a)! ? [] : [`${e.from} -> ${e.to} (${a} may not import ${b})`];
    });
}

const graph = importGraph();

describe('import direction', () => {
  it('sees the whole tree (a sanity check on the scanner)', () => {
    expect(graph.length).toBeGreaterThan(300);
    const seen = new Set(graph.flatMap((e) => [folderOf(e.from), folderOf(e.to)]).filter((f) => f !== undefined));
    for (const folder of rank.keys()) expect(seen, folder).toContain(folder);
  });

  it('has every src and integrations folder in the layer table', () => {
    const folders = [
      ...readdirSync(join(ROOT, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `src/${e.name}`),
      ...readdirSync(join(ROOT, 'integrations'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `integrations/${e.name}`),
    ];
    expect(folders.filter((f) => !rank.has(f))).toEqual([]);
  });

  it('points every import down the layers', () => {
    expect(upward(graph)).toEqual([]);
  });

  it('lets integrations import only the package entries (what a user can import)', () => {
    const deep = graph
      .filter((e) => e.from.startsWith('integrations/') && e.to.startsWith('src/') && !ENTRIES.has(e.to))
      .map((e) => `${e.from} -> ${e.to}`);
    expect(deep).toEqual([]);
  });

  it('has no import cycles inside integrations', () => {
    const within = graph.filter((e) => e.from.startsWith('integrations/') && e.to.startsWith('integrations/'));
    const next = new Map<string, string[]>();
    for (const e of within) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'open');
      for (const to of next.get(node) ?? []) visit(to, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of next.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('catches upward and sideways imports (the check itself can fail)', () => {
    expect(upward([
      { from: 'src/retrieval/retriever.ts', to: 'src/store/vector-store.ts' }, // up
      { from: 'src/engine/local-embedder.ts', to: 'src/cache/types.ts' }, // sideways
      { from: 'src/store/vector-store.ts', to: 'src/retrieval/fusion.ts' }, // down: fine
      { from: 'src/index.ts', to: 'src/server/server.ts' }, // entry: fine
    ])).toHaveLength(2);
  });
});
