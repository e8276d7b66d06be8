/**
 * Distance kernels for the embedded store's hot path: float32 dot / squared L2 (cosine = dot on normalized
 * vectors), int8 × int8 and float32 × int8 dot products, and a PQ lookup-sum, each in plain JS and in
 * WebAssembly SIMD behind one interface, computing on data inside a {@link KernelArena}.
 *
 * Internal: not exported from the package root (byte-offset, unchecked API tied to the store's layout).
 * Design, usage and measurements: docs/kernels.md.
 *
 * @module
 * @internal
 */
export {
  KernelArena,
  ARENA_ALIGN,
  WASM32_MAX_BYTES,
  WASM_PAGE_BYTES,
  type ArenaStats,
  type KernelArenaOptions,
} from './arena.js';
export { MEASURED_PREFERENCE } from './select.js';
export {
  KERNEL_OPS,
  MAX_I8_DOT_DIM,
  maxI16QueryMagnitude,
  type ArenaViews,
  type BlockKernel,
  type DistanceKernels,
  type GatherKernel,
  type KernelBackend,
  type KernelImpl,
  type KernelOp,
  type PairKernel,
} from './types.js';
export { wasmSimdSupported } from './wasm.js';
export type { WasmMemory } from './wasm-api.js';
