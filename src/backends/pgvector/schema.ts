/**
 * Table layout, DDL and the versioned migration record of SDK-managed pgvector tables.
 *
 * @internal
 * @module
 */
import type { PoolClient } from 'pg';
import { DimensionMismatchError, UnsupportedError, ValidationError } from '../../core/errors.js';
import type { DistanceMetric } from '../../retrieval/backend.js';
import type { PgVectorType } from './codec.js';

/** Version of the managed table layout; bumped with a migration step whenever the layout changes. @internal */
export const SCHEMA_VERSION = 1;

/** Table holding one row per managed table: its layout version, dimension, metric and vector type. @internal */
export const MIGRATIONS_TABLE = 'abi_sdk_migrations';

/** Quotes an SQL identifier. @internal */
export function quoteIdent(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\u0000')) {
    throw new ValidationError(`invalid SQL identifier ${JSON.stringify(name)}`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quoted columns and table a store reads and writes. @internal */
export interface TableLayout {
  /** Qualified, quoted table name. */
  table: string;
  /** Schema-qualified name as plain text (the migration record's key). */
  name: string;
  /** Quoted schema (for the migration table). */
  schema: string;
  id: string;
  vector: string;
  text: string | null;
  metadata: string;
}

/** Column names of a bring-your-own table. */
export interface PgColumnMapping {
  /**
   * Primary-key column (`text`).
   * @defaultValue 'id'
   */
  id?: string;
  /**
   * `vector(n)` or `halfvec(n)` column.
   * @defaultValue 'embedding'
   */
  vector?: string;
  /**
   * `text` column, or `null` when the table keeps no text.
   * @defaultValue 'text'
   */
  text?: string | null;
  /**
   * `jsonb` metadata column.
   * @defaultValue 'metadata'
   */
  metadata?: string;
}

/** Builds the layout from options. @internal */
export function layoutOf(schema: string, table: string, columns: PgColumnMapping = {}): TableLayout {
  return {
    table: `${quoteIdent(schema)}.${quoteIdent(table)}`,
    name: `${schema}.${table}`,
    schema: quoteIdent(schema),
    id: quoteIdent(columns.id ?? 'id'),
    vector: quoteIdent(columns.vector ?? 'embedding'),
    text: columns.text === null ? null : quoteIdent(columns.text ?? 'text'),
    metadata: quoteIdent(columns.metadata ?? 'metadata'),
  };
}

/** pgvector operator class of a metric. @internal */
export function opclassOf(type: PgVectorType, metric: DistanceMetric): string {
  return `${type}_${metric === 'cosine' ? 'cosine' : metric === 'dot' ? 'ip' : 'l2'}_ops`;
}

/** pgvector distance operator of a metric. @internal */
export function operatorOf(metric: DistanceMetric): string {
  return metric === 'cosine' ? '<=>' : metric === 'dot' ? '<#>' : '<->';
}

/** What {@link ensureManagedTable} needs. @internal */
export interface ManagedTableSpec {
  layout: TableLayout;
  dimension: number;
  metric: DistanceMetric;
  vectorType: PgVectorType;
}

/**
 * Creates the extension, the migration table, the data table and its record, idempotently and under an advisory
 * lock (concurrent openers wait for one another); checks an existing record against the options.
 *
 * @internal
 */
export async function ensureManagedTable(client: PoolClient, spec: ManagedTableSpec): Promise<void> {
  const { layout: l, dimension, metric, vectorType } = spec;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`abi-sdk:${l.name}`]);
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    const migrations = `${l.schema}.${quoteIdent(MIGRATIONS_TABLE)}`;
    await client.query(`CREATE TABLE IF NOT EXISTS ${migrations} (
      table_name text PRIMARY KEY, version integer NOT NULL, dimension integer NOT NULL, metric text NOT NULL,
      vector_type text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; dimension: number; metric: string; vector_type: string }>(
      `SELECT version, dimension, metric, vector_type FROM ${migrations} WHERE table_name = $1`, [l.name]);
    const found = rows[0];
    if (found) {
      if (found.version > SCHEMA_VERSION) {
        throw new UnsupportedError(`table ${l.name} has layout version ${found.version}; this abi-sdk knows up to ${SCHEMA_VERSION}`);
      }
      if (found.dimension !== dimension) throw new DimensionMismatchError(found.dimension, dimension, `table ${l.name}`);
      if (found.metric !== metric) throw new ValidationError(`table ${l.name} uses metric ${found.metric}, not ${metric}`);
      if (found.vector_type !== vectorType) throw new ValidationError(`table ${l.name} stores ${found.vector_type}, not ${vectorType}`);
      // Layout migrations from older versions run here, in order, inside this transaction (none yet: version 1).
    } else {
      await client.query(`CREATE TABLE IF NOT EXISTS ${l.table} (
        ${l.id} text PRIMARY KEY, ${l.vector} ${vectorType}(${dimension}) NOT NULL, ${l.text ?? quoteIdent('text')} text,
        ${l.metadata} jsonb NOT NULL DEFAULT '{}'::jsonb)`);
      // Equality filters compile to jsonb containment, which this index answers.
      const gin = quoteIdent(`${l.name.split('.').pop()!}_metadata_idx`.slice(0, 63));
      await client.query(`CREATE INDEX IF NOT EXISTS ${gin} ON ${l.table} USING gin (${l.metadata} jsonb_path_ops)`);
      await client.query(
        `INSERT INTO ${migrations} (table_name, version, dimension, metric, vector_type) VALUES ($1, $2, $3, $4, $5)`,
        [l.name, SCHEMA_VERSION, dimension, metric, vectorType]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Checks a bring-your-own table: it exists and its vector column has the expected type and dimension.
 *
 * @internal
 */
export async function checkExistingTable(client: PoolClient, layout: TableLayout, dimension: number, vectorType: PgVectorType): Promise<void> {
  const { rows } = await client.query<{ type: string; typmod: number }>(
    `SELECT format_type(a.atttypid, NULL) AS type, a.atttypmod AS typmod FROM pg_attribute a
     WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped`,
    [layout.table, layout.vector.slice(1, -1).replace(/""/g, '"')]);
  const col = rows[0];
  if (!col) throw new ValidationError(`table ${layout.name} or its vector column ${layout.vector} does not exist`);
  if (col.type !== vectorType) throw new ValidationError(`column ${layout.vector} of ${layout.name} is ${col.type}, not ${vectorType}`);
  if (col.typmod > 0 && col.typmod !== dimension) throw new DimensionMismatchError(col.typmod, dimension, `table ${layout.name}`);
}
