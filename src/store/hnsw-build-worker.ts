// Entry of a BuildPool worker thread: attaches to the store's shared vectors and graph, and runs phase A of
// batched HNSW construction (planNodes) on the chunks of each batch it claims.
import { parentPort, workerData } from 'node:worker_threads';
import type { KernelBackend } from '../kernels/index.js';
import { HnswGraph } from './hnsw.js';
import { planNodes, type BatchPlan } from './hnsw-batch.js';
import type { BuildWorkerSetup, PlanReady, PlanReply, PlanRequest } from './hnsw-build-protocol.js';
import { VectorStorage } from './vectors.js';

const setup = workerData as Partial<BuildWorkerSetup> | undefined;
const backend: KernelBackend = setup?.backend ?? 'auto';
let storageId = -1;
let graphId = '';
let storage: VectorStorage | undefined;
let graph: HnswGraph | undefined;

parentPort?.on('message', (req: PlanRequest) => {
  if (setup?.fault === 'exit-on-plan') process.exit(70);
  let reply: PlanReply;
  try {
    if (storage === undefined || storageId !== req.storageId) {
      storage = VectorStorage.attach(req.storage, req.scratch, backend);
      storageId = req.storageId;
      graph = undefined;
    }
    storage.refresh();
    if (graph === undefined || graphId !== req.graphId) {
      graph = HnswGraph.attach(req.graph, storage);
      graphId = req.graphId;
    }
    graph.refresh();
    const plan: BatchPlan = { from: req.from, to: req.to, offsets: new Uint32Array(req.offsets), words: new Uint32Array(req.words) };
    const counter = new Int32Array(req.counter), done = new Int32Array(req.done);
    const n = req.to - req.from;
    for (;;) {
      const i0 = Atomics.add(counter, 0, req.chunk);
      if (i0 >= n) break;
      planNodes(graph, plan, i0, Math.min(n, i0 + req.chunk));
      Atomics.store(done, i0 / req.chunk, 1);
    }
    reply = { id: req.id };
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  parentPort!.postMessage(reply);
});
parentPort?.postMessage({ ready: true } satisfies PlanReady);
