import { readFileSync } from 'node:fs';
import { NodeRelationship, TextNode } from 'llamaindex';

/** One passage of examples/data/sotu.jsonl. */
export interface Passage {
  id: string;
  year: number;
  president: string;
  party: string;
  text: string;
}

/** The first `limit` SOTU passages (a real public-domain corpus shipped with the examples). */
export function loadPassages(limit = 120): Passage[] {
  const url = new URL('../../../examples/data/sotu.jsonl', import.meta.url);
  return readFileSync(url, 'utf8').trim().split('\n').slice(0, limit).map((l) => JSON.parse(l) as Passage);
}

/** The ref doc id of a passage: one source document per address (year). */
export const refDocOf = (p: Passage): string => `sotu-${p.year}`;

/** LlamaIndex text nodes for passages, each linked to its address as SOURCE, with nested and unicode metadata. */
export function toNodes(passages: readonly Passage[]): TextNode[] {
  return passages.map((p) => new TextNode({
    id_: p.id,
    text: p.text,
    metadata: { year: p.year, president: p.president, party: p.party, tags: [p.party, `y${p.year}`], origin: { corpus: 'sotu', note: 'État — 国情咨文' } },
    relationships: { [NodeRelationship.SOURCE]: { nodeId: refDocOf(p), metadata: {} } },
  }));
}
