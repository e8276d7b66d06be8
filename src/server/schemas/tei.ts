// Text-Embeddings-Inference-compatible contracts: POST /embed (and POST /) and POST /rerank.
import { z } from 'zod';
import { FloatVectors, optional, PositiveInt, TextList, Texts } from './common.js';

/** `POST /embed` request (TEI's fields; `model` and `dimensions` are extensions). */
export const TeiEmbedRequest = z.object({
  inputs: Texts,
  normalize: optional(z.boolean()).meta({ description: 'Accepted for compatibility; vectors are as the model pools them.' }),
  truncate: optional(z.boolean()).meta({ description: 'Accepted for compatibility; inputs past the model\'s length are always truncated.' }),
  dimensions: optional(PositiveInt),
  prompt_name: optional(z.enum(['query', 'document', 'passage'])).meta({ description: 'Which prompt the model applies; `passage` is `document`.' }),
  model: optional(z.string()).meta({ description: 'Extension: the embedding model; the first served one when absent.' }),
}).meta({ id: 'TeiEmbedRequest' });

/** `POST /rerank` request. */
export const TeiRerankRequest = z.object({
  query: z.string(),
  texts: TextList,
  return_text: optional(z.boolean()),
  raw_scores: optional(z.boolean()).meta({ description: 'Accepted for compatibility.' }),
  truncate: optional(z.boolean()).meta({ description: 'Accepted for compatibility.' }),
  model: optional(z.string()).meta({ description: 'Extension: the reranker; the first served one when absent.' }),
}).meta({ id: 'TeiRerankRequest' });

/** `POST /embed` answer: one vector per input. */
export const TeiEmbedResponse = FloatVectors;

/** `POST /rerank` answer, best first. */
export const TeiRerankResponse = z.array(z.object({
  index: z.int().min(0), score: z.number(), text: z.string().optional(),
})).meta({ id: 'TeiRerankResponse' });
