import { type BaseNodePostprocessor, extractText, MetadataMode, type MessageContent, type NodeWithScore } from 'llamaindex';
import { type CallOptions, type Reranker, ValidationError } from '../../src/index.js';

/** Options of {@link AbiReranker}. */
export interface AbiRerankerOptions extends Pick<CallOptions, 'signal'> {
  /** Any abi-sdk reranker: `LocalCrossEncoder`, a remote `/rerank` connector. */
  reranker: Reranker;
  /**
   * Nodes kept, best first.
   * @defaultValue all
   */
  topN?: number;
  /** Query–node pairs scored per model call, where the reranker batches. */
  batchSize?: number;
}

/**
 * A LlamaIndex.TS node postprocessor that reorders retrieved nodes with an abi-sdk {@link abi-sdk!Reranker} (a local cross
 * encoder or a remote `/rerank` endpoint). Each returned node's `score` becomes the reranker's relevance score;
 * ties keep the retrieval order.
 *
 * @example
 * ```ts
 * import { LocalCrossEncoder } from 'abi-sdk';
 * import { AbiReranker } from 'abi-sdk/llamaindex';
 *
 * const reranker = new AbiReranker({ reranker: await LocalCrossEncoder.fromFolder('./ms-marco-MiniLM-L-6-v2'), topN: 3 });
 * const engine = index.asQueryEngine({ similarityTopK: 20, nodePostprocessors: [reranker] });
 * ```
 */
export class AbiReranker implements BaseNodePostprocessor {
  /** The wrapped abi-sdk reranker. */
  readonly reranker: Reranker;
  /** Nodes kept, or `undefined` for all. */
  readonly topN: number | undefined;
  readonly #batchSize: number | undefined;
  readonly #signal: AbortSignal | undefined;

  /**
   * Wraps a reranker.
   *
   * @param options - reranker, topN, batch size, signal
   * @throws {@link abi-sdk!ValidationError} for a missing reranker or a bad `topN` / `batchSize`
   */
  constructor(options: AbiRerankerOptions) {
    if (!options?.reranker || typeof options.reranker.rerank !== 'function') throw new ValidationError('AbiReranker needs a reranker');
    for (const [name, v] of [['topN', options.topN], ['batchSize', options.batchSize]] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ValidationError(`${name} must be a positive integer, got ${v}`);
    }
    this.reranker = options.reranker;
    this.topN = options.topN;
    this.#batchSize = options.batchSize;
    this.#signal = options.signal;
  }

  /**
   * Scores every node's text (`MetadataMode.NONE`) against the query and returns them best first.
   *
   * @param nodes - retrieved nodes
   * @param query - the query (text parts of multi-modal content are joined)
   * @returns new node-with-score objects (the nodes themselves are shared), best first, at most `topN`
   * @throws {@link abi-sdk!ValidationError} when no query is given
   */
  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    if (query === undefined || query === null) throw new ValidationError('AbiReranker needs the query to rerank against');
    if (nodes.length === 0) return [];
    const text = extractText(query);
    const results = await this.reranker.rerank(text, nodes.map((n) => n.node.getContent(MetadataMode.NONE)), {
      ...(this.topN !== undefined ? { topN: this.topN } : {}),
      ...(this.#batchSize !== undefined ? { batchSize: this.#batchSize } : {}),
      signal: this.#signal,
    });
    return results.map((r) => ({ node: nodes[r.index].node, score: r.score }));
  }
}
