// Lazy loading of the engine's optional peer dependencies (onnxruntime-node, tokenizers), so `import 'abi-sdk'`
// works without them and the error says how to install what is missing.
import { createRequire } from 'node:module';
import { AbiError, UnsupportedError } from '../core/errors.js';
import { loadPeer } from '../internal/peer.js';
import type * as OrtModule from 'onnxruntime-node';
import type * as TokenizersModule from 'tokenizers';

/** The onnxruntime-node module's shape, as far as the engine uses it. @internal */
export type Ort = typeof OrtModule;
/** The `tokenizers` module's shape. @internal */
export type Tokenizers = typeof TokenizersModule;

let ortPromise: Promise<Ort> | undefined;
let tokenizersPromise: Promise<Tokenizers> | undefined;

/** CJS packages imported from ESM expose their exports under `default`. */
function unwrapDefault<T>(mod: T & { default?: T }): T {
  return (mod.default && typeof mod.default === 'object' ? mod.default : mod) as T;
}

/** Imports a peer: "not installed" gets the install hint (loadPeer); a native binding that fails to load is typed too. */
async function importPeer<T>(pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return unwrapDefault((await loadPeer(pkg, 'The local engine', load)) as T & { default?: T });
  } catch (err) {
    if (err instanceof AbiError) throw err;
    throw new UnsupportedError(`"${pkg}" is installed but does not load on ${process.platform}-${process.arch}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Imports onnxruntime-node once per process (module caching makes this per worker thread too).
 *
 * @throws {UnsupportedError} when it is not installed or its native binding does not load
 * @internal
 */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= importPeer('onnxruntime-node', () => import('onnxruntime-node') as Promise<Ort>);
  ortPromise.catch(() => { ortPromise = undefined; });
  return ortPromise;
}

/**
 * Imports the Hugging Face `tokenizers` native binding once.
 *
 * @throws {UnsupportedError} when it is not installed or has no prebuilt binary for this platform
 * @internal
 */
export function loadTokenizers(): Promise<Tokenizers> {
  tokenizersPromise ??= importPeer('tokenizers', () => import('tokenizers') as Promise<Tokenizers>);
  tokenizersPromise.catch(() => { tokenizersPromise = undefined; });
  return tokenizersPromise;
}

/**
 * The folder holding onnxruntime-node's native libraries for this platform, when it can be resolved.
 *
 * @internal
 */
export function ortBinaryDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('onnxruntime-node');
    return main.replace(/dist[\\/]index\.js$/, `bin/napi-v6/${process.platform}/${process.arch}`);
  } catch {
    return undefined;
  }
}
