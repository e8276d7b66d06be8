/**
 * `abi-sdk/pgvector`: the store contract on PostgreSQL + pgvector (driver: `pg`, optional peer dependency, with
 * `pg-copy-streams` for bulk loads). Importing the root `abi-sdk` never loads `pg`.
 *
 * @module
 */
export {
  PgVectorStore, type BulkLoadOptions, type BulkLoadProgress, type PgHnswIndex, type PgIndexOptions, type PgIvfFlatIndex,
  type PgVectorStoreOptions,
} from './store.js';
export type { PgColumnMapping } from './schema.js';
export type { PgVectorType } from './codec.js';
