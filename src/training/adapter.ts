/**
 * The embedding adapter: a small trainable map applied on top of a frozen base embedding. A linear residual map
 * `h = x + x·Δ` (Δ a full d×d matrix, or low-rank `Δ = A·B`, so the map is identity at initialisation), then an
 * optional 2-layer residual MLP `z = h + relu(h·W1 + b1)·W2 + b2` (W2 starts at zero, so it is identity too), then
 * L2 normalisation. Parameters live in one flat Float32Array with named views, so they can be serialized, averaged
 * (FedAvg) and diffed as one vector.
 *
 * Why a residual Δ rather than W itself: AdamW's weight decay then pulls the adapter back towards the base model,
 * not towards the zero map, and a federated delta of zero means "no change".
 *
 * @module
 */
import { ValidationError } from '../core/errors.js';
import { matmul, matmulTransAAccumulate, matmulTransB, normalizeRows } from './linalg.js';
import { Random } from './random.js';

/** Which texts the adapter transforms. */
export type AdapterApply = 'both' | 'query';

/**
 * The adapter's shape.
 *
 * @example
 * ```ts
 * const config: AdapterConfig = { dimension: 384, rank: 32, hidden: 0, apply: 'both' };
 * ```
 */
export interface AdapterConfig {
  /** The base embedding's dimension (input and output of the adapter). */
  dimension: number;
  /**
   * Rank of the linear map's update Δ = A·B; `0` trains a full d×d Δ.
   * @defaultValue 0
   */
  rank?: number;
  /**
   * Hidden width of the residual MLP; `0` means no MLP.
   * @defaultValue 0
   */
  hidden?: number;
  /**
   * `'both'` transforms queries and documents (documents must be re-embedded through the adapter);
   * `'query'` transforms queries only, so an index built with the base embedder stays valid (LlamaIndex's choice).
   * @defaultValue 'both'
   */
  apply?: AdapterApply;
}

/** An {@link AdapterConfig} with every default filled in. */
export type ResolvedAdapterConfig = Required<AdapterConfig>;

/** One named parameter tensor inside the flat vector. */
export interface ParameterSlot {
  /** `linear.delta`, `linear.a`, `linear.b`, `mlp.w1`, `mlp.b1`, `mlp.w2` or `mlp.b2`. */
  name: string;
  /** Offset in floats inside the flat vector. */
  offset: number;
  /** Rows × columns (a bias is 1 × n). */
  shape: readonly [number, number];
  /** Whether AdamW's weight decay applies (matrices yes, biases no). */
  decay: boolean;
}

/**
 * Fills in defaults and validates.
 *
 * @param config - the adapter shape
 * @returns the resolved config
 * @throws {@link ValidationError} when a size is not a non-negative integer or `apply` is unknown
 * @example
 * ```ts
 * resolveAdapterConfig({ dimension: 384 }); // { dimension: 384, rank: 0, hidden: 0, apply: 'both' }
 * ```
 */
export function resolveAdapterConfig(config: AdapterConfig): ResolvedAdapterConfig {
  const { dimension, rank = 0, hidden = 0, apply = 'both' } = config;
  if (!Number.isInteger(dimension) || dimension < 1) throw new ValidationError(`adapter dimension must be a positive integer, got ${dimension}`);
  if (!Number.isInteger(rank) || rank < 0 || rank > dimension) throw new ValidationError(`adapter rank must be an integer in [0, ${dimension}], got ${rank}`);
  if (!Number.isInteger(hidden) || hidden < 0) throw new ValidationError(`adapter hidden width must be a non-negative integer, got ${hidden}`);
  if (apply !== 'both' && apply !== 'query') throw new ValidationError(`adapter apply must be 'both' or 'query', got ${String(apply)}`);
  return { dimension, rank, hidden, apply };
}

/** Where each named parameter lives in the flat parameter vector. */
export interface ParameterLayout {
  /** The named slices, in vector order. */
  slots: ParameterSlot[];
  /** Total number of floats. */
  size: number;
}

/**
 * Where each named tensor lies in the flat parameter vector, in canonical order.
 *
 * @param config - the adapter shape
 * @returns the slots and the total length
 * @throws {@link ValidationError} for an invalid config
 * @example
 * ```ts
 * parameterLayout({ dimension: 4, rank: 2 }).size; // 16: A is 4×2, B is 2×4
 * ```
 */
