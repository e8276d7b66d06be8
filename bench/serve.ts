/**
 * `npm run bench:serve [-- --connections 32] [-- --seconds 8] [-- --quick]`: the server under load on the generated
 * `minilm-l6` model (`npm run models`), driven by autocannon from this process while the server runs in a child.
 *
 * 1. Per-request HTTP cost: a bare node:http server answering a fixed JSON body vs this server's `GET /health`
 *    (routing, request id, span, metrics and log line), one connection and `--connections`.
 * 2. `POST /v1/embeddings` with one short text per request from N concurrent clients: requests/s, texts/s, p50/p99
 *    latency for each service (the engine called per request, and the scheduler with dynamic batching on and off
 *    when it is available), with batching on/off as a ratio.
 * 3. Overload: many more clients than the scheduler's bounded queue admits: share of 503 answers, their latency
 *    against the 200s, resident memory before/peak/after, then recovery (queue empty, nothing running, a request
 *    succeeds).
 * 4. Bulk answers: `--bulk-texts` (10,000) short texts in one `POST /v1/embeddings`, answered as JSON and as an Arrow
 *    IPC stream (`Accept: application/vnd.apache.arrow.stream`): bytes on the wire and the server's serialisation
 *    time (the same functions the server runs, timed in this process on the vectors it answered), as Arrow/JSON ratios.
 *
 * `--only http,embed,overload,bulk` runs some of the sections.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { MODELS_DIR, generateModels } from '../scripts/generate-models.js';
import { embeddingsToArrow } from '../src/server/bulk.js';
import { ARROW_STREAM } from '../src/server/schemas/encode.js';
import { writeResults, type PeerRatio } from './results.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' }, seconds: { type: 'string', default: '8' }, quick: { type: 'boolean', default: false },
    services: { type: 'string' }, only: { type: 'string' }, 'bulk-texts': { type: 'string', default: '10000' },
  },
});
const SECTIONS = new Set((values.only ?? 'http,embed,overload,bulk').split(','));
const BULK_TEXTS = Number(values['bulk-texts']);
const CONNECTIONS = Number(values.connections);
const SECONDS = values.quick ? 3 : Number(values.seconds);
const MODEL = 'minilm-l6';
const MODEL_DIR = join(MODELS_DIR, MODEL);

generateModels({ log: (l) => console.error(l) });

// ---------------------------------------------------------------- child servers

interface Child { url: string; proc: ChildProcess }

async function startChild(args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'serve-child.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', (line) => resolve(line.trim()));
    proc.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
  return { url, proc };
}

async function stopChild(c: Child): Promise<void> {
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGTERM');
  await exited;
}

// ---------------------------------------------------------------- load

const WORDS = 'the quick brown fox jumps over lazy dogs while vectors search retrieval embeddings rank documents in order of relevance to a query about capital cities and rivers'.split(' ');
function shortText(i: number): string {
  const n = 4 + (i % 12);
  return Array.from({ length: n }, (_, j) => WORDS[(i * 7 + j * 13) % WORDS.length]).join(' ');
}

interface Load {
  reqPerSec: number;
  textsPerSec: number;
  p50: number;
  p99: number;
  status: Record<string, number>;
  /** Latencies per status class, ms. */
  byStatus: Map<number, number[]>;
  errors: number;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function load(url: string, path: string, connections: number, seconds: number, textsPerRequest = 1): Promise<Load> {
  let counter = 0;
  const byStatus = new Map<number, number[]>();
  const result = await autocannon({
    url: `${url}${path}`, connections, duration: seconds, pipelining: 1,
    ...(path === '/health' ? {} : {
      method: 'POST', headers: { 'content-type': 'application/json' },
      requests: [{
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ model: MODEL, input: Array.from({ length: textsPerRequest }, () => shortText(counter++)) }),
        }),
      }],
    }),
    setupClient: (client) => {
      client.on('response', (status: number, _bytes: number, ms: number) => {
        let list = byStatus.get(status);
        if (!list) byStatus.set(status, (list = []));
        list.push(ms);
      });
    },
  });
  const ok = byStatus.get(200) ?? [];
  const status: Record<string, number> = {};
  for (const [k, v] of byStatus) status[k] = v.length;
  return {
    reqPerSec: result.requests.average,
    textsPerSec: (ok.length * textsPerRequest) / seconds,
    p50: result.latency.p50, p99: result.latency.p99, status, byStatus, errors: result.errors,
  };
}

