/**
 * Training checkpoints: the whole loop state (parameters, AdamW moments, step, epoch, position inside the epoch,
 * early-stopping state, history) in a checksummed tensor file, with a fingerprint of the run's configuration and
 * data. Restoring it continues the run bit for bit: batch orders are derived from (seed, epoch), not from stored RNG
 * state, and every number is stored at full precision. A damaged file is a `CorruptDataError` and a checkpoint from
 * another run a `ConflictError` — never a silent restart from scratch.
 *
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import { ConflictError, CorruptDataError } from '../core/errors.js';
import type { ResolvedAdapterConfig } from './adapter.js';
import type { AdamWState } from './optimizer.js';
import { readTensorFile, writeTensorFile } from './tensor-file.js';
import type { EpochRecord, LoopState, TrainingHyperparameters } from './types.js';

const MAGIC = 'ABICKPT';
const VERSION = 1;

/** What a checkpoint records about the run it belongs to. @internal */
export interface TrainerCheckpoint {
  fingerprint: {
    adapter: ResolvedAdapterConfig;
    hyperparameters: Required<TrainingHyperparameters>;
    train: string;
    validation: string | null;
  };
}

/** Writes the loop state atomically. @internal */
export async function writeCheckpoint(path: string, fingerprint: TrainerCheckpoint['fingerprint'], s: LoopState): Promise<void> {
  await writeTensorFile(path, MAGIC, VERSION, {
    kind: 'abi-sdk adapter training checkpoint',
    fingerprint,
    step: s.step, epoch: s.epoch, batch: s.batch, epochLoss: s.epochLoss, optimizerT: s.optimizer.t,
    bestScore: Number.isFinite(s.bestScore) ? s.bestScore : null, bestEpoch: s.bestEpoch, badEpochs: s.badEpochs,
    history: s.history, done: s.done,
  }, { parameters: s.parameters, bestParameters: s.bestParameters, m: s.optimizer.m, v: s.optimizer.v });
}

/**
 * Reads a checkpoint and checks it belongs to the run described by `fingerprint`.
 *
 * @throws {@link NotFoundError} when there is no checkpoint at `path`
 * @throws {@link CorruptDataError} when it is damaged or incomplete
 * @throws {@link ConflictError} when it was written by a run with another configuration or data
 * @internal
 */
export async function readCheckpoint(path: string, fingerprint: TrainerCheckpoint['fingerprint']): Promise<LoopState> {
  const file = await readTensorFile(path, MAGIC, VERSION, 'training checkpoint');
  const m = file.meta;
  if (!isDeepStrictEqual(m.fingerprint, fingerprint)) {
    throw new ConflictError(`training checkpoint ${path} was written by a run with a different adapter, hyper-parameters or data; delete it or start without resume`);
  }
  const bad = (why: string): CorruptDataError => new CorruptDataError(`training checkpoint is corrupt: ${why}`, path);
  const arr = <T>(name: string, ctor: new (n: number) => T): T => {
    const a = file.arrays.get(name);
    if (!(a instanceof (ctor as unknown as typeof Float32Array))) throw bad(`missing array ${name}`);
    return a as T;
  };
  const parameters = arr('parameters', Float32Array);
  const bestParameters = arr('bestParameters', Float32Array);
  const optimizer: AdamWState = { m: arr('m', Float64Array), v: arr('v', Float64Array), t: m.optimizerT as number };
  if (bestParameters.length !== parameters.length || optimizer.m.length !== parameters.length || optimizer.v.length !== parameters.length) {
    throw bad('array lengths disagree');
  }
  const ints = ['step', 'epoch', 'batch', 'optimizerT', 'bestEpoch', 'badEpochs'] as const;
  for (const k of ints) if (!Number.isInteger(m[k])) throw bad(`"${k}" is not an integer`);
  if (typeof m.epochLoss !== 'number' || !Array.isArray(m.history) || typeof m.done !== 'boolean') throw bad('missing loop state');
  return {
    parameters, optimizer, bestParameters,
    step: m.step as number, epoch: m.epoch as number, batch: m.batch as number, epochLoss: m.epochLoss,
    bestScore: m.bestScore === null ? -Infinity : (m.bestScore as number), bestEpoch: m.bestEpoch as number,
    badEpochs: m.badEpochs as number, history: m.history as EpochRecord[], done: m.done,
  };
}
