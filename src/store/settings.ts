/**
 * A store's creation settings as the options `VectorStore.open` takes, so a copy (LangChain `save()`, tools) can
 * be made with exactly the index parameters, quantization, vector placement and text index of the original.
 *
 * @module
 */
import { type CollectionConfig, indexOptionsOf } from './collection.js';
import type { VectorStoreOptions } from './types.js';

/** The options fixed at a store's creation, as `VectorStore.open` takes them (see `VectorStore.settings`). */
export type VectorStoreSettings = Required<Pick<VectorStoreOptions, 'dimension' | 'metric' | 'index' | 'vectors' | 'text'>>;

/**
 * The options that recreate a collection's settings. Parameters chosen at training time when left open (IVF `nlist`,
 * `m`, `nprobe`) stay open, so the copy chooses them for its own data as the original did.
 *
 * @param c - the collection's configuration
 * @returns options for `VectorStore.open`
 * @internal
 */
export function storeSettings(c: CollectionConfig): VectorStoreSettings {
  const index = indexOptionsOf(c.index);
  return { dimension: c.dimension, metric: c.metric, index, vectors: c.vectors, text: c.text === null ? false : { ...c.text } };
}
