// Entry of an EncodePool worker thread: one BatchEncoder, rebuilt when the model's version changes; reads points
// from and writes results to the SharedArrayBuffers named in each request.
import { parentPort, workerData } from 'node:worker_threads';
import type { KernelBackend } from '../../kernels/index.js';
import { BatchEncoder } from './batch-encoder.js';
import type { EncodeReady, EncodeReply, EncodeRequest, EncodeWorkerSetup } from './encode-protocol.js';

const setup = workerData as Partial<EncodeWorkerSetup> | undefined;
if (setup?.fault === 'exit-at-start') process.exit(70);
const backend: KernelBackend = setup?.backend ?? 'auto';
let encoder: BatchEncoder | undefined;
let version = -1;

parentPort?.on('message', (req: EncodeRequest) => {
  let reply: EncodeReply;
  try {
    const { model } = req;
    const centroids = new Float32Array(model.centroids);
    if (encoder === undefined || version !== model.version) {
      // Same shape: only the centroids moved (a k-means iteration); otherwise a new model.
      if (encoder !== undefined && encoder.k === model.k && encoder.dim === model.dim && encoder.m === model.m && model.codebooks === null) {
        encoder.setCentroids(centroids);
      } else {
        encoder = new BatchEncoder({
          centroids, k: model.k, dim: model.dim, m: model.m,
          codebooks: model.codebooks === null ? undefined : new Float32Array(model.codebooks),
        }, backend);
      }
      version = model.version;
    }
    const points = new Float32Array(req.points);
    encoder.encode(points, req.from, req.count, {
      cells: new Int32Array(req.cells, req.from * 4, req.count),
      dists: new Float32Array(req.dists, req.from * 4, req.count),
      codes: req.codes === null ? undefined : new Uint8Array(req.codes, req.from * model.m, req.count * model.m),
    });
    reply = { id: req.id };
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  parentPort!.postMessage(reply);
});
parentPort?.postMessage({ ready: true } satisfies EncodeReady);