async function scrape(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : undefined;
}

// ---------------------------------------------------------------- run

const started = performance.now();
const ratios: Record<string, PeerRatio> = {};
const rows: string[][] = [];
const row = (...cells: (string | number)[]) => rows.push(cells.map((c) => (typeof c === 'number' ? (Number.isFinite(c) ? String(Math.round(c * 10) / 10) : '–') : c)));

console.error(`bench:serve: ${CONNECTIONS} connections, ${SECONDS} s per run, model ${MODEL}`);

// 1. per-request HTTP cost
if (SECTIONS.has('http')) {
  const bare = await startChild(['--bare']);
  const ours = await startChild(['--models', MODEL_DIR, '--service', 'direct']);
  for (const c of [1, CONNECTIONS]) {
    const b = await load(bare.url, '/health', c, Math.min(SECONDS, 4));
    const o = await load(ours.url, '/health', c, Math.min(SECONDS, 4));
    row(`GET /health, ${c} conn`, 'bare node:http', b.reqPerSec, '', b.p50, b.p99, '');
    row(`GET /health, ${c} conn`, 'abi-sdk server', o.reqPerSec, '', o.p50, o.p99, `${(o.reqPerSec / b.reqPerSec).toFixed(2)}× bare`);
    ratios[`serve.health_${c}conn.req_per_s`] = { value: o.reqPerSec / b.reqPerSec, peer: 'bare node:http', what: `GET /health req/s with ${c} connection(s), abi-sdk server / a bare node:http server` };
  }
  await stopChild(bare);
  await stopChild(ours);
}

// 2. embeddings under load
const services = (values.services ?? 'direct,batched,unbatched').split(',');
const embedRuns = new Map<string, Load>();
for (const service of SECTIONS.has('embed') ? services : []) {
  const child = await startChild(['--models', MODEL_DIR, '--service', service]);
  await load(child.url, '/v1/embeddings', 4, 1); // warm-up
  const r = await load(child.url, '/v1/embeddings', CONNECTIONS, SECONDS);
  embedRuns.set(service, r);
  const other = Object.entries(r.status).filter(([s]) => s !== '200').map(([s, n]) => `${s}×${n}`).join(' ');
  row(`POST /v1/embeddings, ${CONNECTIONS} conn, 1 text`, service, r.reqPerSec, r.textsPerSec, r.p50, r.p99, other);
  if (service === 'direct') {
    // The ceiling batching aims at: the same texts sent by the client already batched, 32 per request.
    const b = await load(child.url, '/v1/embeddings', 2, SECONDS, 32);
    row('POST /v1/embeddings, 2 conn, 32 texts', service, b.reqPerSec, b.textsPerSec, b.p50, b.p99, 'client-side batches');
  }
  await stopChild(child);
}
const on = embedRuns.get('batched');
const off = embedRuns.get('unbatched');
if (on && off) ratios['serve.batching.texts_per_s'] = { value: on.textsPerSec / off.textsPerSec, peer: 'the same server, batching off', what: `POST /v1/embeddings texts/s with ${CONNECTIONS} connections, dynamic batching on / off` };
if (on && off) row('dynamic batching on / off', 'ratio', on.reqPerSec / off.reqPerSec, on.textsPerSec / off.textsPerSec, off.p50 / on.p50, off.p99 / on.p99, '');

