/**
 * `npm run bench:connectors [-- --quick]`: embedding throughput of the OpenAI connector against, in the same run,
 * the official `openai` client used directly (sequential 2048-input batches, as its docs show) and LangChain's
 * `OpenAIEmbeddings` (its defaults), all against the same loopback OpenAI wire double running in a child process;
 * then the embedding cache (all hits, in-memory LRU and a real redis-server) and the fixed cost of the resilience
 * layer per call. Prints one table with ratios to the official client.
 *
 * What it measures is client-side cost (request building, JSON/base64 decoding, batching, concurrency) over
 * loopback: no network latency, so real-world gains from concurrency are larger than shown.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { OpenAIEmbeddings } from '@langchain/openai';
import OpenAI from 'openai';
import {
  CachedEmbedder, LruEmbeddingCache, OpenAIConnector, RedisEmbeddingCache, ResilientCaller,
} from '../src/index.js';
import { redisInstalled, startRedis } from '../tests/helpers/redis-server.js';
import { writeResults } from './results.js';

const started = performance.now();

const quick = process.argv.includes('--quick');
const DIM = 1536;
const N = quick ? 4096 : 16_384;
const TRIALS = quick ? 3 : 5;
const KEY = 'sk-bench';

const words = 'the of and a to in is you that it he was for on are as with his they at be this from have or by'.split(' ');
const texts = Array.from({ length: N }, (_, i) => {
  let s = `doc ${i}:`;
  for (let j = 0; j < 16; j++) s += ` ${words[(i * 7 + j * 13) % words.length]}`;
  return s;
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeIt(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

const child = spawn(process.execPath, ['--import', 'tsx', 'bench/connectors-server.ts', String(DIM)], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(child.stdout!, 'data')) as [Buffer];
const base = `${line.toString().trim()}/v1`;

const official = new OpenAI({ apiKey: KEY, baseURL: base });
const langchain = new OpenAIEmbeddings({ apiKey: KEY, configuration: { baseURL: base }, model: 'text-embedding-3-small' });
const connector = new OpenAIConnector({ apiKey: KEY, baseURL: base });
const abi4 = connector.embedder('text-embedding-3-small');
const abi1 = connector.embedder('text-embedding-3-small', { concurrency: 1 });

const systems: { name: string; run: () => Promise<unknown> }[] = [
  {
    name: 'openai client, 2048-input batches in turn',
    run: async () => {
      const out: number[][] = [];
      for (let i = 0; i < N; i += 2048) {
        const r = await official.embeddings.create({ model: 'text-embedding-3-small', input: texts.slice(i, i + 2048) });
        for (const d of r.data) out[i + d.index] = d.embedding;
      }
      return out;
    },
  },
  { name: 'LangChain OpenAIEmbeddings (defaults)', run: () => langchain.embedDocuments(texts) },
  { name: 'abi-sdk OpenAIConnector, concurrency 1', run: () => abi1.embed(texts) },
  { name: 'abi-sdk OpenAIConnector, concurrency 4', run: () => abi4.embed(texts) },
];

// Warm up every system once (connections, JIT), then interleave trials so drift hits everyone alike.
for (const s of systems) await s.run();
const ms = new Map(systems.map((s) => [s.name, [] as number[]]));
for (let t = 0; t < TRIALS; t++) for (const s of systems) ms.get(s.name)!.push(await timeIt(s.run));

const rows: { name: string; perSec: number }[] = systems.map((s) => ({ name: s.name, perSec: N / (median(ms.get(s.name)!) / 1000) }));

// Cache hits: every text already cached.
const lruEmbedder = new CachedEmbedder({ embedder: abi4, cache: new LruEmbeddingCache({ maxBytes: 1 << 30 }) });
await lruEmbedder.embed(texts);
const lruMs: number[] = [];
for (let t = 0; t < TRIALS; t++) lruMs.push(await timeIt(() => lruEmbedder.embed(texts)));
rows.push({ name: 'CachedEmbedder, in-memory LRU, all hits', perSec: N / (median(lruMs) / 1000) });
let redisNote = '';
if (redisInstalled) {
  const redis = await startRedis();
  const cache = new RedisEmbeddingCache({ url: redis.url, timeoutMs: 10_000 });
  const redisEmbedder = new CachedEmbedder({ embedder: abi4, cache });
  await redisEmbedder.embed(texts);
  const xs: number[] = [];
  for (let t = 0; t < TRIALS; t++) xs.push(await timeIt(() => redisEmbedder.embed(texts)));
  rows.push({ name: 'CachedEmbedder, Redis (loopback), all hits', perSec: N / (median(xs) / 1000) });
  await cache.close();
  await redis.stop();
} else {
  redisNote = '(redis-server not installed: Redis row skipped)';
}

// Fixed cost of the resilience layer around a call that does nothing.
const caller = new ResilientCaller({ provider: 'bench' });
const noop = async () => 1;
const CALLS = quick ? 50_000 : 200_000;
const overhead: number[] = [];
for (let t = 0; t < TRIALS; t++) {
  const direct = await timeIt(async () => { for (let i = 0; i < CALLS; i++) await noop(); });
  const wrapped = await timeIt(async () => { for (let i = 0; i < CALLS; i++) await caller.call(noop); });
  overhead.push(((wrapped - direct) * 1e6) / CALLS);
}

const ref = rows[0].perSec;
console.log(`\nEmbedding ${N} texts (~${Math.round(texts.reduce((s, t) => s + t.length, 0) / N)} chars) at ${DIM} dimensions over loopback; median of ${TRIALS} trials\n`);
console.log('| system | texts/s | vs openai client |');
console.log('|---|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.perSec).toLocaleString('en-US')} | ${(r.perSec / ref).toFixed(2)}x |`);
console.log(`\nResilientCaller overhead per call (retry, breaker, balancer, timeout; no rate limit): ${Math.round(median(overhead))} ns ${redisNote}`);
writeResults('connectors', {
  variant: quick ? 'quick' : 'default', started, packages: ['openai', '@langchain/openai', 'ioredis'],
  figures: { texts: N, dim: DIM, trials: TRIALS, rows, resilienceOverheadNs: median(overhead) },
  ratios: Object.fromEntries(rows.filter((r) => r.name.startsWith('abi-sdk')).map((r) => [
    `connectors.${r.name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase()}`,
    { value: r.perSec / ref, peer: 'openai (official client)', what: `${r.name}: texts/s / the official openai client's texts/s` },
  ])),
});
child.kill('SIGTERM');
connector.close();
