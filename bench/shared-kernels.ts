/**
 * `npx tsx bench/shared-kernels.ts`: nanoseconds per distance of the gather kernels (float32 and int16 × int8, D = 384,
 * 4,096 candidates in random order) over a plain and over a shared WebAssembly memory, in the same run, to show that
 * moving the store's vectors into shared memory (for the search workers) costs no kernel speed. Prints one table
 * with the ratio shared / plain.
 */
import { KernelArena } from '../src/kernels/index.js';
import { seededRandom } from '../src/internal/random.js';

const D = 384, N = 4096, TRIALS = 9, CALLS = 200;

function measure(shared: boolean): { f32: number; i8: number } {
  const arena = new KernelArena({ initialBytes: N * D * 4 * 2 + (1 << 20), shared, backend: 'wasm' });
  const rand = seededRandom(7);
  const rows = arena.alloc(N * D * 4), codes = arena.alloc(N * D), q = arena.alloc(D * 4), q16 = arena.alloc(D * 2);
  const ids = arena.alloc(N * 4), out = arena.alloc(N * 4);
  const v = arena.views;
  for (let i = 0; i < N * D; i++) { v.f32[(rows >>> 2) + i] = rand() - 0.5; v.i8[codes + i] = Math.floor(rand() * 255) - 127; }
  for (let i = 0; i < D; i++) { v.f32[(q >>> 2) + i] = rand() - 0.5; v.i16[(q16 >>> 1) + i] = Math.floor(rand() * 2000) - 1000; }
  const order = Array.from({ length: N }, (_, i) => i).sort(() => rand() - 0.5);
  v.u32.set(order, ids >>> 2);
  const k = arena.kernels;
  const time = (fn: () => void): number => {
    let best = Infinity;
    for (let t = 0; t < TRIALS; t++) {
      const t0 = performance.now();
      for (let c = 0; c < CALLS; c++) fn();
      best = Math.min(best, ((performance.now() - t0) * 1e6) / (CALLS * N));
    }
    return best;
  };
  return {
    f32: time(() => k.dotF32Gather(q, rows, D * 4, ids, N, D, out)),
    i8: time(() => k.dotI16I8Gather(q16, codes, D, ids, N, D, out)),
  };
}

// Interleave to spread machine noise over both.
const plain = [measure(false)], shared = [measure(true)];
plain.push(measure(false));
shared.push(measure(true));
const best = (xs: { f32: number; i8: number }[], key: 'f32' | 'i8'): number => Math.min(...xs.map((x) => x[key]));
console.log(`Node ${process.version}, D=${D}, N=${N} gathered in random order, ns per distance (best of ${TRIALS * 2} trials)`);
console.log('| kernel | plain memory | shared memory | shared / plain |');
console.log('|---|---|---|---|');
for (const [name, key] of [['dotF32Gather', 'f32'], ['dotI16I8Gather', 'i8']] as const) {
  const p = best(plain, key), s = best(shared, key);
  console.log(`| ${name} | ${p.toFixed(1)} | ${s.toFixed(1)} | ${(s / p).toFixed(3)} |`);
}
