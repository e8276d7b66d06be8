// The model generator writes real BERT compute: a plain-JS forward pass over the same weights must reproduce
// onnxruntime's output of the generated graph; generation is deterministic.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { MODELS, generateModels } from '../../scripts/generate-models.js';
import { type BertSpec, type BertWeights, randomWeights } from '../../scripts/models/bert.js';
import { bertUncasedVocab } from '../../scripts/models/wordpiece.js';
import { maxAbsDiff, modelDir, tempDir } from './helpers.js';

function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7).
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** Reference BERT forward for one unpadded sequence (plus optional padding to check masking). */
function forward(spec: BertSpec, w: BertWeights, ids: number[], types: number[], padTo = ids.length): Float64Array[] {
  const H = spec.hidden;
  const n = ids.length;
  const S = padTo;
  const layerNorm = (x: Float64Array, g: Float32Array, b: Float32Array): Float64Array => {
    let mean = 0;
    for (const v of x) mean += v / H;
    let varc = 0;
    for (const v of x) varc += (v - mean) ** 2 / H;
    return x.map((v, k) => ((v - mean) / Math.sqrt(varc + spec.layerNormEps)) * g[k] + b[k]);
  };
  const linear = (x: Float64Array, p: { w: Float32Array; b: Float32Array; inDim: number; outDim: number }): Float64Array => {
    const out = new Float64Array(p.outDim);
    for (let o = 0; o < p.outDim; o++) {
      let s = p.b[o];
      for (let i = 0; i < p.inDim; i++) s += x[i] * p.w[i * p.outDim + o];
      out[o] = s;
    }
    return out;
  };
  let x: Float64Array[] = [];
  for (let t = 0; t < S; t++) {
    const id = t < n ? ids[t] : 0;
    const type = t < n ? types[t] : 0;
    const e = new Float64Array(H);
    for (let k = 0; k < H; k++) e[k] = w.word[id * H + k] + w.position[t * H + k] + w.tokenType[type * H + k];
    x.push(layerNorm(e, w.embLn.gamma, w.embLn.beta));
  }
  const heads = spec.heads;
  const dh = H / heads;
  for (const L of w.layers) {
    const q = x.map((v) => linear(v, L.q));
    const k = x.map((v) => linear(v, L.k));
    const v = x.map((u) => linear(u, L.v));
    const ctx = x.map(() => new Float64Array(H));
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < S; i++) {
        const scores = new Float64Array(S);
        let max = -Infinity;
        for (let j = 0; j < S; j++) {
          let s = 0;
          for (let d = 0; d < dh; d++) s += q[i][h * dh + d] * k[j][h * dh + d];
          scores[j] = j < n ? s / Math.sqrt(dh) : -Infinity;
          max = Math.max(max, scores[j]);
        }
        let sum = 0;
        for (let j = 0; j < S; j++) { scores[j] = Math.exp(scores[j] - max); sum += scores[j]; }
        for (let j = 0; j < S; j++) for (let d = 0; d < dh; d++) ctx[i][h * dh + d] += (scores[j] / sum) * v[j][h * dh + d];
      }
    }
    x = x.map((u, i) => layerNorm(linear(ctx[i], L.o).map((y, kk) => y + u[kk]), L.ln1.gamma, L.ln1.beta));
    x = x.map((u) => {
      const f = linear(u, L.ffn1).map((y) => 0.5 * y * (1 + erf(y / Math.SQRT2)));
      return layerNorm(linear(f, L.ffn2).map((y, kk) => y + u[kk]), L.ln2.gamma, L.ln2.beta);
    });
  }
  return x;
}

describe('model generator', () => {
  const tiny = MODELS.find((m) => m.name === 'tiny-bert')!;
  const cross = MODELS.find((m) => m.name === 'tiny-cross-encoder')!;

  it('the BERT graph computes embeddings, masked attention, GELU FFN, residuals and LayerNorm as specified', async () => {
    const w = randomWeights(tiny.spec, tiny.seed);
    const session = await ort.InferenceSession.create(modelDir('tiny-bert/onnx/model.onnx'));
    const ids = [101, 7592, 2088, 999, 102];
    const types = [0, 0, 0, 1, 1];
    const S = 8; // padded: masked positions must not change the real tokens' outputs
    const pad = (xs: number[], v: number) => BigInt64Array.from([...xs, ...Array(S - xs.length).fill(v)].map(BigInt));
    const out = await session.run({
      input_ids: new ort.Tensor('int64', pad(ids, 0), [1, S]),
      attention_mask: new ort.Tensor('int64', pad(ids.map(() => 1), 0), [1, S]),
      token_type_ids: new ort.Tensor('int64', pad(types, 0), [1, S]),
    });
    const got = out.last_hidden_state.data as Float32Array;
    const ref = forward(tiny.spec, w, ids, types, S);
    for (let t = 0; t < ids.length; t++) expect(maxAbsDiff(got.subarray(t * 32, (t + 1) * 32), ref[t])).toBeLessThan(2e-4);
    await session.release();
  });

  it('the cross-encoder head is tanh pooler + linear on [CLS]', async () => {
    const w = randomWeights(cross.spec, cross.seed);
    const session = await ort.InferenceSession.create(modelDir('tiny-cross-encoder/onnx/model.onnx'));
    const ids = [101, 2054, 102, 3000, 102];
    const types = [0, 0, 0, 1, 1];
    const big = (xs: number[]) => BigInt64Array.from(xs.map(BigInt));
    const out = await session.run({
      input_ids: new ort.Tensor('int64', big(ids), [1, 5]),
      attention_mask: new ort.Tensor('int64', big([1, 1, 1, 1, 1]), [1, 5]),
      token_type_ids: new ort.Tensor('int64', big(types), [1, 5]),
    });
    const cls = forward(cross.spec, w, ids, types)[0];
    const p = w.pooler!;
    const c = w.classifier!;
    const pooled = Array.from({ length: 32 }, (_, o) => Math.tanh(cls.reduce((s, x, i) => s + x * p.w[i * 32 + o], p.b[o])));
    const logit = pooled.reduce((s, x, i) => s + x * c.w[i], c.b[0]);
    expect(Math.abs((out.logits.data as Float32Array)[0] - logit)).toBeLessThan(2e-4);
    await session.release();
  });

  it('writes the real bert-base-uncased vocabulary', () => {
    const vocab = bertUncasedVocab();
    expect(Object.keys(vocab)).toHaveLength(30522);
    expect(vocab).toMatchObject({ '[PAD]': 0, '[unused0]': 1, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, the: 1996, hello: 7592, world: 2088, '##s': 2015 });
  });

  it('is deterministic: regenerating gives byte-identical files', () => {
    const tmp = tempDir();
    try {
      generateModels({ outDir: tmp.dir, tinyOnly: true, force: true });
      const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
      for (const rel of ['tiny-bert/onnx/model.onnx', 'tiny-bert/onnx/model_quantized.onnx', 'tiny-bert/tokenizer.json', 'tiny-cross-encoder/onnx/model.onnx']) {
        expect(hash(join(tmp.dir, rel)), rel).toBe(hash(modelDir(rel)));
      }
      expect(generateModels({ outDir: tmp.dir, tinyOnly: true })).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });
});
