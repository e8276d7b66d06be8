// Runs once before the test files: generates what the tests import but git does not hold
// (the assembled WebAssembly kernels), so `npx vitest run` works on a fresh clone like `npm test`.
import { buildKernels } from '../scripts/build-kernels.mjs';

export default async function setup(): Promise<void> {
  await buildKernels();
}