export function parameterLayout(config: AdapterConfig): ParameterLayout {
  const c = resolveAdapterConfig(config);
  const d = c.dimension;
  const shapes: [string, number, number, boolean][] = c.rank === 0
    ? [['linear.delta', d, d, true]]
    : [['linear.a', d, c.rank, true], ['linear.b', c.rank, d, true]];
  if (c.hidden > 0) shapes.push(['mlp.w1', d, c.hidden, true], ['mlp.b1', 1, c.hidden, false], ['mlp.w2', c.hidden, d, true], ['mlp.b2', 1, d, false]);
  const slots: ParameterSlot[] = [];
  let offset = 0;
  for (const [name, rows, cols, decay] of shapes) {
    slots.push({ name, offset, shape: [rows, cols], decay });
    offset += rows * cols;
  }
  return { slots, size: offset };
}

/** What a training forward pass keeps for the backward pass. @internal */
export interface ForwardCache {
  n: number;
  x: Float32Array;
  /** x·A (low rank only). */
  u: Float32Array | undefined;
  h: Float32Array;
  /** Pre-activation of the MLP's hidden layer. */
  p: Float32Array | undefined;
  /** relu(p). */
  q: Float32Array | undefined;
  /** Normalized output. */
  y: Float32Array;
  norms: Float64Array;
}

/**
 * A trainable adapter: its config and its flat parameter vector with named views.
 *
 * @example
 * ```ts
 * const adapter = Adapter.initialize({ dimension: 384, rank: 16 }, 42);
 * const out = adapter.transform(baseVectors, count); // count×384, L2-normalized
 * ```
 */
export class Adapter {
  /** The resolved shape. */
  readonly config: Readonly<ResolvedAdapterConfig>;
  /** All parameters, in the order of {@link Adapter.slots}. Mutated in place by training. */
  readonly parameters: Float32Array;
  readonly #slots: ParameterSlot[];
  readonly #views = new Map<string, Float32Array>();

  /**
   * Wraps a parameter vector.
   *
   * @param config - the shape
   * @param parameters - a flat vector of the layout's size (copied); defaults to {@link Adapter.initialize}'s values with seed 0
   * @throws {@link ValidationError} when the vector has the wrong length or holds NaN/Infinity
   */
  constructor(config: AdapterConfig, parameters?: Float32Array) {
    this.config = Object.freeze(resolveAdapterConfig(config));
    const { slots, size } = parameterLayout(this.config);
    this.#slots = slots;
    if (parameters === undefined) {
      this.parameters = initialParameters(this.config, 0);
    } else {
      if (!(parameters instanceof Float32Array) || parameters.length !== size) {
        throw new ValidationError(`adapter parameters must be a Float32Array of length ${size}, got ${parameters instanceof Float32Array ? parameters.length : typeof parameters}`);
      }
      for (let i = 0; i < size; i++) if (!Number.isFinite(parameters[i])) throw new ValidationError(`adapter parameter ${i} is not finite`);
      this.parameters = Float32Array.from(parameters);
    }
    for (const s of slots) this.#views.set(s.name, this.parameters.subarray(s.offset, s.offset + s.shape[0] * s.shape[1]));
  }

  /**
   * A fresh identity adapter with seeded random weights where identity does not fix them (A, W1).
   *
   * @param config - the shape
   * @param seed - PRNG seed
   * @returns the adapter
   * @throws {@link ValidationError} for an invalid config
   * @example
   * ```ts
   * const a = Adapter.initialize({ dimension: 8, hidden: 16 }, 1);
   * ```
   */
  static initialize(config: AdapterConfig, seed: number): Adapter {
    const c = resolveAdapterConfig(config);
    return new Adapter(c, initialParameters(c, seed));
  }

  /** The named tensors, as views into {@link Adapter.parameters}. */
  get slots(): readonly ParameterSlot[] {
    return this.#slots;
  }

  /**
   * One named tensor (a view: writes change the adapter).
   *
   * @param name - e.g. `linear.delta`
   * @returns the view
   * @throws {@link ValidationError} for a name this adapter does not have
   */
  tensor(name: string): Float32Array {
    const v = this.#views.get(name);
    if (!v) throw new ValidationError(`adapter has no parameter "${name}" (has ${[...this.#views.keys()].join(', ')})`);
    return v;
  }

  /**
   * The named tensors as copies, e.g. to serialize or inspect.
   *
   * @returns name → values
   */
  named(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [k, v] of this.#views) out[k] = Float32Array.from(v);
    return out;
  }

  /** A deep copy. */
  clone(): Adapter {
    return new Adapter(this.config, this.parameters);
  }

  /**
   * Applies the adapter to `n` base vectors laid out row by row.
   *
   * @param x - `n × dimension` floats
   * @param n - row count
   * @returns `n × dimension` L2-normalized outputs
   * @throws {@link ValidationError} when `x` has the wrong length
   */
  transform(x: Float32Array, n: number): Float32Array {
    return this.forward(x, n).y;
  }

