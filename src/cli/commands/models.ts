// `abi-sdk models pull|list|rm`: models from the Hugging Face Hub in the shared Hugging Face cache (the one Python's
// huggingface_hub and the `hf` CLI use), fetched with only the files the local engine reads.
import { Option } from 'commander';
import { NotFoundError, UsageError, ValidationError } from '../../core/errors.js';
import { hubCacheDir, listCachedModels, removeCachedModel } from '../../hub/cache.js';
import type { HubDtype } from '../../hub/files.js';
import { type HubModelRef, parseHubModelId } from '../../hub/model-id.js';
import { pullModel } from '../../hub/pull.js';
import type { CliCommand, CommandAction } from '../command.js';
import { downloadProgress } from '../progress.js';
import { absolute, setting } from '../options.js';

interface ModelsOptions {
  cacheDir?: string;
  revision?: string;
  dtype?: HubDtype;
  offline?: boolean;
  json?: boolean;
}

/** `1536` → `1.5 KB`; `4034726` → `3.8 MB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** `~/…` is left for hubCacheDir to expand; a relative folder is taken from the working directory. */
function cacheDirOf(cwd: string, dir: string | undefined): string | undefined {
  return dir === undefined || dir.startsWith('~') ? dir : absolute(cwd, dir);
}

/** A bad model name or revision is a usage error (exit 2). */
function parseName(name: string, revision?: string): HubModelRef {
  try {
    return parseHubModelId(name, revision);
  } catch (err) {
    if (err instanceof ValidationError) throw new UsageError(err.message);
    throw err;
  }
}

const cacheDirOption = (): Option =>
  setting('--cache-dir <dir>', 'Hugging Face cache folder (default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub)',
    { env: 'ABI_HF_HUB_CACHE', config: 'models.cacheDir' });

/** `abi-sdk models …` */
export const models: CliCommand = {
  register(program, action: (fn: CommandAction) => (...args: unknown[]) => Promise<void>) {
    const group = program.command('models').description('download, list and remove Hugging Face Hub models in the shared HF cache');

    group.command('pull')
      .description('download the files the local engine reads (config, tokenizer, one ONNX variant) into the HF cache')
      .argument('<name>', 'owner/name, hf:owner/name or hf:owner/name@revision')
      .option('--revision <rev>', 'branch, tag or commit (default: main)')
      .addOption(new Option('--dtype <dtype>', 'which ONNX file to fetch').choices(['fp32', 'fp16', 'int8']).default('fp32'))
      .addOption(cacheDirOption())
      .option('--offline', 'make no request: only check the model is cached (as HF_HUB_OFFLINE=1)')
      .option('--json', 'print the result as JSON')
      .action(action(async (ctx) => {
        const o = ctx.command.opts<ModelsOptions>();
        const [name] = ctx.command.processedArgs as [string];
        parseName(name, o.revision);
        const cacheDir = cacheDirOf(ctx.cwd, o.cacheDir);
        const download = downloadProgress((label, total, unit) => ctx.progress(label, total, unit));
        try {
          const pulled = await pullModel(name, {
            revision: o.revision, dtype: o.dtype, cacheDir, signal: ctx.signal, ...(o.offline ? { offline: true } : {}),
            onProgress: download.onProgress,
          });
          download.stop();
          if (o.json) ctx.io.stdout(JSON.stringify(pulled));
          else {
            const how = pulled.offline ? 'found in the cache (offline)' : pulled.downloadedBytes > 0 ? `${formatBytes(pulled.downloadedBytes)} downloaded` : 'already cached';
            ctx.io.stdout(`${pulled.repoId}@${pulled.revision} (commit ${pulled.commit.slice(0, 12)}): ${pulled.files.length} files, ${how}`);
            ctx.io.stdout(pulled.dir);
          }
        } finally {
          download.stop();
        }
      }));

    group.command('list')
      .description('list the models in the HF cache (whoever fetched them), with size on disk and revisions')
      .addOption(cacheDirOption())
      .option('--json', 'print one JSON object per model')
      .action(action(async (ctx) => {
        const o = ctx.command.opts<ModelsOptions>();
        const dir = hubCacheDir(cacheDirOf(ctx.cwd, o.cacheDir));
        const found = await listCachedModels(dir);
        if (o.json) {
          for (const m of found) ctx.io.stdout(JSON.stringify({ ...m, lastModified: m.lastModified.toISOString() }));
          return;
        }
        if (found.length === 0) {
          ctx.io.stdout(`no models in ${dir}`);
          return;
        }
        const rows = found.map((m) => [
          m.repoId,
          formatBytes(m.sizeOnDisk) + (m.partialBytes ? ` (+${formatBytes(m.partialBytes)} partial)` : ''),
          Object.entries(m.refs).map(([r, c]) => `${r}→${c.slice(0, 12)}`).join(', ') || (m.snapshots.map((c) => c.slice(0, 12)).join(', ') || '-'),
        ]);
        const head = ['MODEL', 'SIZE', 'REVISIONS'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const r of [head, ...rows]) ctx.io.stdout(r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  '));
        ctx.io.stdout(`(${found.length} model${found.length === 1 ? '' : 's'} in ${dir})`);
      }));

    group.command('rm')
      .description('delete a model from the HF cache (all its revisions)')
      .argument('<name>', 'owner/name')
      .addOption(cacheDirOption())
      .action(action(async (ctx) => {
        const o = ctx.command.opts<ModelsOptions>();
        const [name] = ctx.command.processedArgs as [string];
        const { repoId } = parseName(name);
        const dir = hubCacheDir(cacheDirOf(ctx.cwd, o.cacheDir));
        if (!(await removeCachedModel(repoId, dir))) throw new NotFoundError(`model ${repoId} is not in the cache ${dir}`);
        ctx.io.stdout(`removed ${repoId} from ${dir}`);
      }));
  },
};
