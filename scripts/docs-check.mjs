#!/usr/bin/env node
// `npm run docs:check [-- --out DIR]`: opens the built API reference (`npm run docs` → docs/api) in headless
// Chromium, as a reader would, and fails when a page is broken. Checks, on every module page, every guide and one
// class page: the page loads over HTTP with no console error, no uncaught exception and no failed request; the
// sidebar lists exactly the modules users import (package.json `exports`: `abi-sdk`, `abi-sdk/<subpath>`), each
// module page is titled by its import name, and every docs/*.md guide is rendered once with a capitalized title. The
// server's HTTP API reference (openapi/index.html) renders every operation of its openapi.json without a request
// leaving the site. Screenshots of the index, of the `VectorStore` class page and of the API reference go to DIR
// (default .data/docs-check) to be looked at. Every image the README shows (the benchmark plots under docs/bench/)
// must be on the index page, load, and have a size; each is screenshotted on its own (plot-<name>.png) so the plots
// can be looked at as a reader sees them.
//
// Needs Debian's chromium (`/usr/bin/chromium`, or CHROMIUM_PATH; `npm run setup:test` installs it) and the
// playwright-core dev dependency (no browser download).
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..');
const site = join(root, 'docs', 'api');
const outArg = process.argv.indexOf('--out');
const outDir = resolve(root, outArg > 0 ? process.argv[outArg + 1] : '.data/docs-check');
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PAGE_TIMEOUT_MS = 60_000;

function fail(message) {
  console.error(`docs:check: ${message}`);
  process.exitCode = 1;
}

if (!existsSync(join(site, 'index.html'))) {
  console.error('docs:check: docs/api/index.html is missing: run `npm run docs` first');
  process.exit(1);
}
if (!existsSync(executablePath)) {
  console.error(`docs:check: no Chromium at ${executablePath}: run \`npm run setup:test\` (installs Debian's chromium) or set CHROMIUM_PATH`);
  process.exit(1);
}

// Module names as users import them, from the package's exports map.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const expectedModules = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`))
  .sort();

