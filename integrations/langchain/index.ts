/**
 * abi-sdk inside LangChain.js: a vector store over any abi-sdk store backend (with MMR, abi-sdk filters, hybrid
 * BM25 + vector retrieval and on-disk persistence), embeddings over any abi-sdk embedder, and a document compressor
 * over any abi-sdk reranker. Needs `@langchain/core` (an optional peer dependency of abi-sdk).
 *
 * @example
 * ```ts
 * import { HashingEmbedder, LocalCrossEncoder } from 'abi-sdk';
 * import { AbiEmbeddings, AbiReranker, AbiVectorStore } from 'abi-sdk/langchain';
 * import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
 *
 * const embeddings = new AbiEmbeddings({ embedder: new HashingEmbedder({ dimension: 256 }) });
 * const store = await AbiVectorStore.fromDocuments(docs, embeddings, { path: './data/lc', text: true });
 * const retriever = new ContextualCompressionRetriever({
 *   baseCompressor: new AbiReranker({ reranker: await LocalCrossEncoder.fromFolder(dir), topN: 4 }),
 *   baseRetriever: store.asRetriever({ k: 20, filter: { year: { $gte: 1900 } } }),
 * });
 * const top = await retriever.invoke('What was said about the public debt?');
 * ```
 *
 * @packageDocumentation
 * @module abi-sdk/langchain
 */
export {
  AbiVectorStore, type AbiAddOptions, type AbiVectorStoreArgs, type AbiVectorStoreConfig, type AbiVectorStoreLoadOptions,
  type AbiVectorStoreOpenOptions,
} from './vector-store.js';
export { AbiHybridRetriever } from './hybrid-retriever.js';
export type { AbiHybridRetrieverInput, AbiHybridSearchable, AbiHybridSearchOptions } from './types.js';
export { AbiEmbeddings, type AbiEmbeddingsParams } from './embeddings.js';
export { AbiReranker, type AbiRerankerParams } from './reranker.js';
