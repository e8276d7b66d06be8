// `abi-sdk query --store DIR "question"`: embeds the question with the embedder the store was built with, searches
// (vector, or hybrid vector + BM25 with --hybrid), optionally reranks with a local cross-encoder, and prints a table
// or JSON lines.
import type { Filter } from '../../core/filter.js';
import { parseFilter } from '../../core/filter.js';
import { AbiError, UsageError } from '../../core/errors.js';
import { Retriever, type RetrievedHit } from '../../retrieval/retriever.js';
import type { CliCommand, CommandContext } from '../command.js';
import { embedderChoice, openReranker } from '../indexing/embedder-spec.js';
import { adapterOption, openIndex } from '../indexing/open-index.js';
import { downloadProgress } from '../progress.js';
import { absolute, positiveInt, setting } from '../options.js';

interface QueryOptions {
  store?: string;
  k?: number;
  filter?: string;
  hybrid?: boolean;
  rerank?: string;
  fetchK?: number;
  json?: boolean;
  model?: string;
  embedder?: string;
  adapter?: string | false;
}

function parseFilterFlag(text: string): Filter {
  let filter: unknown;
  try {
    filter = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--filter is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw new UsageError('--filter must be a JSON object, e.g. \'{"source":{"$contains":"1990"}}\'');
  try {
    parseFilter(filter as Filter);
  } catch (err) {
    if (err instanceof AbiError) throw new UsageError(`--filter: ${err.message}`, { cause: err });
    throw err;
  }
  return filter as Filter;
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

function clip(s: string, width: number): string {
  return s.length <= width ? s.padEnd(width) : `${s.slice(0, Math.max(0, width - 1))}…`;
}

function table(hits: readonly RetrievedHit[], reranked: boolean, columns: number): string[] {
  const rows = hits.map((h, i) => ({
    rank: String(i + 1),
    score: (reranked ? h.rerankScore ?? h.score : h.score).toFixed(4),
    source: String(h.metadata.source ?? h.id),
    chunk: String(h.metadata.chunk ?? ''),
    text: oneLine(h.text),
  }));
  const w = {
    rank: Math.max(1, ...rows.map((r) => r.rank.length)),
    score: Math.max(reranked ? 6 : 5, ...rows.map((r) => r.score.length)),
    source: Math.min(40, Math.max(6, ...rows.map((r) => r.source.length))),
    chunk: Math.max(5, ...rows.map((r) => r.chunk.length)),
  };
  const snippet = Math.max(20, columns - (w.rank + w.score + w.source + w.chunk + 8));
  const line = (r: typeof rows[number]): string =>
    `${r.rank.padStart(w.rank)}  ${r.score.padStart(w.score)}  ${clip(r.source, w.source)}  ${r.chunk.padStart(w.chunk)}  ${clip(r.text, snippet).trimEnd()}`;
  return [
    line({ rank: '#', score: reranked ? 'rerank' : 'score', source: 'source', chunk: 'chunk', text: 'text' }),
    ...rows.map(line),
  ];
}

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.command.opts<QueryOptions>();
  const question = ctx.command.processedArgs[0] as string;
  if (!question.trim()) throw new UsageError('the question is empty');
  if (!o.store) throw new UsageError('query needs --store DIR (an index made by abi-sdk index)');
  const filter = o.filter === undefined ? undefined : parseFilterFlag(o.filter);
  const index = await openIndex(ctx, {
    dir: absolute(ctx.cwd, o.store), name: o.store, embedder: embedderChoice(ctx.command, o, ctx.cwd), adapter: adapterOption(o.adapter, ctx.cwd),
  });
  try {
    if (o.hybrid && !index.manifest.text) throw new UsageError(`--hybrid needs a BM25 text index: store ${o.store} was indexed without --text`);
    const download = downloadProgress((label, total, unit) => ctx.progress(label, total, unit));
    const reranker = o.rerank ? await openReranker(o.rerank, ctx.cwd, ctx.signal, download.onProgress).finally(download.stop) : undefined;
    try {
      const k = o.k ?? 5;
      const hits = await new Retriever({ store: index.store, embedder: index.embedder, reranker }).retrieve(question, {
        k, filter, text: o.hybrid ? true : undefined, signal: ctx.signal, ...(o.fetchK ? { fetchK: o.fetchK } : {}),
      });
      if (o.json) {
        hits.forEach((h, i) => ctx.io.stdout(JSON.stringify({
          rank: i + 1, id: h.id, score: h.score, ...(reranker ? { rerankScore: h.rerankScore, searchRank: h.searchRank } : {}),
          source: h.metadata.source, chunk: h.metadata.chunk, text: h.text, metadata: h.metadata,
        })));
      } else if (hits.length === 0) {
        ctx.io.stdout(filter ? 'no results (no chunk matches --filter)' : 'no results (the store is empty)');
      } else {
        for (const l of table(hits, reranker !== undefined, ctx.io.tty?.columns ?? 120)) ctx.io.stdout(l);
      }
      return 0;
    } finally {
      await reranker?.close();
    }
  } finally {
    await index.close();
  }
}

/** `abi-sdk query` */
export const query: CliCommand = {
  register(program, action) {
    program.command('query')
      .description('search an index made by `abi-sdk index`; prints a table, or JSON lines with --json')
      .argument('<question>', 'what to search for')
      .addOption(setting('--store <dir>', 'the index directory', { env: 'ABI_STORE', config: 'store' }))
      .addOption(setting('-k, --k <n>', 'results (default: 5)', { config: 'query.k' }, positiveInt('-k')))
      .option('--filter <json>', 'metadata filter, e.g. \'{"source":{"$contains":"1990"}}\' (fields: source, path, chunk, chunks, mtime, hash)')
      .addOption(setting('--hybrid', 'fuse vector and BM25 keyword search (index built with --text)', { config: 'query.hybrid' }))
      .addOption(setting('--rerank <model>', 'rerank the candidates with a local cross-encoder folder', { env: 'ABI_RERANK_MODEL', config: 'query.rerank' }))
      .option('--fetch-k <n>', 'candidates taken before reranking (default: max(4k, 20))', positiveInt('--fetch-k'))
      .addOption(setting('--model <folder>', 'check the store was built with this model (it always uses the store\'s)', { env: 'ABI_MODEL', config: 'model' }))
      .addOption(setting('--embedder <spec>', 'check the store was built with this embedder', { env: 'ABI_EMBEDDER', config: 'embedder' }))
      .addOption(setting('--adapter <file>', 'check the store was indexed with this trained adapter (it always uses the store\'s)', { env: 'ABI_ADAPTER', config: 'adapter' }))
      .option('--no-adapter', 'refuse a store that was indexed with an adapter')
      .option('--json', 'one JSON object per result (rank, id, score, source, chunk, text, metadata)')
      .addHelpText('after', '\nExamples:\n  abi-sdk query --store ./.abi "how do I rotate keys?"\n  abi-sdk query --store ./.abi "budget deficit" -k 10 --filter \'{"source":{"$contains":"1990"}}\' --json\n  abi-sdk query --store ./.abi "budget" --hybrid --rerank ./models/ms-marco-MiniLM')
      .action(action(run));
  },
};
