// Schema pieces every route contract shares: texts, optional fields that also accept `null`, positive integers and
// the three error dialects' bodies. Each schema carries an `id` (its name in the OpenAPI document's components).
import { z } from 'zod';

/**
 * An optional field that also accepts `null` as "not given", as the hand-written checks always did (clients of
 * OpenAI-compatible servers send `null` for unset options).
 *
 * @param schema - the field's schema
 * @returns the schema, optional and nullable
 * @internal
 */
export function optional<T extends z.ZodType>(schema: T): z.ZodOptional<z.ZodNullable<T>> {
  return schema.nullable().optional();
}

/** A positive integer (`dimensions`). */
export const PositiveInt = z.int({ error: 'must be a positive integer' }).min(1, { error: 'must be a positive integer' });

/** One text to embed; token arrays (numbers) are refused with a hint. */
const Text = z.string({
  error: (iss) => `must be a string${Array.isArray(iss.input) || typeof iss.input === 'number' ? ' (token arrays are not supported)' : ''}`,
});

/** Texts: one string, or a non-empty array of strings. */
export const Texts = z.union([z.string(), z.array(Text).min(1, { error: 'must not be empty' })], {
  error: (iss) => (iss.input === undefined || iss.input === null ? 'is required' : 'must be a string or an array of strings'),
}).meta({ id: 'Texts', description: 'One text, or a non-empty array of texts (token arrays are not supported).' });

/** A non-empty array of strings (TEI's rerank `texts`). */
export const TextList = z.array(Text, {
  error: (iss) => (iss.input === undefined || iss.input === null ? 'is required' : 'must be an array of strings'),
}).min(1, { error: 'must not be empty' }).meta({ id: 'TextList', description: 'A non-empty array of texts.' });

/** Embedding vectors as JSON numbers (float32 values widened to doubles, exactly). */
export const FloatVectors = z.array(z.array(z.number())).meta({ id: 'FloatVectors', description: 'One vector per input, in input order.' });

/** OpenAI's error body. */
export const OpenAIError = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().meta({ description: '`invalid_request_error`, `authentication_error`, `permission_error`, `rate_limit_error` or `server_error`' }),
    param: z.string().nullable().meta({ description: 'For refused federated updates: which check refused it.' }),
    code: z.string().meta({ description: 'The abi-sdk error code in lower case, or OpenAI\'s well-known code (`invalid_api_key`, `model_not_found`, `rate_limit_exceeded`).' }),
  }),
}).meta({ id: 'OpenAIError', description: 'Error body of the OpenAI-dialect routes.' });

/** Text-Embeddings-Inference's error body. */
export const TeiError = z.object({
  error: z.string(),
  error_type: z.string().meta({ description: '`Validation`, `Overloaded`, `Unhealthy`, `Backend`, `Unauthorized`, `Forbidden` or `NotFound`' }),
}).meta({ id: 'TeiError', description: 'Error body of the TEI-dialect routes.' });

/** Ollama's error body. */
export const OllamaError = z.object({ error: z.string() }).meta({ id: 'OllamaError', description: 'Error body of the Ollama-dialect routes.' });
