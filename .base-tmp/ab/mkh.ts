import hnswlib from 'hnswlib-node';
import { loadDataset } from '../../bench/datasets.js';
const N = Number(process.argv[2]); const ds = loadDataset('clustered', N, 1000);
const h = new hnswlib.HierarchicalNSW('ip', 384); h.initIndex(N, 16, 60, 100);
for (let i = 0; i < N; i++) h.addPoint(Array.from(ds.data.subarray(i * 384, (i + 1) * 384)), i);
h.writeIndexSync(process.argv[3]);
