// Entry of a LocalScheduler worker thread: one ModelRegistry (onnxruntime sessions cannot move between threads),
// models loaded on first use, one batch at a time (the scheduler never sends a second before the reply).
import { parentPort, workerData } from 'node:worker_threads';
import { AbiError } from '../core/errors.js';
import { LocalCrossEncoder } from '../engine/cross-encoder.js';
import { LocalEmbedder } from '../engine/local-embedder.js';
import { ModelRegistry } from '../engine/registry.js';
import type { Device } from '../engine/device.js';
import type { WorkerReady, WorkerReply, WorkerRequest, WorkerSetup } from './protocol.js';

const setup = workerData as WorkerSetup;
if (setup.fault === 'exit-at-start') process.exit(70);
const registry = new ModelRegistry();
const embedders = new Map<string, Promise<LocalEmbedder>>();
const rerankers = new Map<string, Promise<LocalCrossEncoder>>();
const loadOptions = { registry, device: setup.device as Device, threads: setup.threads };

/** Loads a model once per worker; a failed load is forgotten so the next job tries again. */
function once<T>(cache: Map<string, Promise<T>>, dir: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(dir);
  if (!p) {
    p = load();
    p.catch(() => cache.delete(dir));
    cache.set(dir, p);
  }
  return p;
}

const loaded = (): string[] => [...embedders.keys(), ...rerankers.keys()];

async function run(msg: Exclude<WorkerRequest, { type: 'crash' }>): Promise<WorkerReply> {
  if (msg.type === 'embed') {
    const embedder = await once(embedders, msg.dir, () => LocalEmbedder.fromFolder(msg.dir, loadOptions));
    const vectors = await embedder.embed(msg.texts, { inputType: msg.inputType, dimensions: msg.dimensions });
    const dimension = vectors[0]?.length ?? 0;
    const flat = new Float32Array(vectors.length * dimension);
    vectors.forEach((v, i) => flat.set(v, i * dimension));
    return { batch: msg.batch, ok: true, kind: 'embed', flat, dimension, loaded: loaded() };
  }
  const reranker = await once(rerankers, msg.dir, () => LocalCrossEncoder.fromFolder(msg.dir, loadOptions));
  const results = await reranker.rerank(msg.query, msg.documents);
  return { batch: msg.batch, ok: true, kind: 'rerank', results, loaded: loaded() };
}

parentPort!.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'crash') process.exit(70);
  run(msg).then(
    (reply) => parentPort!.postMessage(reply, reply.ok && reply.kind === 'embed' ? [reply.flat.buffer as ArrayBuffer] : []),
    (err: unknown) => parentPort!.postMessage({
      batch: msg.batch, ok: false, loaded: loaded(),
      error: err instanceof AbiError ? { code: err.code, message: err.message } : { code: 'PROVIDER_ERROR', message: String((err as Error)?.message ?? err) },
    } satisfies WorkerReply),
  );
});
parentPort!.postMessage({ ready: true } satisfies WorkerReady);
