// bench/bit-test.mjs — the filter's per-candidate bit test in the HNSW walk: the JS test the walk inlines
// (`(allow[s >>> 5] >>> (s & 31)) & 1`), against a WebAssembly function called once per candidate, and a WebAssembly
// function called once per expanded node that filters its whole neighbour list (the bitset then has to live in the
// WebAssembly memory: a copy per query). 1M slots, 50% allowed, 32 neighbours per expansion at random slots, as in
// an M 16 level-0 walk. Prints a markdown table of ns per candidate; run it on an idle machine:
// node bench/bit-test.mjs
import wabtFactory from 'wabt';

const SLOTS = 1 << 20, WORDS = SLOTS >>> 5, NEIGHBOURS = 32, EXPANSIONS = 200_000;
const wat = `(module
  (memory (export "memory") 8)
  ;; the bitset at 0 (WORDS words), neighbour lists after it
  (func (export "test") (param $s i32) (result i32)
    (i32.and (i32.shr_u (i32.load (i32.shl (i32.shr_u (local.get $s) (i32.const 5)) (i32.const 2))) (i32.and (local.get $s) (i32.const 31))) (i32.const 1)))
  (func (export "filter") (param $list i32) (param $n i32) (param $out i32) (result i32)
    (local $i i32) (local $s i32) (local $k i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (i32.load (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 2)))))
      (if (i32.and (i32.shr_u (i32.load (i32.shl (i32.shr_u (local.get $s) (i32.const 5)) (i32.const 2))) (i32.and (local.get $s) (i32.const 31))) (i32.const 1))
        (then (i32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (local.get $s)) (local.set $k (i32.add (local.get $k) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $k)))`;
const wabt = await wabtFactory();
const mod = wabt.parseWat('bit-test.wat', wat);
const { instance } = await WebAssembly.instantiate(mod.toBinary({}).buffer);
const { memory, test, filter } = instance.exports;

let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const allow = new Uint32Array(WORDS);
for (let s = 0; s < SLOTS; s++) if (rand() < 0.5) allow[s >>> 5] |= 1 << (s & 31);
const lists = new Uint32Array(EXPANSIONS * NEIGHBOURS);
for (let i = 0; i < lists.length; i++) lists[i] = Math.floor(rand() * SLOTS);
const wasmBits = new Uint32Array(memory.buffer, 0, WORDS);
const LIST = WORDS * 4, OUT = LIST + NEIGHBOURS * 4;
const wasmList = new Uint32Array(memory.buffer, LIST, NEIGHBOURS);
const out = new Uint32Array(NEIGHBOURS);

const variants = {
  'JS bit test, inlined in the walk loop': () => {
    let kept = 0;
    for (let e = 0; e < EXPANSIONS; e++) {
      const base = e * NEIGHBOURS;
      for (let j = 0; j < NEIGHBOURS; j++) {
        const s = lists[base + j];
        if ((allow[s >>> 5] >>> (s & 31)) & 1) out[kept++ & 31] = s;
      }
    }
    return kept;
  },
  'WebAssembly call per candidate': () => {
    let kept = 0;
    for (let e = 0; e < EXPANSIONS; e++) {
      const base = e * NEIGHBOURS;
      for (let j = 0; j < NEIGHBOURS; j++) {
        const s = lists[base + j];
        if (test(s)) out[kept++ & 31] = s;
      }
    }
    return kept;
  },
  'WebAssembly call per expansion (list copied in, filtered there)': () => {
    let kept = 0;
    for (let e = 0; e < EXPANSIONS; e++) {
      wasmList.set(lists.subarray(e * NEIGHBOURS, (e + 1) * NEIGHBOURS));
      kept += filter(LIST, NEIGHBOURS, OUT);
    }
    return kept;
  },
};
const copyStart = performance.now();
for (let i = 0; i < 100; i++) wasmBits.set(allow);
const copyUs = ((performance.now() - copyStart) / 100) * 1000;
const results = {};
for (let round = 0; round < 4; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const t = performance.now();
    const kept = run();
    const ns = ((performance.now() - t) * 1e6) / (EXPANSIONS * NEIGHBOURS);
    if (round > 0) (results[name] ??= []).push(ns);
    if (kept === -1) console.log(kept);
  }
}
console.log('| bit test (1M slots, 50% allowed, 32 random neighbours per expansion) | ns per candidate, three rounds |\n|---|---:|');
for (const [name, ns] of Object.entries(results)) console.log(`| ${name} | ${ns.map((x) => x.toFixed(2)).join(' / ')} |`);
console.log(`\nCopying the 1M-slot bitset (128 KiB) into the WebAssembly memory: ${copyUs.toFixed(1)} µs per query.`);
