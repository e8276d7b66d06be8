// Runs once before the test files: generates what the tests import but git does not hold
// (the assembled WebAssembly kernels, the tiny ONNX model folders), so `npx vitest run` works on a fresh clone
// like `npm test`.
import { buildKernels } from '../scripts/build-kernels.mjs';
import { generateModels } from '../scripts/generate-models.js';

export default async function setup(): Promise<void> {
  await buildKernels();
  generateModels({ tinyOnly: true, log: (line) => console.log(line) });
}
