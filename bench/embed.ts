/**
 * `npm run bench:embed [-- --quick] [-- --threads N]`: local embedding throughput on the generated `minilm-l6` folder
 * (all-MiniLM-L6-v2's shape: 6 layers, hidden 384, 12 heads, FFN 1536, 30,522-word vocab; `npm run models` writes it).
 * `--model NAME` runs another generated folder from `.models` (e.g. `tiny-bert`); `--check` is bench:check's quick
 * form: the tiny model, batch 32 only, one intra-op thread, 8 repetitions, 9 mixed rounds of 256 texts, no
 * fastembed. Writes embed-<variant>.json (bench/results.ts) and embed-<variant>.svg, texts/s by batch size and text
 * length (bench/plot.ts), to `--out` (default bench/results; the README's run: docs/bench).
 *
 * Texts/s at caller batch sizes 1, 32 and 256 on short (1-16 words) and medium (90-110 words) English texts, in one
 * process, with one intra-op thread count for every peer:
 * - abi-sdk `LocalEmbedder` (fp32 and int8): tokenization, length-sorted batching, mean pooling, normalization;
 * - transformers.js 4.3.1 `pipeline('feature-extraction')` with the same pooling and normalization;
 * - raw `InferenceSession.run` on pre-tokenized, pre-padded batches — the same batches abi-sdk runs (the limit: its
 *   ratio is abi-sdk's own overhead) and caller-order batches padded to their longest text (what sorting saves);
 * - fastembed 2.1 (`EmbeddingModel.CUSTOM`) at batch 32 in a child process (it pins onnxruntime-node 1.21, which must
 *   not share a process with 1.30; it pads every batch to the max length, pools CLS and takes no thread option).
 * Then the mixed-length row: a 512-text corpus of 3-70 words passed to abi-sdk in ONE `embed()` call, against
 * transformers.js fed caller-order batches of 32 and a bare loop a user would write with the same libraries
 * (`tokenizers` encodeBatch → sort by length → batches of 32 → int64 tensors → `InferenceSession.run` → mean pooling
 * and L2 normalization in JS). The three alternate call by call over `--rounds` rounds (rotating which goes first);
 * the ratios reported are medians of per-round ratios, and CPU ms (process user + system time, which contention
 * from other processes barely moves) is shown beside wall time. `--mixed` runs only this row.
 * Every peer runs with onnxruntime's thread spin-waiting off (abi-sdk's default): a spinning pool left behind by one
 * peer would otherwise steal cores from the next. Peers are interleaved call by call (one caller batch each, in a
 * rotating order) and each peer's texts/s is its texts over its summed time, so load from other processes on a shared
 * machine spreads evenly over the peers instead of landing on one of them.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import ort from 'onnxruntime-node';
import { Tokenizer } from 'tokenizers';
import { readFileSync } from 'node:fs';
import { MODELS_DIR, generateModels } from '../scripts/generate-models.js';
import { bertUncasedVocab } from '../scripts/models/wordpiece.js';
import { planPaddedBatches, resolveLimits } from '../src/engine/batcher.js';
import { LocalEmbedder } from '../src/engine/local-embedder.js';
import type { TokenizedTexts } from '../src/engine/tokenizer.js';
import { seededRandom as rng } from '../src/internal/random.js';
import { embedSubtitle, writeEmbedPlot, type EmbedPoint } from './plot.js';
import { RESULTS_DIR, machineInfo, writeResults, type PeerRatio } from './results.js';

const check = process.argv.includes('--check');
const quick = check || process.argv.includes('--quick');
const argOf = (name: string): string | undefined => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const mixedOnly = process.argv.includes('--mixed');
const roundsArg = process.argv.indexOf('--rounds');
// --check: the tiny model's calls take milliseconds, so more repetitions and rounds keep its ratios steady.
const MIXED_ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : check ? 9 : quick ? 3 : 5;
const MIXED_N = check ? 256 : 512;
const threadsArg = process.argv.indexOf('--threads');
// --check runs one intra-op thread: a pool of two straggles whenever another process holds a core, which swamps the ratios.
const THREADS = threadsArg > 0 ? Number(process.argv[threadsArg + 1]) : check ? 1 : availableParallelism();
const REPS = check ? 8 : 2;
const MODEL = argOf('--model') ?? (check ? 'tiny-bert' : 'minilm-l6');
const DIR = join(MODELS_DIR, MODEL);
const VARIANT = argOf('--variant') ?? (check ? 'check' : mixedOnly ? 'mixed' : quick ? 'quick' : 'default');
const OUT_DIR = resolve(argOf('--out') ?? RESULTS_DIR);
const t0 = performance.now();

generateModels({ log: (l) => console.error(l), tinyOnly: MODEL.startsWith('tiny-') });

// ---------------------------------------------------------------- texts


// Whole English words of bert-base-uncased, lower ids first (the vocabulary is roughly frequency ordered).
const WORDS = Object.entries(bertUncasedVocab())
  .filter(([w, id]) => id >= 1996 && id < 12000 && /^[a-z]{2,}$/.test(w))
  .map(([w]) => w);

function makeTexts(n: number, minWords: number, maxWords: number, seed: number): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const count = minWords + Math.floor(r() * (maxWords - minWords + 1));
    const words = Array.from({ length: count }, () => WORDS[Math.floor(r() * Math.sqrt(r()) * WORDS.length)]);
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    return `${words.join(' ')}.`;
  });
}

interface Cell { set: 'short' | 'medium'; batch: number; texts: string[]; reps?: number }
const scale = quick ? 0.5 : 1;
const CELLS: Cell[] = mixedOnly ? [] : check ? [
  { set: 'short', batch: 32, texts: makeTexts(256, 1, 16, 2) },
  { set: 'medium', batch: 32, texts: makeTexts(128, 90, 110, 5) },
] : [
  { set: 'short', batch: 1, texts: makeTexts(Math.round(48 * scale), 1, 16, 1) },
  { set: 'short', batch: 32, texts: makeTexts(Math.round(256 * scale), 1, 16, 2) },
  { set: 'short', batch: 256, texts: makeTexts(256 * (quick ? 1 : 2), 1, 16, 3) },
  { set: 'medium', batch: 1, texts: makeTexts(Math.round(16 * scale), 90, 110, 4) },
  { set: 'medium', batch: 32, texts: makeTexts(Math.round(96 * scale), 90, 110, 5) },
  { set: 'medium', batch: 256, texts: makeTexts(256, 90, 110, 6), reps: 1 },
];

// ---------------------------------------------------------------- peers

const chunks = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

const abi = await LocalEmbedder.fromFolder(DIR, { threads: THREADS });
const abi8 = await LocalEmbedder.fromFolder(DIR, { threads: THREADS, dtype: 'int8' });
const noSpin = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
env.allowRemoteModels = false;
env.localModelPath = MODELS_DIR;
const sessionOptions = {
  intraOpNumThreads: THREADS, interOpNumThreads: 1, executionMode: 'sequential' as const, graphOptimizationLevel: 'all' as const, extra: noSpin,
};
const tjs = await pipeline('feature-extraction', MODEL, { dtype: 'fp32', session_options: sessionOptions });
const raw = await ort.InferenceSession.create(join(DIR, 'onnx/model.onnx'), sessionOptions);

/** Raw ORT feeds for one caller batch: the batches abi-sdk would run (`sorted`) or one batch padded to its longest text. */
function prebuild(tokens: TokenizedTexts, idx: number[], sorted: boolean): Record<string, ort.Tensor>[] {
  const lens = Int32Array.from(idx, (i) => tokens.offsets[i + 1] - tokens.offsets[i]);
  let groups = [idx];
  if (sorted) {
    const plan = planPaddedBatches(lens, resolveLimits({}));
    groups = plan.batches.map((b) => Array.from(plan.order.subarray(b.from, b.to), (k) => idx[k]));
  }
  return groups.map((g) => {
    const S = Math.max(...g.map((i) => tokens.offsets[i + 1] - tokens.offsets[i]));
    const ids = new BigInt64Array(g.length * S);
    const mask = new BigInt64Array(g.length * S);
    g.forEach((i, r) => {
      for (let t = tokens.offsets[i]; t < tokens.offsets[i + 1]; t++) {
        ids[r * S + t - tokens.offsets[i]] = BigInt(tokens.ids[t]);
        mask[r * S + t - tokens.offsets[i]] = 1n;
      }
    });
    const dims = [g.length, S];
    return {
      input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(g.length * S), dims),
    };
  });
}

