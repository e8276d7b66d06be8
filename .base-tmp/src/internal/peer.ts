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
