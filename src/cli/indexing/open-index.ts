// The one way `index` and `query` open an index directory: read (or, for `index`, create) its manifest, check the
// chosen embedder and adapter against it, open the embedder (with the trained adapter the manifest records, or the
// one `--adapter` names), and open the vector store with the recorded dimension and text setting.
import { mkdir } from 'node:fs/promises';
import type { Embedder } from '../../core/contracts.js';
import { AbiError, ConflictError } from '../../core/errors.js';
import { VectorStore } from '../../store/vector-store.js';
import { AdaptedEmbedder, adapterId } from '../../embedders/adapted.js';
import type { CommandContext } from '../command.js';
import { absolute } from '../options.js';
import { downloadProgress } from '../progress.js';
import { checkEmbedder, type EmbedderSpec, formatEmbedderSpec, openEmbedder, parseEmbedderSpec } from './embedder-spec.js';
import { type IndexManifest, readManifest, requireManifest, writeManifest } from './manifest.js';

/** What a new index is created with (`index` only; `query` never creates one). */
export interface NewIndexSettings {
  /** Keep a BM25 text index. */
  text: boolean;
  /** Chunking recorded as the store's defaults. */
  chunkSize: number;
  chunkOverlap: number;
}

/** What {@link openIndex} is asked for. */
export interface OpenIndexRequest {
  /** The index directory (absolute). */
  dir: string;
  /** The directory as the user named it (for messages). */
  name: string;
  /** The embedder chosen by flag, env or config, if any (checked against the store's). */
  embedder: EmbedderSpec | undefined;
  /** `--adapter FILE` (absolute), `false` for `--no-adapter`, `undefined` for the store's. */
  adapter: string | false | undefined;
  /** Settings of a new index: given by `index`, which may create one; absent for `query`, which needs one. */
  create?: NewIndexSettings;
}

/** An open index: close it when done. */
export interface OpenIndex {
  manifest: IndexManifest;
  /** The base embedder's spec (as recorded). */
  spec: EmbedderSpec;
  /** The embedder to use: the base one, or the base one with the adapter on top. */
  embedder: Embedder;
  store: VectorStore;
  close(): Promise<void>;
}

/** The adapter over `base` named by the request and the manifest, checked against what the manifest records. */
async function adapt(ctx: CommandContext, base: Embedder, r: OpenIndexRequest, manifest: IndexManifest | undefined): Promise<{ embedder: Embedder; adapter?: IndexManifest['adapter'] }> {
  const recorded = manifest?.adapter;
  if (r.adapter === false) {
    if (recorded) throw new ConflictError(`store ${r.name} was indexed with adapter ${recorded.id} (${recorded.path}); leave out --no-adapter to use it, or index into another --store`);
    return { embedder: base };
  }
  const path = r.adapter ?? recorded?.path;
  if (!path) return { embedder: base };
  if (manifest && !recorded) throw new ConflictError(`store ${r.name} was indexed without an adapter, not with ${path}; leave out --adapter, or index into another --store`);
  let adapted: AdaptedEmbedder;
  try {
    adapted = await AdaptedEmbedder.load(base, path, { signal: ctx.signal });
  } catch (err) {
    if (r.adapter === undefined && err instanceof AbiError && err.code === 'NOT_FOUND') {
      throw new ConflictError(`store ${r.name} was indexed with adapter ${recorded!.id} from ${recorded!.path}, which is gone; pass --adapter FILE with that adapter`, { cause: err });
    }
    throw err;
  }
  const id = adapterId(adapted.adapter);
  if (recorded && recorded.id !== id) {
    throw new ConflictError(`store ${r.name} was indexed with adapter ${recorded.id} (${recorded.path}), not ${id} (${path}); leave out --adapter to use the store's, or index into another --store`);
  }
  return { embedder: adapted, adapter: recorded ?? { id, path } };
}

/**
 * Opens (or, with `create`, creates) an index directory with its embedder.
 *
 * @param ctx - the command's context (signal, progress, stderr)
 * @param r - directory, chosen embedder and adapter, new-index settings
 * @returns the manifest, embedder and store
 * @throws {@link NotFoundError} for `query` when there is no index at `dir`
 * @throws {@link ConflictError} when the chosen embedder or adapter differs from the store's, or `--text` is asked of a store without one
 * @throws {@link ModelMismatchError} when the adapter was trained on another base model
 */
export async function openIndex(ctx: CommandContext, r: OpenIndexRequest): Promise<OpenIndex> {
  const manifest = r.create ? readManifest(r.dir) : requireManifest(r.dir);
  let spec: EmbedderSpec;
  if (manifest) {
    checkEmbedder(r.embedder, manifest, r.name);
    if (r.create?.text && !manifest.text) throw new ConflictError(`store ${r.name} was indexed without --text (no BM25 index); index into another --store to add one`);
    spec = parseEmbedderSpec(manifest.embedder, undefined, ctx.cwd)!;
  } else {
    spec = r.embedder ?? { kind: 'hashing', dimension: 384 };
    if (!r.embedder) ctx.io.stderr('abi-sdk: no --model or --embedder given: using the hashing embedder (lexical matching, no model); pass --model FOLDER for semantic search');
  }
  const download = downloadProgress((label, total, unit) => ctx.progress(label, total, unit));
  const base = await openEmbedder(spec, ctx.signal, download.onProgress).finally(download.stop);
  try {
    const { embedder, adapter } = await adapt(ctx, base.embedder, r, manifest);
    let current = manifest;
    if (!current) {
      let dimension = embedder.dimension;
      dimension ??= (await embedder.embedQuery('dimension probe', { signal: ctx.signal })).length;
      current = {
        format: 1, embedder: formatEmbedderSpec(spec), ...(adapter ? { adapter } : {}), dimension,
        text: r.create!.text, chunkSize: r.create!.chunkSize, chunkOverlap: r.create!.chunkOverlap, createdAt: new Date().toISOString(),
      };
      await mkdir(r.dir, { recursive: true });
      await writeManifest(r.dir, current);
    }
    const store = await VectorStore.open({ path: r.dir, dimension: current.dimension, text: current.text, signal: ctx.signal });
    return {
      manifest: current, spec, embedder, store,
      close: async () => {
        try {
          await store.close();
        } finally {
          await base.close();
        }
      },
    };
  } catch (err) {
    await base.close();
    throw err;
  }
}

/**
 * The `--adapter` value as {@link OpenIndexRequest.adapter} takes it: a path made absolute, `false` for `--no-adapter`.
 *
 * @param value - the parsed option (a config file's path is already absolute)
 * @param cwd - for a relative path
 * @returns the request's `adapter`
 */
export function adapterOption(value: string | boolean | undefined, cwd: string): string | false | undefined {
  if (value === false) return false;
  return typeof value === 'string' ? absolute(cwd, value) : undefined;
}
