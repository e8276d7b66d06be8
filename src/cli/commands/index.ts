// `abi-sdk index PATH... --store DIR`: reads files (Markdown, text, HTML, PDF), splits them into chunks with LangChain's
// RecursiveCharacterTextSplitter, embeds the chunks of new or changed files in batches and upserts them into the
// embedded vector store with their source, chunk number, mtime and content hash; removed files' chunks are deleted.
import { mkdir } from 'node:fs/promises';
import { ConflictError, UsageError } from '../../core/errors.js';
import { VectorStore } from '../../store/vector-store.js';
import type { CliCommand, CommandContext } from '../command.js';
import { checkEmbedder, embedderChoice, type EmbedderSpec, formatEmbedderSpec, openEmbedder, parseEmbedderSpec } from '../indexing/embedder-spec.js';
import { DEFAULT_GLOB, indexFiles } from '../indexing/indexer.js';
import { readManifest, writeManifest } from '../indexing/manifest.js';
import { downloadProgress } from '../progress.js';
import { absolute, nonNegativeInt, positiveInt, setting } from '../options.js';

interface IndexOptions {
  store?: string;
  model?: string;
  embedder?: string;
  glob?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  batchSize?: number;
  text?: boolean;
  json?: boolean;
}

/** Default chunking: LangChain's defaults, about 250 tokens of English per chunk. */
export const DEFAULT_CHUNK_SIZE = 1000;
export const DEFAULT_CHUNK_OVERLAP = 200;

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.command.opts<IndexOptions>();
  const paths = (ctx.command.processedArgs[0] as string[]).map((p) => absolute(ctx.cwd, p));
  if (!o.store) throw new UsageError('index needs --store DIR (where the index lives)');
  const storeDir = absolute(ctx.cwd, o.store);
  const manifest = readManifest(storeDir);
  const chosen = embedderChoice(ctx.command, o, ctx.cwd);
  const chunkSize = o.chunkSize ?? manifest?.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const chunkOverlap = o.chunkOverlap ?? (manifest && o.chunkSize === undefined ? manifest.chunkOverlap : Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(chunkSize / 5)));
  if (chunkOverlap >= chunkSize) throw new UsageError(`--chunk-overlap (${chunkOverlap}) must be smaller than --chunk-size (${chunkSize})`);
  let spec: EmbedderSpec;
  if (manifest) {
    checkEmbedder(chosen, manifest, o.store);
    if (o.text && !manifest.text) throw new ConflictError(`store ${o.store} was indexed without --text (no BM25 index); index into another --store to add one`);
    spec = parseEmbedderSpec(manifest.embedder, undefined, ctx.cwd)!;
  } else {
    spec = chosen ?? { kind: 'hashing', dimension: 384 };
    if (!chosen) ctx.io.stderr('abi-sdk: no --model or --embedder given: using the hashing embedder (lexical matching, no model); pass --model FOLDER for semantic search');
  }
  const download = downloadProgress((label, total, unit) => ctx.progress(label, total, unit));
  const opened = await openEmbedder(spec, ctx.signal, download.onProgress).finally(download.stop);
  try {
    let dimension = manifest?.dimension ?? opened.embedder.dimension;
    dimension ??= (await opened.embedder.embedQuery('dimension probe', { signal: ctx.signal })).length;
    if (!manifest) {
      await mkdir(storeDir, { recursive: true });
      await writeManifest(storeDir, {
        format: 1, embedder: formatEmbedderSpec(spec), dimension, text: o.text ?? false, chunkSize, chunkOverlap, createdAt: new Date().toISOString(),
      });
    }
    const store = await VectorStore.open({ path: storeDir, dimension, text: manifest?.text ?? o.text ?? false, signal: ctx.signal });
    try {
      const report = await indexFiles({
        paths, cwd: ctx.cwd, store, embedder: opened.embedder, glob: o.glob ?? DEFAULT_GLOB, chunkSize, chunkOverlap,
        batchSize: o.batchSize ?? 64, exclude: [storeDir], signal: ctx.signal,
        progress: (label, total, unit) => ctx.progress(label, total, unit),
        warn: (m) => ctx.io.stderr(`abi-sdk: ${m}`),
      });
      if (o.json) {
        ctx.io.stdout(JSON.stringify({ store: storeDir, embedder: formatEmbedderSpec(spec), dimension, ...report }));
      } else {
        ctx.io.stdout(`indexed ${report.files} files into ${o.store}: ${report.changed} new or changed, ${report.unchanged} unchanged, ${report.removed} removed${report.failed ? `, ${report.failed} failed` : ''}`);
        ctx.io.stdout(`embedded ${report.embedded} chunks, deleted ${report.deleted}; the store holds ${report.total} chunks (${formatEmbedderSpec(spec)}, ${(report.ms / 1000).toFixed(1)}s)`);
      }
      return report.failed > 0 ? 1 : 0;
    } finally {
      await store.close();
    }
  } finally {
    await opened.close();
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
      .addOption(setting('--glob <pattern>', `files taken from folders (default: ${DEFAULT_GLOB})`, { config: 'index.glob' }))
      .addOption(setting('--chunk-size <n>', `characters per chunk (default: the store's, else ${DEFAULT_CHUNK_SIZE})`, { config: 'index.chunkSize' }, positiveInt('--chunk-size')))
      .addOption(setting('--chunk-overlap <n>', `characters shared by neighbouring chunks (default: the store's, else min(${DEFAULT_CHUNK_OVERLAP}, chunk size / 5))`, { config: 'index.chunkOverlap' }, nonNegativeInt('--chunk-overlap')))
      .addOption(setting('--batch-size <n>', 'chunks per embedding call (default: 64)', { config: 'index.batchSize' }, positiveInt('--batch-size')))
      .addOption(setting('--text', 'also keep a BM25 text index, for query --hybrid (set when the store is created)', { config: 'index.text' }))
      .option('--json', 'print the report as one JSON object')
      .addHelpText('after', '\nExamples:\n  abi-sdk index ./docs --store ./.abi\n  abi-sdk index ./docs ./notes --store ./.abi --model ./models/bge-small --text\n  abi-sdk index ./site --store ./.abi --glob "**/*.html" --chunk-size 800 --chunk-overlap 100')
      .action(action(run));
  },
};
