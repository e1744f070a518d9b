import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors';
import type { StepRecord } from './state-store';
import { prepareValues, trainValues } from './step-values';

const record = (values: Record<string, unknown>): StepRecord => ({
  inputsHash: 'h',
  outputs: {},
  values,
  finishedAt: '2026-01-01T00:00:00.000Z',
});

describe('typed step values read from the state file', () => {
  it('reads the values a prepare and a training step record', () => {
    const prepared = { files: ['train.json'], rows: { train: 8 }, directory: '/run/stage1/sft-data' };
    expect(prepareValues('stage1/prepare', record(prepared), 'state.json')).toEqual(prepared);
    // A dry run records only the checkpoint; a real run also the checkpoints and the export.
    expect(trainValues('stage1/train', record({ checkpoint: '/c' }), 'state.json')).toEqual({
      checkpoint: '/c',
    });
    const trained = { checkpoint: '/hf', checkpoints: ['/c/global_step_2'], exportDirectory: '/hf' };
    expect(trainValues('stage2/train', record(trained), 'state.json')).toEqual(trained);
  });

  it('a wrong shape is an error naming the state file, the step and the field', () => {
    const read = () =>
      prepareValues('stage1/prepare', record({ files: 'train.json', rows: {} }), '/run/state.json');
    expect(read).toThrow(PipelineError);
    expect(read).toThrow(
      /^\/run\/state\.json: step "stage1\/prepare" has recorded values this version cannot read \(values\.files: .*; values\.directory: .*\)\. Remove "stage1\/prepare"/,
    );
    expect(() => trainValues('stage2/train', record({}), '/run/state.json')).toThrow(
      /step "stage2\/train" .*values\.checkpoint/,
    );
  });
});
