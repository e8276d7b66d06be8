// Writes the model folders tests and benchmarks use (no downloads exist here): real-architecture BERT graphs with
// deterministic random weights, a real WordPiece vocabulary, and the Hugging Face / sentence-transformers config files.
//
//   npm run models                 # every model into .models/
//   npm run models -- --tiny       # only the tiny ones (tests)
//   npm run models -- --force      # rewrite even when up to date
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BertSpec, type Variant, bertModel, randomWeights } from './models/bert.js';
import { encodeModel } from './models/onnx-proto.js';
import { bertSpecialTokensMap, bertTokenizerConfig, bertTokenizerJson, bertUncasedVocab } from './models/wordpiece.js';

/** Bump when the output changes, so stale folders are rewritten. */
const GENERATOR_VERSION = 2;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Default output folder (git-ignored). */
export const MODELS_DIR = join(ROOT, '.models');

type Pooling = 'mean' | 'cls' | 'max' | 'lasttoken';

interface ModelDef {
  name: string;
  size: 'tiny' | 'bench';
  spec: BertSpec;
  seed: number;
  variants: { variant: Variant; file: string }[];
  /** sentence-transformers pooling; absent for cross-encoders. */
  pooling?: Pooling;
  normalize?: boolean;
  maxSeqLength?: number;
  modelMaxLength: number;
  paddingSide?: 'left' | 'right';
  prompts?: Record<string, string>;
  /** Writes tokenizer.json's truncation/padding sections as HF exports do (the engine must override them). */
  exportedTruncation?: number;
}

const TINY: BertSpec = {
  vocabSize: 30522, hidden: 32, layers: 2, heads: 4, intermediate: 128, maxPositions: 128, typeVocabSize: 2,
  numLabels: 0, tokenTypeInput: true, layerNormEps: 1e-12,
};
const MINILM: BertSpec = {
  vocabSize: 30522, hidden: 384, layers: 6, heads: 12, intermediate: 1536, maxPositions: 512, typeVocabSize: 2,
  numLabels: 0, tokenTypeInput: true, layerNormEps: 1e-12,
};
const ALL_VARIANTS = [
  { variant: 'fp32', file: 'onnx/model.onnx' },
  { variant: 'int8', file: 'onnx/model_quantized.onnx' },
  { variant: 'fp16', file: 'onnx/model_fp16.onnx' },
] as const;

/** Every generated model. */
export const MODELS: ModelDef[] = [
  // all-MiniLM-L6-v2's layout: mean pooling + Normalize module, onnx/ folder with variants.
  { name: 'tiny-bert', size: 'tiny', spec: TINY, seed: 1, variants: [...ALL_VARIANTS], pooling: 'mean', normalize: true,
    maxSeqLength: 128, modelMaxLength: 128 },
  // e5-style: CLS pooling, prompts, no token_type_ids input, model.onnx at the root, a shorter sentence-transformers
  // max length than the tokenizer's, and tokenizer.json carrying fixed padding/truncation from its export.
  { name: 'tiny-bert-prompts', size: 'tiny', spec: { ...TINY, tokenTypeInput: false }, seed: 2,
    variants: [{ variant: 'fp32', file: 'model.onnx' }], pooling: 'cls', normalize: false, maxSeqLength: 64,
    modelMaxLength: 128, prompts: { query: 'query: ', document: 'passage: ' }, exportedTruncation: 128 },
  // Decoder-style: last-token pooling, left padding, `position_ids` fed by the caller (so padding does not shift them).
  { name: 'tiny-bert-lasttoken', size: 'tiny', spec: { ...TINY, positionIdsInput: true }, seed: 3, variants: [{ variant: 'fp32', file: 'onnx/model.onnx' }],
    pooling: 'lasttoken', normalize: true, maxSeqLength: 128, modelMaxLength: 128, paddingSide: 'left' },
  // ms-marco-MiniLM cross-encoder layout: BertForSequenceClassification with one logit.
  { name: 'tiny-cross-encoder', size: 'tiny', spec: { ...TINY, numLabels: 1 }, seed: 4,
    variants: [ALL_VARIANTS[0], ALL_VARIANTS[1]], modelMaxLength: 128 },
  { name: 'minilm-l6', size: 'bench', spec: MINILM, seed: 11, variants: [ALL_VARIANTS[0], ALL_VARIANTS[1]], pooling: 'mean',
    normalize: true, maxSeqLength: 256, modelMaxLength: 512, exportedTruncation: 128 },
  { name: 'minilm-l6-cross-encoder', size: 'bench', spec: { ...MINILM, numLabels: 1 }, seed: 12,
    variants: [ALL_VARIANTS[0], ALL_VARIANTS[1]], modelMaxLength: 512 },
];

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function configJson(def: ModelDef): unknown {
  const s = def.spec;
  const cross = s.numLabels > 0;
  return {
    _name_or_path: def.name,
    architectures: [cross ? 'BertForSequenceClassification' : 'BertModel'],
    attention_probs_dropout_prob: 0.1,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: s.hidden,
    initializer_range: 0.02,
    intermediate_size: s.intermediate,
    layer_norm_eps: s.layerNormEps,
    max_position_embeddings: s.maxPositions,
    model_type: 'bert',
    num_attention_heads: s.heads,
    num_hidden_layers: s.layers,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    type_vocab_size: s.typeVocabSize,
    vocab_size: s.vocabSize,
    ...(cross ? { id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 } } : {}),
  };
}

