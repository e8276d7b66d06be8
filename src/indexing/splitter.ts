/**
 * The splitter of {@link indexFiles}: LangChain's `RecursiveCharacterTextSplitter` (`@langchain/textsplitters`, an
 * optional peer loaded on first use), with its Markdown separators for Markdown files (headings, code fences, rules
 * first) and its plain separators (paragraphs, lines, words) for everything else.
 *
 * @module
 */
import { UnsupportedError, ValidationError } from '../core/errors.js';
import type { FileKind } from './loaders.js';

const TEXTSPLITTERS: string = '@langchain/textsplitters';

/** Default characters per chunk: LangChain's default, about 250 tokens of English. */
export const DEFAULT_CHUNK_SIZE = 1000;
/** Default characters shared by neighbouring chunks (capped at a fifth of the chunk size). */
export const DEFAULT_CHUNK_OVERLAP = 200;

/** Options of {@link createTextSplitter}. */
export interface TextSplitterOptions {
  /**
   * Characters per chunk (at most).
   * @defaultValue 1000
   */
  chunkSize?: number;
  /**
   * Characters shared by neighbouring chunks; smaller than `chunkSize`.
   * @defaultValue min(200, chunkSize / 5)
   */
  chunkOverlap?: number;
}

/** Splits texts into chunks. */
export interface TextSplitter {
  /** Characters per chunk. */
  readonly chunkSize: number;
  /** Characters shared by neighbouring chunks. */
  readonly chunkOverlap: number;
  /**
   * Splits one text; chunks holding only white space are dropped.
   *
   * @param text - the text
   * @param kind - `markdown` splits on Markdown structure first; anything else on paragraphs, lines and words
   * @returns the chunks, in order
   */
  split(text: string, kind?: FileKind): Promise<string[]>;
}

/**
 * The chunking a size and overlap resolve to: the defaults, the overlap capped at a fifth of the size when only the
 * size is given.
 *
 * @param options - size and overlap, either may be left out
 * @returns both, checked
 * @throws {@link ValidationError} when either is not an integer in range or the overlap is not smaller than the size
 * @example
 * ```ts
 * resolveChunking({ chunkSize: 500 }); // { chunkSize: 500, chunkOverlap: 100 }
 * ```
 */
export function resolveChunking(options: TextSplitterOptions = {}): Required<TextSplitterOptions> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new ValidationError(`chunkSize must be a positive integer, got ${String(chunkSize)}`);
  const chunkOverlap = options.chunkOverlap ?? Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(chunkSize / 5));
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0) throw new ValidationError(`chunkOverlap must be an integer ≥ 0, got ${String(chunkOverlap)}`);
  if (chunkOverlap >= chunkSize) throw new ValidationError(`chunkOverlap (${chunkOverlap}) must be smaller than chunkSize (${chunkSize})`);
  return { chunkSize, chunkOverlap };
}

/**
 * Creates a splitter (loads `@langchain/textsplitters` once).
 *
 * @param options - chunk size and overlap
 * @returns the splitter
 * @throws {@link ValidationError} for a bad size or overlap
 * @throws {@link UnsupportedError} when `@langchain/textsplitters` (and `@langchain/core`) are not installed
 * @example
 * ```ts
 * const splitter = await createTextSplitter({ chunkSize: 500 });
 * const chunks = await splitter.split('# Title\n\nA long Markdown text…', 'markdown');
 * ```
 */
export async function createTextSplitter(options: TextSplitterOptions = {}): Promise<TextSplitter> {
  const { chunkSize, chunkOverlap } = resolveChunking(options);
  let mod: typeof import('@langchain/textsplitters');
  try {
    // A specifier bundlers leave alone: inlined, the splitter's static import of the @langchain/core peer would be
    // hoisted into the bundle and `import 'abi-sdk'` would need LangChain installed.
    mod = (await import(TEXTSPLITTERS)) as typeof import('@langchain/textsplitters');
  } catch (err) {
    throw new UnsupportedError('splitting needs @langchain/textsplitters and @langchain/core: npm install @langchain/textsplitters @langchain/core', { cause: err });
  }
  const { RecursiveCharacterTextSplitter } = mod;
  const markdown = RecursiveCharacterTextSplitter.fromLanguage('markdown', { chunkSize, chunkOverlap });
  const plain = new RecursiveCharacterTextSplitter({ chunkSize, chunkOverlap });
  return {
    chunkSize,
    chunkOverlap,
    async split(text, kind) {
      const chunks = await (kind === 'markdown' ? markdown : plain).splitText(text);
      return chunks.filter((c) => c.trim().length > 0);
    },
  };
}
