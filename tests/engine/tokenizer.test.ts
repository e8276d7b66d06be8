import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError, ValidationError } from '../../src/core/errors.js';
import { TextTokenizer, concatTokenized, type TokenizedTexts } from '../../src/engine/tokenizer.js';
import { modelDir, tempDir } from './helpers.js';

const seq = (t: TokenizedTexts, i: number) => Array.from(t.ids.subarray(t.offsets[i], t.offsets[i + 1]));

describe('TextTokenizer', () => {
  let tok: TextTokenizer;
  let tmp: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    tok = await TextTokenizer.fromFile(modelDir('tiny-bert/tokenizer.json'), { maxLength: 8 });
    tmp = tempDir();
  });
  afterAll(() => tmp.cleanup());

  it('gives bert-base-uncased ids and keeps [SEP] when truncating', async () => {
    const t = await tok.encode(['Hello world', 'one two three four five six seven eight nine', '']);
    expect(seq(t, 0)).toEqual([101, 7592, 2088, 102]);
    expect(seq(t, 1)).toEqual([101, 2028, 2048, 2093, 2176, 2274, 2416, 102]);
    expect(seq(t, 2)).toEqual([101, 102]);
    expect(t.typeIds).toBeUndefined();
    expect(tok.padId).toBe(0);
    expect(await tok.decode(seq(t, 0))).toBe('hello world');
  });

  it("ignores the file's fixed padding and its own truncation length", async () => {
    // tiny-bert-prompts' tokenizer.json pads to 128 and truncates at 128, as exported all-MiniLM files do.
    const t = await TextTokenizer.fromFile(modelDir('tiny-bert-prompts/tokenizer.json'), { maxLength: 5 });
    const out = await t.encode(['hello', 'a b c d e f g']);
    expect(seq(out, 0)).toEqual([101, 7592, 102]);
    expect(seq(out, 1)).toHaveLength(5);
  });

  it('pairs: the tokenizer template, longest-first cuts, query tokenized once — same ids as encode(a, b)', async () => {
    const native = Tokenizer.fromFile(modelDir('tiny-bert/tokenizer.json'));
    native.setTruncation(8);
    const docs = ['short', 'a much longer document with many words in it', '', 'x y'];
    const q = 'what is the capital';
    const t = await tok.encodePairs(q, docs);
    for (let i = 0; i < docs.length; i++) {
      const ref = await native.encode(q, docs[i]);
      expect(seq(t, i)).toEqual(ref.getIds());
      expect(Array.from(t.typeIds!.subarray(t.offsets[i], t.offsets[i + 1]))).toEqual(ref.getTypeIds());
    }
    // Longest-first: both members lose tokens (the longer first) until [CLS] q [SEP] d [SEP] fits 8.
    expect(seq(t, 1)).toEqual([101, 2054, 2003, 102, 1037, 2172, 2936, 102]);
    expect((await tok.encodePairs(q, [])).count).toBe(0);
  });

  it('reads unpaired surrogates as U+FFFD and keeps literal special tokens special', async () => {
    const t = await tok.encode(['bad \ud800 x', 'bad \ufffd x', 'a [PAD] b']);
    expect(seq(t, 0)).toEqual(seq(t, 1));
    expect(seq(t, 2)).toEqual([101, 1037, 0, 1038, 102]);
  });

  it('rejects non-strings and unparsable files with typed errors', async () => {
    await expect(tok.encode(['ok', 3 as unknown as string])).rejects.toThrow(ValidationError);
    await expect(tok.encode('text' as unknown as string[])).rejects.toThrow(ValidationError);
    await expect(tok.encodePairs(null as unknown as string, ['x'])).rejects.toThrow(ValidationError);
    const bad = join(tmp.dir, 'tokenizer.json');
    writeFileSync(bad, '{"version": "1.0", "model": {');
    await expect(TextTokenizer.fromFile(bad, { maxLength: 8 })).rejects.toThrow(ModelLoadError);
    writeFileSync(bad, '{"version": "1.0", "model": {"type": "Nope"}}');
    await expect(TextTokenizer.fromFile(bad, { maxLength: 8 })).rejects.toThrow(/does not parse/);
    await expect(TextTokenizer.fromFile(join(tmp.dir, 'absent.json'), { maxLength: 8 })).rejects.toThrow(ModelLoadError);
  });

  it('a megabyte of text is truncated, not a hang', async () => {
    const huge = 'word '.repeat(200_000);
    const t = await tok.encode([huge]);
    expect(seq(t, 0)).toHaveLength(8);
  });

  it('concatTokenized joins batches in order', async () => {
    const a = await tok.encode(['hello', 'world']);
    const b = await tok.encodePairs('q', ['d']);
    const c = concatTokenized([a, b]);
    expect(c.count).toBe(3);
    expect(seq(c, 0)).toEqual(seq(a, 0));
    expect(seq(c, 2)).toEqual(seq(b, 0));
    expect(Array.from(c.typeIds!.subarray(c.offsets[2], c.offsets[3]))).toEqual(Array.from(b.typeIds!));
    expect(Array.from(c.typeIds!.subarray(0, c.offsets[2])).every((x) => x === 0)).toBe(true);
  });
});
