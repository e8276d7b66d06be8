/**
 * RaBitQ codes (Gao & Long, SIGMOD 2024) and their multi-bit extension (Gao et al., 2024): the arithmetic, apart
 * from any index. A residual `r = o − c` is rotated (`P·r`), normalised to `o' = P·r/‖r‖`, and snapped to the grid
 * vector `x̄ = (u − cb)/‖u − cb‖` nearest in angle, where `u` holds `bits`-bit integers and `cb = (2^bits − 1)/2`.
 * For any rotated vector `y = P·q` the estimator
 *
 *     <r, q>  ≈  ‖r‖ · <x̄, y> / <x̄, o'>
 *
 * is unbiased, and its error is close to normal with standard deviation `‖r‖ · ‖y‖ · √((1 − a²)/a²) / √(D − 1)`
 * where `a = <x̄, o'>` (the paper's Theorem 3.2): ε0 = 1.9 of them bound it about 94% of the time, 3 of them 99.7%.
 * Per vector three floats are kept: `scale = ‖r‖ / (a·‖u − cb‖)`, an additive term (‖r‖² + 2<r, c> for L2, <r, c>
 * for inner product) and `err = ‖r‖·√(1 − a²)/a/√(D − 1)`.
 *
 * The query is rotated and quantised once per search (the paper does it per cell, against `q − c`; once is cheaper
 * with short lists, and measured here it re-ranks no more), with randomised rounding so the product stays unbiased:
 * to signed 4-bit values for 1-bit codes (scanned with AND + popcount, as in the paper) and to int8 for 2- and 4-bit
 * codes.
 *
 * @internal
 * @module
 */

/** Bits per dimension a RaBitQ code may use. */
export type RabitqBits = 1 | 2 | 4;

/** The paper's confidence parameter of the error bound (Gao & Long use 1.9). */
export const DEFAULT_EPSILON = 1.9;

/**
 * Where dim `d` lives in a packed row: byte `(d / (128/bits)) * 16 + (d mod 16)`, bit offset `((d mod (128/bits)) >> 4)
 * * bits`, so a shift and a mask of one 16-byte chunk yield sixteen consecutive dims (see the `bitsDotI8Block`
 * kernel).
 *
 * @param u - one integer in `[0, 2^bits)` per dim (`padded` of them)
 * @param bits - 1, 2 or 4
 * @param out - destination
 * @param offset - byte offset in `out` (`padded * bits / 8` bytes are written)
 * @internal
 */
export function packCodes(u: ArrayLike<number>, bits: number, out: Uint8Array, offset: number): void {
  const per = 128 / bits;
  out.fill(0, offset, offset + (u.length * bits) / 8);
  for (let d = 0; d < u.length; d++) {
    const g = Math.floor(d / per), r = d - g * per;
    out[offset + g * 16 + (r & 15)] |= u[d] << ((r >> 4) * bits);
  }
}

/**
 * Inverse of {@link packCodes}.
 *
 * @param bytes - packed rows
 * @param offset - byte offset of the row
 * @param bits - 1, 2 or 4
 * @param padded - number of dims
 * @returns the integers
 * @internal
 */
export function unpackCodes(bytes: Uint8Array, offset: number, bits: number, padded: number): Uint8Array {
  const per = 128 / bits;
  const mask = (1 << bits) - 1;
  const u = new Uint8Array(padded);
  for (let d = 0; d < padded; d++) {
    const g = Math.floor(d / per), r = d - g * per;
    u[d] = (bytes[offset + g * 16 + (r & 15)] >> ((r >> 4) * bits)) & mask;
  }
  return u;
}

/** What {@link quantizeUnit} found. @internal */
export interface GridCode {
  /** `<x̄, o'>`: cosine between the unit vector and its code (in (0, 1]). */
  ip: number;
  /** `‖u − cb‖`. */
  norm: number;
}

