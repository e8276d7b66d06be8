/**
 * The few WebAssembly JS-API types the kernels use. The project compiles against ES2023 + Node typings, which
 * do not declare the `WebAssembly` global, and pulling in the DOM library for it would leak browser globals
 * into every module; so the subset is declared here and the global read through `globalThis`.
 *
 * @module
 * @internal
 */

/** A `WebAssembly.Memory`. @internal */
export interface WasmMemory {
  /**
   * The memory's current buffer; replaced (and the old one detached) by every successful `grow`. A shared memory's
   * buffer is a SharedArrayBuffer (typed as ArrayBuffer here, as the views over it are): growth is in place, the old
   * buffer keeps its old length, and other threads see the new length by reading `buffer` again.
   */
  readonly buffer: ArrayBuffer;
  /** Adds `pages` 64 KiB pages; returns the previous size in pages; throws `RangeError` when it cannot. */
  grow(pages: number): number;
}

/** A compiled `WebAssembly.Module`. @internal */
export type WasmModule = object;

/** The constructors and functions of the `WebAssembly` namespace used here. @internal */
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

/** The runtime's `WebAssembly` namespace, or undefined where there is none. @internal */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
