/**
 * The training loop's shared types: its hyper-parameters, one epoch's figures, and the loop state a checkpoint
 * stores. Kept apart so that the trainer and its checkpoint file format both import them and neither imports the
 * other.
 *
 * @module
 */
import type { RetrievalMetrics } from './metrics.js';
import type { AdamWState } from './optimizer.js';

/** Optimisation hyper-parameters; every field has a default. */
export interface TrainingHyperparameters {
  /** Passes over the training pairs. @defaultValue 10 */
  epochs?: number;
  /** Pairs per step; the other pairs' positives are each query's in-batch negatives. @defaultValue 32 */
  batchSize?: number;
  /** Peak learning rate. @defaultValue 0.002 */
  learningRate?: number;
  /** AdamW decoupled weight decay (towards the identity adapter). @defaultValue 0.01 */
  weightDecay?: number;
  /** Fraction of all steps spent in linear warm-up. @defaultValue 0.1 */
  warmupRatio?: number;
  /** Final learning rate of the cosine decay, as a fraction of the peak. @defaultValue 0 */
  minLearningRateRatio?: number;
  /** Softmax temperature of the ranking loss (sentence-transformers' scale 20 = 0.05). @defaultValue 0.05 */
  temperature?: number;
  /** Global gradient-norm clip; 0 disables. @defaultValue 1 */
  maxGradNorm?: number;
  /** Epochs without a better validation nDCG@10 before stopping; 0 disables early stopping. @defaultValue 3 */
  patience?: number;
  /** Seed for initial weights and batch order. @defaultValue 0 */
  seed?: number;
  /** Adam β1. @defaultValue 0.9 */
  beta1?: number;
  /** Adam β2. @defaultValue 0.999 */
  beta2?: number;
  /** Adam ε. @defaultValue 1e-8 */
  epsilon?: number;
}

/** One epoch's figures, as reported to `onEpoch` and in {@link FitResult.history}. */
export interface EpochRecord {
  /** 0-based epoch. */
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Learning rate at the epoch's last step. */
  learningRate: number;
  /** Held-out metrics after the epoch, when validation data was given. */
  validation: RetrievalMetrics | undefined;
}

/** Mutable loop state; exactly what a checkpoint stores. @internal */
export interface LoopState {
  parameters: Float32Array;
  optimizer: AdamWState;
  /** Optimizer steps done. */
  step: number;
  /** Current epoch. */
  epoch: number;
  /** Next batch inside the current epoch. */
  batch: number;
  /** Sum of losses over the current epoch's finished batches. */
  epochLoss: number;
  bestScore: number;
  bestEpoch: number;
  bestParameters: Float32Array;
  badEpochs: number;
  history: EpochRecord[];
  done: boolean;
}
