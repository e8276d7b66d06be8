/** Assembles src/kernels/wat/*.wat into src/kernels/generated/wasm-modules.ts; resolves once written (or unchanged). */
export function buildKernels(): Promise<{ changed: boolean; outFile: string }>;
