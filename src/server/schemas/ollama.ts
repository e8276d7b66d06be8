// Ollama-compatible contracts: POST /api/embed and GET /api/tags, as the `ollama` client speaks them.
import { z } from 'zod';
import { optional, PositiveInt, Texts } from './common.js';

/** `POST /api/embed` request. Ollama's `truncate`, `keep_alive` and `options` are accepted and ignored. */
export const OllamaEmbedRequest = z.object({
  model: z.string(),
  input: Texts,
  dimensions: optional(PositiveInt),
}).meta({ id: 'OllamaEmbedRequest' });

/** `POST /api/embed` answer. */
export const OllamaEmbedResponse = z.object({
  model: z.string(),
  embeddings: z.array(z.array(z.number())),
  total_duration: z.int().min(0).meta({ description: 'Nanoseconds.' }),
  load_duration: z.int().min(0),
  prompt_eval_count: z.int().min(0),
}).meta({ id: 'OllamaEmbedResponse' });

/** `GET /api/tags` answer. */
export const OllamaTags = z.object({
  models: z.array(z.object({
    name: z.string(), model: z.string(), modified_at: z.string(), size: z.int(), digest: z.string(),
    details: z.object({
      parent_model: z.string(), format: z.string(), family: z.string(), families: z.null(), parameter_size: z.string(), quantization_level: z.string(),
    }),
  })),
}).meta({ id: 'OllamaTags' });
