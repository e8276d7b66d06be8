// The CLI's one config file: `abi.config.json` in the working directory, or the file `--config FILE` names. Validated
// with zod (a maintained validator whose issues carry the path of the bad field), so an error names the field:
// `abi.config.json: index.chunkSize: expected number, received string`. Relative paths in it are relative to the file.
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';

const positive = z.number().int().positive();
const path = z.string().min(1);

/** The schema of `abi.config.json`. Unknown fields are errors (a typo must not be ignored silently). */
export const configSchema = z.strictObject({
  /** Editors' JSON schema hint; ignored. */
  $schema: z.string().optional(),
  /** Store directory of `index` and `query`. */
  store: path.optional(),
  /** Embedder of `index`: `hashing`, `openai:MODEL`, `ollama:MODEL`, `local:FOLDER`. */
  embedder: z.string().min(1).optional(),
  /** Local model of `index` (a folder; a model name once Hub downloads land). */
  model: z.string().min(1).optional(),
  /** Trained adapter file (`abi-sdk train`) over the embedder of `index` and `query`; the store records it. */
  adapter: path.optional(),
  /** Data directory of `serve` and `keys` (API keys). */
  dataDir: path.optional(),
  index: z.strictObject({
    glob: z.string().min(1).optional(),
    chunkSize: positive.optional(),
    chunkOverlap: z.number().int().nonnegative().optional(),
    batchSize: positive.optional(),
    text: z.boolean().optional(),
  }).optional(),
  query: z.strictObject({
    k: positive.optional(),
    hybrid: z.boolean().optional(),
    rerank: path.optional(),
  }).optional(),
  serve: z.strictObject({
    models: path.optional(),
    /** Trained adapters by model id (`{ "tiny-bert": "./domain.abi-adapter" }`); `--adapter ID=FILE` overrides one. */
    adapters: z.record(z.string().min(1), path).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    host: z.string().min(1).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  }).optional(),
  /** `models pull|list|rm`: the Hugging Face cache folder (default: HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub). */
  models: z.strictObject({
    cacheDir: path.optional(),
  }).optional(),
});

/** A validated config file. */
export type AbiConfig = z.infer<typeof configSchema>;

/** The file looked for in the working directory when `--config` is not given. */
export const CONFIG_FILE = 'abi.config.json';

function describe(issue: z.core.$ZodIssue): string {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (at ? `${at}.${k}` : k));
    return `${keys.join(', ')}: unknown field${keys.length > 1 ? 's' : ''}`;
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  return `${at || '(root)'}: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}

function isPathLike(value: string): boolean {
  return value.startsWith('./') || value.startsWith('../') || value === '.' || value === '..';
}

/**
 * Loads and validates the config file.
 *
 * @param cwd - working directory (where `abi.config.json` is looked for)
 * @param explicit - the `--config` path, if given (then it must exist)
 * @returns the config (`{}` when there is no file) and the path read
 * @throws {@link UsageError} when the file is missing (explicit), not JSON, or has a bad field
 */
export function loadConfig(cwd: string, explicit?: string): { config: AbiConfig; path: string | undefined } {
  const file = explicit ? (isAbsolute(explicit) ? explicit : resolve(cwd, explicit)) : resolve(cwd, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return { config: {}, path: undefined };
    throw new UsageError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const name = explicit ?? basename(file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${name}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${name}: ${describe(parsed.error.issues[0])}`);
  const config = parsed.data;
  // Paths in the file are relative to the file, as tsconfig's are.
  const base = dirname(file);
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  if (config.store) config.store = at(config.store);
  if (config.dataDir) config.dataDir = at(config.dataDir);
  if (config.adapter) config.adapter = at(config.adapter);
  if (config.model && isPathLike(config.model)) config.model = at(config.model);
  if (config.query?.rerank && isPathLike(config.query.rerank)) config.query.rerank = at(config.query.rerank);
  if (config.serve?.models) config.serve.models = at(config.serve.models);
  if (config.serve?.adapters) config.serve.adapters = Object.fromEntries(Object.entries(config.serve.adapters).map(([id, p]) => [id, at(p)]));
  return { config, path: file };
}
