// `abi-sdk bench NAME ARGS` from this checkout: runs the `bench:NAME` npm script with ARGS passed through and forwards
// its output line by line (in-process io; the bin lets the child write to the terminal directly).
import { describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

describe('abi-sdk bench', () => {
  it('runs bench:kernels --quick and passes its table through', async () => {
    const r = await cli(['bench', 'kernels', '--quick']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const out = r.out.join('\n');
    expect(out).toMatch(/384/);
    expect(out).toMatch(/hnswlib|usearch/i);
  }, 600_000);
});
