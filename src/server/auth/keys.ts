/**
 * API keys for the server: created, listed, rotated and revoked through the admin API or the CLI, stored in a JSON
 * key file only as salted SHA-256 hashes (keys are 256 random bits, so a slow password hash buys nothing and would
 * cost every request), compared in constant time.
 *
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  AuthenticationError, CorruptDataError, IOError, NotFoundError, ValidationError,
} from '../../core/errors.js';
import { atomicReplaceSync } from '../../internal/durable-fs.js';

/**
 * What a key may do. Roles are not hierarchical: give a key several when it needs them. `federated` lets a key take
 * part in federated training (join, fetch the global model, submit updates, read the status).
 */
export type Role = 'admin' | 'embed' | 'metrics' | 'federated';

/** Every role, in a stable order. */
export const ROLES: readonly Role[] = ['admin', 'embed', 'metrics', 'federated'];

/** Per-key rate limits, per minute. */
export interface KeyRateLimit {
  /** Requests per minute. */
  requestsPerMinute?: number;
  /** Estimated tokens per minute. */
  tokensPerMinute?: number;
}

/** A key as listed: everything but the secret and its hash. */
export interface ApiKeyInfo {
  /** Public identifier, also the key's prefix (`abi_<id>_…`). */
  id: string;
  /** Who the key belongs to; rotation issues a new key for the same principal. */
  principal: string;
  /** What the key may do. */
  roles: Role[];
  /** Models the key may use; all when undefined. */
  models?: string[];
  /** Per-key rate limits overriding the server's defaults. */
  rateLimit?: KeyRateLimit;
  /** Creation time, ISO 8601. */
  createdAt: string;
  /** Expiry, ISO 8601; never when undefined. */
  expiresAt?: string;
  /** Revocation time, ISO 8601, when revoked. */
  revokedAt?: string;
  /** The key this one replaced by rotation. */
  rotatedFrom?: string;
}

interface StoredKey extends ApiKeyInfo {
  salt: string;
  hash: string;
}

interface KeyFile {
  version: 1;
  keys: StoredKey[];
}

/** What to create a key with. */
export interface CreateKeyOptions {
  /** Who the key belongs to, e.g. `search-service`. */
  principal: string;
  /** Roles; at least one. */
  roles: readonly Role[];
  /** Model allow-list; all models when omitted. */
  models?: readonly string[];
  /** Expiry as a date or ISO string; never when omitted. */
  expiresAt?: Date | string;
  /** Per-key rate limits. */
  rateLimit?: KeyRateLimit;
}

/** A newly issued key: the secret is shown once and never stored. */
export interface IssuedKey {
  /** The secret to present as `Authorization: Bearer <key>`. */
  key: string;
  /** The stored record. */
  info: ApiKeyInfo;
}

/** Options of {@link KeyStore}. */
export interface KeyStoreOptions {
  /**
   * Re-read the file when another process (the CLI) changes it, polling its stat every this many milliseconds;
   * 0 turns watching off.
   * @defaultValue 1000
   */
  watchIntervalMs?: number;
  /**
   * Time source, in milliseconds since the epoch (tests).
   * @defaultValue Date.now
   */
  now?: () => number;
}

const KEY_RE = /^abi_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const FILE_NAME = 'keys.json';

function hashSecret(salt: string, secret: string): Buffer {
  return createHash('sha256').update(Buffer.from(salt, 'base64')).update(secret, 'utf8').digest();
}

/** The last instant a JavaScript `Date` can hold (±100,000,000 days from 1970). */
const MAX_DATE_MS = 8.64e15;

function isoDate(value: Date | string | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  const d = typeof value === 'string' ? new Date(value) : value;
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new ValidationError(`${what} is not a valid date`);
  return d.toISOString();
}

function checkRoles(roles: unknown): Role[] {
  if (!Array.isArray(roles) || roles.length === 0) throw new ValidationError(`roles must be a non-empty array of ${ROLES.join(', ')}`);
  for (const r of roles) if (!ROLES.includes(r as Role)) throw new ValidationError(`unknown role "${String(r)}" (expected ${ROLES.join(', ')})`);
  return [...new Set(roles as Role[])];
}

