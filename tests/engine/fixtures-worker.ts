// Runs inside a worker_thread: loads a model with its own registry and embeds what the parent sends.
import { parentPort, workerData } from 'node:worker_threads';
import { LocalEmbedder } from '../../src/engine/local-embedder.js';
import { ModelRegistry } from '../../src/engine/registry.js';

const { dir, texts } = workerData as { dir: string; texts: string[] };
const registry = new ModelRegistry();
const embedder = await LocalEmbedder.fromFolder(dir, { registry, threads: 1 });
const tokens = await embedder.tokenize(texts);
const vectors = await embedder.embedTokenized(tokens);
const flat = new Float32Array(vectors.length * embedder.dimension);
vectors.forEach((v, i) => flat.set(v, i * embedder.dimension));
// Tokenized batches are plain typed arrays: they cross threads by transfer.
parentPort!.postMessage({ flat, ids: tokens.ids, offsets: tokens.offsets }, [flat.buffer, tokens.ids.buffer as ArrayBuffer, tokens.offsets.buffer as ArrayBuffer]);
await registry.close();