type Peer = 'abi' | 'abi8' | 'tjs' | 'rawSame' | 'rawCaller';
const PEERS: Peer[] = ['abi', 'abi8', 'tjs', 'rawSame', 'rawCaller'];

/** One caller batch, ready for every peer. */
interface Round { texts: string[]; same: Record<string, ort.Tensor>[]; caller: Record<string, ort.Tensor>[] }

/** CPU ms (user + system) each peer spent in the cells, beside wall time: other processes' load barely moves it. */
let cellCpu: Record<Peer, number> = Object.fromEntries(PEERS.map((p) => [p, 0])) as Record<Peer, number>;

async function runPeer(peer: Peer, round: Round): Promise<number> {
  const cpu = process.cpuUsage();
  try {
    return await runPeerWall(peer, round);
  } finally {
    const used = process.cpuUsage(cpu);
    cellCpu[peer] += (used.user + used.system) / 1000;
  }
}

async function runPeerWall(peer: Peer, round: Round): Promise<number> {
  const start = performance.now();
  if (peer === 'abi') await abi.embed(round.texts);
  else if (peer === 'abi8') await abi8.embed(round.texts);
  else if (peer === 'tjs') await tjs(round.texts, { pooling: 'mean', normalize: true });
  else for (const f of peer === 'rawSame' ? round.same : round.caller) await raw.run(f);
  return performance.now() - start;
}

