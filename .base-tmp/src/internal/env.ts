/**
 * Reads the first non-blank environment variable among `names` (trimmed). Blank counts as unset.
 *
 * @param names - variables in precedence order, e.g. `['ABI_OLLAMA_HOST', 'OLLAMA_HOST']`
 * @returns the value, or `undefined`
 * @internal
 */
export function readEnv(...names: string[]): string | undefined {
  for (const name of names) {
    const v = process.env[name]?.trim();
    if (v) return v;
  }
  return undefined;
}
