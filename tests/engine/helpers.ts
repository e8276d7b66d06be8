import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { rng } from '../store/helpers.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MODELS_DIR } from '../../scripts/generate-models.js';

/** Path of a generated model folder (tests/global-setup.ts generates the tiny ones). */
export const modelDir = (name: string): string => join(MODELS_DIR, name);

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'abi-engine-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Copies a generated model folder into `dest` (ONNX files symlinked, JSON copied) so a test can edit or delete files.
 */
export function copyModel(name: string, dest: string): string {
  const src = modelDir(name);
  cpSync(src, dest, {
    recursive: true,
    filter: (from) => !from.endsWith('.onnx'),
  });
  for (const rel of ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'onnx/model_fp16.onnx', 'model.onnx']) {
    if (existsSync(join(src, rel))) symlinkSync(resolve(src, rel), join(dest, rel));
  }
  return dest;
}

/** Rewrites a JSON file of a copied folder. */
export function editJson(file: string, edit: (json: Record<string, unknown>) => unknown): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify(edit(json) ?? json));
}

export { rng };

/** Cosine similarity. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

/** Largest absolute element difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const WORDS = (
  'the of and to in is was for on that with as by at from his her which an be this had not are but were or have one ' +
  'they all their has been more would there when who will no if out so what up about into than them can only other new ' +
  'some could these two may first then do any like my now over such our man me even most made after also did many before ' +
  'must through back years where much your way well down should because each just those people how too little state good ' +
  'very make world still own see men work long get here between both life being under never day same another know while ' +
  'last might us great old year off come since against go came right used take three embedding vector search retrieval ' +
  'rerank transformer tokenizer onnx runtime batch padding attention model'
).split(' ');

const UNICODE = [
  'Café naïve résumé — déjà vu à la carte',
  'Ünïcödé àccénts: Ångström, Øresund, Straße, Łódź, İstanbul',
  '東京は日本の首都です。北京是中国的首都。',
  '서울은 한국의 수도입니다',
  'Привет, мир! Как дела?',
  'مرحبا بالعالم',
  'नमस्ते दुनिया',
  'emoji 🙂🚀 and flags 🇫🇷 with ZWJ 👩‍💻',
  'Math: ∑ x² ≤ ∞, α β γ, 3.14159 ± 0.001',
  "punctuation!!! ??? ... --- ''' \"\" (((brackets))) [[x]] {y} <z> @#$%^&*_+=|\\/~`",
  'URLs https://example.com/path?q=1&r=2#frag and emails someone@example.org',
  'tabs\tand\nnewlines\r\nand  multiple   spaces',
  'MiXeD CaSe WORDS and CamelCaseIdentifiers and snake_case_names',
  'numbers 1234567890 12,345.67 1e-9 0x1F 2026-11-24',
  'zero\u200bwidth\u200cjoiners\u200d and soft\u00adhyphen',
  'control\u0001chars\u0007here',
  'combining: e\u0301 a\u0308 n\u0303 (decomposed accents)',
  'supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis',
  'literal special tokens [CLS] [SEP] [PAD] [MASK] [UNK] in text',
  '',
  '   ',
  'a',
  '.',
];

/**
 * A deterministic, varied corpus: short and long word texts (some past the max length), unicode from many scripts,
 * accents, punctuation, empty and whitespace strings, literal special tokens.
 */
export function variedTexts(count: number, seed = 42): string[] {
  const r = rng(seed);
  const out: string[] = [...UNICODE];
  while (out.length < count) {
    const kind = r();
    const words = kind < 0.5 ? 1 + Math.floor(r() * 16) : kind < 0.85 ? 20 + Math.floor(r() * 80) : 150 + Math.floor(r() * 250);
    const parts: string[] = [];
    for (let i = 0; i < words; i++) {
      let w = WORDS[Math.floor(r() * WORDS.length)];
      if (r() < 0.1) w = w[0].toUpperCase() + w.slice(1);
      if (r() < 0.05) w += r() < 0.5 ? ',' : '.';
      if (r() < 0.03) w = UNICODE[Math.floor(r() * 12)].split(' ')[0];
      parts.push(w);
    }
    out.push(parts.join(' '));
  }
  return out.slice(0, count);
}
