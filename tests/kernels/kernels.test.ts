import { describe, expect, it } from 'vitest';
import {
  KernelArena, MAX_I8_DOT_DIM, maxI16QueryMagnitude, wasmSimdSupported, type KernelBackend,
} from '../../src/kernels/index.js';
import { gaussian, int8s, refDot, refL2, rng, tolerance } from './helpers.js';

const DIMS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 384, 385, 768, 1023, 4099];
const COUNTS = [0, 1, 2, 3, 4, 5, 7, 9, 16];
const BACKENDS: KernelBackend[] = ['wasm', 'js'];

function expectClose(got: number, [want, abs]: [number, number], what: string): void {
  if (!(Math.abs(got - want) <= tolerance(abs))) {
    throw new Error(`${what}: got ${got}, want ${want} (tolerance ${tolerance(abs)})`);
  }
}

describe.each(BACKENDS)('distance kernels, backend %s', (backend) => {
  const skip = backend === 'wasm' && !wasmSimdSupported();

  it.skipIf(skip)('reports which implementation runs each operation', () => {
    const { impl } = new KernelArena({ backend }).kernels;
    for (const [op, which] of Object.entries(impl)) {
      if (backend === 'js') expect(which, op).toBe('js');
      else expect(which, op).toBe(op.startsWith('pq') ? 'wasm' : 'wasm-simd');
    }
  });

  it.skipIf(skip)('float32 dot and squared L2 match a float64 reference at every tested dimension', () => {
    const arena = new KernelArena({ backend });
    const k = arena.kernels;
    const r = rng(1);
    for (const dim of DIMS) {
      const a = gaussian(r, dim);
      const b = gaussian(r, dim);
      // +4: the second vector deliberately starts 4 bytes past a 16-byte boundary (unaligned SIMD loads).
      const pa = arena.alloc(dim * 4);
      const pb = arena.alloc(dim * 4 + 4) + 4;
      arena.writeF32(pa, a);
      arena.writeF32(pb, b);
      expectClose(k.dotF32(pa, pb, dim), refDot(a, b), `dot D=${dim}`);
      expectClose(k.l2sqF32(pa, pb, dim), refL2(a, b), `l2sq D=${dim}`);
      expect(k.l2sqF32(pa, pa, dim)).toBe(0);
    }
  });

  it.skipIf(skip)('reads every element position exactly once (one-hot vectors)', () => {
    const arena = new KernelArena({ backend });
    const k = arena.kernels;
    for (let dim = 1; dim <= 40; dim++) {
      const a = Float32Array.from({ length: dim }, (_, i) => i + 1);
      const count = 5;
      const pa = arena.alloc(dim * 4);
      const rows = arena.alloc(count * dim * 4);
      const out = arena.alloc(count * 4);
      arena.writeF32(pa, a);
      const ai8 = arena.alloc(dim);
      const ai16 = arena.alloc(dim * 2);
      const rowsI8 = arena.alloc(count * dim);
      arena.writeI8(ai8, Array.from(a, (x) => x));
      arena.writeI16(ai16, Array.from(a, (x) => x));
      for (let p = 0; p < dim; p++) {
        // Row j is one-hot at position (p + j) % dim, so each of the four lanes of a quad pass sees a different one.
        const expected: number[] = [];
        for (let j = 0; j < count; j++) {
          const hot = (p + j) % dim;
          const row = new Float32Array(dim);
          row[hot] = 2;
          arena.writeF32(rows + j * dim * 4, row);
          arena.writeI8(rowsI8 + j * dim, Array.from(row));
          expected.push(2 * (hot + 1));
        }
        for (let j = 0; j < count; j++) {
          expect(k.dotF32(pa, rows + j * dim * 4, dim), `dot D=${dim} p=${p}`).toBe(expected[j]);
          expect(k.dotI8(ai8, rowsI8 + j * dim, dim), `i8 dot D=${dim} p=${p}`).toBe(expected[j]);
          expect(k.dotF32I8(pa, rowsI8 + j * dim, dim), `f32i8 dot D=${dim} p=${p}`).toBe(expected[j]);
          expect(k.dotI16I8(ai16, rowsI8 + j * dim, dim), `i16i8 dot D=${dim} p=${p}`).toBe(expected[j]);
        }
        k.dotF32Block(pa, rows, dim * 4, count, dim, out);
        expect(Array.from(arena.readF32(out, count)), `block D=${dim} p=${p}`).toEqual(expected);
        k.dotI8Block(ai8, rowsI8, dim, count, dim, out);
        expect(Array.from(arena.readI32(out, count)), `i8 block D=${dim} p=${p}`).toEqual(expected);
        k.dotF32I8Block(pa, rowsI8, dim, count, dim, out);
        expect(Array.from(arena.readF32(out, count)), `f32i8 block D=${dim} p=${p}`).toEqual(expected);
        k.dotI16I8Block(ai16, rowsI8, dim, count, dim, out);
        expect(Array.from(arena.readI32(out, count)), `i16i8 block D=${dim} p=${p}`).toEqual(expected);
        const l2 = expected.map((x, j) => {
          const hot = (p + j) % dim;
          let s = 0;
          for (let i = 0; i < dim; i++) s += (a[i] - (i === hot ? 2 : 0)) ** 2;
          return s;
        });
        k.l2sqF32Block(pa, rows, dim * 4, count, dim, out);
        expect(Array.from(arena.readF32(out, count)), `l2 block D=${dim} p=${p}`).toEqual(l2);
        for (let j = 0; j < count; j++) expect(k.l2sqF32(pa, rows + j * dim * 4, dim), `l2 D=${dim} p=${p}`).toBe(l2[j]);
      }
    }
  });

  it.skipIf(skip)('block and gather forms agree with the single form, for any count, stride padding and id order', () => {
    const arena = new KernelArena({ backend });
    const k = arena.kernels;
    const r = rng(2);
    for (const dim of [1, 3, 4, 17, 33, 384, 771]) {
      const n = 11;
      const strideF = Math.ceil((dim * 4) / 16) * 16 + 16; // padded rows: padding holds NaN and must never be read
      const strideI = dim + 5;
      const rowsF = arena.alloc(n * strideF);
      const rowsI = arena.alloc(n * strideI);
      arena.views.f32.fill(NaN, rowsF >>> 2, (rowsF + n * strideF) >>> 2);
      const data = gaussian(r, n * dim);
      const codes = int8s(r, n * dim);
      for (let i = 0; i < n; i++) {
        arena.writeF32(rowsF + i * strideF, data.subarray(i * dim, (i + 1) * dim));
        arena.writeI8(rowsI + i * strideI, codes.subarray(i * dim, (i + 1) * dim));
      }
      const q = arena.alloc(dim * 4);
      arena.writeF32(q, gaussian(r, dim));
      const qi = arena.alloc(dim);
      arena.writeI8(qi, int8s(r, dim));
      const qw = arena.alloc(dim * 2);
      const qwv = Int16Array.from({ length: dim }, () => Math.round((r() * 2 - 1) * maxI16QueryMagnitude(dim)));
      arena.writeI16(qw, qwv);
      const idsList = [3, 10, 0, 3, 7, 1, 1, 9, 2, 5, 8, 6, 4, 10, 0, 2];
      const out = arena.alloc(idsList.length * 4);
      const ids = arena.alloc(idsList.length * 4);
      arena.writeU32(ids, idsList);
      const qv = arena.readF32(q, dim);
      const qiv = arena.views.i8.slice(qi, qi + dim);

      for (const count of COUNTS) {
        const blockIdx = Array.from({ length: Math.min(count, n) }, (_, i) => i);
        const gatherIdx = idsList.slice(0, count);
        for (const [form, idx] of [['block', blockIdx], ['gather', gatherIdx]] as const) {
          const c = idx.length;
          const run = (fn: 'dotF32' | 'l2sqF32' | 'dotF32I8' | 'dotI8' | 'dotI16I8', base: number, stride: number, query: number) => {
            const name = `${fn}${form === 'block' ? 'Block' : 'Gather'}` as const;
            if (form === 'block') k[name as 'dotF32Block'](query, base, stride, c, dim, out);
            else k[name as 'dotF32Gather'](query, base, stride, ids, c, dim, out);
            return fn === 'dotI8' || fn === 'dotI16I8' ? Array.from(arena.readI32(out, c)) : Array.from(arena.readF32(out, c));
          };
          const dots = run('dotF32', rowsF, strideF, q);
          const l2s = run('l2sqF32', rowsF, strideF, q);
          const asym = run('dotF32I8', rowsI, strideI, q);
          const i8 = run('dotI8', rowsI, strideI, qi);
          const i16 = run('dotI16I8', rowsI, strideI, qw);
          idx.forEach((row, i) => {
            const at = `${form} D=${dim} count=${c} i=${i}`;
            expectClose(dots[i], refDot(qv, data, 0, row * dim, dim), `dot ${at}`);
            expectClose(l2s[i], refL2(qv, data, 0, row * dim, dim), `l2 ${at}`);
            expectClose(asym[i], refDot(qv, codes, 0, row * dim, dim), `f32i8 ${at}`);
            expect(i8[i], `i8 ${at}`).toBe(refDot(qiv, codes, 0, row * dim, dim)[0]);
            // Against the single forms on the same bytes.
            expectClose(dots[i], refDot([k.dotF32(q, rowsF + row * strideF, dim)], [1]), `dot vs single ${at}`);
            expect(i8[i]).toBe(k.dotI8(qi, rowsI + row * strideI, dim));
            expect(i16[i], `i16i8 ${at}`).toBe(refDot(qwv, codes, 0, row * dim, dim)[0]);
            expect(i16[i]).toBe(k.dotI16I8(qw, rowsI + row * strideI, dim));
            expect(Math.abs(asym[i] - k.dotF32I8(q, rowsI + row * strideI, dim))).toBeLessThanOrEqual(
              tolerance(refDot(qv, codes, 0, row * dim, dim)[1]),
            );
          });
        }
      }
    }
  });

  it.skipIf(skip)('int8 dot products are exact at the extremes, up to the largest supported dimension', () => {
    const arena = new KernelArena({ backend });
    const k = arena.kernels;
    const cases: [number, number][] = [[-128, -128], [-128, 127], [127, 127], [127, -128], [-1, 1]];
    for (const dim of [1, 7, 8, 15, 16, 33, 4099, MAX_I8_DOT_DIM]) {
      const a = arena.alloc(dim * 5);
      const b = arena.alloc(dim * 5);
      const out = arena.alloc(5 * 4);
      for (const [x, y] of cases) {
        arena.views.i8.fill(x, a, a + dim);
        arena.views.i8.fill(y, b, b + dim);
        expect(k.dotI8(a, b, dim), `D=${dim} ${x}x${y}`).toBe(x * y * dim);
      }
      // Five rows: block form through the four-candidate pass and the remainder.
      for (let j = 0; j < 5; j++) arena.views.i8.fill(cases[j][1], b + j * dim, b + (j + 1) * dim);
      arena.views.i8.fill(-128, a, a + dim);
      k.dotI8Block(a, b, dim, 5, dim, out);
      expect(Array.from(arena.readI32(out, 5))).toEqual(cases.map(([, y]) => -128 * y * dim));
      // Float query x int8 codes at the extremes: exact here because every partial sum is an integer < 2^24.
      if (dim <= 4099) {
        const q = arena.alloc(dim * 4);
        arena.views.f32.fill(-1, q >>> 2, (q >>> 2) + dim);
        k.dotF32I8Block(q, b, dim, 5, dim, out);
        expect(Array.from(arena.readF32(out, 5))).toEqual(cases.map(([, y]) => -y * dim));
      }
      arena.free(a);
      arena.free(b);
    }
    for (const dim of [1, 7, 8, 9, 15, 16, 33, 511, 512, 513, 768, 4096]) {
      const mag = maxI16QueryMagnitude(dim);
      const q = arena.alloc(dim * 2);
      const b = arena.alloc(dim * 5);
      const out = arena.alloc(5 * 4);
      for (const [sign, code] of [[-1, -128], [1, 127], [-1, 127], [1, -128]]) {
        arena.views.i16.fill(sign * mag, q >>> 1, (q >>> 1) + dim);
        arena.views.i8.fill(code, b, b + dim);
        expect(k.dotI16I8(q, b, dim), `i16i8 D=${dim} ${sign * mag}x${code}`).toBe(sign * mag * code * dim);
      }
      arena.views.i16.fill(-mag, q >>> 1, (q >>> 1) + dim);
      for (let j = 0; j < 5; j++) arena.views.i8.fill(cases[j][1], b + j * dim, b + (j + 1) * dim);
      k.dotI16I8Block(q, b, dim, 5, dim, out);
      expect(Array.from(arena.readI32(out, 5))).toEqual(cases.map(([, y]) => -mag * y * dim));
      expect(128 * mag * dim).toBeLessThan(2 ** 31);
      if (mag < 32_767) expect(128 * (mag + 1) * dim).toBeGreaterThanOrEqual(2 ** 31);
    }
    expect(MAX_I8_DOT_DIM * 128 * 128).toBeLessThan(2 ** 31);
    expect((MAX_I8_DOT_DIM + 1) * 128 * 128).toBeGreaterThanOrEqual(2 ** 31);
  });

  it.skipIf(skip)('PQ lookup-sum matches a float64 reference, including codes 0 and 255', () => {
    const arena = new KernelArena({ backend });
    const k = arena.kernels;
    const r = rng(3);
    for (const m of [1, 2, 3, 4, 5, 8, 48, 97]) {
      const n = 9;
      const table = Float32Array.from({ length: m * 256 }, () => r() * 4 - 1);
      const codes = Uint8Array.from({ length: n * m }, (_, i) => (i % 7 === 0 ? 255 : i % 5 === 0 ? 0 : Math.floor(r() * 256)));
      const pt = arena.alloc(table.byteLength);
      const pc = arena.alloc(codes.length + 3) + 3; // odd offset: codes are bytes
      const out = arena.alloc(n * 4);
      const idsList = [8, 0, 4, 4, 2, 7, 1];
      const ids = arena.alloc(idsList.length * 4);
      arena.writeF32(pt, table);
      arena.views.u8.set(codes, pc);
      arena.writeU32(ids, idsList);
      const ref = (row: number): [number, number] => {
        let s = 0;
        let abs = 0;
        for (let j = 0; j < m; j++) {
          const v = table[j * 256 + codes[row * m + j]];
          s += v;
          abs += Math.abs(v);
        }
        return [s, abs];
      };
      for (let i = 0; i < n; i++) expectClose(k.pqAdc(pt, pc + i * m, m), ref(i), `pq m=${m} i=${i}`);
      k.pqAdcBlock(pt, pc, m, n, out);
      arena.readF32(out, n).forEach((v, i) => expectClose(v, ref(i), `pq block m=${m} i=${i}`));
      k.pqAdcGather(pt, pc, m, ids, idsList.length, out);
      arena.readF32(out, idsList.length).forEach((v, i) => expectClose(v, ref(idsList[i]), `pq gather m=${m} i=${i}`));
    }
  });
});

