/**
 * Secure aggregation by pairwise additive masks (the masking half of Bonawitz et al., 2017, without its
 * secret-sharing recovery). Each pair of clients in a round agrees a seed by X25519 Diffie–Hellman over public keys
 * the coordinator relays, expands it with AES-256-CTR into a mask stream, and one adds the mask while the other
 * subtracts it. Updates are fixed-point integers in the ring ℤ/2³², so the masks cancel exactly in the sum and the
 * coordinator learns only Σ nᵢ·Δᵢ, never one client's Δᵢ. Floating-point masks would not cancel exactly and would
 * leak through rounding.
 *
 * Security model: an honest-but-curious coordinator that relays keys faithfully; clients do not collude with it.
 * See docs/training.md for the limits.
 *
 * @module
 */
import { createCipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { InvalidUpdateError, ValidationError } from '../../core/errors.js';

/** An X25519 key pair for one round attempt; the private half never leaves the client. */
export interface MaskKeyPair {
  /** The raw 32-byte public key, base64url (what the coordinator relays). */
  publicKey: string;
  /** The private key. */
  privateKey: KeyObject;
}

/** A participant of a masked round as the coordinator announces it. */
export interface MaskParticipant {
  /** The client's id. */
  id: string;
  /** Its X25519 public key for this attempt, base64url. */
  publicKey: string;
  /** The sample count it announced. */
  samples: number;
}

/** What binds a mask stream to one round attempt of one federation. */
export interface MaskContext {
  /** The federation's session id (random per coordinator data directory). */
  session: string;
  /** Round number. */
  round: number;
  /** Attempt within the round (a round restarts when a masked client drops). */
  attempt: number;
}

/** Largest ring value magnitude used by updates; masks use the full ring. */
const RING_HALF = 2 ** 31 - 1;

/**
 * A fresh X25519 key pair.
 *
 * @returns the pair
 * @example
 * ```ts
 * const { publicKey } = generateMaskKeys(); // send publicKey to the coordinator
 * ```
 */
export function generateMaskKeys(): MaskKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { publicKey: String(jwk.x), privateKey };
}

function importPublic(raw: string, who: string): KeyObject {
  if (!/^[A-Za-z0-9_-]{43}$/.test(raw)) throw new ValidationError(`public key of ${who} is not a base64url X25519 key`);
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw }, format: 'jwk' });
  } catch (err) {
    throw new ValidationError(`public key of ${who} does not import`, { cause: err });
  }
}

/**
 * The fixed-point scale of a masked round: as large as possible while Σ round(clip·nᵢ·scale) stays inside int32.
 *
 * @param clip - the largest |delta| value encoded (larger values are clamped)
 * @param totalSamples - Σ nᵢ over the participants
 * @param participants - how many clients take part (each adds at most ½ of rounding)
 * @returns the scale
 * @throws {ValidationError} for a non-positive clip or sample total
 */
export function maskScale(clip: number, totalSamples: number, participants: number): number {
  if (!(clip > 0) || !(totalSamples > 0)) throw new ValidationError('clip and totalSamples must be positive');
  return (RING_HALF - participants) / (clip * totalSamples);
}

/** A delta in fixed point, ready for masking. */
export interface QuantizedDelta {
  /** The scaled values, modulo 2^32. */
  values: Uint32Array;
  /** How many values were clipped to the range. */
  clipped: number;
}

/**
 * Encodes a client's delta, pre-scaled by its sample count, as ring elements: round(clamp(Δ)·n·scale) mod 2³².
 *
 * @param delta - the client's delta
 * @param samples - its sample count
 * @param scale - the round's {@link maskScale}
 * @param clip - the clamp bound
 * @returns the ring elements and how many values were clamped
 */
export function quantize(delta: Float32Array, samples: number, scale: number, clip: number): QuantizedDelta {
  const out = new Uint32Array(delta.length);
  const k = samples * scale;
  let clipped = 0;
  for (let i = 0; i < delta.length; i++) {
    let d = delta[i];
    if (d > clip) { d = clip; clipped++; } else if (d < -clip) { d = -clip; clipped++; }
    out[i] = Math.round(d * k) >>> 0;
  }
  return { values: out, clipped };
}