  /** The forward pass, keeping what backward needs. @internal */
  forward(x: Float32Array, n: number): ForwardCache {
    const { dimension: d, rank: r, hidden: m } = this.config;
    if (x.length !== n * d) throw new ValidationError(`adapter input must be ${n}×${d} floats, got ${x.length}`);
    let u: Float32Array | undefined;
    let h: Float32Array;
    if (r === 0) {
      h = matmul(x, this.tensor('linear.delta'), n, d, d);
    } else {
      u = matmul(x, this.tensor('linear.a'), n, d, r);
      h = matmul(u, this.tensor('linear.b'), n, r, d);
    }
    for (let i = 0; i < h.length; i++) h[i] += x[i];
    let p: Float32Array | undefined;
    let q: Float32Array | undefined;
    let z = h;
    if (m > 0) {
      p = matmul(h, this.tensor('mlp.w1'), n, d, m);
      const b1 = this.tensor('mlp.b1');
      q = new Float32Array(n * m);
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
        const v = (p[i * m + j] += b1[j]);
        q[i * m + j] = v > 0 ? v : 0;
      }
      z = matmul(q, this.tensor('mlp.w2'), n, m, d);
      const b2 = this.tensor('mlp.b2');
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) z[i * d + j] += h[i * d + j] + b2[j];
    }
    const y = z === h ? Float32Array.from(h) : z;
    const norms = normalizeRows(y, n, d);
    return { n, x, u, h, p, q, y, norms };
  }

  /**
   * The backward pass: adds d(loss)/d(parameters) into `grad` (same layout as {@link Adapter.parameters}) given
   * d(loss)/d(outputs). @internal
   */
  backward(cache: ForwardCache, dy: Float32Array, grad: Float32Array): void {
    const { dimension: d, rank: r, hidden: m } = this.config;
    const { n, x, u, h, p, q, y, norms } = cache;
    // Through the normalisation: dz = (dy − y·(y·dy)) / ‖z‖.
    const dz = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const norm = norms[i];
      if (norm === 0) continue;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += y[i * d + j] * dy[i * d + j];
      for (let j = 0; j < d; j++) dz[i * d + j] = (dy[i * d + j] - y[i * d + j] * dot) / norm;
    }
    let dh: Float32Array = dz;
    if (m > 0) {
      const slot = (name: string): Float32Array => this.#gradView(grad, name);
      matmulTransAAccumulate(q!, dz, n, m, d, slot('mlp.w2'));
      const gb2 = slot('mlp.b2');
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) gb2[j] += dz[i * d + j];
      const dq = matmulTransB(dz, this.tensor('mlp.w2'), n, d, m);
      for (let i = 0; i < n * m; i++) if (p![i] <= 0) dq[i] = 0;
      matmulTransAAccumulate(h, dq, n, d, m, slot('mlp.w1'));
      const gb1 = slot('mlp.b1');
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) gb1[j] += dq[i * m + j];
      dh = matmulTransB(dq, this.tensor('mlp.w1'), n, m, d);
      for (let i = 0; i < n * d; i++) dh[i] += dz[i];
    }
    if (r === 0) {
      matmulTransAAccumulate(x, dh, n, d, d, this.#gradView(grad, 'linear.delta'));
    } else {
      matmulTransAAccumulate(u!, dh, n, r, d, this.#gradView(grad, 'linear.b'));
      const du = matmulTransB(dh, this.tensor('linear.b'), n, d, r);
      matmulTransAAccumulate(x, du, n, d, r, this.#gradView(grad, 'linear.a'));
    }
  }

  #gradView(grad: Float32Array, name: string): Float32Array {
    const s = this.#slots.find((x) => x.name === name)!;
    return grad.subarray(s.offset, s.offset + s.shape[0] * s.shape[1]);
  }
}

function initialParameters(c: ResolvedAdapterConfig, seed: number): Float32Array {
  const { slots, size } = parameterLayout(c);
  const out = new Float32Array(size);
  const rng = new Random(seed);
  for (const s of slots) {
    const [rows, cols] = s.shape;
    // Only the factor that does not decide the residual's value gets random weights: A (B is zero) and W1 (W2 is
    // zero), so the adapter starts as the identity whatever the seed.
    const scale = s.name === 'linear.a' ? 1 / Math.sqrt(rows) : s.name === 'mlp.w1' ? Math.sqrt(2 / rows) : 0;
    if (scale === 0) continue;
    for (let i = 0; i < rows * cols; i++) out[s.offset + i] = rng.normal() * scale;
  }
  return out;
}