describe('JS fallback against WebAssembly', () => {
  it.skipIf(!wasmSimdSupported())('both give the same results on the same data', () => {
    const r = rng(4);
    const dim = 389;
    const n = 13;
    const data = gaussian(r, n * dim);
    const codes = int8s(r, n * dim);
    const results = (['wasm', 'js'] as const).map((backend) => {
      const arena = new KernelArena({ backend });
      const rows = arena.alloc(data.byteLength);
      const rowsI = arena.alloc(codes.length);
      const out = arena.alloc(n * 4);
      arena.writeF32(rows, data);
      arena.writeI8(rowsI, codes);
      const k = arena.kernels;
      k.dotF32Block(rows, rows, dim * 4, n, dim, out);
      const dots = arena.readF32(out, n);
      k.l2sqF32Block(rows, rows, dim * 4, n, dim, out);
      const l2 = arena.readF32(out, n);
      k.dotI8Block(rowsI, rowsI, dim, n, dim, out);
      const i8 = arena.readI32(out, n);
      return { dots, l2, i8 };
    });
    const [w, j] = results;
    expect(Array.from(w.i8)).toEqual(Array.from(j.i8));
    for (let i = 0; i < n; i++) {
      expect(Math.abs(w.dots[i] - j.dots[i])).toBeLessThanOrEqual(1e-5 * Math.abs(j.dots[i]) + 1e-6);
      expect(Math.abs(w.l2[i] - j.l2[i])).toBeLessThanOrEqual(1e-5 * Math.abs(j.l2[i]) + 1e-6);
    }
    expect(w.l2[0]).toBe(0);
  });
});