/**
 * The `bits`-bit grid code of a unit vector with the largest cosine to it. One bit: the signs. More bits: the
 * extended-RaBitQ search over the rescaling factor `t` — each dim's level `floor(t·|o_i|)` changes only at the
 * critical values `j/|o_i|`, so walking those in increasing order (a merge of one sorted list per level) visits every
 * distinct code once and keeps the best.
 *
 * @param o - unit vector (`padded` floats)
 * @param bits - 1, 2 or 4
 * @param u - receives the integers in `[0, 2^bits)`
 * @returns cosine and norm of the code
 * @internal
 */
export function quantizeUnit(o: Float32Array, bits: RabitqBits, u: Uint8Array): GridCode {
  const D = o.length;
  const half = 1 << (bits - 1); // levels per sign: magnitudes 0.5, 1.5, …, half − 0.5
  const level = new Uint8Array(D);
  if (half > 1) bestLevels(o, half, level);
  let num = 0, den = 0;
  for (let i = 0; i < D; i++) {
    const m = level[i] + 0.5;
    num += m * Math.abs(o[i]);
    den += m * m;
    u[i] = o[i] >= 0 ? half + level[i] : half - 1 - level[i];
  }
  const norm = Math.sqrt(den);
  return { ip: num / norm, norm };
}

/** Levels (0 … half−1) maximising the cosine; see {@link quantizeUnit}. */
function bestLevels(o: Float32Array, half: number, level: Uint8Array): void {
  const D = o.length;
  const a = new Float64Array(D);
  // Sort dims by |o| descending: the index rides in the low mantissa bits of the float64 (a float32 widened to
  // float64 leaves 29 of them zero), so a native numeric sort orders them without a comparator.
  const keys = new Float64Array(D);
  const words = new Uint32Array(keys.buffer);
  let sumAbs = 0;
  for (let i = 0; i < D; i++) {
    a[i] = Math.abs(Math.fround(o[i]));
    sumAbs += a[i];
    keys[i] = a[i];
    words[2 * i] |= i;
  }
  keys.sort();
  const order = new Uint32Array(D);
  for (let i = 0; i < D; i++) order[i] = words[2 * (D - 1 - i)] & 0x1ffff;
  const levels = half - 1;
  const ptr = new Uint32Array(levels + 1);
  // Walk the events in increasing t; an event raises one dim by one level: num += |o_i|, den += 2j.
  let num = 0.5 * sumAbs, den = 0.25 * D;
  let best = num / Math.sqrt(den), bestAt = 0, events = 0;
  for (;;) {
    const jBest = nextEvent(a, order, ptr, levels);
    if (jBest === 0) break;
    num += a[order[ptr[jBest]]];
    den += 2 * jBest;
    ptr[jBest]++;
    events++;
    const cos = num / Math.sqrt(den);
    if (cos > best) { best = cos; bestAt = events; }
  }
  // Replay the first bestAt events.
  ptr.fill(0);
  for (let e = 0; e < bestAt; e++) {
    const jBest = nextEvent(a, order, ptr, levels);
    level[order[ptr[jBest]]] = jBest;
    ptr[jBest]++;
  }
}

/**
 * The level whose next event (raising the next dim in `order` from level j − 1 to j, at `t = j/|o_i|`) comes first;
 * 0 when none is left. `ptr[j]` is how far level j has walked `order`.
 */
function nextEvent(a: Float64Array, order: Uint32Array, ptr: Uint32Array, levels: number): number {
  const D = order.length;
  let jBest = 0, tBest = Infinity;
  for (let j = 1; j <= levels; j++) {
    if (ptr[j] >= D) continue;
    const ai = a[order[ptr[j]]];
    if (ai === 0) continue;
    const t = j / ai;
    if (t < tBest) { tBest = t; jBest = j; }
  }
  return jBest;
}

/** Per-vector factors of a RaBitQ code. @internal */
export interface RabitqFactors {
  /** `‖r‖ / (a·‖u − cb‖)`. */
  scale: number;
  /** `err = ‖r‖·√(1 − a²)/a/√(D − 1)`: the bound on the estimate of `<r, y>` is `ε0·‖y‖·err`. */
  err: number;
  /** `<x̄, o'>`. */
  ip: number;
}

