// bench/worker-roundtrip.mjs — the cost of handing one search to a worker thread and back, without the search:
// postMessage both ways (the store's search pool before the request slot), against a shared-memory request slot with
// the worker blocked in Atomics.wait on a doorbell and the reply signalled either by Atomics.notify (the caller awaits
// Atomics.waitAsync) or by a small postMessage (what the store's search pool does: protocol.ts, SLOT). A request
// carries a 384-d query; the reply ten slots and distances. Prints a markdown table; run it on an idle machine:
// node bench/worker-roundtrip.mjs
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
    if (workerData.replyByMessage) parentPort.postMessage(0);
    else Atomics.notify(ctrl, 1);
  }
}
`;
async function run(mode) {
  const sab = new SharedArrayBuffer(64 + 384 * 4 + 40 + 80);
  const ctrl = new Int32Array(sab);
  const w = new Worker(src, { eval: true, workerData: { sab, mode: mode === 'pm' ? 'pm' : 'block', replyByMessage: mode === 'block-pm' } });
  await new Promise((r) => setTimeout(r, 200));
  const q = new Float32Array(384);
  let t0 = performance.now();
  if (mode === 'pm') {
    let pending;
    w.on('message', (m) => pending(m));
    for (let i = 0; i < N; i++) { await new Promise((r) => { pending = r; w.postMessage({ id: i, queries: q, keep: [1], allow: null }); }); }
  } else if (mode === 'block-pm') {
    let pending;
    w.on('message', () => pending());
    for (let i = 0; i < N; i++) {
      Atomics.store(ctrl, 1, 0);
      new Float32Array(sab, 64, 384).set(q);
      const r = new Promise((res) => { pending = res; });
      Atomics.store(ctrl, 0, 1); Atomics.notify(ctrl, 0);
      await r;
    }
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
const names = { pm: 'postMessage', block: 'shared slot, Atomics.wait in the worker, Atomics.waitAsync here', 'block-pm': 'shared slot, Atomics.wait in the worker, reply signalled by postMessage' };
for (const m of ['pm', 'block', 'block-pm', 'pm', 'block', 'block-pm']) console.log(`| ${names[m]} | ${(await run(m)).toFixed(1)} |`);
