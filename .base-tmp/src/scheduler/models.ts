// Which models a scheduler serves: model folders in the Hugging Face layout, embedding models and cross-encoders
// told apart by config.json's architecture, served under the folder's name.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { NotFoundError } from '../core/errors.js';
import { readModelFolder } from '../engine/model-folder.js';
import type { ServedModel } from './types.js';

/** A model folder a scheduler can run. */
export interface ModelEntry {
  /** The id requests use. */
  id: string;
  /** The folder. */
  dir: string;
  /** Embedding model or cross-encoder. */
  kind: ServedModel['kind'];
  /** Output width of an embedding model (config.json `hidden_size`), when known. */
  dimension?: number;
}

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
