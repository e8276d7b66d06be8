// OpenAI-compatible contracts: POST /v1/embeddings and the model list, as the `openai` client speaks them.
import { z } from 'zod';
import { optional, PositiveInt, Texts } from './common.js';

/** `POST /v1/embeddings` request. Unknown fields (`user`, …) are accepted and ignored. */
export const OpenAIEmbeddingsRequest = z.object({
  model: z.string().meta({ description: 'A served embedding model id (`GET /v1/models`).' }),
  input: Texts,
  encoding_format: optional(z.enum(['float', 'base64'])).meta({ description: '`base64`: little-endian float32 bytes in base64. Default `float`.' }),
  dimensions: optional(PositiveInt).meta({ description: 'Matryoshka truncation (re-normalized); at most the model\'s dimension.' }),
  input_type: optional(z.enum(['query', 'document'])).meta({ description: 'Extension: which prompt the model applies (query or document).' }),
}).meta({ id: 'OpenAIEmbeddingsRequest' });

/** `POST /v1/embeddings` answer. */
export const OpenAIEmbeddingsResponse = z.object({
  object: z.literal('list'),
  data: z.array(z.object({
    object: z.literal('embedding'),
    index: z.int().min(0),
    embedding: z.union([z.array(z.number()), z.string()]).meta({ description: 'Numbers, or base64 float32 bytes with `encoding_format: "base64"`.' }),
  })),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.int().min(0), total_tokens: z.int().min(0) }).meta({ description: 'Tokens estimated from UTF-8 bytes.' }),
}).meta({ id: 'OpenAIEmbeddingsResponse' });

/** One model in OpenAI's model list. */
export const OpenAIModel = z.object({
  id: z.string(), object: z.literal('model'), created: z.int(), owned_by: z.string(),
}).meta({ id: 'OpenAIModel' });

/** `GET /v1/models` answer. */
export const OpenAIModelList = z.object({ object: z.literal('list'), data: z.array(OpenAIModel) }).meta({ id: 'OpenAIModelList' });
