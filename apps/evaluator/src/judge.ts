import { setMaxListeners } from 'node:events';
import path from 'node:path';
import type { EvaluationRow } from '@facial-r1/benchmarks';
import { createJsonlAppender, readJsonl } from '@facial-r1/dataset';
import { parseCompletion } from '@facial-r1/parsers';
import {
  cacheMiddleware,
  concurrencyMiddleware,
  type FeaModel,
  type GenerateResult,
  type ModelCacheStore,
  wrapModel,
} from '@facial-r1/runtime';

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
  /** `<judge id>|<rubric version>|<modelRequestKey>`: the request hash covers the rubric, the reference and the candidate. */
  readonly key: string;
  readonly id?: string;
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
 * description with an LLM judge at temperature 0. The judge runs through model middleware:
 * a cache kept crash-safely in `<out>/judge.jsonl`, keyed by judge id, rubric version and a
 * hash of the whole request (rubric, reference and candidate, so another model's answers
 * in the same folder are judged afresh), and a concurrency limit. Transport errors are retried
 * by the model backend. Returns the score per sample id (null when the judge's answer had
 * none); when `signal` aborts, the rows judged so far.
 */
export async function judgeRows(
  rows: readonly (Pick<EvaluationRow, 'id' | 'text' | 'assessment'> & { readonly reference: string })[],
  options: {
    readonly judge: FeaModel;
    readonly judgeId: string;
    readonly out: string;
    readonly concurrency?: number;
    readonly signal?: AbortSignal;
  },
): Promise<Map<string, number | null>> {
  const file = path.join(options.out, 'judge.jsonl');
  const prefix = `${options.judgeId}|${JUDGE_RUBRIC_VERSION}|`;
  const appender = await createJsonlAppender<JudgeRecord>(file, { key: (record) => record.key });
  const judged = new Map<string, string>();
  for await (const record of readJsonl<JudgeRecord>(file))
    if (record.key.startsWith(prefix)) judged.set(record.key, record.raw);
  const store: ModelCacheStore = {
    get: (key) => {
      const raw = judged.get(prefix + key);
      return raw === undefined ? undefined : judgement(raw);
    },
    set: async (key, result) => {
      const raw = result.results[0]?.completions[0]?.text ?? '';
      judged.set(prefix + key, raw);
      await appender.append({ key: prefix + key, score: parseJudgeScore(raw), raw });
    },
  };
  const judge = wrapModel(
    options.judge,
    cacheMiddleware({ store }),
    concurrencyMiddleware({ limit: options.concurrency ?? 4 }),
  );
  const scores = new Map<string, number | null>();
  // Every queued judge call listens for the abort (one listener per row), on a signal of our own.
  const signal = options.signal ? AbortSignal.any([options.signal]) : undefined;
  if (signal) setMaxListeners(0, signal);
  try {
    const settled = await Promise.allSettled(
      rows.map(async (row) => {
        const candidate = row.text === null ? '' : (row.assessment.parse.think ?? row.text);
        const reference = parseCompletion(row.reference).think ?? row.reference;
        const result = await judge.doGenerate({
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
          signal,
        });
        scores.set(row.id, parseJudgeScore(result.results[0]?.completions[0]?.text ?? ''));
      }),
    );
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure && !options.signal?.aborted) throw (failure as PromiseRejectedResult).reason;
  } finally {
    await appender.close();
  }
  return scores;
}

/** A cached judge answer as a model result. */
function judgement(raw: string): GenerateResult {
  return {
    results: [
      {
        completions: [{ text: raw, finishReason: 'stop', completionTokens: 0 }],
        promptTokens: 0,
        timings: { prefillMs: 0, decodeMs: 0, totalMs: 0 },
      },
    ],
  };
}
