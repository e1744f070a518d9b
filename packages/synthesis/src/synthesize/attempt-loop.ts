import type { FeaSample } from '@facial-r1/dataset';
import { buildRetryPrompt, buildSynthesisPrompt } from '@facial-r1/parsers';
import type { FeaModel, SamplingOptions } from '@facial-r1/runtime';
import type { Verification, Verifier } from '../verify/verifier';

/** One rejected attempt: its best candidate and the verifier's feedback on it. */
export interface RejectedAttempt {
  readonly completion: string;
  /** What the retry prompt told the model to fix. */
  readonly problems: readonly string[];
}

/** What happened to one sample. */
export interface SampleOutcome {
  readonly id: string;
  readonly accepted: boolean;
  /** The kept completion (best accepted), or the best rejected one. */
  readonly completion: string;
  /** Attempts used (1 = accepted at the first try). */
  readonly attempts: number;
  /** Candidates generated across attempts. */
  readonly candidates: number;
  /** Failed checks of the final best candidate (empty when accepted). */
  readonly reasons: readonly string[];
  readonly problems: readonly string[];
  /** The attempts the verifier rejected, in order (for an accepted sample: those before it). */
  readonly history: readonly RejectedAttempt[];
}

/** Options of the per-sample attempt loop. */
export interface AttemptOptions {
  /** Retries after the first attempt. Default 5 (FACTS 2). */
  readonly retries?: number;
  /** Candidates per attempt: 1 = greedy (the paper), more = sampled at `temperature`. */
  readonly candidates?: number;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly seed?: number;
  /** Emotion list rendered into the prompt. */
  readonly emotions?: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * Stage-3 synthesis for one sample: prompt with the ground truth, verify each candidate,
 * keep the best accepted one; otherwise retry with the previous response and the list of
 * what was wrong, up to `retries` more times.
 */
export async function synthesizeSample(
  sample: FeaSample,
  model: FeaModel,
  verify: Verifier,
  options: AttemptOptions = {},
): Promise<SampleOutcome> {
  const retries = options.retries ?? 5;
  const candidates = Math.max(1, options.candidates ?? 1);
  const basePrompt = buildSynthesisPrompt({
    groundTruth: { aus: sample.AUs, labels: sample.labels },
    emotions: options.emotions,
  });
  let prompt = basePrompt;
  let best: { completion: string; verification: Verification } | undefined;
  let generated = 0;
  const history: RejectedAttempt[] = [];
  for (let attempt = 1; attempt <= retries + 1; attempt += 1) {
    const sampling: SamplingOptions = {
      n: candidates,
      temperature: candidates > 1 ? (options.temperature ?? 1) : 0,
      maxTokens: options.maxTokens ?? 1024,
      seed: options.seed === undefined ? undefined : options.seed + attempt,
    };
    const result = await model.doGenerate({
      prompts: [
        {
          messages: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: prompt }] }],
          images: [sample.image],
        },
      ],
      sampling,
      signal: options.signal,
    });
    let attemptBest: { completion: string; verification: Verification } | undefined;
    for (const completion of result.results[0]?.completions ?? []) {
      generated += 1;
      const verification = verify(completion.text, sample);
      if (!attemptBest || verification.score > attemptBest.verification.score) {
        attemptBest = { completion: completion.text, verification };
      }
    }
    if (attemptBest && (!best || attemptBest.verification.score >= best.verification.score))
      best = attemptBest;
    if (attemptBest?.verification.passed) {
      return {
        id: sample.id,
        accepted: true,
        completion: attemptBest.completion,
        attempts: attempt,
        candidates: generated,
        reasons: [],
        problems: [],
        history,
      };
    }
    if (attemptBest) {
      history.push({ completion: attemptBest.completion, problems: attemptBest.verification.problems });
      prompt = buildRetryPrompt({
        prompt: basePrompt,
        previousResponse: attemptBest.completion,
        problems: attemptBest.verification.problems,
      });
    }
  }
  return {
    id: sample.id,
    accepted: false,
    completion: best?.completion ?? '',
    attempts: retries + 1,
    candidates: generated,
    reasons: best?.verification.failed ?? ['empty'],
    problems: best?.verification.problems ?? ['the model returned no completion'],
    history,
  };
}
