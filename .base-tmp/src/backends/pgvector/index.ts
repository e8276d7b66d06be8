/**
 * `abi-sdk/pgvector`: the store contract on PostgreSQL + pgvector (driver: `pg`, optional peer dependency, with
 * `pg-copy-streams` for bulk loads). Importing the root `abi-sdk` never loads `pg`.
 *
 * @packageDocumentation
 * @module abi-sdk/pgvector
 */
export { PgVectorStore } from './store.js';
export type {
  BulkLoadOptions, BulkLoadProgress, PgHnswIndex, PgIndexOptions, PgIvfFlatIndex, PgNoIndex, PgVectorStoreOptions,
} from './options.js';
export type { PgColumnMapping } from './schema.js';
export type { PgVectorType } from './codec.js';
