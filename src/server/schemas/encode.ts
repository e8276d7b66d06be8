// Bulk contracts: Fletcher-compatible `POST /encode` (CBOR array of strings) and `POST /encode/arrow` (Arrow IPC
// stream with a `text` column); both answer an Arrow IPC stream of `text` and `embedding` columns. The same answer is
// offered by the embedding routes under `Accept: application/vnd.apache.arrow.stream`.
import { z } from 'zod';

/** Media type of an Arrow IPC stream. */
export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
/** Media type of a CBOR body. */
export const CBOR = 'application/cbor';

/** `POST /encode` request: a CBOR array of strings. */
export const EncodeRequest = z.array(z.string({ error: 'must be a string' }), { error: 'must be an array of strings' }).min(1, { error: 'must not be empty' })
  .meta({ id: 'EncodeRequest', description: 'The texts to embed (sent as CBOR: `application/cbor`).' });

/** Query parameters of `/encode` and `/encode/arrow`. */
export const EncodeQuery = z.object({
  model: z.string().optional().meta({ description: 'The embedding model; the first served one when absent.' }),
});

/**
 * Arrow IPC stream answers, described as binary: schema `text: utf8`, `embedding: fixed_size_list<float32>[d]`, one row
 * per input in input order, schema metadata `model` and `dimension`.
 */
export const ArrowStream = z.string().meta({
  id: 'ArrowEmbeddings', format: 'binary', contentMediaType: ARROW_STREAM,
  description: 'Arrow IPC stream: `text` (utf8) and `embedding` (fixed_size_list<float32>[d]), one row per input in order; schema metadata `model` and `dimension`.',
});
