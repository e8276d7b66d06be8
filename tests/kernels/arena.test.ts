import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CapacityError, UnsupportedError, ValidationError } from '../../src/core/errors.js';
import { ARENA_ALIGN, KernelArena, WASM32_MAX_BYTES, WASM_PAGE_BYTES, wasmSimdSupported } from '../../src/kernels/index.js';
import { gaussian, refDot, rng, tolerance } from './helpers.js';

describe('KernelArena allocator', () => {
  it('hands out distinct, non-overlapping, 16-byte aligned, zeroed blocks (never offset 0)', () => {
    const arena = new KernelArena({ backend: 'js' });
    const blocks: [number, number][] = [];
    for (const size of [0, 1, 15, 16, 17, 100, 4096, 33]) {
      const off = arena.alloc(size);
      expect(off).toBeGreaterThan(0);
      expect(off % ARENA_ALIGN).toBe(0);
      expect(arena.sizeOf(off)).toBe(Math.max(16, Math.ceil(size / 16) * 16));
      expect(arena.views.u8.subarray(off, off + arena.sizeOf(off)).every((b) => b === 0)).toBe(true);
      arena.views.u8.fill(0xab, off, off + arena.sizeOf(off));
      blocks.push([off, arena.sizeOf(off)]);
    }
    blocks.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i][0]).toBeGreaterThanOrEqual(blocks[i - 1][0] + blocks[i - 1][1]);
    // A recycled block comes back zeroed too.
    const [off, size] = blocks[3];
    arena.free(off);
    const again = arena.alloc(size);
    expect(again).toBe(off);
    expect(arena.views.u8.subarray(again, again + size).every((b) => b === 0)).toBe(true);
  });

  it('reuses freed space first-fit, coalesces neighbours and returns the top', () => {
    const arena = new KernelArena({ backend: 'js' });
    const a = arena.alloc(64);
    const b = arena.alloc(64);
    const c = arena.alloc(64);
    const d = arena.alloc(64);
    arena.free(b);
    arena.free(c); // coalesces with b: one 128-byte hole
    expect(arena.stats()).toMatchObject({ blocks: 2, usedBytes: 128, freeBytes: 128 });
    const e = arena.alloc(128);
    expect(e).toBe(b);
    arena.free(e);
    arena.free(d); // d was the top: the top drops past the b..c hole too
    expect(arena.stats()).toMatchObject({ blocks: 1, usedBytes: 64, freeBytes: 0 });
    expect(arena.alloc(16)).toBe(a + 64);
  });

  it('realloc grows in place at the top or into a free neighbour, else moves and keeps the contents', () => {
    const arena = new KernelArena({ backend: 'js' });
    const a = arena.alloc(32);
    arena.writeF32(a, [1, 2, 3, 4, 5, 6, 7, 8]);
    const grown = arena.realloc(a, 96);
    expect(grown).toBe(a); // a is the top block
    expect(Array.from(arena.readF32(a, 10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0, 0]);
    const b = arena.alloc(32);
    const moved = arena.realloc(a, 4096); // b blocks in-place growth
    expect(moved).not.toBe(a);
    expect(Array.from(arena.readF32(moved, 9))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0]);
    expect(() => arena.sizeOf(a)).toThrow(ValidationError);
    // Growing into a free right-hand neighbour stays in place; shrinking stays in place and frees the tail.
    expect(arena.sizeOf(b)).toBe(32);
  });

  it('realloc grows into a free right-hand neighbour and shrinks in place', () => {
    const arena = new KernelArena({ backend: 'js' });
    const c = arena.alloc(64);
    const x = arena.alloc(64);
    const guard = arena.alloc(16);
    arena.writeF32(c, [9]);
    arena.free(x);
    expect(arena.realloc(c, 100)).toBe(c);
    expect(arena.sizeOf(c)).toBe(112);
    expect(arena.readF32(c, 1)[0]).toBe(9);
    expect(arena.realloc(c, 16)).toBe(c);
    expect(arena.alloc(112)).toBe(c + 16); // the freed tail (96) + the rest of x's hole (16) coalesced
    expect(arena.sizeOf(guard)).toBe(16);
  });

  it.each(['wasm', 'js'] as const)('growth keeps data, replaces the views and kernels keep working (%s)', (backend) => {
    if (backend === 'wasm' && !wasmSimdSupported()) return;
    const arena = new KernelArena({ backend, initialBytes: WASM_PAGE_BYTES });
    expect(arena.byteLength).toBe(WASM_PAGE_BYTES);
    const dim = 384;
    const r = rng(9);
    const q = gaussian(r, dim);
    const v = gaussian(r, dim);
    const pq = arena.alloc(dim * 4);
    const pv = arena.alloc(dim * 4);
    arena.writeF32(pq, q);
    arena.writeF32(pv, v);
    const before = arena.kernels.dotF32(pq, pv, dim);
    const oldF32 = arena.views.f32;
    const generation = arena.generation;

    const big = arena.alloc(3 * WASM_PAGE_BYTES); // forces growth
    expect(arena.generation).toBeGreaterThan(generation);
    expect(arena.byteLength).toBeGreaterThanOrEqual(big + 3 * WASM_PAGE_BYTES);
    expect(oldF32.length).toBe(0); // the old buffer was detached
    expect(arena.views.f32.length).toBe(arena.byteLength / 4);
    expect(Array.from(arena.readF32(pq, dim))).toEqual(Array.from(q));
    expect(arena.kernels.dotF32(pq, pv, dim)).toBe(before);

    // Data written after growth, past the old end, is visible to the kernels.
    const far = big + 2 * WASM_PAGE_BYTES;
    arena.writeF32(far, v);
    expect(arena.kernels.dotF32(pq, far, dim)).toBe(before);
    expect(Math.abs(before - refDot(q, v)[0])).toBeLessThanOrEqual(tolerance(refDot(q, v)[1]));

    // Moving a block by realloc keeps its bytes; the kernels read it at the new offset.
    const moved = arena.realloc(pv, 8 * WASM_PAGE_BYTES);
    expect(arena.kernels.dotF32(pq, moved, dim)).toBe(before);
  });

  it.each(['wasm', 'js'] as const)('works across the full 4 GiB: offsets past 2^31, rows ending exactly at the top (%s)', (backend) => {
    if (backend === 'wasm' && !wasmSimdSupported()) return;
    // Untouched wasm pages are never committed, so this costs ~1 MB of RSS, not 4 GiB.
    const arena = new KernelArena({ backend, initialBytes: WASM_PAGE_BYTES });
    const filler = arena.alloc(WASM32_MAX_BYTES - (1 << 20));
    const tail = arena.alloc((1 << 20) - 64);
    expect(arena.byteLength).toBe(WASM32_MAX_BYTES);
    expect(() => arena.alloc(WASM_PAGE_BYTES)).toThrow(CapacityError);
    const dim = 387; // not a multiple of 4 or 16: the scalar tails read the last bytes of memory
    const rows = WASM32_MAX_BYTES - 3 * dim * 4; // three rows, the last ending at 2^32
    const q = tail;
    const qv = Array.from({ length: dim }, (_, i) => (i % 3) - 1);
    arena.writeF32(q, qv);
    for (let j = 0; j < 3; j++) arena.writeF32(rows + j * dim * 4, Array.from({ length: dim }, () => j + 1));
    const sumQ = qv.reduce((s, x) => s + x, 0);
    const k = arena.kernels;
    expect(k.dotF32(q, rows + 2 * dim * 4, dim)).toBe(3 * sumQ);
    const out = rows - 64; // 16 bytes of results, below the rows
    k.dotF32Block(q, rows, dim * 4, 3, dim, out);
    expect(Array.from(arena.readF32(out, 3))).toEqual([sumQ, 2 * sumQ, 3 * sumQ]);
    const ids = out - 32;
    arena.writeU32(ids, [2, 0, 2, 1, 2]);
    k.dotF32Gather(q, rows, dim * 4, ids, 5, dim, out - 256);
    expect(Array.from(arena.readF32(out - 256, 5))).toEqual([3, 1, 3, 2, 3].map((x) => x * sumQ));
    const codes = WASM32_MAX_BYTES - 5 * dim; // int8 rows ending at 2^32
    arena.views.i8.fill(-128, codes, WASM32_MAX_BYTES);
    k.dotI8Block(codes, codes, dim, 5, dim, out);
    expect(Array.from(arena.readI32(out, 5))).toEqual(new Array(5).fill(128 * 128 * dim));
    expect(filler).toBe(16);
  });

  it('rejects malformed input with typed errors', () => {
    const arena = new KernelArena({ backend: 'js', maxBytes: 4 * WASM_PAGE_BYTES });
    expect(() => arena.alloc(-1)).toThrow(ValidationError);
    expect(() => arena.alloc(1.5)).toThrow(ValidationError);
    expect(() => arena.alloc(Number.NaN)).toThrow(ValidationError);
    expect(() => arena.free(12345)).toThrow(ValidationError);
    const a = arena.alloc(16);
    arena.free(a);
    expect(() => arena.free(a)).toThrow(ValidationError); // double free
    expect(() => arena.realloc(a, 32)).toThrow(ValidationError);
    expect(() => arena.writeF32(2, [1])).toThrow(ValidationError); // misaligned
    expect(() => arena.writeF32(arena.byteLength - 4, [1, 2])).toThrow(ValidationError); // past the end
    expect(() => arena.readF32(-4, 1)).toThrow(ValidationError);
    expect(() => new KernelArena({ backend: 'gpu' as never })).toThrow(ValidationError);
    expect(() => new KernelArena({ maxBytes: 10 })).toThrow(ValidationError);
    expect(() => new KernelArena({ maxBytes: WASM32_MAX_BYTES + WASM_PAGE_BYTES })).toThrow(ValidationError);
    expect(() => new KernelArena({ initialBytes: -1 })).toThrow(ValidationError);
  });

  it('refuses to grow past its maximum with CapacityError and stays usable', () => {
    const arena = new KernelArena({ backend: 'js', initialBytes: WASM_PAGE_BYTES, maxBytes: 4 * WASM_PAGE_BYTES });
    const a = arena.alloc(2 * WASM_PAGE_BYTES);
    arena.writeF32(a, [42]);
    const err = (() => {
      try {
        arena.alloc(3 * WASM_PAGE_BYTES);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as CapacityError).code).toBe('CAPACITY_EXCEEDED');
    expect((err as CapacityError).limitBytes).toBe(4 * WASM_PAGE_BYTES);
    expect(arena.readF32(a, 1)[0]).toBe(42);
    expect(arena.alloc(WASM_PAGE_BYTES)).toBeGreaterThan(a); // still fits: the arena is intact
    // Larger than any wasm32 memory: refused up front, nothing allocated.
    expect(() => new KernelArena({ backend: 'js' }).alloc(WASM32_MAX_BYTES)).toThrow(CapacityError);
  });

  it('forcing the WebAssembly backend where SIMD is missing is an UnsupportedError, never a crash', () => {
    if (wasmSimdSupported()) {
      expect(new KernelArena({ backend: 'wasm' }).kernels.impl.dotF32).toBe('wasm-simd');
    } else {
      expect(() => new KernelArena({ backend: 'wasm' })).toThrow(UnsupportedError);
      expect(new KernelArena().kernels.impl.dotF32).toBe('js');
    }
  });
});

