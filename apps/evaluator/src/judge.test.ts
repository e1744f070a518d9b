import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assess } from '@facial-r1/assessment';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import { createOpenAICompatibleModel } from '@facial-r1/runtime/openai';
import { serveOpenAICompatible } from '@facial-r1/runtime/server';
import { MockModel } from '@facial-r1/spec/test';
import { describe, expect, it } from 'vitest';
import { FixedAnswerModel } from './__fixtures__/fixed-answer-model';
import { JUDGE_RUBRIC, judgeRows, parseJudgeScore } from './judge';
import { runBenchmark } from './run-benchmark';

/** A deterministic judge: 9 when the candidate and the reference cite the same AUs, else 2. */
const overlapJudge = () =>
  new MockModel({
    provider: 'local',
    modelId: 'overlap-judge',
    respond: ({ text }) => {
      const [reference, candidate] = text.split('CANDIDATE:');
      const aus = (part = '') => [...new Set(part.match(/AU\d+/g) ?? [])].sort().join(',');
      return `Score: ${aus(reference) === aus(candidate) ? 9 : 2}\nBecause.`;
    },
  });

describe('LLM judge', () => {
  it('parses scores', () => {
    expect(parseJudgeScore('Score: 7\nok')).toBe(7);
    expect(parseJudgeScore('I would give it 10.')).toBe(10);
    expect(parseJudgeScore('Score: 42')).toBeNull();
    expect(parseJudgeScore('no idea')).toBeNull();
  });

  it('scores FEA-20K reasoning with a documented rubric at temperature 0, cached across runs', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-judge-'));
    const model = await serveOpenAICompatible(new FixedAnswerModel());
    const judgeModel = overlapJudge();
    const judge = await serveOpenAICompatible(judgeModel);
    try {
      await writeFixtureDataset('fea20k', path.join(directory, 'fea20k'));
      const options = {
        benchmark: 'fea20k',
        data: path.join(directory, 'fea20k'),
        model: createOpenAICompatibleModel({ baseURL: model.url, model: 'fixed' }),
        modelId: 'fixed',
        out: path.join(directory, 'run'),
        resamples: 50,
        judge: {
          model: createOpenAICompatibleModel({ baseURL: judge.url, model: 'judge' }),
          modelId: 'judge',
        },
      };
      const first = await runBenchmark(options);
      // The fixed answer cites AU6+AU12: it agrees with the 2 happiness references of 8.
      expect(first.report.headline.judge!.value).toBeCloseTo((2 * 9 + 6 * 2) / 8, 12);
      expect(judgeModel.requests[0]!.prompts[0]!.messages[0]!.content).toBe(JUDGE_RUBRIC);
      // 8 rows but 4 distinct (reference, candidate) requests: identical requests are judged once.
      expect(judge.stats.requests).toBe(4);
      await runBenchmark(options);
      expect(judge.stats.requests).toBe(4);
    } finally {
      await model.close();
      await judge.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('judge cache', () => {
  // The judge scores 8 when the candidate cites AU12, else 3.
  const judgeModel = () =>
    new MockModel({
      modelId: 'judge',
      respond: ({ text }) => (/CANDIDATE:[\s\S]*AU12/.test(text) ? 'Score: 8' : 'Score: 3'),
    });
  const reference =
    '<think>Raised cheeks (AU6) and pulled lip corners (AU12).</think><answer>happiness</answer>';
  const row = (text: string) => ({
    id: 's1',
    text,
    reference,
    assessment: assess(text, { labels: ['happiness'], AUs: ['AU6', 'AU12'] }),
  });

  it("a second model run into the same --out is judged on its own answers, not the first model's", async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'fea-judge-cache-'));
    try {
      const judge = judgeModel();
      const options = { judge, judgeId: 'judge', out };
      const first = await judgeRows(
        [row('<think>AU6 and AU12: a smile.</think><answer>happiness</answer>')],
        options,
      );
      expect(first.get('s1')).toBe(8);
      const second = await judgeRows(
        [row('<think>AU4 and AU15: a frown.</think><answer>sadness</answer>')],
        options,
      );
      expect(second.get('s1')).toBe(3);
      expect(judge.requests).toHaveLength(2);
      // The first model's answer again: from the cache, across processes (a new judge object).
      const again = judgeModel();
      const third = await judgeRows(
        [row('<think>AU6 and AU12: a smile.</think><answer>happiness</answer>')],
        { judge: again, judgeId: 'judge', out },
      );
      expect(third.get('s1')).toBe(8);
      expect(again.requests).toHaveLength(0);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
