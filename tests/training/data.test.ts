// Training data: JSONL with line-numbered errors, deduplication, the seeded grouped split, synthetic pairs through
// the OpenAI and Ollama loopback servers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaConnector } from '../../src/connectors/ollama/connector.js';
import { OpenAIConnector } from '../../src/connectors/openai/connector.js';
import { DataFormatError, NotFoundError, ValidationError } from '../../src/core/errors.js';
import { HashingEmbedder } from '../../src/embedders/hashing.js';
import { embedTrainingPairs } from '../../src/training/embedded-pairs.js';
import { dedupePairs, parsePairsJsonl, readPairsJsonl, splitPairs } from '../../src/training/pairs.js';
import { generateSyntheticPairs, parseQuestions } from '../../src/training/synthetic-pairs.js';
import { type FakeOllama, startFakeOllama } from '../helpers/ollama-server.js';
import { type FakeOpenAI, startFakeOpenAI } from '../helpers/openai-server.js';

let dir: string;
let openai: FakeOpenAI;
let ollama: FakeOllama;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'abi-pairs-'));
  openai = await startFakeOpenAI({ apiKey: 'sk-test' });
  ollama = await startFakeOllama();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await openai.close();
  await ollama.close();
});

describe('pairs from JSONL', () => {
  it('reads pairs, skipping blank lines, with optional negatives', async () => {
    const path = join(dir, 'ok.jsonl');
    await writeFile(path, '{"query":"q1","positive":"p1"}\n\n{"query":"q2","positive":"p2","negative":"n2"}\r\n{"query":"q3","positive":"p3","negative":null}\n');
    expect(await readPairsJsonl(path)).toEqual([
      { query: 'q1', positive: 'p1' }, { query: 'q2', positive: 'p2', negative: 'n2' }, { query: 'q3', positive: 'p3' },
    ]);
  });

  it('reports the line number of a malformed record', async () => {
    const cases: [string, number, RegExp][] = [
      ['{"query":"a","positive":"b"}\n{"query":"a",\n', 2, /not valid JSON/],
      ['{"query":"a","positive":"b"}\n\n[1,2]\n', 3, /JSON object/],
      ['{"query":"","positive":"b"}\n', 1, /"query"/],
      ['{"query":"a","positive":7}\n', 1, /"positive"/],
      ['{"query":"a","positive":"b"}\n{"query":"a","positive":"b","negative":" "}\n', 2, /"negative"/],
    ];
    for (const [text, line, message] of cases) {
      const path = join(dir, `bad-${line}.jsonl`);
      await writeFile(path, text);
      const err = await readPairsJsonl(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFormatError);
      expect(err).toMatchObject({ code: 'INVALID_INPUT', line, source: path });
      expect((err as Error).message).toMatch(message);
      expect(() => parsePairsJsonl(text, 'mem')).toThrow(DataFormatError);
    }
  });

  it('missing and empty files are typed errors', async () => {
    await expect(readPairsJsonl(join(dir, 'nope.jsonl'))).rejects.toBeInstanceOf(NotFoundError);
    await writeFile(join(dir, 'empty.jsonl'), '\n\n');
    await expect(readPairsJsonl(join(dir, 'empty.jsonl'))).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('dedupe and split', () => {
  it('drops repeated (query, positive) pairs and negatives equal to the positive', () => {
    const r = dedupePairs([
      { query: 'a b', positive: 'x' }, { query: ' a  b ', positive: 'x' }, { query: 'a b', positive: 'y' },
      { query: 'c', positive: 'z', negative: ' z' }, { query: 'a b', positive: 'x', negative: 'w' },
    ]);
    expect(r.pairs).toEqual([{ query: 'a b', positive: 'x' }, { query: 'a b', positive: 'y' }]);
    expect(r.duplicates).toBe(2);
    expect(r.invalid).toBe(1);
  });

  it('splits by positive passage, seeded, both sides non-empty and disjoint', () => {
    const pairs = Array.from({ length: 60 }, (_, i) => ({ query: `q${i}`, positive: `p${i % 20}` }));
    const a = splitPairs(pairs, { validationFraction: 0.25, seed: 1 });
    const b = splitPairs(pairs, { validationFraction: 0.25, seed: 1 });
    const c = splitPairs(pairs, { validationFraction: 0.25, seed: 2 });
    expect(a).toEqual(b);
    expect(a.validation).not.toEqual(c.validation);
    expect(a.train.length + a.validation.length).toBe(60);
    expect(new Set(a.validation.map((p) => p.positive)).size).toBe(5);
    const trainPos = new Set(a.train.map((p) => p.positive));
    expect(a.validation.some((p) => trainPos.has(p.positive))).toBe(false);
    expect(() => splitPairs([{ query: 'q', positive: 'p' }])).toThrow(ValidationError);
    expect(() => splitPairs(pairs, { validationFraction: 1 })).toThrow(ValidationError);
  });

  it('embeds each distinct text once', async () => {
    const base = new HashingEmbedder({ dimension: 32 });
    let calls = 0;
    const counting = { dimension: 32, model: base.model, embedQuery: base.embedQuery.bind(base), embedDocuments: base.embedDocuments.bind(base),
      embed: (t: readonly string[], o?: object) => { calls += t.length; return base.embed(t, o); } };
    const data = await embedTrainingPairs(counting, [
      { query: 'q1', positive: 'p1', negative: 'p2' }, { query: 'q1', positive: 'p2' }, { query: 'q2', positive: 'p1' },
    ]);
    expect(calls).toBe(4);
    expect(Array.from(data.query)).toEqual([0, 0, 1]);
    expect(Array.from(data.positive)).toEqual([0, 1, 0]);
    expect(Array.from(data.negative)).toEqual([1, -1, -1]);
    await expect(embedTrainingPairs(base, [])).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('synthetic pairs from a Generator', () => {
  const chunks = ['The treaty was signed in 1848 in Guadalupe Hidalgo.', 'Photosynthesis turns light into chemical energy.', 'ok'];

  it('through the OpenAI wire protocol: one question per chunk, skipped chunks reported', async () => {
    const gen = new OpenAIConnector({ apiKey: 'sk-test', baseURL: `${openai.url}/v1` }).generator('gpt-4o-mini');
    openai.streamWords = ['1. What does the passage say?\n', '2. Who is mentioned in it?'];
    const { pairs, skipped } = await generateSyntheticPairs(gen, chunks.slice(0, 2), { concurrency: 2 });
    expect(pairs).toEqual([
      { query: 'What does the passage say?', positive: chunks[0] },
      { query: 'What does the passage say?', positive: chunks[1] },
    ]);
    expect(skipped).toEqual([]);
    openai.streamWords = ['Sure!'];
    const none = await generateSyntheticPairs(gen, [{ id: 'd', text: chunks[0], metadata: {} }]);
    expect(none).toEqual({ pairs: [], skipped: [0] });
    openai.streamWords = undefined;
  });

  it('through the Ollama wire protocol, the prompt carries the chunk', async () => {
    // Ollama's double echoes the prompt: its "questions" are the prompt's own lines, so the chunk must be in it.
    const gen = new OllamaConnector({ host: ollama.url, retry: false }).generator('llama3.2');
    const { pairs } = await generateSyntheticPairs(gen, [chunks[1]], { questionsPerChunk: 50, prompt: 'Ask about:\n{context}\n({count} questions)' });
    expect(pairs.map((p) => p.query)).toContain(chunks[1]);
    expect(pairs.every((p) => p.positive === chunks[1])).toBe(true);
    await expect(generateSyntheticPairs(gen, [''])).rejects.toBeInstanceOf(ValidationError);
    await expect(generateSyntheticPairs(gen, chunks, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('parses numbered, bulleted and prefixed question lists', () => {
    expect(parseQuestions('Here are questions:\n1. What is the capital?\n2) Why did it fall?\n- "How long did it last?"\nQ4: Who ruled it then?\nok'))
      .toEqual(['Here are questions:', 'What is the capital?', 'Why did it fall?', 'How long did it last?', 'Who ruled it then?']);
  });
});