describe('KernelArena allocator under random workloads', () => {
  it('keeps live blocks disjoint, aligned and intact through any alloc / free / realloc sequence', () => {
    type Op = { kind: 'alloc'; size: number } | { kind: 'free'; pick: number } | { kind: 'realloc'; pick: number; size: number };
    const size = fc.integer({ min: 0, max: 70_000 }); // up to ~1 page: growth happens within a run
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('alloc' as const), size }),
      fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('realloc' as const), pick: fc.nat(), size }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const arena = new KernelArena({ backend: 'js', initialBytes: WASM_PAGE_BYTES });
        const live = new Map<number, { tag: number; bytes: number }>(); // offset -> fill byte, requested size
        let tag = 1;
        const fill = (off: number, bytes: number, t: number) => arena.views.u8.fill(t, off, off + bytes);
        for (const o of ops) {
          const offsets = [...live.keys()];
          if (o.kind === 'alloc') {
            const off = arena.alloc(o.size);
            live.set(off, { tag, bytes: o.size });
            fill(off, o.size, tag);
            tag = (tag % 255) + 1;
          } else if (offsets.length > 0) {
            const off = offsets[o.pick % offsets.length];
            const block = live.get(off)!;
            const oldBlockSize = arena.sizeOf(off);
            live.delete(off);
            if (o.kind === 'free') arena.free(off);
            else {
              const moved = arena.realloc(off, o.size);
              const kept = Math.min(block.bytes, o.size);
              const u8 = arena.views.u8;
              for (let i = 0; i < kept; i++) if (u8[moved + i] !== block.tag) return false;
              // Past the old block (its size rounded to 16), new bytes are zero.
              for (let i = Math.max(kept, oldBlockSize); i < o.size; i++) if (u8[moved + i] !== 0) return false;
              fill(moved, o.size, block.tag);
              live.set(moved, { tag: block.tag, bytes: o.size });
            }
          }
          // Invariants after every step.
          const sorted = [...live.entries()].sort((a, b) => a[0] - b[0]);
          let end = 16;
          for (const [off, { tag: t, bytes }] of sorted) {
            if (off % 16 !== 0 || off < end) return false;
            if (arena.sizeOf(off) < bytes) return false;
            const u8 = arena.views.u8;
            for (let i = 0; i < bytes; i++) if (u8[off + i] !== t) return false;
            end = off + arena.sizeOf(off);
          }
          const stats = arena.stats();
          if (stats.blocks !== live.size || end > arena.byteLength) return false;
        }
        for (const off of [...live.keys()]) arena.free(off);
        const empty = arena.stats();
        return empty.usedBytes === 0 && empty.freeBytes === 0;
      }),
      { numRuns: 150, seed: 20261123 },
    );
  });
});
