/**
 * Model names on the Hugging Face Hub: `owner/name`, `hf:owner/name` and `hf:owner/name@revision`, parsed into a
 * repository id and a revision, validated so neither can escape the cache folder.
 *
 * @module
 */
import { ValidationError } from '../core/errors.js';

/** A model on the Hub: repository and revision. */
export interface HubModelRef {
  /** Repository id, `owner/name` (or `name` for the few legacy un-namespaced models). */
  repoId: string;
  /** Branch, tag or commit sha. */
  revision: string;
}

/** The revision used when none is given. */
export const DEFAULT_REVISION = 'main';

const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

/**
 * Whether `spec` names a Hub model with the `hf:` scheme (as `ModelSource` and `serve --models` accept).
 *
 * @param spec - a folder path or `hf:owner/name[@revision]`
 * @returns `true` for `hf:` names
 */
export function isHubModelSpec(spec: string): boolean {
  return spec.startsWith('hf:');
}

/**
 * Parses `owner/name`, `hf:owner/name` or `hf:owner/name@revision`; an explicit `revision` wins over the `@` suffix.
 *
 * @param spec - the model name
 * @param revision - the revision, when given apart
 * @returns repository id and revision
 * @throws {ValidationError} for a malformed repository id or revision (`..`, `--`, leading `/`, control characters)
 * @example
 * ```ts
 * parseHubModelId('hf:BAAI/bge-small-en-v1.5@main'); // { repoId: 'BAAI/bge-small-en-v1.5', revision: 'main' }
 * ```
 */
export function parseHubModelId(spec: string, revision?: string): HubModelRef {
  if (typeof spec !== 'string') throw new ValidationError('model name must be a string like "owner/name"');
  let s = spec.trim();
  if (s.startsWith('hf:')) s = s.slice(3);
  const at = s.indexOf('@');
  let rev = revision?.trim();
  if (at >= 0) {
    rev ||= s.slice(at + 1);
    s = s.slice(0, at);
  }
  rev ||= DEFAULT_REVISION;
  if (!REPO_ID.test(s) || s.includes('..') || s.includes('--')) {
    throw new ValidationError(`bad Hugging Face model name ${JSON.stringify(spec)}: expected "owner/name" (letters, digits, "-", "_", ".")`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(rev) || rev.startsWith('/') || rev.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new ValidationError(`bad revision ${JSON.stringify(rev)}: expected a branch, tag or commit sha`);
  }
  return { repoId: s, revision: rev };
}

/**
 * Whether a revision is a full commit sha (40 hex digits), which needs no `refs/` entry to resolve.
 *
 * @param revision - the revision
 * @returns `true` for a commit sha
 * @internal
 */
export function isCommitSha(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}
