// Which embedder `index` and `query` use, as one string the store remembers: `hashing[:DIM]`, `openai:MODEL`,
// `ollama:MODEL`, or `local:MODEL` (a model folder, or a Hugging Face Hub name fetched into the HF cache). A store is
// always queried with the embedder that built it.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Command } from 'commander';
import type { Embedder } from '../../core/contracts.js';
import { ConflictError, UsageError } from '../../core/errors.js';
import { HashingEmbedder } from '../../embedders/hashing.js';
import { LocalCrossEncoder } from '../../engine/cross-encoder.js';
import { LocalEmbedder } from '../../engine/local-embedder.js';
import { parseHubModelId } from '../../hub/model-id.js';
import type { PullProgress } from '../../hub/pull.js';
import { absolute } from '../options.js';
import type { IndexManifest } from './manifest.js';

/** A parsed embedder choice. */
export type EmbedderSpec =
  | { kind: 'hashing'; dimension: number }
  | { kind: 'openai' | 'ollama'; model: string }
  | { kind: 'local'; model: string };

/** An embedder and how to release it. */
export interface OpenEmbedder {
  embedder: Embedder;
  close(): Promise<void>;
}

/**
 * Parses `--embedder` / `--model` into a spec. `--model` wins over `--embedder` only when `--embedder` is not given;
 * both at once is a usage error.
 *
 * @param embedder - `hashing[:DIM]`, `openai:MODEL`, `ollama:MODEL`, `local:MODEL`
 * @param model - a model folder (or, with Hub support, a model name)
 * @param cwd - for relative folders
 * @returns the spec, or `undefined` when neither is given
 * @throws {@link UsageError} for an unknown kind or both options
 */
export function parseEmbedderSpec(embedder: string | undefined, model: string | undefined, cwd: string): EmbedderSpec | undefined {
  if (embedder && model) throw new UsageError('--embedder and --model are alternatives (--model M is --embedder local:M)');
  if (model) return { kind: 'local', model: localRef(model, cwd) };
  if (!embedder) return undefined;
  const i = embedder.indexOf(':');
  const kind = i < 0 ? embedder : embedder.slice(0, i);
  const rest = i < 0 ? '' : embedder.slice(i + 1).trim();
  switch (kind) {
    case 'hashing': {
      const dimension = rest ? Number(rest) : 384;
      if (!Number.isInteger(dimension) || dimension < 8 || dimension > 65536) throw new UsageError(`--embedder hashing:DIM needs a dimension 8-65536, got "${rest}"`);
      return { kind: 'hashing', dimension };
    }
    case 'openai':
    case 'ollama':
      if (!rest) throw new UsageError(`--embedder ${kind}:MODEL needs a model, e.g. ${kind === 'openai' ? 'openai:text-embedding-3-small' : 'ollama:nomic-embed-text'}`);
      return { kind, model: rest };
    case 'local':
      if (!rest) throw new UsageError('--embedder local:MODEL needs a model folder');
      return { kind: 'local', model: localRef(rest, cwd) };
    default:
      throw new UsageError(`unknown embedder "${embedder}" (use hashing, openai:MODEL, ollama:MODEL or --model FOLDER)`);
  }
}

/**
 * Parses one string that is either an embedder spec (`hashing[:DIM]`, `openai:MODEL`, `ollama:MODEL`,
 * `local:MODEL`, where MODEL may be a Hub name) or a model folder, as `train --base` takes it.
 *
 * @param text - the value
 * @param cwd - for relative folders
 * @returns the spec
 * @throws {@link UsageError} for a bad spec, or a bare value that is not a folder
 */
export function parseBaseSpec(text: string, cwd: string): EmbedderSpec {
  if (/^(hashing|openai|ollama|local)(:|$)/.test(text)) return parseEmbedderSpec(text, undefined, cwd)!;
  // A bare value must be a folder (a Hub model is named `local:owner/name`, so a typo never starts a download).
  const dir = absolute(cwd, text);
  if (!text.trim() || !existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`--base "${text}" is not hashing[:DIM], ollama:MODEL, openai:MODEL, local:MODEL or a model folder`);
  }
  return { kind: 'local', model: dir };
}

/** A folder becomes absolute (the store must find it from any directory); a model name stays as given. */
function localRef(model: string, cwd: string): string {
  const path = absolute(cwd, model);
  return existsSync(path) ? path : model;
}

/**
 * The spec as the store's manifest records it.
 *
 * @param spec - the spec
 * @returns e.g. `hashing:384`, `openai:text-embedding-3-small`, `local:/models/bge`
 */
export function formatEmbedderSpec(spec: EmbedderSpec): string {
  return spec.kind === 'hashing' ? `hashing:${spec.dimension}` : `${spec.kind}:${spec.model}`;
}