// A static server over docs/api: pages are read as a browser reads a hosted site (file:// hides fetch failures).
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  // Browsers ask for a favicon on their own; TypeDoc ships none, and a hosted site's 404 for it is no broken page.
  if (path === '/favicon.ico') return void res.writeHead(204).end();
  const file = normalize(join(site, path.endsWith('/') ? `${path}index.html` : path));
  if (!file.startsWith(site + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}/`;

const profile = mkdtempSync(join(tmpdir(), 'abi-docs-check-'));
// A fresh profile per run (launchPersistentContext passes it as --user-data-dir).
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});

/** Opens one page and returns its problems (console errors, exceptions, failed requests) and a handle. */
async function open(path) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  const response = await page.goto(base + path, { waitUntil: 'load', timeout: PAGE_TIMEOUT_MS });
  if (!response || !response.ok()) problems.push(`HTTP ${response?.status()} for the page itself`);
  // The sidebar is built by script from assets/navigation.js: wait for it, so a broken script shows as a missing nav.
  await page.waitForSelector('.tsd-navigation a', { timeout: PAGE_TIMEOUT_MS }).catch(() => problems.push('the navigation sidebar did not render'));
  return { page, problems };
}

const checked = [];
try {
  mkdirSync(outDir, { recursive: true });

  // Index: navigation lists exactly the modules users import, nothing named after a source folder.
  {
    const { page, problems } = await open('index.html');
    const nav = await page.$$eval('.tsd-navigation a', (as) => as.map((a) => a.textContent.trim()));
    const modules = expectedModules.filter((m) => nav.includes(m));
    if (modules.length !== expectedModules.length) {
      problems.push(`sidebar lacks modules ${expectedModules.filter((m) => !nav.includes(m)).join(', ')} (it shows: ${nav.slice(0, 30).join(' | ')})`);
    }
    const sourcey = nav.filter((t) => /^(src|integrations)\//.test(t) || /\.ts$/.test(t));
    if (sourcey.length) problems.push(`sidebar entries named after source paths: ${sourcey.join(', ')}`);
    await page.screenshot({ path: join(outDir, 'index.png'), fullPage: false });
    // The README's images: each must exist, be on the page (TypeDoc copies it to media/), decode, and have a size.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const wanted = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((src) => !/^[a-z]+:/.test(src));
    if (!wanted.some((src) => src.startsWith('docs/bench/'))) problems.push('the README shows no benchmark plot (docs/bench/*.svg)');
    for (const src of wanted) {
      if (!existsSync(join(root, src))) problems.push(`README image ${src} does not exist`);
      const name = src.split('/').pop();
      const handles = await page.$$('img');
      let found = null;
      for (const h of handles) if ((await h.getAttribute('src'))?.split('/').pop() === name) found = h;
      if (!found) {
        problems.push(`README image ${src} is not on the index page`);
        continue;
      }
      await found.scrollIntoViewIfNeeded();
      const ok = await found.evaluate((el) => el.decode().then(() => el.naturalWidth > 0 && el.naturalHeight > 0, () => false));
      if (!ok) problems.push(`README image ${src} is broken (did not decode or has no size)`);
      else await found.screenshot({ path: join(outDir, `plot-${name.replace(/\.[a-z]+$/, '')}.png`) });
    }
    checked.push(['index.html', problems]);
    await page.close();
  }

  // Every module page, titled by its import name.
  for (const file of readdirSync(join(site, 'modules')).filter((f) => f.endsWith('.html')).sort()) {
    const { page, problems } = await open(`modules/${file}`);
    const h1 = (await page.textContent('.tsd-page-title h1'))?.trim() ?? '';
    const name = h1.replace(/^Module\s+/, '');
    if (!expectedModules.includes(name)) problems.push(`module page titled "${h1}": not one of ${expectedModules.join(', ')}`);
    checked.push([`modules/${file}`, problems]);
    await page.close();
  }

  // Every guide: listed once (typedoc.json names each docs/*.md, in reading order), with a proper (capitalized) title.
  const guides = readdirSync(join(site, 'documents')).filter((f) => f.endsWith('.html')).sort();
  const sources = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));
  if (guides.length !== sources.length) {
    fail(`${guides.length} guide pages for ${sources.length} docs/*.md files: list each guide once in typedoc.json "projectDocuments"`);
  }
  const repeated = guides.filter((f) => /-\d+\.html$/.test(f));
  if (repeated.length) fail(`guides rendered twice: ${repeated.join(', ')}`);
  for (const file of guides) {
    const { page, problems } = await open(`documents/${file}`);
    const title = (await page.title()).split(' | ')[0].trim();
    if (!/^[A-Z]/.test(title)) problems.push(`guide title "${title}" does not start with a capital letter`);
    checked.push([`documents/${file}`, problems]);
    await page.close();
  }

  // One class page, with its members rendered.
  {
    const { page, problems } = await open('classes/abi-sdk.VectorStore.html');
    const members = await page.$$('.tsd-member');
    if (members.length < 5) problems.push(`VectorStore page shows ${members.length} members`);
    await page.screenshot({ path: join(outDir, 'class-VectorStore.png'), fullPage: false });
    checked.push(['VectorStore class page', problems]);
    await page.close();
  }

  // The server's HTTP API reference (scripts/openapi.ts → openapi/): swagger-ui's bundle, served from the site itself,
  // renders one block per operation of openapi.json, with nothing fetched from elsewhere.
  {
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`request outside the site: ${r.url()}`); });
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
    const response = await page.goto(`${base}openapi/index.html`, { waitUntil: 'load', timeout: PAGE_TIMEOUT_MS }).catch((e) => problems.push(`did not load: ${e.message}`));
    if (response && !response.ok()) problems.push(`HTTP ${response.status()} for the page itself (run \`npm run docs\`)`);
    const doc = existsSync(join(site, 'openapi', 'openapi.json')) ? JSON.parse(readFileSync(join(site, 'openapi', 'openapi.json'), 'utf8')) : { paths: {} };
    const expected = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    await page.waitForSelector('.opblock', { timeout: PAGE_TIMEOUT_MS }).catch(() => problems.push('no operation rendered'));
    const rendered = await page.$$eval('.opblock', (els) => els.length);
    if (expected === 0 || rendered !== expected) problems.push(`${rendered} operations rendered for ${expected} in openapi.json`);
    const title = (await page.textContent('.info .title').catch(() => ''))?.trim() ?? '';
    if (!title.startsWith('abi-sdk server')) problems.push(`title "${title}"`);
    await page.screenshot({ path: join(outDir, 'openapi.png'), fullPage: false });
    checked.push(['openapi/index.html', problems]);
    await page.close();
  }
} finally {
  await context.close().catch(() => undefined);
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

for (const [path, problems] of checked) {
  if (problems.length === 0) console.log(`ok   ${path}`);
  else for (const p of problems) fail(`${path}: ${p}`);
}
console.log(`docs:check: ${checked.length} pages, modules ${expectedModules.join(', ')}; screenshots in ${outDir}`);
if (process.exitCode) console.error('docs:check: FAILED');
