/**
 * A seeded random orthogonal rotation for RaBitQ: a dense Gaussian matrix orthonormalised row by row (modified
 * Gram–Schmidt in float64, i.e. the Q of a QR factorisation), over the dimension padded to a multiple of 128.
 *
 * Why dense rather than a fast structured rotation (sign flips + Walsh–Hadamard): a Hadamard transform needs a
 * power-of-two size (384 would pad to 512, a third more code bits), while the dense one costs `padded²`
 * multiply-adds per vector — 147k at 384, about 20 µs through the WebAssembly float kernel — paid once per encoded
 * vector and once per query, small beside k-means training and the scan. The matrix (590 KB at 384) is stored in
 * the snapshot, so reopening never depends on regenerating the same floats.
 *
 * @internal
 * @module
 */
import { CorruptDataError, UnsupportedError, ValidationError } from '../../core/errors.js';
import { seededRandom } from '../../internal/random.js';
import { KernelArena, type KernelBackend } from '../../kernels/index.js';

/** Rotation kinds this build reads; 1 = dense Gaussian, orthonormalised (the only kind so far). */
const KIND_DENSE_QR = 1;

/**
 * The dimension codes are built over: `dim` rounded up to a multiple of 128 (whole 16-byte chunks of 1-bit codes).
 *
 * @param dim - vector length
 * @returns the padded length
 * @internal
 */
export function paddedDim(dim: number): number {
  return Math.ceil(dim / 128) * 128;
}

/**
 * `padded × padded` orthonormal rows, seeded.
 *
 * @param padded - the size (a multiple of 128)
 * @param seed - PRNG seed
 * @returns the rows, row-major
 * @internal
 */
export function randomOrthogonal(padded: number, seed: number): Float32Array {
  const next = seededRandom(seed);
  const m = new Float64Array(padded * padded);
  for (let i = 0; i < m.length; i += 2) {
    // Box–Muller: two normals from two uniforms (1 − u keeps the log finite).
    const r = Math.sqrt(-2 * Math.log(1 - next()));
    const t = 2 * Math.PI * next();
    m[i] = r * Math.cos(t);
    if (i + 1 < m.length) m[i + 1] = r * Math.sin(t);
  }
  for (let i = 0; i < padded; i++) {
    const ri = i * padded;
    // Twice is enough (re-orthogonalisation keeps float64 rows orthogonal to ~1e-15).
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        const rj = j * padded;
        let d = 0;
        for (let x = 0; x < padded; x++) d += m[ri + x] * m[rj + x];
        for (let x = 0; x < padded; x++) m[ri + x] -= d * m[rj + x];
      }
    }
    let n = 0;
    for (let x = 0; x < padded; x++) n += m[ri + x] * m[ri + x];
    n = 1 / Math.sqrt(n);
    for (let x = 0; x < padded; x++) m[ri + x] *= n;
  }
  return Float32Array.from(m);
}

/** A rotation bound to a kernel arena: `rotate(v) = P·[v, 0…]`. @internal */
export class Rotation {
  /** Input length. */
  readonly dim: number;
  /** Output length (a multiple of 128). */
  readonly padded: number;
  /** The seed it was drawn from (kept for the record; the matrix itself is what is stored). */
  readonly seed: number;
  readonly #arena: KernelArena;
  readonly #matrix: number;
  readonly #input: number;
  readonly #output: number;

  /**
   * @param dim - input length
   * @param matrix - `padded × padded` orthonormal rows
   * @param seed - the seed the matrix came from
   * @param backend - kernel backend
   */
  constructor(dim: number, matrix: Float32Array, seed: number, backend?: KernelBackend) {
    this.dim = dim;
    this.padded = paddedDim(dim);
    if (matrix.length !== this.padded * this.padded) throw new ValidationError('rotation matrix has the wrong size');
    this.seed = seed;
    const p = this.padded;
    this.#arena = new KernelArena({ initialBytes: (p * p + 2 * p) * 4 + 4096, backend });
    this.#matrix = this.#arena.alloc(p * p * 4);
    this.#input = this.#arena.alloc(p * 4);
    this.#output = this.#arena.alloc(p * 4);
    this.#arena.views.f32.set(matrix, this.#matrix >>> 2);
  }

  /**
   * Draws a new rotation.
   *
   * @param dim - input length
   * @param seed - PRNG seed
   * @param backend - kernel backend
   * @returns the rotation
   */
  static create(dim: number, seed: number, backend?: KernelBackend): Rotation {
    return new Rotation(dim, randomOrthogonal(paddedDim(dim), seed), seed, backend);
  }

  /** The matrix (a copy). */
  get matrix(): Float32Array {
    const p = this.padded;
    return this.#arena.views.f32.slice(this.#matrix >>> 2, (this.#matrix >>> 2) + p * p);
  }

  /** Bytes held. */
  get bytes(): number {
    return (this.padded * this.padded + 2 * this.padded) * 4;
  }

  /**
   * Rotates `dim` floats (zero-padded) into `out[offset … offset + padded)`.
   *
   * @param v - input (a view is fine)
   * @param out - destination
   * @param offset - where in `out`
   */
  rotate(v: Float32Array, out: Float32Array, offset = 0): void {
    const f32 = this.#arena.views.f32;
    const i = this.#input >>> 2;
    f32.set(v.subarray(0, this.dim), i);
    f32.fill(0, i + this.dim, i + this.padded);
    const p = this.padded;
    this.#arena.kernels.dotF32Block(this.#input, this.#matrix, p * 4, p, p, this.#output);
    out.set(f32.subarray(this.#output >>> 2, (this.#output >>> 2) + p), offset);
  }

  /**
   * Serialized form: u32 kind, u32 seed, u32 dim, u32 padded, then the matrix.
   *
   * @returns bytes
   */
  serialize(): Uint8Array {
    const p = this.padded;
    const out = new Uint8Array(16 + p * p * 4);
    const view = new DataView(out.buffer);
    view.setUint32(0, KIND_DENSE_QR, true);
    view.setUint32(4, this.seed, true);
    view.setUint32(8, this.dim, true);
    view.setUint32(12, p, true);
    const m = this.matrix;
    out.set(new Uint8Array(m.buffer, m.byteOffset, m.byteLength), 16);
    return out;
  }

  /**
   * Reads {@link Rotation.serialize}'s bytes.
   *
   * @param bytes - the bytes
   * @param backend - kernel backend
   * @returns the rotation
   * @throws {@link UnsupportedError} for a rotation kind this build does not know
   * @throws {@link CorruptDataError} for malformed bytes
   */
  static deserialize(bytes: Uint8Array, backend?: KernelBackend): Rotation {
    if (bytes.length < 16) throw new CorruptDataError('rotation is truncated');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const kind = view.getUint32(0, true);
    if (kind !== KIND_DENSE_QR) throw new UnsupportedError(`rotation kind ${kind} is not supported by this version`);
    const seed = view.getUint32(4, true);
    const dim = view.getUint32(8, true);
    const p = view.getUint32(12, true);
    if (dim < 1 || p !== paddedDim(dim) || bytes.length !== 16 + p * p * 4) throw new CorruptDataError('rotation size is inconsistent');
    const m = new Float32Array(p * p);
    new Uint8Array(m.buffer).set(bytes.subarray(16));
    for (let i = 0; i < m.length; i++) if (!Number.isFinite(m[i])) throw new CorruptDataError('rotation holds a non-finite value');
    return new Rotation(dim, m, seed, backend);
  }
}
