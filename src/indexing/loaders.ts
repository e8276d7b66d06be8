/**
 * The loaders of {@link indexFiles} (file → text): Markdown and plain text as they are, HTML through html-to-text (a
 * maintained converter that drops scripts, styles and markup and keeps block structure as line breaks), PDF through
 * pdfjs-dist (Mozilla's pure-JS reader; an optional peer, loaded only when a PDF is met).
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { CallOptions } from '../core/contracts.js';
import { CorruptDataError, IOError, NotFoundError, UnsupportedError } from '../core/errors.js';
import { throwIfAborted } from '../internal/abort.js';

/** How a file's text is read: by its extension, see {@link fileKind}. */
export type FileKind = 'text' | 'markdown' | 'html' | 'pdf';

const KINDS: Record<string, FileKind> = {
  '.md': 'markdown', '.markdown': 'markdown', '.mdx': 'markdown',
  '.html': 'html', '.htm': 'html', '.xhtml': 'html',
  '.pdf': 'pdf',
};

/**
 * The kind of a file by its extension: `.md`/`.markdown`/`.mdx` Markdown, `.html`/`.htm`/`.xhtml` HTML, `.pdf` PDF;
 * anything else is read as UTF-8 text.
 *
 * @param path - the file
 * @returns its kind
 * @example
 * ```ts
 * fileKind('docs/guide.md'); // 'markdown'
 * ```
 */
export function fileKind(path: string): FileKind {
  return KINDS[extname(path).toLowerCase()] ?? 'text';
}

interface PdfTextItem {
  str?: string;
  hasEOL?: boolean;
}
interface PdfJs {
  getDocument(src: { data: Uint8Array; isEvalSupported: boolean; disableFontFace: boolean; verbosity: number }): {
    promise: Promise<{ numPages: number; getPage(n: number): Promise<{ getTextContent(): Promise<{ items: PdfTextItem[] }> }>; destroy(): Promise<void> }>;
  };
}

let pdfjs: Promise<PdfJs> | undefined;

async function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs' as string).then((m) => m as PdfJs);
  try {
    return await pdfjs;
  } catch (err) {
    pdfjs = undefined;
    throw new UnsupportedError('reading PDF files needs the optional peer pdfjs-dist: npm install pdfjs-dist (or leave PDFs out with --glob)', { cause: err });
  }
}

async function pdfText(bytes: Uint8Array, path: string): Promise<string> {
  const lib = await loadPdfJs();
  let doc;
  try {
    // A copy: pdf.js transfers (detaches) the buffer it is given.
    doc = await lib.getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, disableFontFace: true, verbosity: 0 }).promise;
  } catch (err) {
    throw new CorruptDataError(`not a readable PDF (${(err as Error).message})`, path, { cause: err });
  }
  try {
    const pages: string[] = [];
    for (let p = 1; p <= doc.numPages; p++) {
      const content = await (await doc.getPage(p)).getTextContent();
      pages.push(content.items.map((i) => (i.str ?? '') + (i.hasEOL ? '\n' : '')).join(''));
    }
    return pages.join('\n\n');
  } finally {
    await doc.destroy();
  }
}

/**
 * Extracts the text of a file's content: Markdown and text as they are (a leading BOM dropped), HTML converted to
 * text (scripts, styles, navigation and images dropped), PDF pages' text joined by blank lines.
 *
 * @param path - the file's name (for its kind and messages; it is not read)
 * @param bytes - its content
 * @returns the text (`''` for a file with none)
 * @throws {@link UnsupportedError} for a PDF without pdfjs-dist installed, or a binary file read as text
 * @throws {@link CorruptDataError} for a PDF that does not parse
 * @example
 * ```ts
 * const text = await extractText('page.html', new TextEncoder().encode('<h1>Hi</h1><p>there</p>'));
 * ```
 */
export async function extractText(path: string, bytes: Uint8Array): Promise<string> {
  const kind = fileKind(path);
  if (kind === 'pdf') return pdfText(bytes, path);
  if (bytes.subarray(0, 8192).includes(0)) throw new UnsupportedError(`${path}: binary file (a NUL byte in its first 8 KiB); narrow --glob to text files`);
  const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
  if (kind !== 'html') return text;
  const { convert } = await import('html-to-text');
  return convert(text, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'nav', format: 'skip' },
    ],
  });
}

/**
 * Reads a file and extracts its text (see {@link extractText}).
 *
 * @param path - the file
 * @param options - signal (checked before reading)
 * @returns the text
 * @throws {@link NotFoundError} when the file does not exist
 * @throws {@link IOError} when it cannot be read
 * @throws {@link UnsupportedError} / {@link CorruptDataError} as {@link extractText}
 * @example
 * ```ts
 * const text = await readText('README.md');
 * ```
 */
export async function readText(path: string, options: CallOptions = {}): Promise<string> {
  throwIfAborted(options.signal);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`no such file: ${path}`, { cause: err });
    throw new IOError(`cannot read ${path}: ${code ?? (err as Error).message}`, { cause: err });
  }
  return extractText(path, bytes);
}
