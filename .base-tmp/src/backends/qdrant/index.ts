/**
 * `abi-sdk/qdrant`: the store contract over Qdrant, through the official `@qdrant/js-client-rest` client (an
 * optional peer dependency: `npm install @qdrant/js-client-rest`).
 *
 * @packageDocumentation
 * @module abi-sdk/qdrant
 */
export { QdrantStore, type QdrantStoreOptions, type QdrantPayloadIndexType, type QdrantHnswOptions } from './qdrant-store.js';
export { qdrantPointId } from './point-id.js';
