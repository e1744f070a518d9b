import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import { Tokenizer } from '@huggingface/tokenizers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncrementalDecoder } from './incremental-decoder';

let root: string;
let tokenizer: Tokenizer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fr1-detok-'));
  await writeTinyQwenVLModel(root, { architecture: 'qwen2-vl', seed: 1 });
  const read = async (name: string) => JSON.parse(await readFile(path.join(root, name), 'utf8'));
  tokenizer = new Tokenizer(await read('tokenizer.json'), await read('tokenizer_config.json'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('IncrementalDecoder (the real Qwen tokenizer)', () => {
  it('its deltas add up to decoding the whole sequence, never ending inside a character', () => {
    const texts = ['Brows lowered (AU4) 😠 and lips pressed.', '悲伤的表情：眉毛内角上扬', 'café naïve — ok'];
    const pieces = texts.flatMap((text) => tokenizer.encode(text).ids);
    // Real token ids (whole words, CJK and emoji bytes split across tokens), special tokens and
    // arbitrary ids, in any order.
    const token = fc.oneof(
      fc.constantFrom(...pieces),
      fc.constantFrom(151643, 151645, 151655),
      fc.integer({ min: 0, max: 151642 }),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (ids) => {
        const decoder = new IncrementalDecoder(tokenizer);
        let streamed = '';
        for (const id of ids) {
          streamed += decoder.push(id);
          expect(decoder.text).toBe(streamed);
          expect(streamed.endsWith('\uFFFD')).toBe(false);
        }
        const whole = ids.length ? tokenizer.decode(ids, { skip_special_tokens: true }) : '';
        expect(decoder.finalText()).toBe(whole);
        expect(whole.startsWith(streamed)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
