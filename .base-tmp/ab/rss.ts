import { VectorStore as Before } from '../src/store/vector-store.js';
import { VectorStore as After } from '../../src/store/vector-store.js';
import hnswlib from 'hnswlib-node';
const which = process.argv[2];
const gc = (): void => { (globalThis as any).gc(); (globalThis as any).gc(); };
const snap = () => { gc(); const m = process.memoryUsage(); return { rss: m.rss / 2 ** 20, he: (m.heapUsed + m.external) / 2 ** 20, ht: (m.heapTotal + m.external) / 2 ** 20 }; };
await new Promise((r) => setTimeout(r, 100));
const a = snap();
let keep: any;
if (which === 'hnswlib') { keep = new hnswlib.HierarchicalNSW('ip', 384); keep.readIndexSync(process.argv[3]); }
else { const S: any = which === 'before' ? Before : After; keep = await S.open({ path: process.argv[3], dimension: 384, index: { type: 'hnsw', M: 16, efConstruction: 60 }, durability: 'write' }); }
await new Promise((r) => setTimeout(r, 100));
const b = snap();
console.log(`${which}: RSS +${(b.rss - a.rss).toFixed(1)} MB, heapUsed+external +${(b.he - a.he).toFixed(1)} MB, heapTotal+external +${(b.ht - a.ht).toFixed(1)} MB`);
if (which !== 'hnswlib') await keep.close();
