import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document } from '@langchain/core/documents';

interface Passage { id: string; year: number; president: string; party: string; text: string }

/** Path of the SOTU passages file (examples/data). */
export const SOTU_FILE = fileURLToPath(new URL('../../../examples/data/sotu.jsonl', import.meta.url));

/** SOTU passages as LangChain documents with ids and metadata. */
export function sotuDocuments(limit = 120, file = SOTU_FILE): Document[] {
  return readFileSync(file, 'utf8')
    .split('\n').filter(Boolean).slice(0, limit)
    .map((line) => JSON.parse(line) as Passage)
    .map((p) => new Document({ id: p.id, pageContent: p.text, metadata: { year: p.year, president: p.president, party: p.party } }));
}

/** Queries about topics the early addresses discuss. */
export const QUERIES = ['the public debt and the revenue', 'treaty with Spain and the navigation of the Mississippi', 'Indian tribes on the frontier', 'manufactures and agriculture'];

/** A fresh temporary directory and its cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'abi-lc-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
