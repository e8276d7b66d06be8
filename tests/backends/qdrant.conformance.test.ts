/**
 * The backend conformance suite on QdrantStore, through the official client against the loopback Qdrant double:
 * a fresh collection per case.
 */
import { afterAll, beforeAll } from 'vitest';
import { QdrantStore } from '../../src/backends/qdrant/index.js';
import { startQdrantServer, type QdrantDouble } from '../helpers/qdrant-server.js';
import { describeBackendConformance } from './conformance.js';

let server: QdrantDouble;
let seq = 0;
beforeAll(async () => {
  server = await startQdrantServer();
});
afterAll(async () => {
  await server.close();
});

describeBackendConformance('qdrant', (dimension, metric) =>
  QdrantStore.open({ url: server.url, collection: `conformance-${++seq}`, dimension, metric }));
