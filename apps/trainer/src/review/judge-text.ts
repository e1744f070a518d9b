// The ONE place the review studio calls the stage-3 verifier and the reward terms. Both read
// one Assessment of the completion (@facial-r1/assessment: the verifier makes it, the reward
// weights the same one); everything else in src/review/ reads the plain `Judgement` below.
import { fitsPreset, resolvePreset, scoreAssessment, scoreWithPreset } from '@facial-r1/rewards';
import { CHECK_NAMES, createVerifier, type VerifierOptions } from '@facial-r1/synthesis';

/** The verifier's check names: what a card's findings and the finding filter use. */
export const FINDING_NAMES: readonly string[] = CHECK_NAMES;

/** How an AU mention in the reasoning relates to the sample's ground truth. */
export type MentionKind = 'match' | 'extra' | 'negated' | 'hedged';

/** One highlighted AU mention (UTF-16 offsets into the completion). */
export interface JudgedMention {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Canonical AU id (`AU4`). */
  readonly au: string;
  readonly kind: MentionKind;
}

/** Everything the studio shows about one text against its sample. */
export interface Judgement {
  /** True when every enabled verifier check passes. */
  readonly passed: boolean;
  /** Each verifier check, in order, with its message when it failed. */
  readonly checks: readonly { readonly name: string; readonly passed: boolean; readonly message?: string }[];
  /** Names of the failed checks. */
  readonly failed: readonly string[];
  /** AU mentions in reading order. */
  readonly mentions: readonly JudgedMention[];
  /** Ground-truth AUs the reasoning does not name (outside negation). */
  readonly missing: readonly string[];
  /** AUs the reasoning names that are not in the ground truth. */
  readonly extra: readonly string[];
  /** The reward of the text under `preset`. */
  readonly reward: {
    readonly preset: string;
    readonly total: number;
    readonly terms: Readonly<Record<string, number>>;
    readonly reasons: Readonly<Record<string, string>>;
  };
}

/** Options of {@link createJudge}. */
export interface JudgeOptions {
  /** The verifier's options (the round's `auRule`, `minAuF1`, ...). */
  readonly verifier?: VerifierOptions;
  /** Reward preset shown on each card. Default `aligned`. */
  readonly preset?: string;
}

/** The ground truth a text is judged against. */
export interface JudgedSample {
  readonly labels: readonly string[];
  readonly AUs: readonly string[];
}

/** Builds `judge(text, sample)`; throws on an unknown preset. */
export function createJudge(options: JudgeOptions = {}) {
  const verify = createVerifier(options.verifier ?? {});
  const preset = resolvePreset(options.preset ?? 'aligned');
  return function judge(text: string, sample: JudgedSample): Judgement {
    const verification = verify(text, sample);
    // The verifier's Assessment (robust) is the judgement: mentions, AU sets and the reward read it.
    const { assessment } = verification;
    const gold = new Set<string>(assessment.aus.gold);
    const mentions: JudgedMention[] = assessment.parse.mentions.map((mention) => ({
      start: mention.start,
      end: mention.end,
      text: mention.text,
      au: mention.au,
      kind: mention.negated
        ? 'negated'
        : mention.hedged
          ? 'hedged'
          : gold.has(mention.au)
            ? 'match'
            : 'extra',
    }));
    const reward = fitsPreset(assessment, preset)
      ? scoreAssessment(assessment, preset)
      : scoreWithPreset({ completion: text, sample }, preset);
    return {
      passed: verification.passed,
      checks: verification.checks.map((check) => ({ ...check })),
      failed: [...verification.failed],
      mentions,
      missing: [...assessment.aus.falseNegatives],
      extra: [...assessment.aus.falsePositives],
      reward: { preset: preset.name, ...reward },
    };
  };
}

/** The bare stage-3 verifier (the peer `bench:review` measures the judge against). */
export function createBareVerifier(options: VerifierOptions = {}) {
  return createVerifier(options);
}

/** A judge function as built by {@link createJudge}. */
export type Judge = ReturnType<typeof createJudge>;
