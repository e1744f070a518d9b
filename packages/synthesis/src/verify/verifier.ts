import { bestSupportedEmotion, normalizeEmotion, toAuId } from '@facial-r1/facs';
import { type ParsedCompletion, parseCompletion } from '@facial-r1/parsers';

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
  /** F1 of the reasoning's AU set against the ground truth (1 when both are empty). */
  readonly auF1: number;
  /** A score to pick the best of several candidates: passed checks, then AU F1. */
  readonly score: number;
  readonly parsed: ParsedCompletion;
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
  /** Require the answer to be the emotion the reasoning's AUs support best (FACS rules). */
  readonly requireConsistency?: boolean;
  /** Accepted length of the reasoning, in words. */
  readonly minWords?: number;
  readonly maxWords?: number;
}

const wordCount = (text: string) => (text.match(/\S+/g) ?? []).length;

function canonicalAus(aus: Iterable<string>): Set<string> {
  const set = new Set<string>();
  for (const au of aus) set.add(toAuId(au) ?? au.toUpperCase());
  return set;
}

function f1(predicted: ReadonlySet<string>, gold: ReadonlySet<string>): number {
  if (predicted.size === 0 && gold.size === 0) return 1;
  let hits = 0;
  for (const au of predicted) if (gold.has(au)) hits += 1;
  return predicted.size + gold.size === 0 ? 0 : (2 * hits) / (predicted.size + gold.size);
}

const list = (items: readonly string[]) => items.join(', ');

/**
 * Builds the stage-3 verifier (FACTS 2): one configurable check list over a completion and
 * its sample, on top of `@facial-r1/parsers` (robust parsing: `AU04`, `AU 4` and AU names
 * count; negated mentions do not) and the FACS rules of `@facial-r1/facs`. Each failed check
 * says what was wrong in words the retry prompt quotes back.
 */
export function createVerifier(options: VerifierOptions = {}) {
  const auRule = options.auRule ?? 'exact';
  const minAuF1 = options.minAuF1 ?? 1;
  const forbidNegation = options.forbidNegation ?? true;
  const forbidHedging = options.forbidHedging ?? true;
  const minWords = options.minWords ?? 8;
  const maxWords = options.maxWords ?? 200;

  return function verify(completion: string, sample: VerificationSample): Verification {
    const parsed = parseCompletion(completion, { mode: 'robust' });
    const checks: CheckResult[] = [];

    const formatProblems: string[] = [];
    if (!parsed.think?.trim())
      formatProblems.push('the reasoning must be inside <think>...</think> and not empty');
    if (!parsed.answer?.trim())
      formatProblems.push('the final answer must be inside <answer>...</answer> and not empty');
    if (formatProblems.length === 0 && !parsed.wellFormed) {
      formatProblems.push(
        'write exactly <think>reasoning</think><answer>emotion</answer> with nothing before or after',
      );
    }
    checks.push({
      name: 'format',
      passed: formatProblems.length === 0,
      message: formatProblems.join('; ') || undefined,
    });

    const gold = canonicalAus(sample.AUs);
    const predicted = canonicalAus(parsed.presentAus);
    const missing = [...gold].filter((au) => !predicted.has(au));
    const extra = [...predicted].filter((au) => !gold.has(au));
    const auF1 = f1(predicted, gold);
    const ausPassed = auRule === 'exact' ? missing.length === 0 && extra.length === 0 : auF1 >= minAuF1;
    const auProblems: string[] = [];
    if (missing.length) auProblems.push(`name these missing AUs: ${list(missing)}`);
    if (extra.length) auProblems.push(`remove AUs that are not on this face: ${list(extra)}`);
    checks.push({ name: 'aus', passed: ausPassed, message: ausPassed ? undefined : auProblems.join('; ') });

    const label = sample.labels[0]?.replace(/<\/?answer>/g, '').trim() ?? '';
    if (label) {
      const expected = normalizeEmotion(label) ?? label.toLowerCase();
      const answered = parsed.emotion ?? parsed.answer?.trim().toLowerCase() ?? '';
      const passed = answered === expected;
      checks.push({
        name: 'answer',
        passed,
        message: passed ? undefined : `the answer must be "${label}", not "${parsed.answer?.trim() ?? ''}"`,
      });
    }

    if (forbidNegation) {
      const negated = parsed.mentions.filter((mention) => mention.negated).map((mention) => mention.text);
      const words = parsed.negations.map((span) => span.text);
      const passed = negated.length === 0 && words.length === 0;
      checks.push({
        name: 'negation',
        passed,
        message: passed
          ? undefined
          : `describe only what is present; do not write negations (${list([...new Set([...words, ...negated])])})`,
      });
    }
    if (forbidHedging) {
      const hedges = parsed.hedges.map((span) => span.text);
      const passed = hedges.length === 0;
      checks.push({
        name: 'hedging',
        passed,
        message: passed
          ? undefined
          : `state observations plainly; do not hedge (${list([...new Set(hedges)])})`,
      });
    }
    if (options.requireConsistency && label) {
      const best = bestSupportedEmotion(parsed.presentAus);
      const expected = normalizeEmotion(label);
      const passed = best !== null && best.emotion === expected;
      checks.push({
        name: 'consistency',
        passed,
        message: passed
          ? undefined
          : `the cited AUs must support "${label}" by the FACS rules (they support ${best?.emotion ?? 'no emotion'})`,
      });
    }
    const words = wordCount(parsed.think ?? '');
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
      auF1,
      score: checks.length - failedChecks.length + auF1,
      parsed,
    };
  };
}

/** A verifier function as built by {@link createVerifier}. */
export type Verifier = ReturnType<typeof createVerifier>;