function publicInfo(k: StoredKey): ApiKeyInfo {
  const { salt: _salt, hash: _hash, ...info } = k;
  return structuredClone(info);
}

/**
 * The server's API keys in `<dataDir>/keys.json` (written atomically: temp file, fsync, rename; mode 0600).
 *
 * @example
 * ```ts
 * const keys = KeyStore.open('./data');
 * const { key } = keys.create({ principal: 'search-service', roles: ['embed'], models: ['minilm'] });
 * // send `Authorization: Bearer ${key}`
 * ```
 */
export class KeyStore {
  /** The key file's path. */
  readonly path: string;
  readonly #now: () => number;
  #keys = new Map<string, StoredKey>();
  #poll: NodeJS.Timeout | undefined;
  #signature = '';

  private constructor(path: string, options: KeyStoreOptions) {
    this.path = path;
    this.#now = options.now ?? Date.now;
    this.#load();
    // Own stat polling with a baseline taken now (fs.watchFile's first stat is asynchronous and could miss a change).
    const interval = options.watchIntervalMs ?? 1000;
    if (interval > 0) {
      this.#poll = setInterval(() => {
        if (this.#stat() !== this.#signature) this.#reloadQuietly();
      }, interval);
      this.#poll.unref();
    }
  }

  #stat(): string {
    try {
      const st = statSync(this.path);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  /**
   * Opens (or creates on first write) the key file under a data directory.
   *
   * @param dataDir - the server's data directory
   * @param options - file watching, clock
   * @returns the store
   * @throws `CorruptDataError` when the key file exists but does not parse
   * @throws `IOError` when it cannot be read
   */
  static open(dataDir: string, options: KeyStoreOptions = {}): KeyStore {
    return new KeyStore(join(dataDir, FILE_NAME), options);
  }

  /**
   * Issues a key.
   *
   * @param options - principal, roles, model allow-list, expiry, rate limits
   * @returns the secret (shown once) and its record
   * @throws `ValidationError` for a missing principal, unknown roles or a bad date
   * @throws `IOError` when the key file cannot be written
   */
  create(options: CreateKeyOptions): IssuedKey {
    this.#reloadQuietly();
    return this.#issue(options);
  }

  /**
   * Issues a new key for the same principal, roles, models and limits as `id`. The old key keeps working until its
   * own expiry, or until `now + graceMs` when that is sooner.
   *
   * @param id - the key to rotate
   * @param options - `graceMs` shortens the old key's life; `expiresAt` sets the new key's expiry
   * @returns the new key
   * @throws `NotFoundError` for an unknown or revoked id
   * @throws `ValidationError` for a bad `graceMs` or `expiresAt`; the old key is then left unchanged
   */
  rotate(id: string, options: { graceMs?: number; expiresAt?: Date | string } = {}): IssuedKey {
    this.#reloadQuietly();
    const old = this.#keys.get(id);
    if (!old || old.revokedAt) throw new NotFoundError(`no active key "${id}"`);
    // Every option is checked before the old key is touched: a refused rotation leaves it as it was.
    const expiresAt = isoDate(options.expiresAt, 'expiresAt');
    let shortened: string | undefined;
    if (options.graceMs !== undefined) {
      if (typeof options.graceMs !== 'number' || !(options.graceMs >= 0)) throw new ValidationError('graceMs must be a non-negative number');
      const until = this.#now() + options.graceMs;
      const current = old.expiresAt ? Date.parse(old.expiresAt) : Infinity;
      // A grace past the last representable date never shortens anything.
      if (until < current && until <= MAX_DATE_MS) shortened = new Date(until).toISOString();
    }
    const before = old.expiresAt;
    if (shortened !== undefined) old.expiresAt = shortened;
    try {
      return this.#issue({
        principal: old.principal, roles: old.roles, models: old.models, rateLimit: old.rateLimit, expiresAt,
      }, id);
    } catch (err) {
      old.expiresAt = before;
      throw err;
    }
  }

  /**
   * Revokes a key at once.
   *
   * @param id - the key
   * @returns the revoked key's record
   * @throws `NotFoundError` for an unknown id
   */
  revoke(id: string): ApiKeyInfo {
    this.#reloadQuietly();
    const k = this.#keys.get(id);
    if (!k) throw new NotFoundError(`no key "${id}"`);
    k.revokedAt ??= new Date(this.#now()).toISOString();
    this.#save();
    return publicInfo(k);
  }

  /**
   * Lists keys without secrets or hashes.
   *
   * @returns the keys, oldest first
   */
  list(): ApiKeyInfo[] {
    return [...this.#keys.values()].map(publicInfo);
  }

  /**
   * Checks a presented key: known, hash matches (constant time), not revoked, not expired.
   *
   * @param presented - the bearer token
   * @returns the key's record
   * @throws `AuthenticationError` (401) otherwise; the message never says which check failed for unknown keys
   */
  verify(presented: string): ApiKeyInfo {
    const m = KEY_RE.exec(presented);
    const k = m ? this.#keys.get(m[1]) : undefined;
    // Hash even for unknown ids so the answer takes the same time either way.
    const expected = k ? Buffer.from(k.hash, 'base64') : Buffer.alloc(32);
    const actual = hashSecret(k?.salt ?? 'AAAA', m?.[2] ?? presented);
    const ok = timingSafeEqual(expected, actual) && k !== undefined;
    if (!ok) throw new AuthenticationError('Invalid API key', { provider: 'abi-sdk', status: 401 });
    if (k.revokedAt) throw new AuthenticationError('API key has been revoked', { provider: 'abi-sdk', status: 401 });
    if (k.expiresAt && Date.parse(k.expiresAt) <= this.#now()) {
      throw new AuthenticationError('API key has expired', { provider: 'abi-sdk', status: 401 });
    }
    return publicInfo(k);
  }

  /** Stops watching the key file. */
  close(): void {
    clearInterval(this.#poll);
    this.#poll = undefined;
  }

  /** Adds a key to the map and saves; the caller has reloaded the file first. */
  #issue(options: CreateKeyOptions, rotatedFrom?: string): IssuedKey {
    if (typeof options.principal !== 'string' || !options.principal.trim()) throw new ValidationError('principal must be a non-empty string');
    const roles = checkRoles(options.roles);
    if (options.models !== undefined && (!Array.isArray(options.models) || options.models.some((m) => typeof m !== 'string' || !m))) {
      throw new ValidationError('models must be an array of model ids');
    }
    const rateLimit = options.rateLimit;
    if (rateLimit !== undefined) {
      for (const v of [rateLimit.requestsPerMinute, rateLimit.tokensPerMinute]) {
        if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new ValidationError('rate limits must be positive numbers');
      }
    }
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16).toString('base64');
    const stored: StoredKey = {
      id, principal: options.principal.trim(), roles,
      ...(options.models ? { models: [...options.models] } : {}),
      ...(rateLimit ? { rateLimit: { ...rateLimit } } : {}),
      createdAt: new Date(this.#now()).toISOString(),
      ...(options.expiresAt !== undefined ? { expiresAt: isoDate(options.expiresAt, 'expiresAt') } : {}),
      ...(rotatedFrom ? { rotatedFrom } : {}),
      salt, hash: hashSecret(salt, secret).toString('base64'),
    };
    this.#keys.set(id, stored);
    this.#save();
    return { key: `abi_${id}_${secret}`, info: publicInfo(stored) };
  }

  #load(): void {
    this.#signature = this.#stat();
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#keys = new Map();
        return;
      }
      throw new IOError(`cannot read key file ${this.path}`, { cause: err });
    }
    let file: KeyFile;
    try {
      file = JSON.parse(text) as KeyFile;
      if (file.version !== 1 || !Array.isArray(file.keys)) throw new Error('unexpected structure');
    } catch (err) {
      throw new CorruptDataError('key file does not parse', this.path, { cause: err });
    }
    this.#keys = new Map(file.keys.map((k) => [k.id, k]));
  }

  #reloadQuietly(): void {
    try {
      this.#load();
    } catch {
      // A half-written or broken file: keep the keys we have.
    }
  }

  #save(): void {
    const file: KeyFile = { version: 1, keys: [...this.#keys.values()] };
    atomicReplaceSync(this.path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, mkdir: 0o700 });
    this.#signature = this.#stat();
  }
}
