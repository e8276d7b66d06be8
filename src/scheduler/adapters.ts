// Adapters served by the scheduler (`serve --adapter`): a trained adapter file is loaded at start and checked against
// its model as `AdaptedEmbedder.load` does (model id, dimension, and the probe vector run through the workers), then
// applied to that model's vectors on the main thread after a worker returns, with the adapter's own forward code.
import { BaseEmbedder } from '../core/base-embedder.js';
import type { EmbedOptions } from '../core/contracts.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { readModelFolder } from '../engine/model-folder.js';
import type { Adapter } from '../training/adapter.js';
import { loadAdapter } from '../training/adapter-file.js';
import { assertSameBase, assertSameProbe } from '../training/base-model.js';
import type { ModelEntry } from './types.js';

/** Raw (unadapted) embeddings of one served model. */
export type RawEmbed = (texts: readonly string[], options: EmbedOptions) => Promise<Float32Array[]>;

/**
 * Which adapter file goes with which model: `ModelSource.adapter` entries and the `adapters` map together.
 *
 * @param models - the scheduler's models
 * @param fromSources - adapter per model id from explicit model sources
 * @param fromMap - the `adapters` option
 * @returns model id → adapter file
 * @throws {@link NotFoundError} when an adapter names a model the scheduler does not serve
 * @throws {@link ValidationError} when it names a cross-encoder, or a model gets two different files
 */
export function adapterAssignments(models: readonly ModelEntry[], fromSources: ReadonlyMap<string, string>, fromMap: Readonly<Record<string, string>> = {}): Map<string, string> {
  const out = new Map(fromSources);
  for (const [id, path] of Object.entries(fromMap)) {
    if (typeof path !== 'string' || path === '') throw new ValidationError(`adapter file for model "${id}" must be a non-empty path`);
    const prev = out.get(id);
    if (prev !== undefined && prev !== path) throw new ValidationError(`model "${id}" has two adapters: ${prev} and ${path}`);
    out.set(id, path);
  }
  for (const id of out.keys()) {
    const m = models.find((e) => e.id === id);
    if (!m) throw new NotFoundError(`adapter given for model "${id}", which is not served (models: ${models.map((e) => e.id).join(', ')})`);
    if (m.kind !== 'embedding') throw new ValidationError(`adapter given for "${id}", a cross-encoder; adapters apply to embedding models`);
  }
  return out;
}

/** The served model as an `Embedder`, under the name the engine gives it, for the base-model checks. */
class ServedBase extends BaseEmbedder {
  readonly model: string;
  readonly dimension: number | undefined;
  readonly #embed: RawEmbed;

  constructor(model: string, dimension: number | undefined, embed: RawEmbed) {
    super();
    this.model = model;
    this.dimension = dimension;
    this.#embed = embed;
  }

  embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    return this.#embed(texts, options);
  }
}

/**
 * Loads an adapter file for a served model and checks it against that model: the recorded base model must be the
 * model's served id or the name the engine gives its folder (`_name_or_path`, else the folder name), of the same
 * dimension, and the recorded probe vector must match what the workers now give for the probe text (same weights,
 * pooling and prompts). The engine's fingerprint (dtype, pooling) is not compared by name; the probe covers it.
 *
 * @param entry - the model
 * @param path - the adapter file
 * @param raw - unadapted embeddings of that model (through the workers)
 * @returns the adapter
 * @throws {@link ModelMismatchError} when the file was trained on another base model
 * @throws {@link CorruptDataError} / {@link NotFoundError} / {@link UnsupportedError} for a bad file
 */
export async function loadServedAdapter(entry: ModelEntry, path: string, raw: RawEmbed): Promise<Adapter> {
  const file = await loadAdapter(path);
  const name = file.base.model === entry.id ? entry.id : readModelFolder(entry.dir).name;
  const base = new ServedBase(name, entry.dimension, raw);
  assertSameBase(file.base, base);
  await assertSameProbe(file.base, base);
  return file.adapter;
}
