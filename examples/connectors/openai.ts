/**
 * OpenAI (or any OpenAI-compatible server): embed, rank by similarity, chat, and stream — with the SDK's retries,
 * batching and an in-memory embedding cache.
 *
 *   OPENAI_API_KEY=sk-... npm run example:openai
 *
 * Reads ABI_OPENAI_API_KEY or OPENAI_API_KEY, and ABI_OPENAI_BASE_URL or OPENAI_BASE_URL for a compatible server
 * (vLLM, LM Studio, …). Models: ABI_EXAMPLE_EMBED_MODEL (default text-embedding-3-small) and ABI_EXAMPLE_CHAT_MODEL
 * (default gpt-4o-mini).
 */
import { CachedEmbedder, isAbiError, LruEmbeddingCache, OpenAIConnector } from 'abi-sdk';

let openai: OpenAIConnector;
try {
  openai = new OpenAIConnector({ retry: { maxAttempts: 4 } });
} catch (err) {
  if (isAbiError(err, 'MISSING_API_KEY')) {
    console.log('No OpenAI key: set OPENAI_API_KEY (or ABI_OPENAI_API_KEY) to run this example.');
    process.exit(0);
  }
  throw err;
}

const embedder = new CachedEmbedder({
  embedder: openai.embedder(process.env.ABI_EXAMPLE_EMBED_MODEL ?? 'text-embedding-3-small', { dimensions: 256 }),
  cache: new LruEmbeddingCache(),
});
const docs = [
  'The Eiffel Tower is in Paris.',
  'Mount Fuji is the highest mountain in Japan.',
  'The Colosseum stands in the centre of Rome.',
];
const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
};

try {
  const vectors = await embedder.embedDocuments(docs);
  const query = await embedder.embedQuery('Which landmark is in France?');
  const ranked = docs.map((d, i) => ({ d, s: cosine(query, vectors[i]) })).sort((a, b) => b.s - a.s);
  console.log(`Embedded ${docs.length} documents (${embedder.dimension} dimensions); best match:`, ranked[0].d);
  await embedder.embedDocuments(docs);
  console.log('Cache:', embedder.stats);

  const generator = openai.generator(process.env.ABI_EXAMPLE_CHAT_MODEL ?? 'gpt-4o-mini');
  const answer = await generator.chat([{ role: 'user', content: 'Name one landmark in Rome, in five words.' }], { maxTokens: 30 });
  console.log('Chat:', answer.text, `(${answer.finishReason}, ${answer.usage?.totalTokens ?? '?'} tokens)`);
  process.stdout.write('Stream: ');
  for await (const delta of generator.chatStream([{ role: 'user', content: 'Count from one to five.' }], { maxTokens: 30 })) {
    process.stdout.write(delta.text);
  }
  process.stdout.write('\n');
} catch (err) {
  if (isAbiError(err)) console.error(`${err.code}: ${err.message}`);
  else throw err;
  process.exitCode = 1;
}