// 3. overload (on the scheduler when it is benchmarked, else on the CLI's direct service and its bounded queue)
if (SECTIONS.has('overload')) {
  const overloaded = services.includes('batched') ? 'batched' : 'direct';
  const child = await startChild(['--models', MODEL_DIR, '--service', overloaded, '--max-queue', '64']);
  await load(child.url, '/v1/embeddings', 4, 1);
  const rssBefore = (await scrape(child.url, 'abi_process_resident_memory_bytes')) ?? NaN;
  let peak = rssBefore;
  const poll = setInterval(() => void scrape(child.url, 'abi_process_resident_memory_bytes').then((v) => { if (v && v > peak) peak = v; }, () => {}), 250);
  const r = await load(child.url, '/v1/embeddings', CONNECTIONS * 8, SECONDS);
  clearInterval(poll);
  await new Promise((res) => setTimeout(res, 1000));
  const rssAfter = (await scrape(child.url, 'abi_process_resident_memory_bytes')) ?? NaN;
  const queued = await scrape(child.url, 'abi_queue_depth');
  const running = await scrape(child.url, 'abi_running_jobs');
  const after = await fetch(`${child.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, input: 'after the storm' }) });
  const total = Object.values(r.status).reduce((a, b) => a + b, 0);
  const busy = r.byStatus.get(503) ?? [];
  const ok = r.byStatus.get(200) ?? [];
  row(`overload, ${CONNECTIONS * 8} conn, queue 64`, overloaded, r.reqPerSec, r.textsPerSec, r.p50, r.p99, `503: ${((100 * busy.length) / Math.max(1, total)).toFixed(0)}%`);
  row('  503 answers', '', '', '', pct(busy, 50), pct(busy, 99), `200s: p50 ${pct(ok, 50).toFixed(0)} p99 ${pct(ok, 99).toFixed(0)} ms`);
  row('  RSS MiB before / peak / after', '', '', '', '', '', `${(rssBefore / 2 ** 20).toFixed(0)} / ${(peak / 2 ** 20).toFixed(0)} / ${(rssAfter / 2 ** 20).toFixed(0)}`);
  row('  after the load', '', '', '', '', '', `queue ${queued}, running ${running}, next request ${after.status}`);
  await stopChild(child);
}

// 4. bulk answers: JSON against Arrow for one request of BULK_TEXTS short texts
if (SECTIONS.has('bulk')) {
  const child = await startChild(['--models', MODEL_DIR, '--service', 'direct', '--max-inputs', String(BULK_TEXTS)]);
  const texts = Array.from({ length: BULK_TEXTS }, (_, i) => shortText(i));
  const body = JSON.stringify({ model: MODEL, input: texts });
  const post = async (accept: string) => {
    const t0 = performance.now();
    const res = await fetch(`${child.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body });
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`bulk request: ${res.status} ${Buffer.from(bytes).toString('utf8').slice(0, 200)}`);
    return { bytes, ms: performance.now() - t0 };
  };
  const json = await post('application/json');
  const arrow = await post(ARROW_STREAM);
  const parsed = JSON.parse(Buffer.from(json.bytes).toString('utf8')) as { data: { embedding: number[] }[] };
  const vectors = parsed.data.map((d) => Float32Array.from(d.embedding));
  // The server's own serialisation of each answer, on these vectors: JSON body (numbers from Float32Array, then
  // JSON.stringify and the byte count sendJson takes), and the Arrow stream.
  const serialiseJson = () => {
    const text = JSON.stringify({
      object: 'list', data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: Array.from(v) })), model: MODEL,
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
    return Buffer.byteLength(text);
  };
  const serialiseArrow = () => embeddingsToArrow(texts, vectors, MODEL).byteLength;
  const jsonMs = median(timeRuns(serialiseJson, 5));
  const arrowMs = median(timeRuns(serialiseArrow, 5));
  const dim = vectors[0].length;
  row(`${BULK_TEXTS} texts in 1 request, JSON answer`, 'direct', '', BULK_TEXTS / (json.ms / 1000), json.ms, '', `${(json.bytes.byteLength / 2 ** 20).toFixed(1)} MiB, serialise ${jsonMs.toFixed(0)} ms`);
  row(`${BULK_TEXTS} texts in 1 request, Arrow answer`, 'direct', '', BULK_TEXTS / (arrow.ms / 1000), arrow.ms, '', `${(arrow.bytes.byteLength / 2 ** 20).toFixed(1)} MiB, serialise ${arrowMs.toFixed(0)} ms`);
  row(`  Arrow / JSON (d=${dim})`, 'ratio', '', '', '', '', `bytes ${(arrow.bytes.byteLength / json.bytes.byteLength).toFixed(3)}×, serialise ${(arrowMs / jsonMs).toFixed(3)}×`);
  await stopChild(child);
}

function timeRuns(fn: () => number, runs: number): number[] {
  fn();
  return Array.from({ length: runs }, () => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const header = ['scenario', 'server', 'req/s', 'texts/s', 'p50 ms', 'p99 ms', 'notes'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
writeResults('serve', {
  variant: values.quick ? 'quick' : 'default', started, packages: ['autocannon', 'onnxruntime-node'],
  figures: { connections: CONNECTIONS, seconds: SECONDS, model: MODEL, header, rows }, ratios,
});
