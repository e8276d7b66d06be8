// Synthetic retrieval tasks for the training tests: queries and passages share a "signal" block of coordinates
// and carry independent high-variance "nuisance" coordinates, so the base cosine retrieves poorly and an adapter that
// learns to suppress the nuisance block retrieves well. Built directly as EmbeddedPairs (no embedder needed).
import type { Embedder } from '../../src/core/contracts.js';
import { seededRandom } from '../../src/internal/random.js';
import { Adapter, type AdapterApply } from '../../src/training/adapter.js';
import { saveAdapter } from '../../src/training/adapter-file.js';
import { describeBaseModel } from '../../src/training/base-model.js';
import type { EmbeddedPairs } from '../../src/training/embedded-pairs.js';

/** The project's mulberry32 + Box–Muller: deterministic normal draws. */
export function normals(seed: number): () => number {
  const uni = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uni())) * Math.cos(2 * Math.PI * uni());
}

export interface SyntheticOptions {
  count: number;
  dimension: number;
  signalDims?: number;
  nuisance?: number;
  seed?: number;
  negatives?: boolean;
}

/** `count` pairs; pair i's positive is passage i; optional hard negative = another passage. */
export function syntheticPairs(o: SyntheticOptions): EmbeddedPairs {
  const { count: n, dimension: d, signalDims = Math.max(1, d >> 2), nuisance = 1.6, seed = 1 } = o;
  const rnd = normals(seed);
  const q = new Float32Array(n * d);
  const p = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < signalDims; j++) {
      const s = rnd();
      p[i * d + j] = s;
      q[i * d + j] = s + 0.15 * rnd();
    }
    for (let j = signalDims; j < d; j++) {
      p[i * d + j] = nuisance * rnd();
      q[i * d + j] = nuisance * rnd();
    }
  }
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  const negative = new Int32Array(n).fill(-1);
  if (o.negatives) for (let i = 0; i < n; i++) negative[i] = (i + 1) % n;
  return { dimension: d, count: n, queryVectors: q, documentVectors: p, query: idx, positive: Uint32Array.from(idx), negative };
}

/**
 * A text task where word overlap fails: each "concept" has a query-side word and a passage-side word (random
 * letter strings, so the hashing embedder sees no overlap). Passage i names 3 concepts' passage words; its query
 * names the same concepts' query words. An adapter can learn the word correspondence from training pairs and apply
 * it to held-out passages built from the same concepts.
 */
export function synonymTextPairs(count: number, seed: number, concepts = 40): { query: string; positive: string }[] {
  const wordRng = normals(12345); // fixed vocabulary across calls
  const word = (): string => Array.from({ length: 7 }, () => String.fromCharCode(97 + Math.floor(Math.abs(wordRng() * 9)) % 26)).join('');
  const qWords = Array.from({ length: concepts }, word);
  const dWords = Array.from({ length: concepts }, word);
  const rnd = normals(seed);
  const pick = (): number => Math.floor(Math.abs(rnd() * 1000)) % concepts;
  const out: { query: string; positive: string }[] = [];
  for (let i = 0; i < count; i++) {
    const cs = [pick(), pick(), pick()];
    out.push({
      query: `what about ${cs.map((c) => qWords[c]).join(' and ')}`,
      positive: `the report covers ${cs.map((c) => dWords[c]).join(', ')} in detail (item ${seed}-${i})`,
    });
  }
  return out;
}

/**
 * Saves an adapter with seeded non-identity parameters (identity plus noise in the linear map) for `base`, so adapted
 * vectors differ clearly from the base ones; for the serving and integration tests, which need an adapter, not a trained one.
 */
export async function saveNoisyAdapter(base: Embedder, path: string, apply: AdapterApply = 'both', seed = 7): Promise<Adapter> {
  const info = await describeBaseModel(base);
  const adapter = Adapter.initialize({ dimension: info.dimension, apply }, seed);
  const rnd = normals(seed);
  const delta = adapter.tensor('linear.delta');
  for (let i = 0; i < delta.length; i++) delta[i] += 0.5 * rnd();
  await saveAdapter(path, adapter, info);
  return adapter;
}
