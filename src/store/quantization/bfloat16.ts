/**
 * bfloat16: the top 16 bits of a float32 (same exponent range, 8 significant bits). The RaBitQ lists keep their
 * per-vector factors in it, halving them against float32 without float16's range limits (a residual norm of 1e5
 * still fits). Rounding to nearest errs by at most {@link BF16_REL} of the value; rounding up never lowers it, which
 * is what an error bound stored this way needs.
 *
 * @internal
 * @module
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Largest finite bfloat16 pattern (about 3.39e38). */
const MAX_FINITE = 0x7f7f;

/** Relative error of {@link toBf16} for finite normal values: half a unit in the last of 8 significant bits. */
export const BF16_REL = 2 ** -8;

/**
 * Rounds a finite float to the nearest bfloat16 (ties to even); values past the largest finite one saturate.
 *
 * @param x - a finite number
 * @returns the 16-bit pattern
 * @internal
 */
export function toBf16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const h = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
  return (h & 0x7fff) > MAX_FINITE ? (h & 0x8000) | MAX_FINITE : h;
}

/**
 * Rounds a non-negative finite float up to a bfloat16 no smaller than it.
 *
 * @param x - a non-negative finite number
 * @returns the 16-bit pattern
 * @internal
 */
export function toBf16Up(x: number): number {
  f32[0] = x;
  if (f32[0] < x) f32[0] = nextUp(f32[0]);
  const b = u32[0];
  const h = (b >>> 16) + ((b & 0xffff) === 0 ? 0 : 1);
  return Math.min(h, MAX_FINITE);
}

function nextUp(v: number): number {
  f32[0] = v;
  u32[0] = v === 0 ? 1 : u32[0] + 1;
  return f32[0];
}

let table: Float32Array | undefined;

/**
 * The float value of every bfloat16 pattern (256 KiB, built on first use): a lookup is cheaper in the scan loop
 * than a shift through a typed-array view.
 *
 * @returns the table, indexed by pattern
 * @internal
 */
export function bf16Table(): Float32Array {
  if (table === undefined) {
    const t = new Float32Array(65536);
    const bits = new Uint32Array(t.buffer);
    for (let i = 0; i < 65536; i++) bits[i] = i << 16;
    table = t;
  }
  return table;
}
