// IEEE half precision ↔ float32, shared by the engine (float16 model outputs), the pgvector codec (halfvec) and
// the model generator (fp16 weights).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of a float, rounded to nearest even (overflow gives ±Infinity). @internal */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  e = h >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : h);
}

let halfTable: Float32Array | undefined;

/**
 * IEEE half-precision bits → float32 values (ORT returns float16 outputs as raw `Uint16Array` bits in Node 20).
 * The 65,536-entry lookup table is built on first use and never changes.
 *
 * @internal
 */
export function halfToFloat(bits: Uint16Array): Float32Array {
  if (!halfTable) {
    const table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const exp = (h >>> 10) & 0x1f;
      const mant = h & 0x3ff;
      if (exp === 0) table[h] = sign * mant * 2 ** -24;
      else if (exp === 31) table[h] = mant ? NaN : sign * Infinity;
      else table[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
    }
    halfTable = table;
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfTable[bits[i]];
  return out;
}
