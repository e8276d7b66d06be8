// A loaded model: folder description + tokenizer + ONNX session, and the batch loop every model call goes through
// (plan → fill reused buffers → run → hand each batch's output to the caller, abortable between batches).
import { statSync } from 'node:fs';
import { ModelLoadError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';
import { FeedBuffers, planPaddedBatches, type BatchFeeds, type LocalBatchingOptions, type FeedLayout, resolveLimits } from './batcher.js';
import { readModelFolder, type ModelFolderInfo, type ModelFolderOptions } from './model-folder.js';
import { OnnxSession, type FloatOutput, type SessionOptions } from './session.js';
import { TextTokenizer, type TokenizedTexts } from './tokenizer.js';

/** Everything that decides what is loaded; models loaded with equal options are shared. */
export interface ModelLoadOptions extends ModelFolderOptions, SessionOptions {}

/** What a graph outputs: token vectors to pool, ready sentence vectors, or classifier logits. @internal */
export type OutputKind = 'tokens' | 'sentence' | 'logits';

/** Visits one finished batch: its rows are sequences `order[from .. to)`. @internal */
export type BatchVisitor = (output: FloatOutput, feeds: BatchFeeds, order: Int32Array, from: number) => void;

/**
 * A model folder loaded into memory: its tokenizer and ONNX session. Shared by every embedder or cross-encoder that
 * uses it; obtained through a {@link ModelRegistry}.
 */
export class LoadedModel {
  /** What was read from the folder. */
  readonly info: ModelFolderInfo;
  /** The tokenizer. */
  readonly tokenizer: TextTokenizer;
  /** Where the session runs (`cpu` or `cuda:N`). */
  readonly device: string;
  /** Estimated resident bytes: weights on disk plus the tokenizer file. */
  readonly bytes: number;
  /** @internal */
  readonly session: OnnxSession;
  private readonly layout: FeedLayout;
  private readonly spareBuffers: FeedBuffers[] = [];

  private constructor(info: ModelFolderInfo, tokenizer: TextTokenizer, session: OnnxSession, tokenizerBytes: number) {
    this.info = info;
    this.tokenizer = tokenizer;
    this.session = session;
    this.device = session.device;
    this.bytes = info.weightBytes + tokenizerBytes;
    this.layout = {
      intType: session.intType,
      tokenTypeIds: session.hasInput('token_type_ids'),
      positionIds: session.hasInput('position_ids'),
      padId: tokenizer.padId,
      paddingSide: info.paddingSide,
    };
  }

  /**
   * Loads a model folder: reads its files, opens the tokenizer and the ONNX session (in parallel).
   *
   * @param dir - the model folder
   * @param options - dtype, device, threads, max length
   * @returns the loaded model
   * @throws {ModelLoadError} for missing or malformed files and graphs without the expected inputs/outputs
   * @throws {UnsupportedError} when CUDA was asked for and is absent, or an optional package is not installed
   */
  static async load(dir: string, options: ModelLoadOptions = {}): Promise<LoadedModel> {
    const info = readModelFolder(dir, options);
    const [tok, session] = await Promise.allSettled([
      TextTokenizer.fromFile(info.tokenizerFile, { maxLength: info.maxLength }),
      OnnxSession.create(info.onnxFile, options),
    ]);
    if (tok.status === 'rejected' || session.status === 'rejected') {
      if (session.status === 'fulfilled') await session.value.release().catch(() => undefined);
      throw tok.status === 'rejected' ? tok.reason : (session as PromiseRejectedResult).reason;
    }
    return new LoadedModel(info, tok.value, session.value, statSync(info.tokenizerFile).size);
  }

  /** Which output the model is read from, and how. @internal */
  output(kind: 'embed' | 'score', preferTokens: boolean): { name: string; kind: OutputKind } {
    const names = this.session.outputNames;
    if (kind === 'score') {
      if (names.includes('logits')) return { name: 'logits', kind: 'logits' };
      throw new ModelLoadError(`the ONNX graph has no "logits" output for scoring (outputs: ${names.join(', ')})`, this.info.onnxFile);
    }
    if (!preferTokens && names.includes('sentence_embedding')) return { name: 'sentence_embedding', kind: 'sentence' };
    for (const n of ['last_hidden_state', 'token_embeddings']) if (names.includes(n)) return { name: n, kind: 'tokens' };
    if (names.includes('sentence_embedding')) return { name: 'sentence_embedding', kind: 'sentence' };
    throw new ModelLoadError(
      `the ONNX graph has none of the outputs last_hidden_state, token_embeddings, sentence_embedding (outputs: ${names.join(', ')})`,
      this.info.onnxFile);
  }

  /**
   * Runs tokenized sequences through the model in length-sorted batches and calls `visit` per batch.
   * Checks `signal` before every batch. @internal
   */
  async forEachBatch(tokens: TokenizedTexts, outputName: string, limits: LocalBatchingOptions | undefined, signal: AbortSignal | undefined,
    visit: BatchVisitor): Promise<void> {
    const resolved = resolveLimits(limits);
    const lengths = new Int32Array(tokens.count);
    for (let i = 0; i < tokens.count; i++) lengths[i] = tokens.offsets[i + 1] - tokens.offsets[i];
    const plan = planPaddedBatches(lengths, resolved);
    const buffers = this.spareBuffers.pop() ?? new FeedBuffers(this.layout);
    try {
      for (const batch of plan.batches) {
        throwIfAborted(signal);
        const feeds = buffers.fill(tokens, plan, batch);
        const out = await this.session.run(feeds, outputName);
        visit(out, feeds, plan.order, batch.from);
      }
    } finally {
      // Buffers go back for the next call; concurrent calls each take their own (a few are kept).
      if (this.spareBuffers.length < 4) this.spareBuffers.push(buffers);
    }
  }

  /** Frees the session. @internal */
  release(): Promise<void> {
    this.spareBuffers.length = 0;
    return this.session.release();
  }
}
