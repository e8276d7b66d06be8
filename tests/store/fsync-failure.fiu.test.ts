// A real fsync failure, out of process: the built package (dist/) runs under libfiu's POSIX preload (`fiu-run -x`,
// Debian's fiu-utils, installed by `npm run setup:test`); once the store is open, `fiu-ctrl` makes every fsync and
// fdatasync of that process fail with EIO. Under durability 'fsync' nothing may be acknowledged from then on; under
// 'write' the next flush() must reject. Skipped with a message where fiu-run is missing.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VectorStore } from '../../src/index.js';
import { ensureBuilt } from '../cli/helpers.js';
import { tempDir } from './helpers.js';

const hasFiu = spawnSync('sh', ['-c', 'command -v fiu-run && command -v fiu-ctrl'], { encoding: 'utf8' }).status === 0;
if (!hasFiu) console.warn('fsync-failure.fiu.test.ts skipped: fiu-run/fiu-ctrl not found (npm run setup:test installs Debian\'s fiu-utils)');

const tmp = tempDir('abi-fiu-');
afterAll(() => tmp.cleanup());
const root = join(import.meta.dirname, '..', '..');

const CHILD = `
import { VectorStore } from ${JSON.stringify(pathToFileURL(join(root, 'dist', 'index.js')).href)};
import { createInterface } from 'node:readline';
const [dir, durability] = process.argv.slice(2);
const say = (s) => process.stdout.write(s + '\\n');
const code = (e) => (e && e.code) || String(e);
const store = await VectorStore.open({ path: dir, dimension: 4, durability, syncIntervalMs: 20 });
await store.upsert([{ id: 'before', vector: [1, 2, 3, 4] }]);
await store.flush();
say('ready ' + process.pid);
const rl = createInterface({ input: process.stdin });
rl.once('line', async () => {
  if (durability === 'fsync') {
    for (let i = 0; i < 20; i++) {
      try { await store.upsert([{ id: 'r' + i, vector: [i, 1, 1, 1] }]); say('ack r' + i); } catch (e) { say('err ' + code(e)); }
    }
  } else {
    // Acknowledged on write, until the periodic fdatasync fails (the sync timer may fire between them).
    for (let i = 0; i < 5; i++) {
      try { await store.upsert([{ id: 'w' + i, vector: [i, 1, 1, 1] }]); say('ack w' + i); } catch (e) { say('err ' + code(e)); }
    }
    await new Promise((r) => setTimeout(r, 200)); // the periodic fdatasync runs, and fails
    say('health ' + store.stats().health);
    try { await store.flush(); say('flush ok'); } catch (e) { say('flush ' + code(e)); }
    try { await store.upsert([{ id: 'late', vector: [9, 9, 9, 9] }]); say('ack late'); } catch (e) { say('err ' + code(e)); }
  }
  try { await store.close(); say('close ok'); } catch (e) { say('close ' + code(e)); }
  say('done');
});
`;

/** Runs the child under fiu-run, enables the sync faults once it is open, returns its output lines. */
function runUnderFiu(dir: string, durability: string): Promise<string[]> {
  const script = join(tmp.dir, 'child.mjs');
  writeFileSync(script, CHILD);
  const ctl = join(tmp.dir, `fiu-${durability}`);
  return new Promise((resolve, reject) => {
    const child = spawn('fiu-run', ['-x', '-f', ctl, process.execPath, script, dir, durability], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '', err = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith('ready ')) {
          const pid = line.slice(6);
          const ctrl = spawnSync('fiu-ctrl', ['-f', ctl, '-c', 'enable name=posix/io/sync/*', pid], { encoding: 'utf8' });
          if (ctrl.status !== 0) reject(new Error(`fiu-ctrl failed: ${ctrl.stderr}`));
          child.stdin.end('go\n');
        }
      }
    });
    child.on('exit', (codeNum) => {
      clearTimeout(guard);
      if (codeNum !== 0) reject(new Error(`child exited ${codeNum}: ${err}\n${lines.join('\n')}`));
      else resolve(lines);
    });
  });
}

describe.skipIf(!hasFiu)('a real fsync failure (libfiu preload on the built package)', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it("durability 'fsync': nothing is acknowledged once fsync fails; reopening keeps what was", async () => {
    const dir = join(tmp.dir, 'fsync');
    const out = await runUnderFiu(dir, 'fsync');
    expect(out.filter((l) => l.startsWith('ack'))).toEqual([]);
    expect(out.filter((l) => l.startsWith('err'))).toEqual(Array(20).fill('err DURABILITY_LOST'));
    expect(out).toContain('close DURABILITY_LOST');
    const store = await VectorStore.open({ path: dir, dimension: 4 });
    expect(await store.get('before')).toBeDefined();
    await store.close();
    console.log(`fiu (fsync): 20 writes after the fault, 0 acknowledged, 20 rejected DURABILITY_LOST`);
  }, 120_000);

  it("durability 'write': the failed periodic fdatasync makes flush() and the next write reject", async () => {
    const dir = join(tmp.dir, 'write');
    const out = await runUnderFiu(dir, 'write');
    expect(out).toContain('health failed');
    expect(out).toContain('flush DURABILITY_LOST');
    expect(out).toContain('err DURABILITY_LOST');
    expect(out).toContain('close DURABILITY_LOST');
    const store = await VectorStore.open({ path: dir, dimension: 4 });
    expect(await store.get('before')).toBeDefined();
    await store.close();
  }, 120_000);
});
