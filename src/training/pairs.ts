/**
 * Training-pair helpers: read JSONL (`{"query", "positive", "negative"?}` per line, line-numbered errors),
 * deduplicate, and split into train/validation with a seed. The split keeps every pair that shares a positive
 * passage on the same side, so a held-out query is never answered by a passage the adapter was trained on.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { AbiError, DataFormatError, IOError, NotFoundError, ValidationError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';
import type { TrainingPair } from './embedded-pairs.js';
import { mixSeed, permutation } from './random.js';

/**
 * Parses JSONL text into pairs. Blank lines are skipped.
 *
 * @param text - the JSONL content
 * @param source - a name for error messages
 * @returns the pairs, in order
 * @throws {@link DataFormatError} with the line number for a line that is not JSON or not a valid pair
 * @example
 * ```ts
 * parsePairsJsonl('{"query":"q","positive":"p"}\n'); // [{ query: 'q', positive: 'p' }]
 * ```
 */
export function parsePairsJsonl(text: string, source = '<jsonl>'): TrainingPair[] {
  const out: TrainingPair[] = [];
  text.split('\n').forEach((line, i) => {
    const p = parseLine(line, source, i + 1);
    if (p) out.push(p);
  });
  return out;
}

/**
 * Reads a JSONL file of pairs, streaming line by line.
 *
 * @param path - the file
 * @param options - signal
 * @returns the pairs, in file order
 * @throws {@link NotFoundError} when the file does not exist
 * @throws {@link DataFormatError} for a malformed line (with its number); {@link ValidationError} for an empty file
 * @throws {@link AbortError} when the signal fires
 * @example
 * ```ts
 * const pairs = await readPairsJsonl('pairs.jsonl');
 * ```
 */
export async function readPairsJsonl(path: string, options: { signal?: AbortSignal } = {}): Promise<TrainingPair[]> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const out: TrainingPair[] = [];
  let n = 0;
  try {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    for await (const line of lines) {
      n++;
      if ((n & 1023) === 0) throwIfAborted(options.signal);
      const p = parseLine(line, path, n);
      if (p) out.push(p);
    }
  } catch (err) {
    if (err instanceof AbiError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`pairs file ${path} does not exist`, { cause: err });
    if (typeof code === 'string') throw new IOError(`could not read pairs file ${path}: ${(err as Error).message}`, { cause: err });
    throw err;
  } finally {
    stream.destroy();
  }
  throwIfAborted(options.signal);
  if (out.length === 0) throw new ValidationError(`pairs file ${path} holds no pairs`);
  return out;
}

function parseLine(raw: string, source: string, line: number): TrainingPair | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new DataFormatError('not valid JSON', source, line, { cause: err });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DataFormatError('expected a JSON object {"query", "positive", "negative"?}', source, line);
  const o = v as Record<string, unknown>;
  for (const k of ['query', 'positive'] as const) {
    if (typeof o[k] !== 'string' || (o[k] as string).trim() === '') throw new DataFormatError(`"${k}" must be a non-empty string`, source, line);
  }
  if (o.negative !== undefined && o.negative !== null && (typeof o.negative !== 'string' || o.negative.trim() === '')) {
    throw new DataFormatError('"negative" must be a non-empty string when present', source, line);
  }
  const pair: TrainingPair = { query: o.query as string, positive: o.positive as string };
  if (typeof o.negative === 'string') pair.negative = o.negative;
  return pair;
}

/** What {@link dedupePairs} returns. */
export interface DedupeResult {
  /** The kept pairs, in first-seen order. */
  pairs: TrainingPair[];
  /** How many were dropped as duplicates. */
  duplicates: number;
  /** How many were dropped because the negative equals the positive. */
  invalid: number;
}

/**
 * Drops repeated (query, positive) pairs — compared after trimming and collapsing whitespace, case kept — keeping the
 * first, and pairs whose negative is the positive itself.
 *
 * @param pairs - the pairs
 * @returns the kept pairs and the counts dropped
 * @example
 * ```ts
 * dedupePairs([{ query: 'a', positive: 'b' }, { query: 'a ', positive: 'b' }]).pairs.length; // 1
 * ```
 */
export function dedupePairs(pairs: readonly TrainingPair[]): DedupeResult {
  const norm = (s: string): string => s.trim().replace(/\s+/g, ' ');
  const seen = new Set<string>();
  const out: TrainingPair[] = [];
  let duplicates = 0;
  let invalid = 0;
  for (const p of pairs) {
    if (p.negative !== undefined && norm(p.negative) === norm(p.positive)) { invalid++; continue; }
    const key = `${norm(p.query)}\u0000${norm(p.positive)}`;
    if (seen.has(key)) { duplicates++; continue; }
    seen.add(key);
    out.push(p);
  }
  return { pairs: out, duplicates, invalid };
}

/** Options for {@link splitPairs}. */
export interface SplitOptions {
  /** Fraction of positive passages (with all their pairs) held out. @defaultValue 0.1 */
  validationFraction?: number;
  /** Seed of the shuffle. @defaultValue 0 */
  seed?: number;
}

/** A seeded split of training pairs. */
export interface PairSplit {
  /** Pairs to train on. */
  train: TrainingPair[];
  /** Held-out pairs (their passages never appear in `train`). */
  validation: TrainingPair[];
}

/**
 * Splits pairs into train and validation sets with a seeded shuffle of the distinct positive passages, so pairs that
 * share a passage stay together. Both sides keep the input order.
 *
 * @param pairs - the pairs (at least 2 distinct positives)
 * @param options - validation fraction and seed
 * @returns `{ train, validation }`, both non-empty
 * @throws {@link ValidationError} when the fraction is outside (0, 1) or there are too few passages to split
 * @example
 * ```ts
 * const { train, validation } = splitPairs(pairs, { validationFraction: 0.2, seed: 7 });
 * ```
 */
export function splitPairs(pairs: readonly TrainingPair[], options: SplitOptions = {}): PairSplit {
  const fraction = options.validationFraction ?? 0.1;
  const seed = options.seed ?? 0;
  if (!(fraction > 0 && fraction < 1)) throw new ValidationError(`validationFraction must be in (0, 1), got ${fraction}`);
  if (!Number.isInteger(seed)) throw new ValidationError(`seed must be an integer, got ${seed}`);
  const groups = new Map<string, number>();
  for (const p of pairs) if (!groups.has(p.positive)) groups.set(p.positive, groups.size);
  const g = groups.size;
  if (g < 2) throw new ValidationError(`need at least 2 distinct positive passages to split, got ${g}`);
  const held = Math.min(g - 1, Math.max(1, Math.round(g * fraction)));
  const order = permutation(g, mixSeed(seed, 3));
  const isHeld = new Uint8Array(g);
  for (let i = 0; i < held; i++) isHeld[order[i]] = 1;
  const train: TrainingPair[] = [];
  const validation: TrainingPair[] = [];
  for (const p of pairs) (isHeld[groups.get(p.positive)!] ? validation : train).push(p);
  return { train, validation };
}
