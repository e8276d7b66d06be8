// Type-checks every ```ts block in README.md and docs/*.md against the BUILT package: each block is written to
// .tmp/docs-types/<file>-<n>.ts (inside this package, so `import ... from 'abi-sdk'` and 'abi-sdk/langchain' resolve
// through package.json "exports" to dist/, as they do for a user) and the lot is compiled with tsc, strict.
//
// Marks, as HTML comments on the line(s) right before a block (invisible when the Markdown is rendered):
//   <!-- no-check: why -->            the block is not checked (a deliberate fragment); say why.
//   <!-- prelude: declare const dir: string; -->   TypeScript put before the block: names a fragment uses but does not
//                                     define (repeatable; one declaration per comment).
// A ```ts no-check info string opts out too. Run `npm run build` first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, '.tmp', 'docs-types');
if (!existsSync(join(root, 'dist', 'index.d.ts'))) {
  console.error('docs:types: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const files = new Map(); // generated file -> "doc.md:line"
let skipped = 0;
for (const doc of docs) {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n');
  let n = 0;
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)\b(.*)$/.exec(lines[i]);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const body = lines.slice(i + 1, end);
    // The marks: consecutive HTML comments right above the fence.
    const prelude = [];
    let optOut = /\bno-check\b/.test(open[2]);
    for (let j = i - 1; j >= 0 && /^<!--.*-->\s*$/.test(lines[j]); j--) {
      const mark = /^<!--\s*(no-check|prelude):?\s*(.*?)\s*-->\s*$/.exec(lines[j]);
      if (mark?.[1] === 'no-check') optOut = true;
      else if (mark?.[1] === 'prelude') prelude.unshift(mark[2]);
    }
    if (optOut) {
      skipped++;
    } else {
      n++;
      const name = `${basename(doc, '.md')}-${String(n).padStart(2, '0')}.ts`;
      // `export {}` makes each block its own module (top-level await, no name clashes between blocks). The
      // prelude sits on the first line, so a block's line N is line N + 1 of the generated file.
      writeFileSync(join(out, name), `${prelude.join(' ')} export {};\n${body.join('\n')}\n`);
      files.set(name, `${doc}:${i + 2}`);
    }
    i = end;
  }
}

writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    target: 'ES2022', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'],
    strict: true, skipLibCheck: true, noEmit: true, esModuleInterop: true,
  },
  include: ['*.ts'],
}, null, 2));

const tsc = join(root, 'node_modules', '.bin', 'tsc');
try {
  execFileSync(tsc, ['-p', join(out, 'tsconfig.json')], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  console.log(`docs:types: ${files.size} blocks type-check against dist/ (${skipped} marked no-check)`);
} catch (err) {
  // Map each diagnostic back to the Markdown line it came from.
  const text = String(err.stdout ?? '') + String(err.stderr ?? '');
  const mapped = text.replace(/^(?:.*[\\/])?([\w.-]+\.ts)\((\d+),(\d+)\)/gm, (all, file, line, col) => {
    const at = files.get(file);
    if (!at) return all;
    const [doc, first] = at.split(':');
    return `${doc}:${Number(first) + Number(line) - 2}:${col} (${relative(root, join(out, file))})`;
  });
  console.error(mapped.trimEnd());
  console.error(`docs:types: failed (${files.size} blocks checked, ${skipped} marked no-check)`);
  process.exit(1);
}