/**
 * Loads a local model: a folder (LocalEmbedder.fromFolder), else a Hugging Face Hub name (`owner/name`,
 * `hf:owner/name[@revision]`) fetched into (or found in) the Hugging Face cache (LocalEmbedder.fromPretrained).
 *
 * @param model - folder path (absolute) or model name
 * @param signal - stops a download
 * @param onProgress - download progress, when the model is fetched from the Hub
 * @returns the embedder
 * @throws {@link UsageError} when it is neither a folder nor a model name
 * @throws {@link ModelNotCachedError} offline and not cached, and the other Hub errors of `pullModel`
 */
async function loadLocalModel(model: string, signal: AbortSignal | undefined, onProgress?: (p: PullProgress) => void): Promise<LocalEmbedder> {
  if (existsSync(model) && statSync(model).isDirectory()) return LocalEmbedder.fromFolder(model);
  if (isHubName(model)) return LocalEmbedder.fromPretrained(model, { signal, ...(onProgress ? { onProgress } : {}) });
  throw new UsageError(`model "${model}" is neither a folder (with config.json, tokenizer.json and an ONNX file) nor a Hub name (owner/name)`);
}

/** Whether a string that is not a folder reads as a Hub model name. */
function isHubName(model: string): boolean {
  if (isAbsolute(model)) return false;
  try {
    parseHubModelId(model);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens the embedder a spec names.
 *
 * @param spec - the spec
 * @param signal - stops model loading
 * @param onProgress - download progress, when a local model is fetched from the Hub
 * @returns the embedder and its closer
 * @throws {@link UsageError} for a missing model folder
 * @throws {@link MissingApiKeyError} for `openai:` without a key
 */
export async function openEmbedder(spec: EmbedderSpec, signal?: AbortSignal, onProgress?: (p: PullProgress) => void): Promise<OpenEmbedder> {
  switch (spec.kind) {
    case 'hashing':
      return { embedder: new HashingEmbedder({ dimension: spec.dimension }), close: async () => {} };
    case 'openai': {
      const { OpenAIConnector } = await import('../../connectors/openai/connector.js');
      return { embedder: new OpenAIConnector().embedder(spec.model), close: async () => {} };
    }
    case 'ollama': {
      const { OllamaConnector } = await import('../../connectors/ollama/connector.js');
      return { embedder: new OllamaConnector().embedder(spec.model), close: async () => {} };
    }
    case 'local': {
      const e = await loadLocalModel(spec.model, signal, onProgress);
      return { embedder: e, close: () => e.close() };
    }
  }
}

/**
 * Loads a local cross-encoder for `query --rerank`: a folder (LocalCrossEncoder.fromFolder), else a Hub name
 * (LocalCrossEncoder.fromPretrained), as in `loadLocalModel`.
 *
 * @param model - folder path or model name
 * @param cwd - for relative folders
 * @param signal - stops a download
 * @param onProgress - download progress, when the model is fetched from the Hub
 * @returns the reranker
 * @throws {@link UsageError} when it is neither a folder nor a model name
 */
export async function openReranker(model: string, cwd: string, signal?: AbortSignal, onProgress?: (p: PullProgress) => void): Promise<LocalCrossEncoder> {
  const dir = absolute(cwd, model);
  if (existsSync(dir) && statSync(dir).isDirectory()) return LocalCrossEncoder.fromFolder(dir);
  if (isHubName(model)) return LocalCrossEncoder.fromPretrained(model, { signal, ...(onProgress ? { onProgress } : {}) });
  throw new UsageError(`--rerank "${model}" is neither a cross-encoder folder (config.json, tokenizer.json, an ONNX file) nor a Hub name (owner/name)`);
}

/**
 * The embedder choice of this run: a flag beats env and config for both `--model` and `--embedder` (they are one
 * setting spelled two ways); two flags at once are an error.
 *
 * @param command - the command (where each value came from)
 * @param o - its `model` and `embedder` options
 * @param cwd - for relative folders
 * @returns the spec, or `undefined` when none is chosen
 */
export function embedderChoice(command: Command, o: { model?: string; embedder?: string }, cwd: string): EmbedderSpec | undefined {
  let { model, embedder } = o;
  if (model && embedder) {
    const fromCli = (k: string): boolean => command.getOptionValueSource(k) === 'cli';
    if (fromCli('model') && !fromCli('embedder')) embedder = undefined;
    else if (fromCli('embedder') && !fromCli('model')) model = undefined;
  }
  return parseEmbedderSpec(embedder, model, cwd);
}

/**
 * Checks that a chosen embedder is the one the store was built with.
 *
 * @param spec - the chosen embedder, if any
 * @param manifest - the store's manifest
 * @param store - the store as the user named it
 * @throws {@link ConflictError} when it is not
 */
export function checkEmbedder(spec: EmbedderSpec | undefined, manifest: IndexManifest, store: string): void {
  if (spec && formatEmbedderSpec(spec) !== manifest.embedder) {
    throw new ConflictError(`store ${store} was indexed with ${manifest.embedder} (dimension ${manifest.dimension}), not ${formatEmbedderSpec(spec)}; leave out --model/--embedder to use the store's, or index into another --store`);
  }
}
