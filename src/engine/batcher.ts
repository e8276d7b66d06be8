// Length-sorted, token-budgeted batching: sort sequences by token count, cut the sorted run into batches that cost
// the least padded work (rows x longest row, plus a fixed cost per model call) within a token budget and a row cap,
// pad each batch only to its own longest row, and write the feeds into reusable buffers. The caller restores input
// order through `order`.
import { ValidationError } from '../core/errors.js';
import type { TokenizedTexts } from './tokenizer.js';

/** One batch of a {@link BatchPlan}: rows `order[from .. to)`, padded to `seqLen`. @internal */
export interface PlannedBatch {
  from: number;
  to: number;
  seqLen: number;
}

/** Sequences in processing order and the batches cut from them. @internal */
export interface BatchPlan {
  /** Sequence indices sorted by token count, longest first (stable: equal lengths keep input order). */
  order: Int32Array;
  batches: PlannedBatch[];
}

/** Batching limits. */
export interface LocalBatchingOptions {
  /**
   * Most padded tokens (rows x longest row) in one model call; bounds activation memory. A single sequence longer than
   * this still runs, alone.
   * @defaultValue 16384
   */
  maxBatchTokens?: number;
  /**
   * Most sequences in one model call.
   * @defaultValue 64
   */
  maxBatchSize?: number;
  /**
   * The fixed cost of one model call, in padded-token equivalents, used to decide where to cut batches: a lower value
   * cuts more (less padding, more calls), a higher one fills batches up to the limits. CPUs pay little per call; GPUs
   * pay more.
   * @defaultValue 32
   */
  batchOverheadTokens?: number;
}

/** Resolved batching limits with their defaults. @internal */
export function resolveLimits(limits: LocalBatchingOptions | undefined): Required<LocalBatchingOptions> {
  const maxBatchTokens = limits?.maxBatchTokens ?? 16384;
  const maxBatchSize = limits?.maxBatchSize ?? 64;
  const batchOverheadTokens = limits?.batchOverheadTokens ?? 32;
  if (typeof batchOverheadTokens !== 'number' || !(batchOverheadTokens >= 0) || batchOverheadTokens === Infinity) {
    throw new ValidationError(`batchOverheadTokens must be a finite number ≥ 0, got ${String(batchOverheadTokens)}`);
  }
  if (!Number.isInteger(maxBatchTokens) || maxBatchTokens < 1) {
    throw new ValidationError(`maxBatchTokens must be a positive integer, got ${String(maxBatchTokens)}`);
  }
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new ValidationError(`maxBatchSize must be a positive integer, got ${String(maxBatchSize)}`);
  }
  return { maxBatchTokens, maxBatchSize, batchOverheadTokens };
}

/**
 * Plans batches over sequences of the given lengths. Sequences of length 0 count as 1 (they run as one padded slot).
 * Batches are contiguous runs of the longest-first order; where to cut is chosen by dynamic programming to minimise
 * `sum(batchOverheadTokens + rows x seqLen)` under the limits — O(n x maxBatchSize).
 *
 * @internal
 */
export function planPaddedBatches(lengths: Int32Array, limits: Required<LocalBatchingOptions>): BatchPlan {
  const n = lengths.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Typed-array sort with a comparator is stable in V8 (TimSort); longest first.
  order.sort((a, b) => lengths[b] - lengths[a]);
  const len = (k: number): number => Math.max(1, lengths[order[k]]);
  // best[j]: least cost of the first j sorted sequences; cut[j]: where the last batch of that solution starts.
  const best = new Float64Array(n + 1);
  const cut = new Int32Array(n + 1);
  for (let j = 1; j <= n; j++) {
    best[j] = Infinity;
    const lowest = Math.max(0, j - limits.maxBatchSize);
    for (let i = j - 1; i >= lowest; i--) {
      const rows = j - i;
      const padded = rows * len(i);
      if (rows > 1 && padded > limits.maxBatchTokens) break; // longer rows only start earlier: larger still
      const cost = best[i] + limits.batchOverheadTokens + padded;
      if (cost <= best[j]) { // on ties prefer the larger batch (fewer calls)
        best[j] = cost;
        cut[j] = i;
      }
    }
  }
  const batches: PlannedBatch[] = [];
  for (let j = n; j > 0; j = cut[j]) batches.push({ from: cut[j], to: j, seqLen: len(cut[j]) });
  batches.reverse();
  return { order, batches };
}

/** Which feeds the graph takes and their integer type. @internal */
export interface FeedLayout {
  intType: 'int64' | 'int32';
  tokenTypeIds: boolean;
  positionIds: boolean;
  padId: number;
  paddingSide: 'left' | 'right';
}

