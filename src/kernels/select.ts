/**
 * Which implementation each operation uses under `backend: 'auto'`, decided by measurement (`npm run
 * bench:kernels`, D = 384 and 768; the table and figures are in docs/kernels.md). The benchmark prints whether
 * each choice still matches what it measured, so a regression shows up there rather than silently.
 *
 * @module
 * @internal
 */
import type { KernelOp } from './types.js';

/**
 * Preferred implementation per operation when WebAssembly SIMD is available.
 *
 * @internal
 */
export const MEASURED_PREFERENCE: Readonly<Record<KernelOp, 'wasm' | 'js'>> = {
  dotF32: 'wasm',
  l2sqF32: 'wasm',
  dotF32Block: 'wasm',
  l2sqF32Block: 'wasm',
  dotF32Gather: 'wasm',
  l2sqF32Gather: 'wasm',
  dotI8: 'wasm',
  dotI8Block: 'wasm',
  dotI8Gather: 'wasm',
  dotF32I8: 'wasm',
  dotF32I8Block: 'wasm',
  dotF32I8Gather: 'wasm',
  dotI16I8: 'wasm',
  dotI16I8Block: 'wasm',
  dotI16I8Gather: 'wasm',
  pqAdc: 'wasm',
  pqAdcBlock: 'wasm',
  pqAdcGather: 'wasm',
  l2ArgminF32: 'wasm',
  bitsDotI8Block: 'wasm',
  andPop4Block: 'wasm',
  hammingBlock: 'wasm',
};

/** Operations whose WebAssembly form is scalar (no SIMD instructions). @internal */
export const SCALAR_WASM_OPS: ReadonlySet<KernelOp> = new Set<KernelOp>(['pqAdc', 'pqAdcBlock', 'pqAdcGather']);
