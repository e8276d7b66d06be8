/**
 * Keeps a credential out of logs, errors, `toString()`, `JSON.stringify` and `util.inspect`.
 *
 * @module
 */
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential that only {@link Secret.reveal} returns. Everything else that might print it (string conversion,
 * JSON, `util.inspect`, `console.log`) shows `[redacted]`, and the value lives in a private field that
 * `util.inspect` does not walk.
 *
 * @internal
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The credential, for the one place that sends it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * Replaces every occurrence of the secrets in `text` (a provider echoing a key back, say) with `[redacted]`.
 *
 * @internal
 */
export function scrubText(text: string, secrets: readonly (Secret | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    const v = s?.reveal();
    if (v && v.length >= 4) out = out.split(v).join(REDACTED);
  }
  return out;
}

/**
 * A copy of a JSON-like value with the secrets scrubbed from every string in it.
 *
 * @internal
 */
export function scrubValue(value: unknown, secrets: readonly (Secret | undefined)[], depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value, secrets);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, secrets, depth + 1);
  return out;
}

/**
 * A URL without its user name, password, query and fragment: safe to put in ids, messages and logs.
 *
 * @internal
 */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '[invalid url]';
  }
}
