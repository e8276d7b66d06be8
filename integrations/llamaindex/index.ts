/**
 * abi-sdk inside LlamaIndex.TS: a vector store over any abi-sdk store backend (with hybrid BM25 search), an
 * embedding model over any abi-sdk embedder, a node postprocessor over any abi-sdk reranker, and an LLM over any
 * abi-sdk generator. Needs the `llamaindex` package (an optional peer dependency of abi-sdk).
 *
 * @example
 * ```ts
 * import { VectorStoreIndex } from 'llamaindex';
 * import { HashingEmbedder } from 'abi-sdk';
 * import { AbiVectorStore } from 'abi-sdk/llamaindex';
 *
 * const store = await AbiVectorStore.open({ path: './data/li', embedder: new HashingEmbedder({ dimension: 256 }) });
 * const index = await VectorStoreIndex.fromVectorStore(store);
 * const nodes = await index.asRetriever({ similarityTopK: 5 }).retrieve('public credit');
 * ```
 *
 * @packageDocumentation
 * @module abi-sdk/llamaindex
 */
export {
  AbiVectorStore, type AbiQueryParams, type AbiVectorStoreCallOptions, type AbiVectorStoreOpenOptions,
  type AbiVectorStoreOptions,
} from './vector-store.js';
export { AbiEmbedding, type AbiEmbeddingOptions } from './embedding.js';
export { AbiReranker, type AbiRerankerOptions } from './reranker.js';
export { AbiLLM, type AbiLLMOptions } from './llm.js';
export { toAbiFilter } from './filters.js';
