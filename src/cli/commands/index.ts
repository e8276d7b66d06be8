// `abi-sdk index PATH... --store DIR`: a thin caller of the library's `indexFiles` (read Markdown, text, HTML and PDF,
// split, embed new or changed files, delete removed files' chunks). It resolves flags, env and config, opens the
// index directory (manifest, embedder, trained adapter) through `openIndex`, shows progress and prints the report.
import { UsageError } from '../../core/errors.js';
import { DEFAULT_INDEX_GLOB, indexFiles } from '../../indexing/index-files.js';
import { DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE } from '../../indexing/splitter.js';
import type { CliCommand, CommandContext } from '../command.js';
import { embedderChoice, formatEmbedderSpec } from '../indexing/embedder-spec.js';
import { readManifest } from '../indexing/manifest.js';
import { adapterOption, openIndex } from '../indexing/open-index.js';
import { absolute, nonNegativeInt, positiveInt, setting } from '../options.js';
import type { Progress } from '../progress.js';

interface IndexOptions {
  store?: string;
  model?: string;
  embedder?: string;
  adapter?: string | false;
  glob?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  batchSize?: number;
  text?: boolean;
  json?: boolean;
}

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.command.opts<IndexOptions>();
  const paths = (ctx.command.processedArgs[0] as string[]).map((p) => absolute(ctx.cwd, p));
  if (!o.store) throw new UsageError('index needs --store DIR (where the index lives)');
  const dir = absolute(ctx.cwd, o.store);
  const before = readManifest(dir);
  const chunkSize = o.chunkSize ?? before?.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const chunkOverlap = o.chunkOverlap ?? (before && o.chunkSize === undefined ? before.chunkOverlap : Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(chunkSize / 5)));
  if (chunkOverlap >= chunkSize) throw new UsageError(`--chunk-overlap (${chunkOverlap}) must be smaller than --chunk-size (${chunkSize})`);
  const index = await openIndex(ctx, {
    dir, name: o.store, embedder: embedderChoice(ctx.command, o, ctx.cwd), adapter: adapterOption(o.adapter, ctx.cwd),
    create: { text: o.text ?? false, chunkSize, chunkOverlap },
  });
  try {
    const { manifest } = index;
    let bar: Progress | undefined; // started once the walk knows how many files there are
    let shown = 0;
    const report = await indexFiles(paths, {
      store: index.store, embedder: index.embedder, cwd: ctx.cwd, glob: o.glob ?? DEFAULT_INDEX_GLOB, chunkSize, chunkOverlap,
      batchSize: o.batchSize ?? 64, exclude: [dir], signal: ctx.signal,
      onProgress: (p) => {
        bar ??= ctx.progress('indexing', p.files, 'files');
        bar.increment(p.filesDone - shown);
        shown = p.filesDone;
      },
    }).finally(() => bar?.stop());
    for (const f of report.failed) ctx.io.stderr(`abi-sdk: skipped ${f.source}: ${f.error.message}`);
    const embedder = formatEmbedderSpec(index.spec);
    const changed = report.added.length + report.changed.length;
    if (o.json) {
      ctx.io.stdout(JSON.stringify({
        store: dir, embedder, ...(manifest.adapter ? { adapter: manifest.adapter } : {}), dimension: manifest.dimension,
        files: report.files, changed, added: report.added.length, unchanged: report.unchanged, removed: report.removed.length,
        failed: report.failed.length, embedded: report.embedded, deleted: report.deleted, total: report.total, ms: report.ms,
      }));
    } else {
      const failed = report.failed.length ? `, ${report.failed.length} failed` : '';
      const adapter = manifest.adapter ? ` + ${manifest.adapter.id}` : '';
      ctx.io.stdout(`indexed ${report.files} files into ${o.store}: ${changed} new or changed, ${report.unchanged} unchanged, ${report.removed.length} removed${failed}`);
      ctx.io.stdout(`embedded ${report.embedded} chunks, deleted ${report.deleted}; the store holds ${report.total} chunks (${embedder}${adapter}, ${(report.ms / 1000).toFixed(1)}s)`);
    }
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    await index.close();
  }
}

/** `abi-sdk index` */
export const index: CliCommand = {
  register(program, action) {
    program.command('index')
      .description('index files (md, txt, html, pdf) into a vector store; re-runs embed only new or changed files')
      .argument('<paths...>', 'files and folders to index')
      .addOption(setting('--store <dir>', 'the index directory (created if missing)', { env: 'ABI_STORE', config: 'store' }))
      .addOption(setting('--model <folder>', 'local embedding model folder (same as --embedder local:FOLDER)', { env: 'ABI_MODEL', config: 'model' }))
      .addOption(setting('--embedder <spec>', 'hashing[:DIM] | openai:MODEL | ollama:MODEL | local:FOLDER (default: the store\'s, else hashing)', { env: 'ABI_EMBEDDER', config: 'embedder' }))
      .addOption(setting('--adapter <file>', 'a trained adapter (abi-sdk train) over the embedder, recorded in the store (default: the store\'s)', { env: 'ABI_ADAPTER', config: 'adapter' }))
      .option('--no-adapter', 'refuse a store that was indexed with an adapter')
      .addOption(setting('--glob <pattern>', `files taken from folders (default: ${DEFAULT_INDEX_GLOB})`, { config: 'index.glob' }))
      .addOption(setting('--chunk-size <n>', `characters per chunk (default: the store's, else ${DEFAULT_CHUNK_SIZE})`, { config: 'index.chunkSize' }, positiveInt('--chunk-size')))
      .addOption(setting('--chunk-overlap <n>', `characters shared by neighbouring chunks (default: the store's, else min(${DEFAULT_CHUNK_OVERLAP}, chunk size / 5))`, { config: 'index.chunkOverlap' }, nonNegativeInt('--chunk-overlap')))
      .addOption(setting('--batch-size <n>', 'chunks per embedding call (default: 64)', { config: 'index.batchSize' }, positiveInt('--batch-size')))
      .addOption(setting('--text', 'also keep a BM25 text index, for query --hybrid (set when the store is created)', { config: 'index.text' }))
      .option('--json', 'print the report as one JSON object')
      .addHelpText('after', '\nExamples:\n  abi-sdk index ./docs --store ./.abi\n  abi-sdk index ./docs ./notes --store ./.abi --model ./models/bge-small --text\n  abi-sdk index ./site --store ./.abi --glob "**/*.html" --chunk-size 800 --chunk-overlap 100\n  abi-sdk index ./docs --store ./.abi-tuned --model ./models/bge-small --adapter ./run/adapter.abi-adapter')
      .action(action(run));
  },
};