/**
 * The pairwise mask stream two clients share: HKDF-SHA256 over their X25519 secret, bound to the session, round,
 * attempt and the ordered pair of ids, expanded with AES-256-CTR.
 *
 * @param privateKey - this client's private key
 * @param peerPublicKey - the peer's public key (base64url)
 * @param ctx - session, round and attempt
 * @param a - the smaller client id of the pair
 * @param b - the larger client id
 * @param length - values wanted
 * @returns `length` pseudo-random ring elements
 * @throws {ValidationError} for a public key that does not import or yields a degenerate secret
 */
export function pairMask(privateKey: KeyObject, peerPublicKey: string, ctx: MaskContext, a: string, b: string, length: number): Uint32Array {
  const shared = diffieHellman({ privateKey, publicKey: importPublic(peerPublicKey, a === b ? a : `${a}/${b}`) });
  if (shared.every((x) => x === 0)) throw new ValidationError('degenerate X25519 shared secret (low-order public key)');
  const info = Buffer.from(JSON.stringify(['abi-sdk federated mask v1', ctx.session, ctx.round, ctx.attempt, a, b]), 'utf8');
  const seed = Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), info, 32));
  const cipher = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16));
  const bytes = cipher.update(Buffer.alloc(length * 4));
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) out[i] = bytes.readUInt32LE(i * 4);
  return out;
}

/**
 * Masks a quantised update in place: for every other participant, adds the pair's mask when this client's id sorts
 * first, subtracts it otherwise, so that over all participants every mask appears once with each sign.
 *
 * @param values - the quantised update (changed in place)
 * @param selfId - this client's id
 * @param privateKey - its private key for this attempt
 * @param participants - everyone in the attempt, this client included
 * @param ctx - session, round and attempt
 * @returns `values`
 * @throws {ValidationError} when this client is not among the participants
 */
export function applyMasks(values: Uint32Array, selfId: string, privateKey: KeyObject, participants: readonly MaskParticipant[], ctx: MaskContext): Uint32Array {
  if (!participants.some((p) => p.id === selfId)) throw new ValidationError(`client "${selfId}" is not a participant of this round`);
  for (const peer of participants) {
    if (peer.id === selfId) continue;
    const first = selfId < peer.id;
    const mask = pairMask(privateKey, peer.publicKey, ctx, first ? selfId : peer.id, first ? peer.id : selfId, values.length);
    if (first) for (let i = 0; i < values.length; i++) values[i] = (values[i] + mask[i]) >>> 0;
    else for (let i = 0; i < values.length; i++) values[i] = (values[i] - mask[i]) >>> 0;
  }
  return values;
}

/**
 * Sums masked updates in ℤ/2³² (the masks cancel once every participant's update is in).
 *
 * @example
 * ```ts
 * const ring = new RingSum(n);
 * for (const u of maskedUploads) ring.add(u);
 * const meanDelta = ring.decode(scale, totalSamples);
 * ```
 */
export class RingSum {
  readonly #sum: Uint32Array;

  /**
   * @param size - values per update
   */
  constructor(size: number) {
    this.#sum = new Uint32Array(size);
  }

  /**
   * Adds one masked update.
   *
   * @param values - ring elements
   * @throws {InvalidUpdateError} (`shape`) for a length mismatch
   */
  add(values: Uint32Array): void {
    if (values.length !== this.#sum.length) throw new InvalidUpdateError('shape', `masked update has ${values.length} values, expected ${this.#sum.length}`);
    const s = this.#sum;
    for (let i = 0; i < s.length; i++) s[i] = (s[i] + values[i]) >>> 0;
  }

  /**
   * Decodes the unmasked sum into the sample-weighted mean delta: int32(Σ) / scale / Σnᵢ.
   *
   * @param scale - the round's scale
   * @param totalSamples - Σ nᵢ
   * @returns the mean delta
   */
  decode(scale: number, totalSamples: number): Float32Array {
    const out = new Float32Array(this.#sum.length);
    const k = scale * totalSamples;
    for (let i = 0; i < out.length; i++) out[i] = (this.#sum[i] | 0) / k;
    return out;
  }
}
