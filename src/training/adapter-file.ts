/**
 * Adapter files: a trained {@link Adapter} with the identity of its base model, in the checksummed tensor-file
 * container (magic `ABIADPT`, format version, SHA-256, temp file + fsync + rename), so a damaged file is a
 * `CorruptDataError` and a file for another base model a `ModelMismatchError` when it is put to use.
 *
 * @module
 */
import { CorruptDataError, ValidationError } from '../core/errors.js';
import type { Metadata } from '../core/contracts.js';
import { Adapter, parameterLayout, resolveAdapterConfig, type AdapterConfig } from './adapter.js';
import type { BaseModelInfo } from './base-model.js';
import { readTensorFile, writeTensorFile } from './tensor-file.js';

const MAGIC = 'ABIADPT';
const VERSION = 1;

/** A loaded adapter file. */
export interface AdapterFile {
  /** The adapter. */
  adapter: Adapter;
  /** The base model it was trained on. */
  base: BaseModelInfo;
  /** Free-form metadata saved with it (training figures, data source…). */
  metadata: Metadata;
}

/**
 * Saves an adapter atomically.
 *
 * @param path - the file to write (replaced atomically)
 * @param adapter - the adapter
 * @param base - the base model it was trained on (from {@link describeBaseModel})
 * @param metadata - JSON metadata to keep with it
 * @returns when the file is durable
 * @throws {@link ValidationError} when the base's dimension differs from the adapter's
 * @throws {@link IOError} when the file system fails
 * @example
 * ```ts
 * await saveAdapter('domain.adapter', result.adapter, await describeBaseModel(base), { pairs: 1200 });
 * ```
 */
export async function saveAdapter(path: string, adapter: Adapter, base: BaseModelInfo, metadata: Metadata = {}): Promise<void> {
  if (base.dimension !== adapter.config.dimension) {
    throw new ValidationError(`base model dimension ${base.dimension} differs from the adapter's ${adapter.config.dimension}`);
  }
  const arrays: Record<string, Float32Array> = { parameters: adapter.parameters };
  if (base.probe) arrays.probe = base.probe;
  await writeTensorFile(path, MAGIC, VERSION, {
    kind: 'abi-sdk embedding adapter',
    adapter: adapter.config,
    base: { model: base.model, dimension: base.dimension, fingerprint: base.fingerprint },
    metadata,
  }, arrays);
}

/**
 * Loads and verifies an adapter file.
 *
 * @param path - the file
 * @returns the adapter, its base model and metadata
 * @throws {@link NotFoundError} when the file does not exist
 * @throws {@link CorruptDataError} when it is damaged, truncated or not an adapter file
 * @throws {@link UnsupportedError} when it was written by a newer format version
 * @example
 * ```ts
 * const { adapter, base } = await loadAdapter('domain.adapter');
 * ```
 */
export async function loadAdapter(path: string): Promise<AdapterFile> {
  const file = await readTensorFile(path, MAGIC, VERSION, 'adapter file');
  const bad = (why: string, cause?: unknown): CorruptDataError => new CorruptDataError(`adapter file is corrupt: ${why}`, path, { cause });
  const meta = file.meta as { adapter?: AdapterConfig; base?: { model?: unknown; dimension?: unknown; fingerprint?: unknown }; metadata?: Metadata };
  let config;
  try {
    config = resolveAdapterConfig(meta.adapter ?? ({} as AdapterConfig));
  } catch (err) {
    throw bad('invalid adapter shape', err);
  }
  const params = file.arrays.get('parameters');
  if (!(params instanceof Float32Array) || params.length !== parameterLayout(config).size) throw bad('parameters do not match the adapter shape');
  const b = meta.base;
  if (!b || typeof b.model !== 'string' || b.dimension !== config.dimension || typeof b.fingerprint !== 'string') throw bad('missing or inconsistent base model record');
  const probe = file.arrays.get('probe');
  if (probe !== undefined && (!(probe instanceof Float32Array) || probe.length !== config.dimension)) throw bad('probe vector has the wrong shape');
  let adapter: Adapter;
  try {
    adapter = new Adapter(config, params);
  } catch (err) {
    throw bad('parameters are not finite', err);
  }
  return {
    adapter,
    base: { model: b.model, dimension: config.dimension, fingerprint: b.fingerprint, probe: probe as Float32Array | undefined },
    metadata: meta.metadata && typeof meta.metadata === 'object' ? meta.metadata : {},
  };
}
