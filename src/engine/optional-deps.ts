// Lazy loading of the engine's optional peer dependencies (onnxruntime-node, tokenizers), so `import 'abi-sdk'`
// works without them and the error says how to install what is missing.
import { createRequire } from 'node:module';
import { UnsupportedError } from '../core/errors.js';
import type * as OrtModule from 'onnxruntime-node';
import type * as TokenizersModule from 'tokenizers';

/** The onnxruntime-node module's shape, as far as the engine uses it. @internal */
export type Ort = typeof OrtModule;
/** The `tokenizers` module's shape. @internal */
export type Tokenizers = typeof TokenizersModule;

let ortPromise: Promise<Ort> | undefined;
let tokenizersPromise: Promise<Tokenizers> | undefined;

function missing(pkg: string, extra: string, cause: unknown): UnsupportedError {
  return new UnsupportedError(
    `The local engine needs the optional package "${pkg}", which could not be loaded. Install it with ` +
      `\`npm install ${pkg}\`${extra}.`,
    { cause },
  );
}

/** Whether an import failure means "not installed" rather than "installed but broken". */
function unwrapDefault<T>(mod: T & { default?: T }): T {
  // CJS packages imported from ESM expose their exports under `default`.
  return (mod.default && typeof mod.default === 'object' ? mod.default : mod) as T;
}

/**
 * Imports onnxruntime-node once per process (module caching makes this per worker thread too).
 *
 * @throws {UnsupportedError} when it is not installed or its native binding does not load
 * @internal
 */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').then(
    (m) => unwrapDefault(m as Ort & { default?: Ort }),
    (err: unknown) => {
      ortPromise = undefined;
      throw missing('onnxruntime-node', ' (with `onnxruntime-node-install=skip` in .npmrc where its CUDA download is unreachable)', err);
    },
  );
  return ortPromise;
}

/**
 * Imports the Hugging Face `tokenizers` native binding once.
 *
 * @throws {UnsupportedError} when it is not installed or has no prebuilt binary for this platform
 * @internal
 */
export function loadTokenizers(): Promise<Tokenizers> {
  tokenizersPromise ??= import('tokenizers').then(
    (m) => unwrapDefault(m as Tokenizers & { default?: Tokenizers }),
    (err: unknown) => {
      tokenizersPromise = undefined;
      throw missing('tokenizers', '', err);
    },
  );
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
