// The manifest of an `abi-sdk index` store: `abi-index.json` next to the vector store's files, written once when the
// store is created (atomically: temp file, fsync, rename) and never changed after, recording which embedder built the store (and the
// trained adapter over it, by id and file), its dimension and the chunking defaults, so `query` embeds with the same
// model and adapter and a different one is refused.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConflictError, CorruptDataError, NotFoundError } from '../../core/errors.js';
import { atomicReplace } from '../../internal/durable-fs.js';

/** The manifest file's name inside the store directory. */
export const MANIFEST_FILE = 'abi-index.json';

const manifestSchema = z.object({
  format: z.literal(1),
  embedder: z.string().min(1),
  /** The trained adapter over the embedder: `adapterId` (a hash of its parameters) and the file it was loaded from. */
  adapter: z.object({ id: z.string().min(1), path: z.string().min(1) }).optional(),
  dimension: z.number().int().positive(),
  text: z.boolean(),
  chunkSize: z.number().int().positive(),
  chunkOverlap: z.number().int().nonnegative(),
  createdAt: z.string(),
});

/** What a store was built with. */
export type IndexManifest = z.infer<typeof manifestSchema>;

/**
 * Reads a store's manifest.
 *
 * @param dir - the store directory
 * @returns the manifest, or `undefined` when the directory holds no store yet
 * @throws {@link CorruptDataError} when the file is unreadable or malformed
 * @throws {@link ConflictError} when the directory holds files but no manifest (not an abi-sdk index)
 */
export function readManifest(dir: string): IndexManifest | undefined {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) {
    if (existsSync(join(dir, 'snapshot.abs')) || existsSync(join(dir, 'wal.abw'))) {
      throw new ConflictError(`${dir} holds a vector store without ${MANIFEST_FILE}: it was not made by abi-sdk index; use another --store`);
    }
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CorruptDataError(`not valid JSON (${(err as Error).message})`, file, { cause: err });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new CorruptDataError(`bad field ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`, file);
  return parsed.data;
}

/**
 * Reads the manifest of a store that must exist (for `query`).
 *
 * @param dir - the store directory
 * @returns the manifest
 * @throws {@link NotFoundError} when there is no index at `dir`
 */
export function requireManifest(dir: string): IndexManifest {
  const m = readManifest(dir);
  if (!m) throw new NotFoundError(`no index at ${dir}; create one with: abi-sdk index PATH --store ${dir}`);
  return m;
}

/**
 * Writes a new store's manifest atomically (temp file, fsync, rename, directory fsync).
 *
 * @param dir - the store directory (exists)
 * @param manifest - what to record
 * @throws {@link IOError} when the file system fails
 */
export async function writeManifest(dir: string, manifest: IndexManifest): Promise<void> {
  const file = join(dir, MANIFEST_FILE);
  await atomicReplace(file, `${JSON.stringify(manifest, null, 2)}\n`);
}
