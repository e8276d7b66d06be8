/**
 * Loads the WebAssembly kernels. The bytes are assembled from `src/kernels/wat/*.wat` at build time and embedded
 * as base64 (see `scripts/build-kernels.mjs`), so both the ESM and the CommonJS builds carry them and nothing is
 * read from disk at run time. Modules are compiled once per process (synchronously: they are a few KiB) and
 * instantiated once per arena against the arena's memory. Each module exists twice: against a plain memory, and
 * against a shared one (`shared: true`, whose buffer is a SharedArrayBuffer that worker threads map too); the
 * engine links a module only to a memory of the same sharedness, so the memory picks the form.
 *
 * @module
 * @internal
 */
import { UnsupportedError } from '../core/errors.js';
import {
  BITS_KERNELS_SHARED_WASM, BITS_KERNELS_WASM, F32_KERNELS_SHARED_WASM, F32_KERNELS_WASM, I8_KERNELS_SHARED_WASM, I8_KERNELS_WASM,
  PQ_KERNELS_SHARED_WASM, PQ_KERNELS_WASM, SIMD_PROBE_WASM,
} from './generated/wasm-modules.js';
import type { DistanceKernels, KernelOp } from './types.js';
import { wasmApi, type WasmMemory, type WasmModule } from './wasm-api.js';

type WasmKernels = Omit<DistanceKernels, 'impl'>;

function decode(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

let simdSupported: boolean | undefined;

/**
 * Whether this runtime supports fixed-width WebAssembly SIMD, checked once by validating a one-instruction SIMD
 * module. Relaxed SIMD is never used (it needs a flag in Node.js 20).
 *
 * @internal
 */
export function wasmSimdSupported(): boolean {
  if (simdSupported === undefined) {
    try {
      simdSupported = wasmApi !== undefined && wasmApi.validate(decode(SIMD_PROBE_WASM));
    } catch {
      simdSupported = false;
    }
  }
  return simdSupported === true;
}

interface CompiledKernels {
  f32: WasmModule;
  i8: WasmModule;
  pq: WasmModule;
  bits: WasmModule;
}
let compiled: CompiledKernels | undefined;
let compiledShared: CompiledKernels | undefined;

function compile(shared: boolean): CompiledKernels {
  if (!wasmSimdSupported() || wasmApi === undefined) {
    throw new UnsupportedError('WebAssembly SIMD is not supported by this runtime; use the JS kernels (backend "js")');
  }
  const api = wasmApi;
  if (shared) {
    compiledShared ??= {
      f32: new api.Module(decode(F32_KERNELS_SHARED_WASM)),
      i8: new api.Module(decode(I8_KERNELS_SHARED_WASM)),
      pq: new api.Module(decode(PQ_KERNELS_SHARED_WASM)),
      bits: new api.Module(decode(BITS_KERNELS_SHARED_WASM)),
    };
    return compiledShared;
  }
  compiled ??= {
    f32: new api.Module(decode(F32_KERNELS_WASM)),
    i8: new api.Module(decode(I8_KERNELS_WASM)),
    pq: new api.Module(decode(PQ_KERNELS_WASM)),
    bits: new api.Module(decode(BITS_KERNELS_WASM)),
  };
  return compiled;
}

type Fn = (...args: number[]) => number;

/**
 * Instantiates the WebAssembly kernels against `memory` (which must declare a maximum of at most 65536 pages; a
 * shared memory gets the shared-memory modules).
 *
 * @throws {UnsupportedError} where WebAssembly SIMD is missing
 * @internal
 */
export function instantiateWasmKernels(memory: WasmMemory): WasmKernels {
  const modules = compile(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer);
  const api = wasmApi!;
  const imports = { env: { memory } };
  const f32 = new api.Instance(modules.f32, imports).exports as Record<string, Fn>;
  const i8 = new api.Instance(modules.i8, imports).exports as Record<string, Fn>;
  const pq = new api.Instance(modules.pq, imports).exports as Record<string, Fn>;
  const bits = new api.Instance(modules.bits, imports).exports as Record<string, Fn>;
  // Exported wasm functions are used directly (no JS wrapper): results come back as JS numbers, void forms
  // return undefined. Casts only narrow the arity for the interface.
  const kernels: WasmKernels = {
    dotF32: f32.dot_f32 as WasmKernels['dotF32'],
    l2sqF32: f32.l2_f32 as WasmKernels['l2sqF32'],
    dotF32Block: f32.dot_f32_block as unknown as WasmKernels['dotF32Block'],
    l2sqF32Block: f32.l2_f32_block as unknown as WasmKernels['l2sqF32Block'],
    dotF32Gather: f32.dot_f32_gather as unknown as WasmKernels['dotF32Gather'],
    l2sqF32Gather: f32.l2_f32_gather as unknown as WasmKernels['l2sqF32Gather'],
    dotI8: i8.dot_i8 as WasmKernels['dotI8'],
    dotI8Block: i8.dot_i8_block as unknown as WasmKernels['dotI8Block'],
    dotI8Gather: i8.dot_i8_gather as unknown as WasmKernels['dotI8Gather'],
    dotF32I8: i8.dot_f32i8 as WasmKernels['dotF32I8'],
    dotF32I8Block: i8.dot_f32i8_block as unknown as WasmKernels['dotF32I8Block'],
    dotF32I8Gather: i8.dot_f32i8_gather as unknown as WasmKernels['dotF32I8Gather'],
    dotI16I8: i8.dot_i16i8 as WasmKernels['dotI16I8'],
    dotI16I8Block: i8.dot_i16i8_block as unknown as WasmKernels['dotI16I8Block'],
    dotI16I8Gather: i8.dot_i16i8_gather as unknown as WasmKernels['dotI16I8Gather'],
    pqAdc: pq.pq_adc as WasmKernels['pqAdc'],
    pqAdcBlock: pq.pq_adc_block as unknown as WasmKernels['pqAdcBlock'],
    pqAdcGather: pq.pq_adc_gather as unknown as WasmKernels['pqAdcGather'],
    l2ArgminF32: f32.l2_argmin_f32 as unknown as WasmKernels['l2ArgminF32'],
    bitsDotI8Block: bits.bits_dot_i8_block as unknown as WasmKernels['bitsDotI8Block'],
    andPop4Block: bits.and_pop4_block as unknown as WasmKernels['andPop4Block'],
    hammingBlock: bits.hamming_block as unknown as WasmKernels['hammingBlock'],
  };
  for (const [op, fn] of Object.entries(kernels) as [KernelOp, unknown][]) {
    if (typeof fn !== 'function') throw new UnsupportedError(`WebAssembly kernel module lacks the export for ${op}`);
  }
  return kernels;
}
