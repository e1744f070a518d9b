import path from 'node:path';
import type { EvaluationRow } from '@facial-r1/benchmarks';
import { createJsonlAppender, readJsonl } from '@facial-r1/dataset';
import { parseCompletion } from '@facial-r1/parsers';
import type { FeaModel } from '@facial-r1/runtime';
import { runPool } from '@facial-r1/synthesis';

/** Bumped when the rubric changes (it is part of the cache key). */
export const JUDGE_RUBRIC_VERSION = 'fea-judge-v1';

/**
 * The judge rubric (FEA-20K "Score"): how well a model's reasoning agrees with the reference
 * reasoning, as an integer from 1 to 10.
 */
export const JUDGE_RUBRIC = `You grade facial emotion analyses. Compare the CANDIDATE reasoning with the REFERENCE reasoning for the same face.
Score their agreement as one integer from 1 to 10:
10: the same Action Units and the same argument to the same emotion.
8-9: the same emotion and nearly the same Action Units; small omissions or additions.
6-7: the same emotion; some Action Units differ or the argument is thinner.
4-5: partly compatible: a related emotion or several wrong Action Units.
2-3: a different emotion, with a few shared observations.
1: unrelated, contradictory, empty or malformed.
Answer with "Score: <integer>" on the first line, then one sentence of justification.`;

/** One cached judgement (a line of `judge.jsonl`). */
interface JudgeRecord {
  readonly key: string;
  readonly id: string;
  readonly score: number | null;
  readonly raw: string;
}

/** Reads the first "Score: n" (or the first integer 1-10) of a judge's answer. */
export function parseJudgeScore(text: string): number | null {
  const labelled = /score\s*[:=]\s*(\d{1,2})\b/i.exec(text);
  const value = Number(labelled?.[1] ?? /\b(10|[1-9])\b/.exec(text)?.[1]);
  return Number.isInteger(value) && value >= 1 && value <= 10 ? value : null;
}

/**
 * Scores each row's reasoning (its `<think>` text, or the whole output) against the reference
 * description with an LLM judge at temperature 0. Judgements are cached crash-safely in
 * `<out>/judge.jsonl` keyed by sample, judge and rubric version; transport errors are retried
 * by the model backend. Returns the score per sample id (null when the judge's answer had none).
 */
export async function judgeRows(
  rows: readonly (EvaluationRow & { readonly reference: string })[],
  options: {
    readonly judge: FeaModel;
    readonly judgeId: string;
    readonly out: string;
    readonly concurrency?: number;
    readonly signal?: AbortSignal;
  },
): Promise<Map<string, number | null>> {
  const file = path.join(options.out, 'judge.jsonl');
  const keyOf = (id: string) => `${id}|${options.judgeId}|${JUDGE_RUBRIC_VERSION}`;
  const appender = await createJsonlAppender<JudgeRecord>(file, { key: (record) => record.key });
  try {
    await runPool(
      rows.filter((row) => !appender.has(keyOf(row.id))),
      options.concurrency ?? 4,
      async (row) => {
        const candidate = row.text === null ? '' : (row.assessment.parse.think ?? row.text);
        const reference = parseCompletion(row.reference).think ?? row.reference;
        const result = await options.judge.doGenerate({
          prompts: [
            {
              messages: [
                { role: 'system', content: JUDGE_RUBRIC },
                {
                  role: 'user',
                  content: `REFERENCE:\n${reference}\n\nCANDIDATE:\n${candidate || '(empty)'}`,
                },
              ],
            },
          ],
          sampling: { n: 1, temperature: 0, maxTokens: 128 },
          signal: options.signal,
        });
        const raw = result.results[0]?.completions[0]?.text ?? '';
        await appender.append({ key: keyOf(row.id), id: row.id, score: parseJudgeScore(raw), raw });
      },
      options.signal,
    );
  } finally {
    await appender.close();
  }
  const scores = new Map<string, number | null>();
  for await (const record of readJsonl<JudgeRecord>(file))
    if (record.key === keyOf(record.id)) scores.set(record.id, record.score);
  return scores;
}
