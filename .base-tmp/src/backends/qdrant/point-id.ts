/**
 * Mapping abi-sdk's string ids onto Qdrant point ids. Qdrant accepts only unsigned integers and UUIDs, so every id
 * becomes a name-based UUID (RFC 9562 version 5: SHA-1 of a fixed namespace and the id's UTF-8 bytes). The original
 * id is kept in the point's payload and checked on every read.
 *
 * @module
 */
import { createHash } from 'node:crypto';

/** abi-sdk's namespace for version-5 point ids (fixed forever: changing it would orphan every stored point). */
const NAMESPACE = Buffer.from('6b1f3c5e8a2d4f7b9c0e1a2b3c4d5e6f', 'hex');

/**
 * The Qdrant point id (a version-5 UUID) that `QdrantStore` stores the record `id` under.
 *
 * @param id - the record id
 * @returns the UUID, lower case with hyphens, as Qdrant returns it
 *
 * @example
 * ```ts
 * qdrantPointId('doc-1'); // the same UUID on every machine and every run
 * ```
 */
export function qdrantPointId(id: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(id, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50; // version 5
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
