/**
 * `embedStream`: turns a stream of texts into a stream of vector records, one embedder call per batch, pulling the
 * next batch of texts only when the records of the one before have been taken. Piped into `upsertStream` it indexes
 * a source of any length in memory bounded by a batch.
 *
 * @module
 */
import type { CallOptions, Embedder, Metadata } from '../core/contracts.js';
import { ValidationError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';
import type { VectorRecord } from '../retrieval/backend.js';

/** A text to embed, with the id and metadata its record gets. */
export interface TextRecord {
  /** The record's id. */
  id: string;
  /** The text (embedded as a document). */
  text: string;
  /** Metadata stored with the record. */
  metadata?: Metadata;
}

/** Options of {@link embedStream}. */
export interface EmbedStreamOptions extends CallOptions {
  /**
   * Texts per `embedDocuments` call.
   * @defaultValue 64
   */
  batchSize?: number;
  /**
   * Keep each text in its record (`text`, returned by searches and needed by a BM25 index). The embedded store holds
   * records' text in memory: leave it out when the text lives elsewhere.
   * @defaultValue true
   */
  keepText?: boolean;
}

/**
 * Embeds a stream of texts in batches and yields one vector record per text, in order.
 *
 * @param embedder - embeds each batch with `embedDocuments`
 * @param texts - the texts (an iterable or async iterable; pulled a batch at a time)
 * @param options - batch size, whether records keep their text, signal
 * @returns the records, as an async generator
 * @throws {@link ValidationError} for a bad batch size, or an embedder that returns the wrong number of vectors
 * @throws {@link AbortError} when the signal fires; the embedder's errors; the source's errors as they are
 * @example
 * ```ts
 * const embedder = new HashingEmbedder({ dimension: 256 });
 * const store = await VectorStore.open({ dimension: 256 });
 * const texts = [{ id: 'a', text: 'hello world' }, { id: 'b', text: 'goodbye moon' }];
 * await upsertStream(store, embedStream(embedder, texts, { batchSize: 32 }), { batchSize: 32 });
 * ```
 */
export async function* embedStream(
  embedder: Embedder,
  texts: AsyncIterable<TextRecord> | Iterable<TextRecord>,
  options: EmbedStreamOptions = {},
): AsyncGenerator<VectorRecord, void, undefined> {
  const { signal } = options;
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError(`batchSize must be a positive integer, got ${String(batchSize)}`);
  const keepText = options.keepText ?? true;
  let batch: TextRecord[] = [];
  const flush = async function* (): AsyncGenerator<VectorRecord> {
    const part = batch;
    batch = [];
    const vectors = await embedder.embedDocuments(part.map((t) => t.text), { signal });
    if (vectors.length !== part.length) throw new ValidationError(`the embedder returned ${vectors.length} vectors for ${part.length} texts`);
    for (let i = 0; i < part.length; i++) {
      const t = part[i];
      yield { id: t.id, vector: vectors[i], ...(keepText ? { text: t.text } : {}), ...(t.metadata ? { metadata: t.metadata } : {}) };
    }
  };
  for await (const t of texts) {
    throwIfAborted(signal);
    batch.push(t);
    if (batch.length >= batchSize) yield* flush();
  }
  if (batch.length > 0) yield* flush();
}
