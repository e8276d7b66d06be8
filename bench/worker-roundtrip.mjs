// bench/worker-roundtrip.mjs — the cost of handing one search to a worker thread and back, without the search:
// postMessage (what the store's search pool uses) against a shared-memory request slot (the worker blocks in
// Atomics.wait, the caller awaits Atomics.waitAsync). A request carries a 384-d query; the reply ten slots and
// distances. Prints a markdown table; run it on an idle machine: node bench/worker-roundtrip.mjs
import { Worker } from 'node:worker_threads';
const N = 3000;
const src = `
const { parentPort, workerData } = require('node:worker_threads');
const ctrl = new Int32Array(workerData.sab);
if (workerData.mode === 'pm') {
  parentPort.on('message', (m) => { parentPort.postMessage({ id: m.id, slots: new Uint32Array(10), dists: new Float64Array(10) }); });
} else if (workerData.mode === 'block') {
  // The request slot: the query after the control words, the reply (ten slots, ten distances) after the query.
  const query = new Float32Array(workerData.sab, 64, 384);
  const slots = new Uint32Array(workerData.sab, 64 + 384 * 4, 10);
  const dists = new Float64Array(workerData.sab, 64 + 384 * 4 + 40, 10);
  const local = new Float32Array(384);
  for (;;) {
    Atomics.wait(ctrl, 0, 0);
    Atomics.store(ctrl, 0, 0);
    local.set(query);
    for (let j = 0; j < 10; j++) { slots[j] = j; dists[j] = local[j]; }
    Atomics.store(ctrl, 1, 1);
    Atomics.notify(ctrl, 1);
  }
}
`;
async function run(mode) {
  const sab = new SharedArrayBuffer(64 + 384 * 4 + 40 + 80);
  const ctrl = new Int32Array(sab);
  const w = new Worker(src, { eval: true, workerData: { sab, mode } });
  await new Promise((r) => setTimeout(r, 200));
  const q = new Float32Array(384);
  let t0 = performance.now();
  if (mode === 'pm') {
    let pending;
    w.on('message', (m) => pending(m));
    for (let i = 0; i < N; i++) { await new Promise((r) => { pending = r; w.postMessage({ id: i, queries: q, keep: [1], allow: null }); }); }
  } else {
    for (let i = 0; i < N; i++) {
      Atomics.store(ctrl, 1, 0);
      new Float32Array(sab, 64, 384).set(q);
      Atomics.store(ctrl, 0, 1); Atomics.notify(ctrl, 0);
      const r = Atomics.waitAsync(ctrl, 1, 0);
      if (r.async) await r.value;
    }
  }
  const us = (performance.now() - t0) / N * 1000;
  await w.terminate();
  return us;
}
console.log('| transport | round trip µs |\n|---|---:|');
for (const m of ['pm', 'block', 'pm', 'block']) console.log(`| ${m === 'pm' ? 'postMessage' : 'shared slot, Atomics.wait in the worker'} | ${(await run(m)).toFixed(1)} |`);
