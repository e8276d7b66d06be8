import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelLoadError, UnsupportedError, ValidationError } from '../../src/core/errors.js';
import { readModelFolder } from '../../src/engine/model-folder.js';
import { copyModel, editJson, modelDir, tempDir } from './helpers.js';

describe('readModelFolder', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('reads the sentence-transformers layout (all-MiniLM-like)', () => {
    const info = readModelFolder(modelDir('tiny-bert'));
    expect(info).toMatchObject({
      name: 'tiny-bert', dtype: 'fp32', modelType: 'bert', isClassifier: false, hiddenSize: 32, maxLength: 128,
      paddingSide: 'right', pooling: 'mean', normalize: true, excludePrompt: false, prompts: undefined,
    });
    expect(info.onnxFile).toBe(join(modelDir('tiny-bert'), 'onnx/model.onnx'));
    expect(info.weightBytes).toBeGreaterThan(1_000_000);
  });

  it('picks the file for each dtype, and says which dtypes exist when one is missing', () => {
    expect(readModelFolder(modelDir('tiny-bert'), { dtype: 'int8' }).onnxFile).toMatch(/onnx\/model_quantized\.onnx$/);
    expect(readModelFolder(modelDir('tiny-bert'), { dtype: 'fp16' }).onnxFile).toMatch(/onnx\/model_fp16\.onnx$/);
    expect(readModelFolder(modelDir('tiny-bert-prompts')).onnxFile).toMatch(/tiny-bert-prompts\/model\.onnx$/);
    expect(() => readModelFolder(modelDir('tiny-bert-prompts'), { dtype: 'int8' })).toThrow(/no int8 ONNX file.*dtype "fp32"/);
    expect(() => readModelFolder(modelDir('tiny-bert'), { dtype: 'q4' as 'fp32' })).toThrow(ValidationError);
    expect(readModelFolder(modelDir('tiny-bert'), { modelFile: 'onnx/model_fp16.onnx' }).onnxFile).toMatch(/model_fp16/);
    expect(() => readModelFolder(modelDir('tiny-bert'), { modelFile: 'nope.onnx' })).toThrow(ModelLoadError);
  });

  it('max length: option > sentence_bert_config > tokenizer_config > config, capped by positions', () => {
    expect(readModelFolder(modelDir('tiny-bert-prompts')).maxLength).toBe(64);
    expect(readModelFolder(modelDir('tiny-bert-prompts'), { maxLength: 16 }).maxLength).toBe(16);
    const dir = copyModel('tiny-bert', join(tmp.dir, 'm'));
    editJson(join(dir, 'sentence_bert_config.json'), (j) => ({ ...j, max_seq_length: 4096 }));
    expect(readModelFolder(dir).maxLength).toBe(128);
    unlinkSync(join(dir, 'sentence_bert_config.json'));
    editJson(join(dir, 'tokenizer_config.json'), (j) => ({ ...j, model_max_length: 1e30 }));
    expect(readModelFolder(dir).maxLength).toBe(128);
    editJson(join(dir, 'tokenizer_config.json'), (j) => ({ ...j, model_max_length: 100 }));
    expect(readModelFolder(dir).maxLength).toBe(100);
    expect(() => readModelFolder(dir, { maxLength: 0 })).toThrow(ValidationError);
  });

  it('reads prompts, padding side, last-token pooling, classifier labels', () => {
    expect(readModelFolder(modelDir('tiny-bert-prompts'))).toMatchObject({
      pooling: 'cls', normalize: false, prompts: { query: 'query: ', document: 'passage: ' },
    });
    expect(readModelFolder(modelDir('tiny-bert-lasttoken'))).toMatchObject({ pooling: 'lasttoken', paddingSide: 'left' });
    expect(readModelFolder(modelDir('tiny-cross-encoder'))).toMatchObject({ isClassifier: true, labels: ['LABEL_0'], pooling: undefined, normalize: undefined });
  });

  it('applies known family prompts when the folder has none', () => {
    const dir = copyModel('tiny-bert', join(tmp.dir, 'multilingual-e5-small'));
    editJson(join(dir, 'config.json'), (j) => ({ ...j, _name_or_path: '' }));
    expect(readModelFolder(dir).prompts).toEqual({ query: 'query: ', document: 'passage: ' });
    const nomic = copyModel('tiny-bert', join(tmp.dir, 'n'));
    editJson(join(nomic, 'config.json'), (j) => ({ ...j, _name_or_path: 'nomic-ai/nomic-embed-text-v1.5' }));
    expect(readModelFolder(nomic).prompts).toEqual({ query: 'search_query: ', document: 'search_document: ' });
  });

  it('include_prompt false, weighted mean, several modes, Dense modules', () => {
    const dir = copyModel('tiny-bert', join(tmp.dir, 'm'));
    const pooling = join(dir, '1_Pooling/config.json');
    editJson(pooling, (j) => ({ ...j, include_prompt: false }));
    expect(readModelFolder(dir).excludePrompt).toBe(true);
    editJson(pooling, (j) => ({ ...j, pooling_mode_cls_token: true }));
    expect(() => readModelFolder(dir)).toThrow(UnsupportedError);
    editJson(pooling, (j) => ({ ...j, pooling_mode_cls_token: false, pooling_mode_mean_tokens: false, pooling_mode_weightedmean_tokens: true }));
    expect(() => readModelFolder(dir)).toThrow(/weighted-mean/);
    editJson(pooling, (j) => ({ ...j, pooling_mode_weightedmean_tokens: false, pooling_mode_mean_sqrt_len_tokens: true }));
    expect(readModelFolder(dir).pooling).toBe('mean_sqrt_len');
    editJson(join(dir, 'modules.json'), (j) => [...(j as unknown as unknown[]), { idx: 3, name: '3', path: '2_Dense', type: 'sentence_transformers.models.Dense' }]);
    expect(() => readModelFolder(dir)).toThrow(/Dense/);
  });

  it('typed errors for missing or malformed files', () => {
    expect(() => readModelFolder(join(tmp.dir, 'absent'))).toThrow(ModelLoadError);
    expect(() => readModelFolder('')).toThrow(ValidationError);
    const file = join(tmp.dir, 'file');
    writeFileSync(file, 'x');
    expect(() => readModelFolder(file)).toThrow(/not a folder/);

    const dir = copyModel('tiny-bert', join(tmp.dir, 'm'));
    writeFileSync(join(dir, 'modules.json'), '{"not": "an array"}');
    expect(() => readModelFolder(dir)).toThrow(/modules.json is not an array/);
    writeFileSync(join(dir, 'modules.json'), '[{');
    expect(() => readModelFolder(dir)).toThrow(/modules.json is not valid JSON/);
    rmSync(join(dir, 'modules.json'));
    expect(readModelFolder(dir)).toMatchObject({ pooling: undefined, normalize: undefined });
    writeFileSync(join(dir, 'config.json'), 'null');
    expect(() => readModelFolder(dir)).toThrow(ModelLoadError);
    rmSync(join(dir, 'config.json'));
    expect(() => readModelFolder(dir)).toThrow(/cannot read config.json/);

    const noTok = copyModel('tiny-bert', join(tmp.dir, 't'));
    rmSync(join(noTok, 'tokenizer.json'));
    expect(() => readModelFolder(noTok)).toThrow(/tokenizer.json is missing/);
    const noOnnx = copyModel('tiny-bert', join(tmp.dir, 'o'));
    rmSync(join(noOnnx, 'onnx'), { recursive: true });
    mkdirSync(join(noOnnx, 'onnx'));
    expect(() => readModelFolder(noOnnx)).toThrow(/no ONNX model found/);
  });
});
