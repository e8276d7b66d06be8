// BERT encoder graphs (the architecture of bert-base / all-MiniLM-L6-v2) with deterministic random weights:
// word + position + token-type embeddings, LayerNorm, multi-head self-attention with the attention mask,
// erf-GELU feed-forward, residuals → `last_hidden_state`; optionally a pooler + classifier head → `logits`.
// Variants: fp32; int8 (weights int8, activations quantized on the fly: DynamicQuantizeLinear + MatMulInteger,
// as onnxruntime's quantize_dynamic writes); fp16 (fp16 weights and fp16 output, fp32 compute inside).
import { GraphBuilder, float, int, ints } from './graph-builder.js';
import { DataType } from './onnx-proto.js';
import { floatToHalf } from '../../src/internal/float16.js';
import { mulberry32Next } from '../../src/internal/random.js';

/** Shape of a generated BERT. */
export interface BertSpec {
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  typeVocabSize: number;
  /** Number of classifier outputs for cross-encoders (0 = plain encoder). */
  numLabels: number;
  /** Whether the graph takes `token_type_ids` (some embedders do not). */
  tokenTypeInput: boolean;
  /** Whether the graph takes `position_ids` (as decoder exports do) instead of computing 0..S-1 itself. */
  positionIdsInput?: boolean;
  layerNormEps: number;
}

/** One linear layer, weight stored [in, out] as MatMul wants it. */
interface Linear { w: Float32Array; b: Float32Array; inDim: number; outDim: number }
interface Norm { gamma: Float32Array; beta: Float32Array }
interface Layer { q: Linear; k: Linear; v: Linear; o: Linear; ln1: Norm; ffn1: Linear; ffn2: Linear; ln2: Norm }
/** All weights of a model; variants are written from the same weights. */
export interface BertWeights {
  word: Float32Array; position: Float32Array; tokenType: Float32Array; embLn: Norm;
  layers: Layer[]; pooler?: Linear; classifier?: Linear;
}

/** Deterministic normal random numbers (mulberry32 + Box-Muller). */
export class Rng {
  private readonly state: Uint32Array;
  private spare: number | undefined;
  constructor(seed: number) { this.state = Uint32Array.of(seed >>> 0); }
  uniform(): number {
    return mulberry32Next(this.state) / 4294967296;
  }
  normal(): number {
    if (this.spare !== undefined) { const s = this.spare; this.spare = undefined; return s; }
    const u = 1 - this.uniform(); const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  fill(n: number, std: number, mean = 0): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = mean + std * this.normal();
    return a;
  }
}

/** Random weights scaled so activations stay near unit variance (attention is not uniform, outputs differ per text). */
export function randomWeights(spec: BertSpec, seed: number): BertWeights {
  const rng = new Rng(seed);
  const H = spec.hidden;
  const lin = (inDim: number, outDim: number, gain = 1): Linear => ({
    w: rng.fill(inDim * outDim, gain / Math.sqrt(inDim)), b: rng.fill(outDim, 0.02), inDim, outDim,
  });
  const norm = (): Norm => ({ gamma: rng.fill(H, 0.05, 1), beta: rng.fill(H, 0.02) });
  const weights: BertWeights = {
    word: rng.fill(spec.vocabSize * H, 1),
    position: rng.fill(spec.maxPositions * H, 0.5),
    tokenType: rng.fill(spec.typeVocabSize * H, 0.2),
    embLn: norm(),
    layers: [],
  };
  for (let l = 0; l < spec.layers; l++) {
    weights.layers.push({
      q: lin(H, H, 1.5), k: lin(H, H, 1.5), v: lin(H, H), o: lin(H, H), ln1: norm(),
      ffn1: lin(H, spec.intermediate), ffn2: lin(spec.intermediate, H), ln2: norm(),
    });
  }
  if (spec.numLabels > 0) {
    weights.pooler = lin(H, H);
    weights.classifier = lin(H, spec.numLabels, 3);
  }
  return weights;
}

/** The dtype of a written graph. */
export type Variant = 'fp32' | 'int8' | 'fp16';


class BertGraph {
  readonly g = new GraphBuilder();
  constructor(private readonly spec: BertSpec, private readonly variant: Variant) {}

