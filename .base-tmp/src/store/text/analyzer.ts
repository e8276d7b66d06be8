/**
 * Turns text into index terms for BM25: NFKC normalization, lowercasing, Unicode word splitting, stop-word removal
 * and Snowball stemming. Stemmers and stop-word lists come from Orama's packages (`@orama/stemmers`,
 * `@orama/stopwords`, Apache-2.0): maintained, per-language, and the same rules Orama's own search uses.
 *
 * @module
 */
import { ValidationError } from '../../core/errors.js';

/** Languages with both a Snowball stemmer and a stop-word list. */
export type TextLanguage =
  | 'arabic' | 'armenian' | 'bulgarian' | 'danish' | 'dutch' | 'english' | 'finnish' | 'french' | 'german' | 'greek'
  | 'hungarian' | 'indian' | 'indonesian' | 'irish' | 'italian' | 'lithuanian' | 'nepali' | 'norwegian' | 'portuguese'
  | 'romanian' | 'russian' | 'serbian' | 'spanish' | 'swedish' | 'tamil' | 'turkish' | 'ukrainian' | 'sanskrit';

/** Options for {@link loadAnalyzer}. */
export interface AnalyzerOptions {
  /**
   * Language of the stemmer and stop words.
   * @defaultValue 'english'
   */
  language?: TextLanguage;
  /**
   * Reduce words to their stems (`running` → `run`).
   * @defaultValue true
   */
  stemming?: boolean;
  /**
   * Drop stop words: `true` uses the language's list, an array replaces it, `false` keeps every word.
   * @defaultValue true
   */
  stopWords?: boolean | readonly string[];
}

/** The resolved analyzer settings, persisted with a text index so a reopened index analyzes identically. */
export interface AnalyzerConfig {
  /** Language. */
  language: TextLanguage;
  /** Whether stemming is on. */
  stemming: boolean;
  /** The stop words in use (already lowercased). */
  stopWords: string[];
}

/** Text → terms. */
export interface Analyzer {
  /** The settings, for persistence. */
  readonly config: AnalyzerConfig;
  /**
   * Splits a text into index terms, in order (repeats kept).
   *
   * @param text - any text
   * @returns the terms
   */
  terms(text: string): string[];
}

// A term is a run of letters, combining marks and digits (so "café", "x86" and "4096" are terms).
const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const MAX_TERM_LENGTH = 64;

type StemmerModule = { stemmer: (word: string) => string };
type StopwordsModule = { stopwords: string[] };

// Static import() calls, one per language, so bundlers and both module formats resolve them; only the language in
// use is ever loaded.
const STEMMERS: Record<TextLanguage, () => Promise<StemmerModule>> = {
  arabic: () => import('@orama/stemmers/arabic'), armenian: () => import('@orama/stemmers/armenian'),
  bulgarian: () => import('@orama/stemmers/bulgarian'), danish: () => import('@orama/stemmers/danish'),
  dutch: () => import('@orama/stemmers/dutch'), english: () => import('@orama/stemmers/english'),
  finnish: () => import('@orama/stemmers/finnish'), french: () => import('@orama/stemmers/french'),
  german: () => import('@orama/stemmers/german'), greek: () => import('@orama/stemmers/greek'),
  hungarian: () => import('@orama/stemmers/hungarian'), indian: () => import('@orama/stemmers/indian'),
  indonesian: () => import('@orama/stemmers/indonesian'), irish: () => import('@orama/stemmers/irish'),
  italian: () => import('@orama/stemmers/italian'), lithuanian: () => import('@orama/stemmers/lithuanian'),
  nepali: () => import('@orama/stemmers/nepali'), norwegian: () => import('@orama/stemmers/norwegian'),
  portuguese: () => import('@orama/stemmers/portuguese'), romanian: () => import('@orama/stemmers/romanian'),
  russian: () => import('@orama/stemmers/russian'), serbian: () => import('@orama/stemmers/serbian'),
  spanish: () => import('@orama/stemmers/spanish'), swedish: () => import('@orama/stemmers/swedish'),
  tamil: () => import('@orama/stemmers/tamil'), turkish: () => import('@orama/stemmers/turkish'),
  ukrainian: () => import('@orama/stemmers/ukrainian'), sanskrit: () => import('@orama/stemmers/sanskrit'),
};

