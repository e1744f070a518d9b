import { type Assessment, assess } from '@facial-r1/assessment';
import type { FormatIssue } from '@facial-r1/parsers';

/** The ground truth a completion is verified against (FEA-20K field names). */
export interface VerificationSample {
  /** Emotion labels; the first is used. Empty for AU-only datasets. */
  readonly labels: readonly string[];
  /** Ground-truth AU ids (`AU4`, ...). */
  readonly AUs: readonly string[];
}

/** The names of the checks; a failed check's name is its rejection reason. */
export const CHECK_NAMES = [
  'format',
  'aus',
  'answer',
  'negation',
  'hedging',
  'consistency',
  'length',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** One check's outcome. */
export interface CheckResult {
  readonly name: CheckName;
  readonly passed: boolean;
  /** What was wrong, phrased so the retry prompt can quote it back to the model. */
  readonly message?: string;
}

/** A verification result: pass only when every enabled check passes. */
export interface Verification {
  readonly passed: boolean;
  readonly checks: readonly CheckResult[];
  /** The failed checks' messages, in check order. */
  readonly problems: readonly string[];
  /** Names of the failed checks (rejection reasons). */
  readonly failed: readonly CheckName[];
  /** F1 of the reasoning's AU set against the ground truth (1 when both are empty): `assessment.aus.f1`. */
  readonly auF1: number;
  /** A score to pick the best of several candidates: passed checks, then AU F1. */
  readonly score: number;
  /** The Assessment (robust mode) the checks are thresholds over. */
  readonly assessment: Assessment;
}

/** Options of {@link createVerifier}; every check is on by default except `consistency`. */
export interface VerifierOptions {
  /**
   * `exact` (the paper's rule): the set of AUs the reasoning mentions equals the ground truth.
   * `f1`: F1 against the ground truth at least `minAuF1`.
   */
  readonly auRule?: 'exact' | 'f1';
  readonly minAuF1?: number;
  /** Reject negated or hedged AU mentions and forbidden words ("no", "not", "without", "maybe"). */
  readonly forbidNegation?: boolean;
  readonly forbidHedging?: boolean;
  /** Require the answer to be the emotion the reasoning's AUs support best (the Assessment's consistency). */
  readonly requireConsistency?: boolean;
  /** Accepted length of the reasoning, in words (the Assessment's `length.words`). */
  readonly minWords?: number;
  readonly maxWords?: number;
}

const list = (items: readonly string[]) => items.join(', ');

const THINK_PROBLEMS: ReadonlySet<FormatIssue['code']> = new Set([
  'missing-think',
  'unclosed-think',
  'empty-think',
]);
const ANSWER_PROBLEMS: ReadonlySet<FormatIssue['code']> = new Set([
  'missing-answer',
  'unclosed-answer',
  'empty-answer',
]);

/**
 * Builds the stage-3 verifier (FACTS 2): thresholds over the completion's Assessment
 * (`@facial-r1/assessment`, robust mode: `AU04`, `AU 4` and AU names count; negated mentions
 * do not). Each failed check says what was wrong in words the retry prompt quotes back.
 */
export function createVerifier(options: VerifierOptions = {}) {
  const auRule = options.auRule ?? 'exact';
  const minAuF1 = options.minAuF1 ?? 1;
  const forbidNegation = options.forbidNegation ?? true;
  const forbidHedging = options.forbidHedging ?? true;
  const minWords = options.minWords ?? 8;
  const maxWords = options.maxWords ?? 200;

  return function verify(completion: string, sample: VerificationSample): Verification {
    const assessment = assess(completion, sample);
    const { aus, answer, format } = assessment;
    const checks: CheckResult[] = [];

    const formatProblems: string[] = [];
    if (format.issues.some((issue) => THINK_PROBLEMS.has(issue.code)))
      formatProblems.push('the reasoning must be inside <think>...</think> and not empty');
    if (format.issues.some((issue) => ANSWER_PROBLEMS.has(issue.code)))
      formatProblems.push('the final answer must be inside <answer>...</answer> and not empty');
    if (formatProblems.length === 0 && !format.wellFormed) {
      formatProblems.push(
        'write exactly <think>reasoning</think><answer>emotion</answer> with nothing before or after',
      );
    }
    checks.push({
      name: 'format',
      passed: formatProblems.length === 0,
      message: formatProblems.join('; ') || undefined,
    });

    const ausPassed =
      auRule === 'exact'
        ? aus.falseNegatives.length === 0 && aus.falsePositives.length === 0
        : aus.f1 >= minAuF1;
    const auProblems: string[] = [];
    if (aus.falseNegatives.length) auProblems.push(`name these missing AUs: ${list(aus.falseNegatives)}`);
    if (aus.falsePositives.length)
      auProblems.push(`remove AUs that are not on this face: ${list(aus.falsePositives)}`);
    checks.push({ name: 'aus', passed: ausPassed, message: ausPassed ? undefined : auProblems.join('; ') });

    if (answer.correct !== null) {
      checks.push({
        name: 'answer',
        passed: answer.correct,
        message: answer.correct
          ? undefined
          : `the answer must be "${answer.label}", not "${answer.given ?? ''}"`,
      });
    }

    const cueChecks = [
      [forbidNegation, 'negation', 'describe only what is present; do not write negations'],
      [forbidHedging, 'hedging', 'state observations plainly; do not hedge'],
    ] as const;
    for (const [enabled, name, advice] of cueChecks) {
      if (!enabled) continue;
      const findings = assessment[name];
      const found = new Set([...findings.cues, ...findings.mentions].map((span) => span.text));
      checks.push({
        name,
        passed: !findings.found,
        message: findings.found ? `${advice} (${list([...found])})` : undefined,
      });
    }
    if (options.requireConsistency && answer.label !== null) {
      const { consistency } = assessment;
      checks.push({
        name: 'consistency',
        passed: consistency.consistent,
        message: consistency.consistent
          ? undefined
          : `the cited AUs must support the answer "${answer.label}" by the FACS rules (they support ${consistency.reasoningEmotion ?? 'no emotion'})`,
      });
    }
    const { words } = assessment.length;
    const lengthPassed = words >= minWords && words <= maxWords;
    checks.push({
      name: 'length',
      passed: lengthPassed,
      message: lengthPassed
        ? undefined
        : `keep the reasoning between ${minWords} and ${maxWords} words (it has ${words})`,
    });

    const failedChecks = checks.filter((check) => !check.passed);
    return {
      passed: failedChecks.length === 0,
      checks,
      problems: failedChecks.map((check) => check.message ?? check.name),
      failed: failedChecks.map((check) => check.name),
      auF1: aus.f1,
      score: checks.length - failedChecks.length + aus.f1,
      assessment,
    };
  };
}

/** A verifier function as built by {@link createVerifier}. */
export type Verifier = ReturnType<typeof createVerifier>;