/**
 * Encodes a rotated residual.
 *
 * @param rotated - `P·r`, `padded` floats (overwritten with the unit vector)
 * @param bits - 1, 2 or 4
 * @param codes - packed destination
 * @param offset - byte offset in `codes`
 * @returns the factors (all 0 for a zero residual, which then estimates exactly 0)
 * @internal
 */
export function encodeRotated(rotated: Float32Array, bits: RabitqBits, codes: Uint8Array, offset: number): RabitqFactors {
  const D = rotated.length;
  let n2 = 0;
  for (let i = 0; i < D; i++) n2 += rotated[i] * rotated[i];
  const norm = Math.sqrt(n2);
  const u = new Uint8Array(D);
  if (norm === 0) {
    packCodes(u, bits, codes, offset);
    return { scale: 0, err: 0, ip: 1 };
  }
  for (let i = 0; i < D; i++) rotated[i] /= norm;
  const g = quantizeUnit(rotated, bits, u);
  packCodes(u, bits, codes, offset);
  const ip = Math.max(g.ip, 1e-6);
  return { scale: norm / (ip * g.norm), err: (norm * Math.sqrt(Math.max(0, 1 - ip * ip))) / ip / Math.sqrt(D - 1), ip };
}

/** A quantised query residual, ready for a scan kernel. @internal */
export interface QuantizedQuery {
  /** Step: `y_i ≈ delta · q_i`. */
  delta: number;
  /** `Σ y_i` (exact). */
  sum: number;
  /** `‖y‖` (exact). */
  norm: number;
}

/**
 * Quantises a rotated query with randomised rounding (unbiased). For `bits = 1` it writes four bit planes of the
 * 4-bit values `q_i + 8` (`q_i` in [−7, 7]) in the 1-bit packed layout, `padded/8` bytes each, for the
 * `andPop4Block` kernel; otherwise `padded` int8 values in [−127, 127], in dim order, for `bitsDotI8Block`.
 *
 * @param y - the rotated query (`padded` floats)
 * @param bits - the codes' bits
 * @param out - destination bytes (`padded/2` for 1 bit, `padded` otherwise)
 * @param random - uniform source in [0, 1)
 * @returns step, sum and norm
 * @internal
 */
export function quantizeQuery(y: Float32Array, bits: RabitqBits, out: Uint8Array | Int8Array, random: () => number): QuantizedQuery {
  const D = y.length;
  let sum = 0, n2 = 0, max = 0;
  for (let i = 0; i < D; i++) {
    sum += y[i];
    n2 += y[i] * y[i];
    max = Math.max(max, Math.abs(y[i]));
  }
  const levels = bits === 1 ? 7 : 127;
  const delta = max === 0 ? 1 : max / levels;
  const inv = 1 / delta;
  const q = new Int8Array(D);
  for (let i = 0; i < D; i++) {
    const x = y[i] * inv;
    const f = Math.floor(x);
    q[i] = Math.max(-levels, Math.min(levels, f + (random() < x - f ? 1 : 0)));
  }
  if (bits === 1) {
    const plane = D / 8;
    const planes = new Uint8Array(out.buffer, out.byteOffset, 4 * plane);
    planes.fill(0);
    for (let d = 0; d < D; d++) {
      const v = q[d] + 8;
      const g = d >> 7, r = d & 127;
      const byte = g * 16 + (r & 15), bit = r >> 4;
      for (let j = 0; j < 4; j++) if ((v >> j) & 1) planes[j * plane + byte] |= 1 << bit;
    }
  } else {
    new Int8Array(out.buffer, out.byteOffset, D).set(q);
  }
  return { delta, sum, norm: Math.sqrt(n2) };
}

/**
 * The estimate of `<r, q>` from a scan kernel's integer result.
 *
 * @param kernel - `Σ u_i q_i` as the kernel returns it
 * @param q - the quantised query
 * @param bits - the codes' bits
 * @param scale - the vector's `scale` factor
 * @returns the estimate
 * @internal
 */
export function estimateDot(kernel: number, q: QuantizedQuery, bits: RabitqBits, scale: number): number {
  return scale * (q.delta * kernel - ((1 << bits) - 1) * 0.5 * q.sum);
}
