// `abi-sdk train --pairs FILE --base MODEL --out DIR`: trains an embedding adapter on JSONL pairs over a frozen base
// embedder, with a held-out split for early stopping, checkpoints (periodic and on SIGINT) and `--resume`.
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { saveAdapter } from '../../training/adapter-file.js';
import { describeBaseModel } from '../../training/base-model.js';
import { embedTrainingPairs } from '../../training/embedded-pairs.js';
import { dedupePairs, readPairsJsonl, splitPairs } from '../../training/pairs.js';
import { AdapterTrainer } from '../../training/trainer.js';
import type { CliCommand, CommandContext } from '../command.js';
import { openEmbedder, parseBaseSpec } from '../indexing/embedder-spec.js';
import { absolute, nonNegativeInt, positiveInt } from '../options.js';

interface TrainOptions {
  pairs: string;
  base: string;
  out: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  rank?: number;
  hidden?: number;
  apply?: 'both' | 'query';
  temperature?: number;
  validation?: number;
  patience?: number;
  seed?: number;
  checkpointEvery?: number;
  resume?: boolean;
}

function positiveNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.command.opts<TrainOptions>();
  const out = absolute(ctx.cwd, o.out);
  await mkdir(out, { recursive: true });
  const checkpoint = join(out, 'checkpoint.abi-ckpt');
  const { pairs, duplicates, invalid } = dedupePairs(await readPairsJsonl(absolute(ctx.cwd, o.pairs), { signal: ctx.signal }));
  if (duplicates + invalid > 0) ctx.io.stderr(`dropped ${duplicates} duplicate and ${invalid} invalid pairs`);
  const split = splitPairs(pairs, { validationFraction: o.validation ?? 0.1, seed: o.seed ?? 0 });
  const base = await openEmbedder(parseBaseSpec(o.base, ctx.cwd), ctx.signal);
  try {
    const info = await describeBaseModel(base.embedder, { signal: ctx.signal });
    const distinct = (ps: typeof pairs): number => new Set(ps.map((p) => `q\u0000${p.query}`)).size
      + new Set(ps.flatMap((p) => (p.negative === undefined ? [p.positive] : [p.positive, p.negative]))).size;
    const trainTexts = distinct(split.train);
    const bar = ctx.progress('embedding (once: the base model is frozen)', trainTexts + distinct(split.validation), 'texts');
    let reported = 0;
    const report = (offset: number) => (done: number): void => {
      bar.increment(offset + done - reported);
      reported = offset + done;
    };
    const train = await embedTrainingPairs(base.embedder, split.train, { signal: ctx.signal, onProgress: report(0) });
    const validation = await embedTrainingPairs(base.embedder, split.validation, { signal: ctx.signal, onProgress: report(trainTexts) });
    bar.stop();
    const trainer = new AdapterTrainer({
      adapter: { dimension: info.dimension, rank: o.rank ?? 0, hidden: o.hidden ?? 0, apply: o.apply ?? 'both' },
      epochs: o.epochs, batchSize: o.batchSize, learningRate: o.lr, temperature: o.temperature, patience: o.patience, seed: o.seed,
    });
    ctx.io.stderr(`training on ${split.train.length} pairs, ${split.validation.length} held out; checkpoint ${checkpoint}`);
    const result = await trainer.fit(train, {
      validation, signal: ctx.signal, resume: o.resume ?? false,
      checkpoint: { path: checkpoint, everySteps: o.checkpointEvery ?? 0 },
      onEpoch: (r) => ctx.io.stderr(`epoch ${r.epoch + 1}: loss ${r.loss.toFixed(4)}, held-out nDCG@10 ${r.validation!.ndcg.toFixed(4)}, recall@10 ${r.validation!.recall.toFixed(4)}`),
    });
    const after = trainer.evaluate(result.adapter, validation);
    const summary = {
      base: { model: info.model, dimension: info.dimension }, pairs: { train: split.train.length, validation: split.validation.length },
      adapter: trainer.adapterConfig, hyperparameters: trainer.hyperparameters,
      before: result.baseline, after, bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly, steps: result.steps, history: result.history,
    };
    const adapterPath = join(out, 'adapter.abi-adapter');
    await saveAdapter(adapterPath, result.adapter, info, { pairs: pairs.length, bestEpoch: result.bestEpoch, ndcgBefore: result.baseline!.ndcg, ndcgAfter: after.ndcg });
    await writeFile(join(out, 'metrics.json'), `${JSON.stringify(summary, null, 2)}\n`);
    ctx.io.stdout(`adapter ${adapterPath}: held-out nDCG@10 ${result.baseline!.ndcg.toFixed(4)} -> ${after.ndcg.toFixed(4)}, recall@10 ${result.baseline!.recall.toFixed(4)} -> ${after.recall.toFixed(4)}`);
    return 0;
  } catch (err) {
    if (ctx.signal?.aborted && existsSync(checkpoint)) ctx.io.stderr(`stopped; checkpoint saved to ${checkpoint} — rerun with --resume to continue`);
    throw err;
  } finally {
    await base.close();
  }
}

/** `abi-sdk train` */
export const train: CliCommand = {
  register(program, action) {
    program.command('train')
      .description('train an embedding adapter on (query, positive[, negative]) pairs over a frozen base embedder')
      .requiredOption('--pairs <file>', 'JSONL: {"query", "positive", "negative"?} per line')
      .requiredOption('--base <model>', 'base embedder: hashing[:DIM], ollama:MODEL, openai:MODEL, local:MODEL or a local model folder')
      .requiredOption('--out <dir>', 'output folder: adapter.abi-adapter, metrics.json, checkpoint.abi-ckpt')
      .option('--epochs <n>', 'epochs (default 10)', positiveInt('--epochs'))
      .option('--batch-size <n>', 'pairs per step (default 32)', positiveInt('--batch-size'))
      .option('--lr <x>', 'peak learning rate (default 0.002)', positiveNumber('--lr'))
      .option('--rank <n>', 'low-rank update rank; 0 = full matrix (default 0)', nonNegativeInt('--rank'))
      .option('--hidden <n>', 'residual MLP width; 0 = none (default 0)', nonNegativeInt('--hidden'))
      .option('--apply <which>', 'both | query (query: documents keep their base vectors)', (v: string) => {
        if (v !== 'both' && v !== 'query') throw new UsageError(`--apply must be both or query, got "${v}"`);
        return v;
      })
      .option('--temperature <x>', 'softmax temperature (default 0.05)', positiveNumber('--temperature'))
      .option('--validation <fraction>', 'held-out fraction of positives (default 0.1)', positiveNumber('--validation'))
      .option('--patience <n>', 'early-stopping patience in epochs; 0 = off (default 3)', nonNegativeInt('--patience'))
      .option('--seed <n>', 'seed (default 0)', nonNegativeInt('--seed'))
      .option('--checkpoint-every <n>', 'also checkpoint every N steps (always at epoch ends and on Ctrl-C)', positiveInt('--checkpoint-every'))
      .option('--resume', 'continue from OUT/checkpoint.abi-ckpt when it exists')
      .action(action(run));
  },
};