/** Flat feed arrays for one batch, views into reused buffers. @internal */
export interface BatchFeeds {
  rows: number;
  seqLen: number;
  inputIds: BigInt64Array | Int32Array;
  attentionMask: BigInt64Array | Int32Array;
  tokenTypeIds: BigInt64Array | Int32Array | undefined;
  positionIds: BigInt64Array | Int32Array | undefined;
  /** Real-token span of each row, for pooling. */
  start: Int32Array;
  length: Int32Array;
  skip: Int32Array | undefined;
}

/**
 * Reusable feed buffers. int64 feeds are written through an Int32Array view of the same memory (low word, high word
 * 0 or -1): ids are small non-negative integers, and this avoids a BigInt per token. Grows geometrically, never shrinks.
 *
 * @internal
 */
export class FeedBuffers {
  private capacity = 0;
  private rowsCapacity = 0;
  private words: Int32Array[] = [];
  private start = new Int32Array(0);
  private length = new Int32Array(0);
  private skip = new Int32Array(0);

  constructor(private readonly layout: FeedLayout) {}

  private ensure(tokens: number, rows: number): void {
    const wordsPer = this.layout.intType === 'int64' ? 2 : 1;
    if (tokens > this.capacity) {
      this.capacity = Math.max(tokens, Math.ceil(this.capacity * 1.5));
      this.words = [0, 1, 2, 3].map(() => new Int32Array(this.capacity * wordsPer));
    }
    if (rows > this.rowsCapacity) {
      this.rowsCapacity = Math.max(rows, Math.ceil(this.rowsCapacity * 1.5));
      this.start = new Int32Array(this.rowsCapacity);
      this.length = new Int32Array(this.rowsCapacity);
      this.skip = new Int32Array(this.rowsCapacity);
    }
  }

  private view(k: number, tokens: number): BigInt64Array | Int32Array {
    const w = this.words[k];
    return this.layout.intType === 'int64' ? new BigInt64Array(w.buffer, 0, tokens) : w.subarray(0, tokens);
  }

  /** Writes the feeds of `batch` (rows `plan.order[from..to)` of `tokens`). */
  fill(tokens: TokenizedTexts, plan: BatchPlan, batch: PlannedBatch): BatchFeeds {
    const { intType, tokenTypeIds, positionIds, padId, paddingSide } = this.layout;
    const rows = batch.to - batch.from;
    const S = batch.seqLen;
    const total = rows * S;
    this.ensure(total, rows);
    const wide = intType === 'int64';
    const step = wide ? 2 : 1;
    const [ids, mask, types, pos] = this.words;
    const used = total * step;
    // Pads: id = padId, mask 0, type 0, position 1 (what transformers' create_position_ids puts on pads).
    if (wide) {
      for (let i = 0; i < used; i += 2) { ids[i] = padId; ids[i + 1] = padId < 0 ? -1 : 0; }
    } else ids.fill(padId, 0, used);
    mask.fill(0, 0, used);
    if (tokenTypeIds) types.fill(0, 0, used);
    if (positionIds) {
      pos.fill(0, 0, used);
      for (let i = 0; i < used; i += step) pos[i] = 1;
    }
    const skip = tokens.skipTokens;
    for (let r = 0; r < rows; r++) {
      const seq = plan.order[batch.from + r];
      const from = tokens.offsets[seq];
      const len = tokens.offsets[seq + 1] - from;
      const start = paddingSide === 'left' ? S - len : 0;
      this.start[r] = start;
      this.length[r] = len;
      this.skip[r] = skip ? skip[seq] : 0;
      let k = (r * S + start) * step;
      for (let t = 0; t < len; t++, k += step) {
        ids[k] = tokens.ids[from + t];
        if (wide) ids[k + 1] = 0; // token ids are non-negative; the pad fill may have set -1 for a negative pad id
        mask[k] = 1;
        if (tokenTypeIds && tokens.typeIds) types[k] = tokens.typeIds[from + t];
        if (positionIds) pos[k] = t;
      }
    }
    return {
      rows,
      seqLen: S,
      inputIds: this.view(0, total),
      attentionMask: this.view(1, total),
      tokenTypeIds: tokenTypeIds ? this.view(2, total) : undefined,
      positionIds: positionIds ? this.view(3, total) : undefined,
      start: this.start.subarray(0, rows),
      length: this.length.subarray(0, rows),
      skip: skip ? this.skip.subarray(0, rows) : undefined,
    };
  }
}
