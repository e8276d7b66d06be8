/**
 * Child process for bench:ann's resident-memory column: opens one persisted index in a fresh process and prints
 * (JSON) how much its resident set, and its JS heap + external memory, grew, after GC — so abi-sdk's store and
 * hnswlib-node are measured the same way, with nothing else of the benchmark in the process.
 *
 *   node --expose-gc --import tsx bench/resident-child.ts abi <store dir> <M> <efConstruction>
 *   node --expose-gc --import tsx bench/resident-child.ts hnswlib <index file>
 */
import hnswlib from 'hnswlib-node';
import { VectorStore } from '../src/index.js';

const [kind, path, m, efc] = process.argv.slice(2);
const settle = async (): Promise<{ rss: number; heapExt: number }> => {
  await new Promise((r) => setTimeout(r, 50));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const u = process.memoryUsage();
  return { rss: u.rss / 2 ** 20, heapExt: (u.heapUsed + u.external) / 2 ** 20 };
};
const before = await settle();
let held: unknown;
if (kind === 'hnswlib') {
  const h = new hnswlib.HierarchicalNSW('ip', 384);
  h.readIndexSync(path);
  held = h;
} else {
  held = await VectorStore.open({ path, dimension: 384, index: { type: 'hnsw', M: Number(m), efConstruction: Number(efc) }, durability: 'write' });
}
const after = await settle();
process.stdout.write(JSON.stringify({ rssMB: after.rss - before.rss, heapExtMB: after.heapExt - before.heapExt }) + '\n');
if (held instanceof VectorStore) await held.close();
