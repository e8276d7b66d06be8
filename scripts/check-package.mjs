// Checks the package as users receive it: packs the tarball (`npm pack`), then runs arethetypeswrong (type resolution
// for every entry under node10, node16 CJS/ESM and bundler) and publint --strict (package.json fields against the
// files shipped) on it. Run `npm run build` first. Exits non-zero when either finds a problem.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('check:package: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const out = join(root, '.tmp', 'pack');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// --ignore-scripts: the tarball is dist/ as built; `prepare` (the kernel generator) has nothing to add to it.
const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: root, encoding: 'utf8' }));
const tarball = join(out, packed.filename);
console.log(`check:package: ${packed.filename}, ${packed.entryCount} files, ${(packed.size / 1e6).toFixed(2)} MB`);

let failed = false;
for (const [name, args] of [['attw', [tarball]], ['publint', [tarball, '--strict']]]) {
  try {
    execFileSync(bin(name), args, { cwd: root, stdio: 'inherit' });
  } catch {
    failed = true;
    console.error(`check:package: ${name} found problems`);
  }
}
process.exit(failed ? 1 : 0);
