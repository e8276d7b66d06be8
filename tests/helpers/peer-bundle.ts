// Packaging checks for optional peers: bundle an entry as tsup does (every peer dependency external), then load it
// from a temp folder with no node_modules above it, so a missing peer is truly missing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/** Every optional peer dependency of the package. */
export const peerDependencies = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies);

/** A temp folder for bundles; call `cleanup` in `afterAll`. */
export function bundleDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * What the root entry pulls in: the source files bundled and the bare imports left external.
 *
 * @param dir - scratch folder
 */
export async function rootBundle(dir: string): Promise<{ inputs: string[]; imports: string[] }> {
  const result = await build({
    entryPoints: ['src/index.ts'], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true,
    external: peerDependencies, logLevel: 'silent', outfile: join(dir, 'root.mjs'),
  });
  return {
    inputs: Object.keys(result.metafile.inputs),
    imports: Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path)),
  };
}

/**
 * Bundles `entry` in `format`, then runs `body` in a fresh node with the bundle's exports bound to `m`; returns stdout.
 *
 * @param dir - scratch folder (no node_modules above it)
 * @param entry - the source entry
 * @param format - esm or cjs
 * @param body - module code using `m`
 */
export async function runBundled(dir: string, entry: string, format: 'esm' | 'cjs', body: string): Promise<string> {
  const name = entry.replace(/[^a-z0-9]+/gi, '-');
  const file = join(dir, `${name}.${format === 'esm' ? 'mjs' : 'cjs'}`);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format, outfile: file, external: peerDependencies, logLevel: 'silent' });
  const load = format === 'esm'
    ? `const m = await import(${JSON.stringify(file)});`
    : `import { createRequire } from 'node:module'; const m = createRequire(import.meta.url)(${JSON.stringify(file)});`;
  const runner = join(dir, `run-${name}-${format}.mjs`);
  writeFileSync(runner, `${load}\n${body}`);
  return execFileSync(process.execPath, [runner], { cwd: dir, encoding: 'utf8' }).trim();
}
