/**
 * Embedding cache keys: a SHA-256 over everything that determines a vector.
 *
 * @module
 */
import { createHash, type Hash } from 'node:crypto';

/** What determines an embedding; two requests agree on every field exactly when they must give the same vector. */
export interface EmbeddingKeyParts {
  /** Provider, e.g. `openai`. */
  provider: string;
  /** Model id. */
  model: string;
  /** Requested output dimensions (`undefined`: the model's own). */
  dimensions: number | undefined;
  /** The prompt or prefix applied for the input type (`''` for none). */
  prompt: string;
  /** The input text. */
  text: string;
}

const VERSION = 'abi-emb-v1';

function field(hash: Hash, value: string): void {
  // Length-prefixed, so no two different field lists hash the same bytes.
  const bytes = Buffer.from(value, 'utf8');
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32LE(bytes.length);
  hash.update(len).update(bytes);
}

function prefixHash(parts: Omit<EmbeddingKeyParts, 'text'>): Hash {
  const h = createHash('sha256');
  field(h, VERSION);
  field(h, parts.provider);
  field(h, parts.model);
  field(h, parts.dimensions === undefined ? '' : String(parts.dimensions));
  field(h, parts.prompt);
  return h;
}

/**
 * The cache key of one embedding: hex SHA-256 of (provider, model, dimensions, prompt, text), length-prefixed.
 *
 * @param parts - what determines the vector
 * @returns 64 hex characters
 * @example
 * ```ts
 * embeddingCacheKey({ provider: 'openai', model: 'text-embedding-3-small', dimensions: 512, prompt: '', text: 'hi' });
 * ```
 */
export function embeddingCacheKey(parts: EmbeddingKeyParts): string {
  const h = prefixHash(parts);
  field(h, parts.text);
  return h.digest('hex');
}

/**
 * Keys for many texts sharing provider, model, dimensions and prompt (the common prefix is hashed once).
 *
 * @param parts - everything but the text
 * @param texts - the inputs
 * @returns one key per text, equal to {@link embeddingCacheKey} of each
 */
export function embeddingCacheKeys(parts: Omit<EmbeddingKeyParts, 'text'>, texts: readonly string[]): string[] {
  const base = prefixHash(parts);
  return texts.map((t) => {
    const h = base.copy();
    field(h, t);
    return h.digest('hex');
  });
}