async function roundsOf(texts: string[], batch: number): Promise<Round[]> {
  const tokens = await abi.tokenize(texts);
  return chunks(texts.map((_, i) => i), batch).map((idx) => ({
    texts: idx.map((i) => texts[i]), same: prebuild(tokens, idx, true), caller: prebuild(tokens, idx, false),
  }));
}

// Warm-up: one call per peer.
for (const round of await roundsOf(makeTexts(8, 4, 8, 99), 4)) for (const p of PEERS) await runPeer(p, round);

const results = new Map<Cell, Record<Peer, number>>();
const cpuResults = new Map<Cell, Record<Peer, number>>();
let turn = 0;
for (const cell of CELLS) {
  const rounds = await roundsOf(cell.texts, cell.batch);
  const spent = Object.fromEntries(PEERS.map((p) => [p, 0])) as Record<Peer, number>;
  cellCpu = Object.fromEntries(PEERS.map((p) => [p, 0])) as Record<Peer, number>;
  const reps = cell.reps ?? REPS;
  for (let rep = 0; rep < reps; rep++) {
    for (const round of rounds) {
      turn++;
      for (let k = 0; k < PEERS.length; k++) {
        const p = PEERS[(k + turn) % PEERS.length];
        spent[p] += await runPeer(p, round);
      }
    }
  }
  const rate = Object.fromEntries(PEERS.map((p) => [p, (reps * cell.texts.length) / (spent[p] / 1000)])) as Record<Peer, number>;
  results.set(cell, rate);
  cpuResults.set(cell, cellCpu);
  const tokens = rounds.reduce((s, r) => s + r.caller.reduce((t, f) => t + Number(f.attention_mask.data.length), 0), 0);
  console.error(`bench:embed: ${cell.set} x${cell.batch} (${cell.texts.length} texts, ${(tokens / cell.texts.length).toFixed(0)} padded tokens/text in caller order) done at ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

// ---------------------------------------------------------------- mixed-length corpus in one call

const MIXED = makeTexts(MIXED_N, 3, 70, 7);
const bareTokenizer = Tokenizer.fromString(readFileSync(join(DIR, 'tokenizer.json'), 'utf8'));
bareTokenizer.disablePadding();
bareTokenizer.setTruncation(abi.maxLength);

/** The plain loop: tokenize, sort by length, batches of 32, int64 feeds, run, mean-pool and normalize in JS. */
async function bareLoop(texts: string[]): Promise<Float32Array[]> {
  const encodings = await bareTokenizer.encodeBatch(texts);
  const ids = encodings.map((e) => e.getIds());
  const order = ids.map((_, i) => i).sort((a, b) => ids[b].length - ids[a].length);
  const out = new Array<Float32Array>(texts.length);
  for (let s = 0; s < order.length; s += 32) {
    const group = order.slice(s, s + 32);
    const S = Math.max(...group.map((i) => ids[i].length));
    const inputIds = new BigInt64Array(group.length * S);
    const mask = new BigInt64Array(group.length * S);
    group.forEach((i, r) => ids[i].forEach((id, t) => { inputIds[r * S + t] = BigInt(id); mask[r * S + t] = 1n; }));
    const dims = [group.length, S];
    const result = await raw.run({
      input_ids: new ort.Tensor('int64', inputIds, dims), attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(group.length * S), dims),
    });
    const hidden = result.last_hidden_state.data as Float32Array;
    const H = hidden.length / (group.length * S);
    group.forEach((i, r) => {
      const v = new Float32Array(H);
      const L = ids[i].length;
      for (let t = 0; t < L; t++) for (let h = 0; h < H; h++) v[h] += hidden[(r * S + t) * H + h];
      let norm = 0;
      for (let h = 0; h < H; h++) { v[h] /= L; norm += v[h] * v[h]; }
      const inv = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (let h = 0; h < H; h++) v[h] *= inv;
      out[i] = v;
    });
  }
  return out;
}

type MixedPeer = 'abi' | 'tjs' | 'bare';
const MIXED_PEERS: MixedPeer[] = ['abi', 'tjs', 'bare'];
const mixedRun: Record<MixedPeer, () => Promise<unknown>> = {
  abi: () => abi.embed(MIXED),
  tjs: async () => { for (const c of chunks(MIXED, 32)) await tjs(c, { pooling: 'mean', normalize: true }); },
  bare: () => bareLoop(MIXED),
};
// The bare loop must compute what abi-sdk computes, or the comparison means nothing.
{
  const [a, b] = await Promise.all([abi.embed(MIXED.slice(0, 64)), bareLoop(MIXED.slice(0, 64))]);
  const worst = Math.min(...a.map((v, i) => v.reduce((s, x, h) => s + x * b[i][h], 0)));
  if (!(worst > 0.9999)) throw new Error(`bench:embed: the bare loop disagrees with abi-sdk (min cosine ${worst})`);
}
const mixedWall: Record<MixedPeer, number[]> = { abi: [], tjs: [], bare: [] };
const mixedCpu: Record<MixedPeer, number[]> = { abi: [], tjs: [], bare: [] };
for (const p of MIXED_PEERS) await mixedRun[p](); // warm-up: arenas and JIT
for (let round = 0; round < MIXED_ROUNDS; round++) {
  for (let k = 0; k < MIXED_PEERS.length; k++) {
    const p = MIXED_PEERS[(k + round) % MIXED_PEERS.length];
    const cpu = process.cpuUsage();
    const start = performance.now();
    await mixedRun[p]();
    mixedWall[p].push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    mixedCpu[p].push((used.user + used.system) / 1000);
  }
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const perRound = (num: MixedPeer, den: MixedPeer): number => median(mixedWall[num].map((w, i) => w / mixedWall[den][i]));
const mixedTokens = (await abi.tokenize(MIXED)).ids.length;
console.error(`bench:embed: mixed corpus (${MIXED_N} texts, ${(mixedTokens / MIXED_N).toFixed(0)} tokens/text) done at ${((performance.now() - t0) / 1000).toFixed(0)} s`);

// fastembed, batch 32, in its own process.
let fastembed: Record<string, number> | undefined;
let fastembedNote = '';
if (!mixedOnly && !check) {
  const sets = Object.fromEntries(CELLS.filter((c) => c.batch === 32).map((c) => [c.set, c.texts.slice(0, quick ? 32 : 64)]));
  const child = spawnSync(process.execPath, [join(import.meta.dirname, 'embed-fastembed.mjs')], {
    input: JSON.stringify({ dir: DIR, sets, batch: 32, reps: 1, maxLength: abi.maxLength }), encoding: 'utf8', timeout: 600_000,
  });
  if (child.status === 0) fastembed = JSON.parse(child.stdout) as Record<string, number>;
  else fastembedNote = (child.stderr || String(child.error)).split('\n').find((l) => l.trim()) ?? 'failed';
}

// ---------------------------------------------------------------- table

const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const header = ['texts', 'batch', 'abi-sdk fp32', 'abi-sdk int8', 'transformers.js', 'raw ORT (same batches)', 'raw ORT (caller order)',
  'fastembed', 'abi / transformers.js', 'abi time / raw time', 'int8 / fp32'];
const rows = [...results].map(([cell, r]) => [
  cell.set, String(cell.batch), f(r.abi), f(r.abi8), f(r.tjs), f(r.rawSame), f(r.rawCaller),
  cell.batch === 32 && fastembed ? f(fastembed[cell.set]) : '—',
  `${(r.abi / r.tjs).toFixed(2)}x`, (r.rawSame / r.abi).toFixed(2), `${(r.abi8 / r.abi).toFixed(2)}x`,
]);
console.log(`\nbench:embed — ${MODEL} (random weights, real shape), texts/s, ${THREADS} intra-op threads, Node ${process.version}, ` +
  `${((performance.now() - t0) / 1000).toFixed(0)} s total${quick ? ' (--quick)' : ''}\n`);
if (rows.length > 0) {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}
if (!fastembed && !mixedOnly && !check) console.log(`\nfastembed: not measured (${fastembedNote})`);

const mixedHeader = ['peer', 'texts/s (median)', 'wall ms per round (median)', 'CPU ms per round (median)', 'abi-sdk speed-up (median of rounds)'];
const mixedRows = MIXED_PEERS.map((p) => [
  p === 'abi' ? 'abi-sdk, one embed() call' : p === 'tjs' ? 'transformers.js, batches of 32' : 'bare tokenizers + ORT loop, sorted batches of 32',
  f(MIXED_N / (median(mixedWall[p]) / 1000)), median(mixedWall[p]).toFixed(0), median(mixedCpu[p]).toFixed(0),
  p === 'abi' ? '—' : `${perRound(p, 'abi').toFixed(2)}x`,
]);
console.log(`\nMixed-length corpus: ${MIXED_N} texts of 3-70 words (${(mixedTokens / MIXED_N).toFixed(0)} tokens/text), fp32, ${MIXED_ROUNDS} alternating rounds\n`);
console.log(`| ${mixedHeader.join(' | ')} |`);
console.log(`|${mixedHeader.map(() => '---').join('|')}|`);
for (const row of mixedRows) console.log(`| ${row.join(' | ')} |`);
console.log(`\nabi-sdk / transformers.js ${perRound('tjs', 'abi').toFixed(2)}x, abi-sdk / bare loop ${perRound('bare', 'abi').toFixed(2)}x (wall, median of per-round ratios); ` +
  `CPU time ${(median(mixedCpu.tjs) / median(mixedCpu.abi)).toFixed(2)}x and ${(median(mixedCpu.bare) / median(mixedCpu.abi)).toFixed(2)}x.`);
if (rows.length > 0) console.log('\nabi time / raw time: abi-sdk wall time over raw InferenceSession.run on the same pre-padded batches (1.00 = no overhead).');
if (rows.length > 0 && !check) console.log('fastembed pads every batch to the max length and pools CLS; it runs with onnxruntime-node 1.21 defaults (threads = cores).');

// ---------------------------------------------------------------- results JSON and plot

const NAMES: Record<Peer, string> = {
  abi: 'abi-sdk fp32', abi8: 'abi-sdk int8', tjs: 'transformers.js', rawSame: 'raw ORT (same batches)', rawCaller: 'raw ORT (caller order)',
};
const points: EmbedPoint[] = [...results].flatMap(([cell, r]) => [
  ...PEERS.map((p) => ({ set: cell.set, batch: cell.batch, system: NAMES[p], textsPerS: r[p] })),
  ...(cell.batch === 32 && fastembed ? [{ set: cell.set, batch: cell.batch, system: 'fastembed', textsPerS: fastembed[cell.set] }] : []),
]);
const ratios: Record<string, PeerRatio> = {};
for (const [cell, r] of results) {
  const at = `${cell.set} texts, caller batch ${cell.batch}`;
  ratios[`embed.${cell.set}.b${cell.batch}.vs_transformers`] = { value: r.abi / r.tjs, peer: 'transformers.js', what: `${at}: abi-sdk fp32 texts/s / transformers.js texts/s` };
  const cpu = cpuResults.get(cell)!;
  ratios[`embed.${cell.set}.b${cell.batch}.vs_transformers_cpu`] = { value: cpu.tjs / cpu.abi, peer: 'transformers.js', what: `${at}: transformers.js CPU time / abi-sdk fp32 CPU time for the same texts` };
  ratios[`embed.${cell.set}.b${cell.batch}.vs_raw_ort`] = { value: r.abi / r.rawSame, peer: 'onnxruntime-node', what: `${at}: abi-sdk fp32 texts/s / raw InferenceSession.run on the same batches (1 = no overhead)` };
}
ratios['embed.mixed.vs_transformers'] = { value: perRound('tjs', 'abi'), peer: 'transformers.js', what: `mixed-length corpus (${MIXED_N} texts) in one embed() call / transformers.js in caller batches of 32: median of per-round wall-time ratios` };
const perRoundCpu = (num: MixedPeer, den: MixedPeer): number => median(mixedCpu[num].map((c, i) => c / mixedCpu[den][i]));
ratios['embed.mixed.vs_transformers_cpu'] = { value: perRoundCpu('tjs', 'abi'), peer: 'transformers.js', what: `mixed-length corpus: transformers.js CPU time / abi-sdk CPU time, median of per-round ratios` };
ratios['embed.mixed.vs_bare_loop_cpu'] = { value: perRoundCpu('bare', 'abi'), peer: 'tokenizers + onnxruntime-node', what: `mixed-length corpus: bare loop CPU time / abi-sdk CPU time, median of per-round ratios` };
ratios['embed.mixed.vs_bare_loop'] = { value: perRound('bare', 'abi'), peer: 'tokenizers + onnxruntime-node', what: `mixed-length corpus: abi-sdk / a bare tokenizers + ORT loop over sorted batches of 32, median of per-round wall-time ratios` };
writeResults('embed', {
  dir: OUT_DIR, variant: VARIANT, started: t0, ratios,
  packages: ['onnxruntime-node', '@huggingface/transformers', 'tokenizers', 'fastembed'],
  figures: {
    model: MODEL, threads: THREADS, points, cpuMs: Object.fromEntries([...cpuResults].map(([c, r]) => [`${c.set}/${c.batch}`, r])), fastembed: fastembed ?? null, fastembedNote,
    mixed: { texts: MIXED_N, tokensPerText: mixedTokens / MIXED_N, rounds: MIXED_ROUNDS, wallMs: mixedWall, cpuMs: mixedCpu },
  },
});
if (points.length > 0) console.error(`bench:embed: plot written to ${await writeEmbedPlot(points, join(OUT_DIR, `embed-${VARIANT}.svg`), embedSubtitle(MODEL, THREADS, new Date().toISOString(), machineInfo()))}`);

await Promise.all([abi.close(), abi8.close(), tjs.dispose(), raw.release()]);
