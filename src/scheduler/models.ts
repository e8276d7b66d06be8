// Which models a scheduler serves: model folders in the Hugging Face layout, embedding models and cross-encoders
// told apart by config.json's architecture, served under the folder's name; `hf:owner/name[@revision]` names a Hub
// model, fetched into (or found in) the Hugging Face cache and served under its repository id.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { NotFoundError } from '../core/errors.js';
import { readModelFolder } from '../engine/model-folder.js';
import { isHubModelSpec, parseHubModelId } from '../hub/model-id.js';
import { pullModel } from '../hub/pull.js';
import type { HubSourceOptions, ModelEntry } from './types.js';

/**
 * Finds model folders: `dir` itself when it holds a config.json, else its subfolders that do.
 *
 * @param dir - the models directory
 * @returns the models, by folder name, sorted
 * @throws {@link NotFoundError} when there are none
 */
export function findModels(dir: string): ModelEntry[] {
  const folders = existsSync(join(dir, 'config.json')) ? [dir]
    : existsSync(dir) ? readdirSync(dir).map((n) => join(dir, n)).filter((p) => statSync(p).isDirectory() && existsSync(join(p, 'config.json'))) : [];
  if (folders.length === 0) throw new NotFoundError(`no model folders (with config.json) in ${dir}`);
  return folders.sort().map((p) => describeModel(basename(p), p));
}

/**
 * Reads what a scheduler needs to know about one model folder.
 *
 * @param id - the id requests will use
 * @param dir - the folder
 * @returns its entry
 */
export function describeModel(id: string, dir: string): ModelEntry {
  const info = readModelFolder(dir);
  const kind = info.isClassifier ? 'reranker' : 'embedding';
  return { id, dir: resolve(dir), kind, ...(kind === 'embedding' && info.hiddenSize ? { dimension: info.hiddenSize } : {}) };
}

/**
 * Whether a `models` string names Hub models: `hf:owner/name[@rev]`, or a comma-separated list with at least one.
 *
 * @param spec - the string given as `models` / `serve --models`
 * @returns `true` when it is to be read by {@link resolveModelSpec} as a list
 */
export function isHubModelList(spec: string): boolean {
  return spec.split(',').some((p) => isHubModelSpec(p.trim()));
}

/**
 * The folder of a model source: a folder path as is, an `hf:` name pulled into the Hugging Face cache (offline:
 * found there) and its snapshot folder returned.
 *
 * @param dir - a folder or `hf:owner/name[@revision]`
 * @param hub - how to fetch
 * @returns the folder to load
 * @throws {ModelNotCachedError} offline and not cached; the Hub errors of {@link pullModel}
 */
export async function resolveModelDir(dir: string, hub: HubSourceOptions = {}): Promise<string> {
  return isHubModelSpec(dir) ? (await pullModel(dir, hub)).dir : dir;
}

/**
 * Reads a `models` string: a models directory (as {@link findModels}), or a comma-separated list of `hf:` names
 * and folders, each `hf:` model served under its repository id and each folder as {@link findModels} finds it.
 *
 * @param spec - the string
 * @param hub - how to fetch `hf:` models
 * @returns the models
 * @throws {NotFoundError} when a folder holds no model
 */
export async function resolveModelSpec(spec: string, hub: HubSourceOptions = {}): Promise<ModelEntry[]> {
  if (!isHubModelList(spec)) return findModels(spec);
  const out: ModelEntry[] = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (isHubModelSpec(part)) out.push(describeModel(parseHubModelId(part).repoId, await resolveModelDir(part, hub)));
    else out.push(...findModels(part));
  }
  return out;
}
