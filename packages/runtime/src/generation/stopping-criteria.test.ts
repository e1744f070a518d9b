import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import { Tokenizer } from '@huggingface/tokenizers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncrementalDecoder } from './incremental-decoder';
import {
  AbortSignalCriterion,
  createStoppingCriteria,
  EosTokenCriterion,
  MaxTokensCriterion,
  type SequenceStep,
  StopStringCriterion,
  type StoppingCriteria,
} from './stopping-criteria';

const EOS = 151645;
let root: string;
let tokenizer: Tokenizer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fr1-stopping-'));
  await writeTinyQwenVLModel(root, { architecture: 'qwen2-vl', seed: 1 });
  const read = async (name: string) => JSON.parse(await readFile(path.join(root, name), 'utf8'));
  tokenizer = new Tokenizer(await read('tokenizer.json'), await read('tokenizer_config.json'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Feeds tokens until the sequence ends; returns the streamed text and the last step. */
function run(criteria: StoppingCriteria, tokens: readonly number[]) {
  const decoder = new IncrementalDecoder(tokenizer);
  let streamed = '';
  let step: SequenceStep = { delta: '' };
  for (const token of tokens) {
    criteria.beforeStep();
    step = criteria.advance(decoder, token);
    streamed += step.delta;
    if (step.completion) break;
  }
  return { streamed, completion: step.completion, decoder };
}

const ids = (text: string) => tokenizer.encode(text).ids;

describe('single criteria', () => {
  it('max tokens: a verdict once the count is reached', () => {
    const criterion = new MaxTokensCriterion(3);
    expect(criterion.onText({ text: 'ab', previousLength: 1, tokenCount: 2 })).toBeUndefined();
    expect(criterion.onText({ text: 'abc', previousLength: 2, tokenCount: 3 })).toEqual({
      finishReason: 'length',
    });
  });

  it('EOS ids: a verdict on the token itself', () => {
    const criterion = new EosTokenCriterion([EOS, 7]);
    expect(criterion.onToken(EOS)).toEqual({ finishReason: 'stop' });
    expect(criterion.onToken(7)).toEqual({ finishReason: 'stop' });
    expect(criterion.onToken(8)).toBeUndefined();
  });

  it('stop strings: the earliest one in the new tail, also across the previous text', () => {
    const criterion = new StopStringCriterion(['</answer>', '\n\n']);
    expect(criterion.onText({ text: 'a</ans', previousLength: 3, tokenCount: 2 })).toBeUndefined();
    expect(criterion.onText({ text: 'a</answer> x', previousLength: 6, tokenCount: 3 })).toEqual({
      finishReason: 'stop',
      textEnd: 1,
    });
    expect(criterion.onText({ text: 'a\n\nb</answer>', previousLength: 1, tokenCount: 3 })).toMatchObject({
      textEnd: 1,
    });
    // Nothing new, nothing to find.
    expect(criterion.onText({ text: 'a</answer>', previousLength: 10, tokenCount: 4 })).toBeUndefined();
  });

  it('abort: throws the signal reason before a step', () => {
    const controller = new AbortController();
    const criterion = new AbortSignalCriterion(controller.signal);
    expect(() => criterion.beforeStep()).not.toThrow();
    controller.abort(new Error('stopped'));
    expect(() => criterion.beforeStep()).toThrow('stopped');
  });
});

describe('StoppingCriteria with the real Qwen tokenizer', () => {
  it('an EOS token ends the sequence, stays out of the text and counts as generated', () => {
    const criteria = createStoppingCriteria({ stopTokenIds: [EOS], maxTokens: 100 });
    const tokens = ids('Brows lowered (AU4).');
    const { streamed, completion } = run(criteria, [...tokens, EOS, ...ids(' more')]);
    expect(completion).toEqual({
      text: 'Brows lowered (AU4).',
      finishReason: 'stop',
      completionTokens: tokens.length + 1,
    });
    expect(streamed).toBe(completion?.text);
  });

  it('a stop string cuts the text and the stream before it, even when split across tokens', () => {
    const criteria = createStoppingCriteria({ stopTokenIds: [EOS], stop: ['</answer>'], maxTokens: 100 });
    const { streamed, completion } = run(criteria, ids('<answer>anger</answer> trailing'));
    expect(completion?.text).toBe('<answer>anger');
    expect(completion?.finishReason).toBe('stop');
    // The stream is cut where the stop string completes; what of it arrived in earlier tokens
    // was already streamed (deltas are not held back while they could begin a stop string).
    expect(streamed.startsWith('<answer>anger')).toBe(true);
    expect(streamed).not.toContain('</answer>');
  });

  it('a stop string inside one token is cut from both the text and the stream', () => {
    const criteria = createStoppingCriteria({ stopTokenIds: [EOS], stop: ['\n\n'], maxTokens: 100 });
    const { streamed, completion } = run(criteria, ids('anger.\n\nMore'));
    expect(completion).toMatchObject({ text: 'anger.', finishReason: 'stop' });
    expect(streamed).toBe('anger.');
  });

  it('max tokens ends with the whole decode, an incomplete character included', () => {
    const criteria = createStoppingCriteria({ stopTokenIds: [EOS], maxTokens: 2 });
    const { completion, decoder } = run(criteria, ids('happiness and joy'));
    expect(completion).toMatchObject({ finishReason: 'length', completionTokens: 2 });
    expect(completion?.text).toBe(decoder.finalText());
  });

  it('a stop string found by the last allowed token finishes as stop, not length', () => {
    const tokens = ids('x</answer>');
    const criteria = createStoppingCriteria({
      stopTokenIds: [EOS],
      stop: ['</answer>'],
      maxTokens: tokens.length,
    });
    expect(run(criteria, tokens).completion).toMatchObject({ text: 'x', finishReason: 'stop' });
  });

  it('aborts the generation before the next step', () => {
    const controller = new AbortController();
    const criteria = createStoppingCriteria({
      stopTokenIds: [EOS],
      maxTokens: 10,
      signal: controller.signal,
    });
    controller.abort(new DOMException('The operation was aborted.', 'AbortError'));
    expect(() => run(criteria, ids('hello'))).toThrow(/aborted/);
  });

  it('for any tokens and stop strings: no stop string in the text or the stream; without stop strings the stream is the text', () => {
    const pieces = [
      '<think>',
      'AU4',
      ' brows',
      '</think>',
      '<answer>',
      'anger',
      '</answer>',
      '😠',
      '\n\n',
      '悲伤',
    ].flatMap(ids);
    const token = fc.oneof(fc.constantFrom(...pieces), fc.constant(EOS), fc.integer({ min: 0, max: 151642 }));
    const stop = fc.constantFrom('</answer>', '\n\n', 'AU', 'r', '>');
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 30 }),
        fc.array(stop, { maxLength: 3 }),
        fc.integer({ min: 1, max: 40 }),
        (tokens, stops, maxTokens) => {
          const criteria = createStoppingCriteria({ stopTokenIds: [EOS], stop: stops, maxTokens });
          const { streamed, completion } = run(criteria, tokens);
          if (!completion) return;
          if (!stops.length) {
            expect(completion.text.startsWith(streamed)).toBe(true);
            if (completion.finishReason === 'stop') expect(streamed).toBe(completion.text);
          }
          for (const candidate of stops) {
            expect(streamed).not.toContain(candidate);
            if (completion.finishReason === 'stop') expect(completion.text).not.toContain(candidate);
          }
          expect(completion.completionTokens).toBeLessThanOrEqual(maxTokens + 1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
