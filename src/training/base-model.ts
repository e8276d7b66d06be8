/**
 * The identity of a base embedder, as recorded in adapter files: model id, dimension, the embedder's own
 * fingerprint (provider, dtype, pooling, prompts — where it has one) and the vector it gives for a fixed probe text.
 * Ids catch the obvious mistakes; the probe catches a model folder that kept its name but changed its weights.
 *
 * @module
 */
import type { CallOptions, Embedder } from '../core/contracts.js';
import { ModelMismatchError, ValidationError } from '../core/errors.js';

/** The probe text embedded (as a document) when an adapter is saved and again when it is loaded. */
export const BASE_PROBE_TEXT = 'abi-sdk adapter probe: the quick brown fox jumps over the lazy dog, 1234.';

/** Minimum cosine between the recorded and the current probe vector for the base to count as the same model. */
const PROBE_MIN_COSINE = 0.999;

/** What an adapter file records about the base embedder it was trained on. */
export interface BaseModelInfo {
  /** The base embedder's `model`. */
  model: string;
  /** Its vector length. */
  dimension: number;
  /** Its `fingerprint()` (JSON) when it has one, else its `model`. */
  fingerprint: string;
  /** Its vector for the fixed probe sentence the adapter file records, when recorded. */
  probe: Float32Array | undefined;
}

/**
 * Describes a base embedder (one `embed` call for the probe).
 *
 * @param embedder - the base embedder
 * @param options - signal and timeout for the probe call
 * @returns its identity
 * @throws {@link ValidationError} when the embedder returns no vector
 * @throws the embedder's own errors
 * @example
 * ```ts
 * const base = await describeBaseModel(new HashingEmbedder({ dimension: 256 }));
 * ```
 */
export async function describeBaseModel(embedder: Embedder, options: CallOptions = {}): Promise<BaseModelInfo> {
  const [probe] = await embedder.embed([BASE_PROBE_TEXT], { ...options, inputType: 'document' });
  if (!probe || probe.length === 0) throw new ValidationError(`base embedder ${embedder.model} returned no vector for the probe text`);
  return { model: embedder.model, dimension: probe.length, fingerprint: fingerprintOf(embedder), probe: Float32Array.from(probe) };
}

/** The base embedder's fingerprint string. @internal */
export function fingerprintOf(embedder: Embedder): string {
  type Fp = (t: 'query' | 'document') => unknown;
  const fp = (embedder as { fingerprint?: Fp }).fingerprint;
  return typeof fp === 'function' ? JSON.stringify([fp.call(embedder, 'query'), fp.call(embedder, 'document')]) : embedder.model;
}

/**
 * Checks the statically known identity (model id, dimension, fingerprint) of `embedder` against `expected`.
 *
 * @throws {@link ModelMismatchError} on a difference
 * @internal
 */
export function assertSameBase(expected: BaseModelInfo, embedder: Embedder): void {
  const want = `${expected.model} (${expected.dimension}-d)`;
  const got = `${embedder.model} (${embedder.dimension ?? '?'}-d)`;
  if (embedder.model !== expected.model) throw new ModelMismatchError(`adapter was trained on base model ${want}, not ${got}`, want, got);
  if (embedder.dimension !== undefined && embedder.dimension !== expected.dimension) {
    throw new ModelMismatchError(`adapter was trained on ${expected.dimension}-d vectors; the base embedder gives ${embedder.dimension}-d`, want, got);
  }
  const fp = fingerprintOf(embedder);
  if (fp !== expected.model && expected.fingerprint !== expected.model && fp !== expected.fingerprint) {
    throw new ModelMismatchError(`adapter was trained on a base embedder configured differently (fingerprint ${expected.fingerprint}, now ${fp})`, expected.fingerprint, fp);
  }
}

/**
 * Embeds the probe and compares it with the recorded one.
 *
 * @throws {@link ModelMismatchError} when the vectors differ (another model under the same name)
 * @internal
 */
export async function assertSameProbe(expected: BaseModelInfo, embedder: Embedder, options: CallOptions = {}): Promise<void> {
  if (!expected.probe) return;
  const [v] = await embedder.embed([BASE_PROBE_TEXT], { ...options, inputType: 'document' });
  const want = `${expected.model} (${expected.dimension}-d)`;
  if (!v || v.length !== expected.probe.length) {
    throw new ModelMismatchError(`base embedder gives ${v?.length ?? 0}-d vectors; the adapter was trained on ${expected.probe.length}-d`, want, embedder.model);
  }
  let dot = 0, a = 0, b = 0;
  for (let i = 0; i < v.length; i++) {
    dot += v[i] * expected.probe[i];
    a += v[i] * v[i];
    b += expected.probe[i] * expected.probe[i];
  }
  const cos = a > 0 && b > 0 ? dot / Math.sqrt(a * b) : a === b ? 1 : 0;
  if (!(cos >= PROBE_MIN_COSINE)) {
    throw new ModelMismatchError(
      `base embedder "${embedder.model}" does not produce the vectors the adapter was trained on (probe cosine ${cos.toFixed(4)}): same name, different weights or settings`,
      want, embedder.model,
    );
  }
}
