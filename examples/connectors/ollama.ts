/**
 * Ollama: list models, pull one with progress, embed with nomic-embed-text's prompts, and stream a chat.
 *
 *   npm run example:ollama
 *
 * Needs no key. Reads ABI_OLLAMA_HOST or OLLAMA_HOST (default http://127.0.0.1:11434). Models:
 * ABI_EXAMPLE_EMBED_MODEL (default nomic-embed-text) and ABI_EXAMPLE_CHAT_MODEL (default llama3.2).
 */
import { isAbiError, OllamaConnector } from 'abi-sdk';

const ollama = new OllamaConnector({ retry: { maxAttempts: 2 }, timeout: 300_000 });
const embedModel = process.env.ABI_EXAMPLE_EMBED_MODEL ?? 'nomic-embed-text';
const chatModel = process.env.ABI_EXAMPLE_CHAT_MODEL ?? 'llama3.2';

try {
  const models = await ollama.listModels();
  console.log(`${String(ollama)} has ${models.length} model(s):`, models.map((m) => m.name).join(', ') || '(none)');
  if (!models.some((m) => m.name.split(':')[0] === embedModel)) {
    let last = '';
    await ollama.pull(embedModel, {
      onProgress: (p) => {
        const line = p.total ? `${p.status} ${Math.round((100 * (p.completed ?? 0)) / p.total)}%` : p.status;
        if (line !== last) console.log(`pull ${embedModel}: ${line}`);
        last = line;
      },
    });
  }
  const embedder = ollama.embedder(embedModel, { prompts: { query: 'search_query: ', document: 'search_document: ' } });
  const [a, b] = await embedder.embedDocuments(['The cat sat on the mat.', 'Stock markets fell today.']);
  console.log(`Embedded 2 documents (${embedder.dimension} dimensions); first values:`, a[0].toFixed(4), b[0].toFixed(4));
  if (models.some((m) => m.name.split(':')[0] === chatModel)) {
    process.stdout.write(`${chatModel}: `);
    for await (const d of ollama.generator(chatModel).chatStream([{ role: 'user', content: 'Say hello in three languages.' }])) {
      process.stdout.write(d.text);
    }
    process.stdout.write('\n');
  } else {
    console.log(`(${chatModel} is not installed; \`ollama pull ${chatModel}\` to try chat)`);
  }
} catch (err) {
  if (isAbiError(err, 'CONNECTION_ERROR') || isAbiError(err, 'CIRCUIT_OPEN')) {
    console.log(`No Ollama server reachable at ${ollama.endpointIds.join(', ')}: start \`ollama serve\` or set OLLAMA_HOST.`);
  } else if (isAbiError(err)) {
    console.error(`${err.code}: ${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
