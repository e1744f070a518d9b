import { describe, expect, it } from 'vitest';
import { parseCompletion } from './parse-completion';
import {
  buildGrpoPrompt,
  buildRetryPrompt,
  buildSftPrompt,
  buildSynthesisPrompt,
  DEFAULT_QUESTION,
  grpoPromptSections,
} from './prompts';

describe('prompt builders', () => {
  it('builds the GRPO prompt with question, requirements, emotion list, AU definitions and an example', () => {
    const prompt = buildGrpoPrompt({ emotions: ['anger', 'happiness'] });
    expect(prompt).toContain(`Question: ${DEFAULT_QUESTION}`);
    expect(prompt).toContain('Emotion list: anger, happiness');
    expect(prompt).toContain('AU4: brow lowerer');
    expect(prompt).toContain('AU13: cheek puffer');
    expect(prompt.match(/^AU\d+: /gm)).toHaveLength(30);
    expect(prompt).toContain('"no", "not", "without" or "maybe"');
    const example = prompt.slice(prompt.indexOf('<think>'));
    expect(parseCompletion(example).wellFormed).toBe(true);
    expect(parseCompletion(example).presentAus).toEqual(['AU4', 'AU7', 'AU24']);
  });

  it('replaces sections, strips <image>, and drops the example on request', () => {
    const prompt = buildGrpoPrompt({
      question: '<image>How does this person feel?',
      example: null,
      sections: { requirements: 'Be brief.' },
    });
    expect(prompt).toContain('Question: How does this person feel?');
    expect(prompt).toContain('Requirements:\nBe brief.');
    expect(prompt).not.toContain('<think>');
    expect(grpoPromptSections({ auDefinitions: ['AU1', 'AU2'] }).auDefinitions).toBe(
      'AU1: inner brow raiser\nAU2: outer brow raiser',
    );
    expect(buildSftPrompt()).toBe(buildGrpoPrompt());
  });

  it('hints the ground truth for synthesis and quotes problems back for a retry', () => {
    const prompt = buildSynthesisPrompt({
      groundTruth: { aus: ['AU6', 'AU12'], labels: ['<answer>happiness</answer>'] },
    });
    expect(prompt).toContain('exactly these Action Units: AU6, AU12');
    expect(prompt).toContain('final answer must be: happiness');
    expect(buildSynthesisPrompt({ groundTruth: { aus: ['AU1'], labels: [] } })).toContain(
      'no emotion label is given',
    );
    const retry = buildRetryPrompt({
      prompt: 'P',
      previousResponse: 'R',
      problems: ['name these missing AUs: AU6', 'the answer must be "happiness"'],
    });
    expect(retry).toBe(
      'P\n\nYour previous response was:\nR\n\nIt was rejected because:\n- name these missing AUs: AU6\n- the answer must be "happiness"\n\nWrite a new response that fixes every problem above.',
    );
  });
});