const STOPWORDS: Record<TextLanguage, () => Promise<StopwordsModule>> = {
  arabic: () => import('@orama/stopwords/arabic'), armenian: () => import('@orama/stopwords/armenian'),
  bulgarian: () => import('@orama/stopwords/bulgarian'), danish: () => import('@orama/stopwords/danish'),
  dutch: () => import('@orama/stopwords/dutch'), english: () => import('@orama/stopwords/english'),
  finnish: () => import('@orama/stopwords/finnish'), french: () => import('@orama/stopwords/french'),
  german: () => import('@orama/stopwords/german'), greek: () => import('@orama/stopwords/greek'),
  hungarian: () => import('@orama/stopwords/hungarian'), indian: () => import('@orama/stopwords/indian'),
  indonesian: () => import('@orama/stopwords/indonesian'), irish: () => import('@orama/stopwords/irish'),
  italian: () => import('@orama/stopwords/italian'), lithuanian: () => import('@orama/stopwords/lithuanian'),
  nepali: () => import('@orama/stopwords/nepali'), norwegian: () => import('@orama/stopwords/norwegian'),
  portuguese: () => import('@orama/stopwords/portuguese'), romanian: () => import('@orama/stopwords/romanian'),
  russian: () => import('@orama/stopwords/russian'), serbian: () => import('@orama/stopwords/serbian'),
  spanish: () => import('@orama/stopwords/spanish'), swedish: () => import('@orama/stopwords/swedish'),
  tamil: () => import('@orama/stopwords/tamil'), turkish: () => import('@orama/stopwords/turkish'),
  ukrainian: () => import('@orama/stopwords/ukrainian'), sanskrit: () => import('@orama/stopwords/sanskrit'),
};

/** The supported languages. */
export const TEXT_LANGUAGES = Object.keys(STEMMERS) as TextLanguage[];

/**
 * Builds an analyzer (loads the language's stemmer and stop words).
 *
 * @param options - language, stemming, stop words; or a persisted {@link AnalyzerConfig}
 * @returns the analyzer
 * @throws {@link ValidationError} for an unknown language
 */
export async function loadAnalyzer(options: AnalyzerOptions | AnalyzerConfig = {}): Promise<Analyzer> {
  const language = options.language ?? 'english';
  if (!Object.prototype.hasOwnProperty.call(STEMMERS, language)) {
    throw new ValidationError(`unknown text language ${JSON.stringify(language)}; supported: ${TEXT_LANGUAGES.join(', ')}`);
  }
  const stemming = options.stemming ?? true;
  let stopWords: string[];
  if (Array.isArray(options.stopWords)) stopWords = options.stopWords.map((w) => w.normalize('NFKC').toLowerCase());
  else if (options.stopWords === false) stopWords = [];
  else stopWords = (await STOPWORDS[language]()).stopwords.map((w) => w.normalize('NFKC').toLowerCase());
  const stem = stemming ? (await STEMMERS[language]()).stemmer : undefined;
  const stopSet = new Set(stopWords);
  const config: AnalyzerConfig = { language, stemming, stopWords: [...stopSet] };
  return {
    config,
    terms(text: string): string[] {
      const out: string[] = [];
      const words = text.normalize('NFKC').toLowerCase().match(WORD);
      if (words === null) return out;
      for (const word of words) {
        if (stopSet.has(word)) continue;
        const term = stem ? stem(word) : word;
        // Pathological "words" (base64 blobs, minified code) would bloat the vocabulary without helping search.
        if (term.length > 0 && term.length <= MAX_TERM_LENGTH) out.push(term);
      }
      return out;
    },
  };
}
