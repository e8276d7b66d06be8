#!/usr/bin/env node
// Peer matrix: runs the tests of each optional peer against every major its peer range in package.json accepts, on
// the Node version that major needs (openai 7 needs Node >= 22), plus a Node 22 run of the fast suites. Peers are
// installed with npm into .tmp/peers/<name>@<major>, and a Node binary the running one cannot stand in for comes
// from the npm registry package node-<platform>-<arch>@<major> into .tmp/node<major>. Called by .ci/run; run it
// by hand with `npm run test:peers` (`-- --only openai@7` picks entries).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const TMP = join(ROOT, '.tmp');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Tests that exercise each peer through the SDK and its official client. */
const PEER_TESTS = {
  openai: ['tests/connectors/peer-versions.test.ts', 'tests/connectors/openai.test.ts', 'tests/connectors/health.test.ts', 'tests/server/clients.test.ts'],
};

/** Node majors the SDK supports (package.json engines: >= 20.15), and the fast suites run on each extra one. */
const NODE_SUITES = ['tests/core', 'tests/structure', 'tests/resilience', 'tests/connectors', 'tests/cache', 'tests/retrieval'];

/** One run: `peers` pinned to a major (absent: the project's own), on Node `node`. */
const MATRIX = [
  { name: 'openai@6', node: 20, peers: { openai: 6 }, tests: PEER_TESTS.openai },
  { name: 'openai@7', node: 22, peers: { openai: 7 }, tests: PEER_TESTS.openai },
  { name: 'node22', node: 22, peers: {}, tests: NODE_SUITES },
];

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]?.split(',') : undefined;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

function log(line) {
  process.stdout.write(`test:peers: ${line}\n`);
}

function npmInstall(prefix, spec) {
  mkdirSync(prefix, { recursive: true });
  execFileSync(NPM, ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', spec], {
    stdio: ['ignore', 'ignore', 'inherit'], cwd: prefix,
  });
}

/** A Node binary of major `major`: this one when it matches, else the registry's node-<platform>-<arch> package. */
function nodeOf(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const prefix = join(TMP, `node${major}`);
  const name = `node-${process.platform}-${process.arch}`;
  const bin = join(prefix, 'node_modules', name, 'bin', 'node');
  if (!existsSync(bin)) {
    log(`installing Node ${major} (${name}@${major}) into ${prefix}`);
    npmInstall(prefix, `${name}@${major}`);
  }
  return bin;
}

/** The installed peer's folder, after installing `name@major` into its own prefix. */
function peerDir(name, major) {
  const prefix = join(TMP, 'peers', `${name}@${major}`);
  const dir = join(prefix, 'node_modules', name);
  if (!existsSync(join(dir, 'package.json'))) {
    log(`installing ${name}@${major} into ${prefix}`);
    npmInstall(prefix, `${name}@${major}`);
  }
  return dir;
}

/** Whether `major` is inside the peer range package.json declares (the matrix must test what we claim). */
function rangeAccepts(name, major) {
  const range = pkg.peerDependencies?.[name] ?? '';
  return range.split('||').some((part) => part.trim() === `^${major}.0.0` || part.trim().startsWith(`^${major}.`));
}

const results = [];
for (const entry of MATRIX) {
  if (only && !only.includes(entry.name)) continue;
  const dirs = {};
  for (const [name, major] of Object.entries(entry.peers)) {
    if (!rangeAccepts(name, major)) throw new Error(`package.json peerDependencies.${name} does not accept ${major}.x`);
    dirs[name] = peerDir(name, major);
  }
  const node = nodeOf(entry.node);
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const pinnedVersions = Object.fromEntries(Object.entries(dirs).map(([name, dir]) => [name, JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version]));
  const versions = Object.entries(pinnedVersions).map(([name, v]) => `${name} ${v}`);
  log(`${entry.name}: Node ${nodeVersion}${versions.length ? `, ${versions.join(', ')}` : ''}: ${entry.tests.join(' ')}`);
  const started = Date.now();
  const run = spawnSync(node, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.peers.config.ts', ...entry.tests], {
    cwd: ROOT, stdio: 'inherit', env: { ...process.env, ABI_PEER_DIRS: JSON.stringify(dirs), ABI_PEER_VERSIONS: JSON.stringify(pinnedVersions) },
  });
  results.push({ name: entry.name, node: nodeVersion, peers: versions.join(', ') || '(project)', ok: run.status === 0, s: ((Date.now() - started) / 1000).toFixed(0) });
}

log('results');
for (const r of results) log(`  ${r.ok ? 'pass' : 'FAIL'}  ${r.name.padEnd(9)} Node ${r.node.padEnd(9)} ${r.peers.padEnd(16)} ${r.s} s`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