function writeSentenceTransformers(dir: string, def: ModelDef): void {
  const modules = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ];
  if (def.normalize) modules.push({ idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' });
  writeJson(join(dir, 'modules.json'), modules);
  const p = def.pooling;
  writeJson(join(dir, '1_Pooling/config.json'), {
    word_embedding_dimension: def.spec.hidden,
    pooling_mode_cls_token: p === 'cls',
    pooling_mode_mean_tokens: p === 'mean',
    pooling_mode_max_tokens: p === 'max',
    pooling_mode_mean_sqrt_len_tokens: false,
    pooling_mode_weightedmean_tokens: false,
    pooling_mode_lasttoken: p === 'lasttoken',
    include_prompt: true,
  });
  writeJson(join(dir, 'sentence_bert_config.json'), { max_seq_length: def.maxSeqLength, do_lower_case: false });
  writeJson(join(dir, 'config_sentence_transformers.json'), {
    __version__: { sentence_transformers: '3.0.1', transformers: '4.41.2', pytorch: '2.3.0' },
    prompts: def.prompts ?? {},
    default_prompt_name: null,
    similarity_fn_name: 'cosine',
  });
}

function stampOf(def: ModelDef): string {
  return JSON.stringify({ v: GENERATOR_VERSION, def });
}

/** Writes one model folder atomically (temp folder, then rename). */
function writeModel(outDir: string, def: ModelDef, vocab: Record<string, number>): void {
  const final = join(outDir, def.name);
  const dir = `${final}.tmp-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const weights = randomWeights(def.spec, def.seed);
  for (const { variant, file } of def.variants) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, encodeModel(bertModel(def.spec, weights, variant, def.name)));
  }
  writeJson(join(dir, 'config.json'), configJson(def));
  writeJson(join(dir, 'tokenizer.json'), bertTokenizerJson(vocab, { exportedTruncation: def.exportedTruncation }));
  writeJson(join(dir, 'tokenizer_config.json'), bertTokenizerConfig(def.modelMaxLength, def.paddingSide));
  writeJson(join(dir, 'special_tokens_map.json'), bertSpecialTokensMap);
  if (def.pooling) writeSentenceTransformers(dir, def);
  writeFileSync(join(dir, '.generator-stamp'), stampOf(def));
  rmSync(final, { recursive: true, force: true });
  renameSync(dir, final);
}

/** Options of {@link generateModels}. */
export interface GenerateOptions {
  outDir?: string;
  /** Only the tiny test models. */
  tinyOnly?: boolean;
  /** Rewrite folders even when their stamp is current. */
  force?: boolean;
  log?: (line: string) => void;
}

/** Generates the models that are missing or stale; returns the names written. */
export function generateModels(opts: GenerateOptions = {}): string[] {
  const outDir = opts.outDir ?? MODELS_DIR;
  const written: string[] = [];
  let vocab: Record<string, number> | undefined;
  for (const def of MODELS) {
    if (opts.tinyOnly && def.size !== 'tiny') continue;
    const stampFile = join(outDir, def.name, '.generator-stamp');
    if (!opts.force && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stampOf(def)) continue;
    const t0 = performance.now();
    vocab ??= bertUncasedVocab();
    writeModel(outDir, def, vocab);
    written.push(def.name);
    opts.log?.(`models: wrote ${join(outDir, def.name)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = new Set(process.argv.slice(2));
  const outArg = process.argv.find((a) => a.startsWith('--out='));
  const written = generateModels({
    tinyOnly: args.has('--tiny'), force: args.has('--force'), outDir: outArg ? resolve(outArg.slice(6)) : undefined,
    log: (l) => console.log(l),
  });
  if (written.length === 0) console.log('models: up to date');
}
