/**
 * Scalar int8 quantization with per-dimension ranges: `x̂_i = scale_i · c_i + offset_i`, `c_i ∈ [-128, 127]`.
 * Ranges are the per-dimension minimum and maximum of a training sample; values outside are clipped.
 *
 * A float query `q` meets the codes in one integer dot product: `q · x̂ = Σ (q_i·scale_i) c_i + q · offset`.
 * The scaled query is rounded to int16 (`dotI16I8*` kernels), which costs < 1e-4 relative error at 384-d.
 *
 * @module
 */
import { CorruptDataError, ValidationError } from '../../core/errors.js';

const MAGIC = 0x31385153; // "SQ81"

/** Per-dimension int8 quantizer. */
export class ScalarQuantizer {
  /** Vector length. */
  readonly dim: number;
  /** Per-dimension step. */
  readonly scale: Float32Array;
  /** Per-dimension value of code 0. */
  readonly offset: Float32Array;

  /**
   * @param scale - per-dimension step
   * @param offset - per-dimension value of code 0
   */
  constructor(scale: Float32Array, offset: Float32Array) {
    if (scale.length !== offset.length || scale.length === 0) throw new ValidationError('scale and offset must have the same, non-zero length');
    this.dim = scale.length;
    this.scale = scale;
    this.offset = offset;
  }

  /**
   * Learns per-dimension ranges (minimum and maximum) from sample rows.
   *
   * @param rows - `n × dim` floats
   * @param dim - vector length
   * @returns the quantizer
   * @throws {@link ValidationError} for an empty sample
   */
  static train(rows: Float32Array, dim: number): ScalarQuantizer {
    const n = rows.length / dim;
    if (!Number.isInteger(n) || n < 1) throw new ValidationError('scalar quantizer training needs at least one vector');
    const lo = new Float32Array(dim).fill(Infinity);
    const hi = new Float32Array(dim).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dim; j++) {
        const v = rows[i * dim + j];
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
    }
    const scale = new Float32Array(dim);
    const offset = new Float32Array(dim);
    for (let j = 0; j < dim; j++) {
      scale[j] = (hi[j] - lo[j]) / 255;
      offset[j] = lo[j] + 128 * scale[j];
    }
    return new ScalarQuantizer(scale, offset);
  }

  /**
   * Encodes one vector (values outside the trained range are clipped).
   *
   * @param vector - `dim` floats (read from `vector[from .. from + dim)`)
   * @param out - destination codes
   * @param at - index of the first code in `out`
   * @param from - index of the first float in `vector`
   */
  encode(vector: ArrayLike<number>, out: Int8Array, at = 0, from = 0): void {
    const { scale, offset, dim } = this;
    for (let j = 0; j < dim; j++) {
      const s = scale[j];
      const c = s > 0 ? Math.round((vector[from + j] - offset[j]) / s) : 0;
      out[at + j] = c < -128 ? -128 : c > 127 ? 127 : c;
    }
  }

  /**
   * Decodes codes back to floats.
   *
   * @param codes - code array
   * @param at - index of the first code
   * @param out - `dim` floats to fill
   * @returns `out`
   */
  decode(codes: Int8Array, at: number, out: Float32Array = new Float32Array(this.dim)): Float32Array {
    for (let j = 0; j < this.dim; j++) out[j] = this.scale[j] * codes[at + j] + this.offset[j];
    return out;
  }

  /**
   * Serializes the ranges.
   *
   * @returns versioned bytes
   */
  serialize(): Uint8Array {
    const out = new Uint8Array(8 + this.dim * 8);
    const view = new DataView(out.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, this.dim, true);
    out.set(new Uint8Array(this.scale.buffer, this.scale.byteOffset, this.dim * 4), 8);
    out.set(new Uint8Array(this.offset.buffer, this.offset.byteOffset, this.dim * 4), 8 + this.dim * 4);
    return out;
  }

  /**
   * Reads {@link ScalarQuantizer.serialize}'s bytes.
   *
   * @param bytes - the bytes
   * @returns the quantizer
   * @throws {@link CorruptDataError} for bytes that are not a quantizer
   */
  static deserialize(bytes: Uint8Array): ScalarQuantizer {
    if (bytes.length < 8) throw new CorruptDataError('int8 quantizer is truncated');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0, true) !== MAGIC) throw new CorruptDataError('not an int8 quantizer (bad magic)');
    const dim = view.getUint32(4, true);
    if (dim === 0 || bytes.length !== 8 + dim * 8) throw new CorruptDataError('int8 quantizer has inconsistent sizes');
    const copy = bytes.slice(8);
    const scale = new Float32Array(copy.buffer, 0, dim);
    const offset = new Float32Array(copy.buffer, dim * 4, dim);
    for (let j = 0; j < dim; j++) {
      if (!Number.isFinite(scale[j]) || !Number.isFinite(offset[j]) || scale[j] < 0) throw new CorruptDataError('int8 quantizer holds invalid ranges');
    }
    return new ScalarQuantizer(scale, offset);
  }
}
