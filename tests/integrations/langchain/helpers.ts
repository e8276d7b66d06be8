import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document } from '@langchain/core/documents';

interface Passage { id: string; year: number; president: string; party: string; text: string }

/** SOTU passages (examples/data) as LangChain documents with ids and metadata. */
export function sotuDocuments(limit = 120): Document[] {
  return readFileSync(new URL('../../../examples/data/sotu.jsonl', import.meta.url), 'utf8')
    .split('\n').filter(Boolean).slice(0, limit)
    .map((line) => JSON.parse(line) as Passage)
    .map((p) => new Document({ id: p.id, pageContent: p.text, metadata: { year: p.year, president: p.president, party: p.party } }));
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'abi-lc-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
