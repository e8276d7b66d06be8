// Device strings → onnxruntime execution providers, with CUDA detection and the `auto` fallback policy.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../core/errors.js';
import { ortBinaryDir } from './optional-deps.js';

/**
 * Where a model runs: `cpu`; `cuda` (GPU 0) or `cuda:N`; `auto` tries CUDA when its provider library is installed
 * and falls back to the CPU (logged) when it is not or when the GPU session cannot be created.
 */
export type Device = 'cpu' | 'cuda' | `cuda:${number}` | 'auto';

/** A parsed device. @internal */
export interface DevicePlan {
  /** What was asked for. */
  requested: Device;
  /** The CUDA device index to try first, when CUDA is wanted. */
  cudaDeviceId: number | undefined;
  /** Whether a failure to create the CUDA session falls back to the CPU. */
  fallbackToCpu: boolean;
}

/**
 * Parses a device string.
 *
 * @throws {ValidationError} on anything but `cpu`, `cuda`, `cuda:N`, `auto`
 * @internal
 */
export function parseDevice(device: string | undefined): DevicePlan {
  const d = (device ?? 'cpu').trim().toLowerCase();
  if (d === 'cpu') return { requested: 'cpu', cudaDeviceId: undefined, fallbackToCpu: false };
  if (d === 'auto') return { requested: 'auto', cudaDeviceId: 0, fallbackToCpu: true };
  const m = /^cuda(?::(\d{1,3}))?$/.exec(d);
  if (m) return { requested: d as Device, cudaDeviceId: m[1] === undefined ? 0 : Number(m[1]), fallbackToCpu: false };
  throw new ValidationError(`device must be "cpu", "cuda", "cuda:N" or "auto", got ${JSON.stringify(device)}`);
}

/**
 * Whether onnxruntime-node's CUDA provider library is installed next to its binding (its postinstall downloads it;
 * `ONNXRUNTIME_NODE_INSTALL=skip` or an `allowScripts` denial leaves it out). Without it a CUDA session cannot be created.
 *
 * @internal
 */
export function cudaProviderInstalled(): boolean {
  const dir = ortBinaryDir();
  if (!dir) return false;
  const file = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return existsSync(join(dir, file));
}
