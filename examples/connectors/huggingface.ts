/**
 * Hugging Face: embeddings and reranking against a Text-Embeddings-Inference endpoint, or embeddings and chat
 * through the serverless router.
 *
 *   HF_API_TOKEN=hf_... npm run example:huggingface                    # serverless router
 *   ABI_HF_BASE_URL=http://127.0.0.1:8080 npm run example:huggingface   # your own TEI server (token optional)
 *
 * Reads ABI_HF_API_TOKEN, HF_API_TOKEN or HUGGING_FACE_HUB_TOKEN, and ABI_HF_BASE_URL. Models:
 * ABI_EXAMPLE_EMBED_MODEL (default BAAI/bge-small-en-v1.5), ABI_EXAMPLE_CHAT_MODEL (default
 * meta-llama/Llama-3.1-8B-Instruct), ABI_EXAMPLE_RERANK_URL (a TEI server running a reranker, optional).
 */
import { HuggingFaceConnector, isAbiError } from 'abi-sdk';

let hf: HuggingFaceConnector;
try {
  hf = new HuggingFaceConnector();
} catch (err) {
  if (isAbiError(err, 'MISSING_API_KEY')) {
    console.log('No Hugging Face token: set HF_API_TOKEN (or ABI_HF_API_TOKEN / HUGGING_FACE_HUB_TOKEN) for the serverless '
      + 'router, or ABI_HF_BASE_URL to your own endpoint, to run this example.');
    process.exit(0);
  }
  throw err;
}

const docs = ['Paris is the capital of France.', 'Berlin is the capital of Germany.', 'The Nile is a river in Africa.'];
try {
  const embedder = hf.embedder(process.env.ABI_EXAMPLE_EMBED_MODEL ?? 'BAAI/bge-small-en-v1.5');
  const vectors = await embedder.embed(docs);
  console.log(`${String(hf)}: embedded ${vectors.length} texts, ${embedder.dimension} dimensions`);
  const rerankUrl = process.env.ABI_EXAMPLE_RERANK_URL;
  if (rerankUrl) {
    const ranked = await new HuggingFaceConnector({ endpointUrl: rerankUrl }).reranker().rerank('What is the capital of France?', docs, { topN: 2 });
    console.log('Reranked:', ranked.map((r) => `${docs[r.index]} (${r.score.toFixed(3)})`).join(' | '));
  }
  if (!process.env.ABI_HF_BASE_URL) {
    const chat = await hf.generator(process.env.ABI_EXAMPLE_CHAT_MODEL ?? 'meta-llama/Llama-3.1-8B-Instruct')
      .chat([{ role: 'user', content: 'One sentence about Paris.' }], { maxTokens: 60 });
    console.log('Chat:', chat.text);
  }
} catch (err) {
  if (isAbiError(err)) {
    console.error(`${err.code}: ${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
