/**
 * Optional peer dependencies (vendor SDKs, database drivers), imported only when used, with an install hint when
 * one is missing.
 *
 * @internal
 * @module
 */
import { UnsupportedError } from '../core/errors.js';

/**
 * Imports an optional peer dependency, turning "not installed" into an `UnsupportedError` that says what to install.
 *
 * @internal
 */
export async function loadPeer<T>(pkg: string, what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const missing = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      && String((err as { message?: unknown }).message).includes(`'${pkg}'`);
    if (missing) {
      throw new UnsupportedError(`${what} needs the optional peer dependency "${pkg}": npm install ${pkg}`, { cause: err });
    }
    throw err;
  }
}

/**
 * A loader for one export of an optional peer: imports the package once per process ({@link loadPeer}) and picks the
 * export named `name`, whether the package arrived as ESM (`mod[name]`) or as CommonJS under `default`
 * (`mod.default[name]`, or `mod.default` itself).
 *
 * @param pkg - the package name, for the install hint
 * @param what - the feature that needs it, for the install hint
 * @param load - the `import()` of the package
 * @param name - the export wanted
 * @returns a function resolving to the export (the same promise on every call)
 * @internal
 */
export function peerExport<T>(pkg: string, what: string, load: () => Promise<unknown>, name: string): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= loadPeer(pkg, what, load).then((mod) => {
    const m = mod as Record<string, unknown> & { default?: Record<string, unknown> };
    return (m[name] ?? m.default?.[name] ?? m.default) as T;
  }));
}
