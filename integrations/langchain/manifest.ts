// The small JSON file that lets `AbiVectorStore.load(dir)` reopen a store without being told its dimension.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptDataError, type DistanceMetric, IOError, NotFoundError } from '../../src/index.js';

/** File name of the manifest inside a store directory. @internal */
export const MANIFEST_FILE = 'langchain.json';
const FORMAT = 'abi-sdk/langchain';

/** What the manifest records. @internal */
export interface Manifest {
  dimension: number;
  metric: DistanceMetric;
}

/** Writes the manifest atomically (temp file, then rename). @internal */
export async function writeManifest(dir: string, m: Manifest): Promise<void> {
  const file = join(dir, MANIFEST_FILE);
  try {
    await writeFile(`${file}.tmp`, `${JSON.stringify({ format: FORMAT, version: 1, dimension: m.dimension, metric: m.metric })}\n`);
    await rename(`${file}.tmp`, file);
  } catch (err) {
    throw new IOError(`cannot write ${file}`, { cause: err });
  }
}

/** Reads and checks the manifest. @internal */
export async function readManifest(dir: string): Promise<Manifest> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`${dir} holds no saved AbiVectorStore (no ${MANIFEST_FILE}); create one with fromDocuments/open with a path, or save()`, { cause: err });
    }
    throw new IOError(`cannot read ${file}`, { cause: err });
  }
  let json: { format?: unknown; dimension?: unknown; metric?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch (err) {
    throw new CorruptDataError('the AbiVectorStore manifest is not JSON', file, { cause: err });
  }
  const { dimension, metric } = json ?? {};
  if (json?.format !== FORMAT || !Number.isInteger(dimension) || (metric !== 'cosine' && metric !== 'dot' && metric !== 'l2')) {
    throw new CorruptDataError('the AbiVectorStore manifest has an unexpected shape', file);
  }
  return { dimension: dimension as number, metric };
}
