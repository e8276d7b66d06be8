import { VectorStore } from '../../src/store/vector-store.js';
import { describeBackendConformance } from './conformance.js';

// The embedded store is the reference: in memory with a flat index, and in memory with HNSW (approximate by default,
// exact on `exact: true` and on selective filters).
describeBackendConformance('embedded (flat)', (dimension, metric) =>
  VectorStore.open({ dimension, metric, index: { type: 'flat' } }));
describeBackendConformance('embedded (hnsw)', (dimension, metric) =>
  VectorStore.open({ dimension, metric, index: { type: 'hnsw', M: 8, efConstruction: 64 } }));
