/** Child process for `npm run bench:connectors`: the OpenAI wire double from the tests, on its own core. */
import { startFakeOpenAI } from '../tests/helpers/openai-server.js';

const dim = Number(process.argv[2] ?? 1536);
const server = await startFakeOpenAI({ dim });
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