  /** A float weight as the variant stores it; returns a float32 value name. */
  weight(name: string, dims: number[], data: Float32Array): string {
    if (this.variant !== 'fp16') return this.g.f32(name, dims, data);
    const half = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) half[i] = floatToHalf(data[i]);
    const h = this.g.init(`${name}_fp16`, DataType.FLOAT16, dims, half);
    return this.g.op('Cast', [h], { to: int(DataType.FLOAT) });
  }

  linear(x: string, p: Linear, name: string): string {
    const g = this.g;
    if (this.variant !== 'int8') {
      const mm = g.op('MatMul', [x, this.weight(`${name}.weight`, [p.inDim, p.outDim], p.w)]);
      return g.op('Add', [mm, this.weight(`${name}.bias`, [p.outDim], p.b)]);
    }
    // Per-tensor symmetric int8 weights, zero point 0; activations quantized to uint8 per call.
    let maxAbs = 0;
    for (const v of p.w) maxAbs = Math.max(maxAbs, Math.abs(v));
    const scale = maxAbs / 127 || 1;
    const q = new Int8Array(p.w.length);
    for (let i = 0; i < q.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(p.w[i] / scale)));
    const wq = g.init(`${name}.weight_quantized`, DataType.INT8, [p.inDim, p.outDim], q);
    const wzp = g.init(`${name}.weight_zero_point`, DataType.INT8, [], new Int8Array([0]));
    const ws = g.f32(`${name}.weight_scale`, [], [scale]);
    const [xq, xs, xzp] = g.opN('DynamicQuantizeLinear', [x], {}, 3);
    const acc = g.op('MatMulInteger', [xq, wq, xzp, wzp]);
    const accF = g.op('Cast', [acc], { to: int(DataType.FLOAT) });
    const s = g.op('Mul', [xs, ws]);
    return g.op('Add', [g.op('Mul', [accF, s]), g.f32(`${name}.bias`, [p.outDim], p.b)]);
  }

  layerNorm(x: string, p: Norm, name: string): string {
    const H = this.spec.hidden;
    return this.g.op('LayerNormalization', [x, this.weight(`${name}.weight`, [H], p.gamma), this.weight(`${name}.bias`, [H], p.beta)],
      { axis: int(-1), epsilon: float(this.spec.layerNormEps) });
  }

  gelu(x: string): string {
    const g = this.g;
    const erf = g.op('Erf', [g.op('Mul', [x, g.f32(g.fresh('inv_sqrt2'), [], [Math.SQRT1_2])])]);
    const onePlus = g.op('Add', [erf, g.f32(g.fresh('one'), [], [1])]);
    return g.op('Mul', [g.op('Mul', [x, onePlus]), g.f32(g.fresh('half'), [], [0.5])]);
  }

  embeddings(w: BertWeights, inputIds: string, tokenTypeIds: string | undefined, positionIds: string | undefined): string {
    const g = this.g;
    const H = this.spec.hidden;
    let word: string;
    if (this.variant === 'int8') {
      // Gather rows of the int8 table, then dequantize only the rows used (cheap per call).
      let maxAbs = 0;
      for (const v of w.word) maxAbs = Math.max(maxAbs, Math.abs(v));
      const scale = maxAbs / 127;
      const q = new Int8Array(w.word.length);
      for (let i = 0; i < q.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w.word[i] / scale)));
      const table = g.init('embeddings.word_embeddings.weight_quantized', DataType.INT8, [this.spec.vocabSize, H], q);
      const rows = g.op('Gather', [table, inputIds], { axis: int(0) });
      word = g.op('DequantizeLinear', [rows, g.f32('embeddings.word_embeddings.scale', [], [scale]),
        g.init('embeddings.word_embeddings.zero_point', DataType.INT8, [], new Int8Array([0]))]);
    } else {
      word = g.op('Gather', [this.weight('embeddings.word_embeddings.weight', [this.spec.vocabSize, H], w.word), inputIds], { axis: int(0) });
    }
    let positions = positionIds;
    if (!positions) {
      const seqLen = g.op('Gather', [g.op('Shape', [inputIds]), g.i64('dim1', [], [1])], { axis: int(0) });
      positions = g.op('Range', [g.i64('zero_i64', [], [0]), seqLen, g.i64('one_i64', [], [1])]);
    }
    const pos = g.op('Gather', [this.weight('embeddings.position_embeddings.weight', [this.spec.maxPositions, H], w.position), positions], { axis: int(0) });
    let sum = g.op('Add', [word, pos]);
    if (tokenTypeIds) {
      const tt = g.op('Gather', [this.weight('embeddings.token_type_embeddings.weight', [this.spec.typeVocabSize, H], w.tokenType), tokenTypeIds], { axis: int(0) });
      sum = g.op('Add', [sum, tt]);
    } else {
      sum = g.op('Add', [sum, this.weight('embeddings.token_type_embeddings.row0', [H], w.tokenType.subarray(0, H))]);
    }
    return this.layerNorm(sum, w.embLn, 'embeddings.LayerNorm');
  }

  attention(x: string, mask: string, p: Layer, name: string): string {
    const g = this.g;
    const { heads, hidden } = this.spec;
    const dh = hidden / heads;
    const split = g.i64(`${name}.split_shape`, [4], [0, 0, heads, dh]);
    const q = g.op('Transpose', [g.op('Reshape', [this.linear(x, p.q, `${name}.query`), split])], { perm: ints([0, 2, 1, 3]) });
    const k = g.op('Transpose', [g.op('Reshape', [this.linear(x, p.k, `${name}.key`), split])], { perm: ints([0, 2, 3, 1]) });
    const v = g.op('Transpose', [g.op('Reshape', [this.linear(x, p.v, `${name}.value`), split])], { perm: ints([0, 2, 1, 3]) });
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), g.f32(`${name}.scale`, [], [1 / Math.sqrt(dh)])]), mask]);
    const probs = g.op('Softmax', [scores], { axis: int(-1) });
    const ctx = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: ints([0, 2, 1, 3]) });
    const merged = g.op('Reshape', [ctx, g.i64(`${name}.merge_shape`, [3], [0, 0, hidden])]);
    return this.linear(merged, p.o, `${name}.output.dense`);
  }

  build(w: BertWeights, modelName: string): ReturnType<GraphBuilder['toModel']> {
    const g = this.g;
    const spec = this.spec;
    const inputIds = g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
    const attentionMask = g.input('attention_mask', DataType.INT64, ['batch_size', 'sequence_length']);
    const tokenTypeIds = spec.tokenTypeInput ? g.input('token_type_ids', DataType.INT64, ['batch_size', 'sequence_length']) : undefined;
    const positionIds = spec.positionIdsInput ? g.input('position_ids', DataType.INT64, ['batch_size', 'sequence_length']) : undefined;

    // Additive mask [B,1,1,S]: 0 where attended, the float minimum where padded (as transformers' BERT does).
    const maskF = g.op('Cast', [attentionMask], { to: int(DataType.FLOAT) });
    const inverted = g.op('Sub', [g.f32('mask_one', [], [1]), maskF]);
    const additive = g.op('Mul', [inverted, g.f32('mask_min', [], [-3.4028234663852886e38])]);
    const mask = g.op('Unsqueeze', [additive, g.i64('mask_axes', [2], [1, 2])]);

    let x = this.embeddings(w, inputIds, tokenTypeIds, positionIds);
    w.layers.forEach((p, l) => {
      const name = `encoder.layer.${l}`;
      const attn = this.attention(x, mask, p, `${name}.attention`);
      x = this.layerNorm(g.op('Add', [attn, x]), p.ln1, `${name}.attention.output.LayerNorm`);
      const ffn = this.linear(this.gelu(this.linear(x, p.ffn1, `${name}.intermediate.dense`)), p.ffn2, `${name}.output.dense`);
      x = this.layerNorm(g.op('Add', [ffn, x]), p.ln2, `${name}.output.LayerNorm`);
    });

    const outType = this.variant === 'fp16' ? DataType.FLOAT16 : DataType.FLOAT;
    if (spec.numLabels > 0 && w.pooler && w.classifier) {
      const cls = g.op('Gather', [x, g.i64('cls_index', [], [0])], { axis: int(1) });
      const pooled = g.op('Tanh', [this.linear(cls, w.pooler, 'pooler.dense')]);
      this.linear(pooled, w.classifier, 'classifier');
      if (this.variant === 'fp16') g.op('Cast', [g.renameLastOutput('logits_fp32')], { to: int(DataType.FLOAT16) });
      g.renameLastOutput('logits');
      g.output('logits', outType, ['batch_size', spec.numLabels]);
    } else {
      if (this.variant === 'fp16') g.op('Cast', [x], { to: int(DataType.FLOAT16) });
      else g.op('Identity', [x]);
      g.renameLastOutput('last_hidden_state');
      g.output('last_hidden_state', outType, ['batch_size', 'sequence_length', spec.hidden]);
    }
    return g.toModel({ name: modelName, opset: 17, doc: `Random-weight ${spec.layers}-layer BERT (${this.variant}) written by abi-sdk's generator` });
  }
}

/** Builds the ONNX ModelProto object of a BERT with the given weights and variant. */
export function bertModel(spec: BertSpec, weights: BertWeights, variant: Variant, name: string): ReturnType<GraphBuilder['toModel']> {
  return new BertGraph(spec, variant).build(weights, name);
}
