import type { AuId, Emotion } from '@facial-r1/facs';
import type { AuMention, FormatIssue, ParsedCompletion, TextSpan } from '@facial-r1/parsers';

/** Bumped whenever a field's meaning changes: a stored Assessment of another version is recomputed. */
export const ASSESSMENT_VERSION = 1;

/**
 * How a completion is read. `robust` (default): AUs in every spelling, negation honoured,
 * answers normalised. `facial-r1`: the reference reward functions' semantics exactly (FACTS 3):
 * AU tokens as written, case-sensitive answer, full-match format.
 */
export type AssessmentMode = 'robust' | 'facial-r1';

/** What an assessment reads from a sample (FEA-20K field names); other fields are ignored. */
export interface AssessmentSample {
  /** Emotion labels; the first is the ground truth. Empty or absent for AU-only datasets. */
  readonly labels?: readonly string[];
  /** Ground-truth AU ids in any spelling. Empty or absent when the dataset has no AU labels. */
  readonly AUs?: readonly string[];
}

/** Options of `assess`. */
export interface AssessOptions {
  /** `robust` (default) or `facial-r1`. */
  readonly mode?: AssessmentMode;
  /** n of the word n-grams counted by {@link LengthFindings.repeatedShare}. Default 3. */
  readonly repetitionN?: number;
}

/** The reasoning's AU set against the sample's, per sample. */
export interface AuComparison {
  /**
   * The sample's AUs, unique, in label order: canonical ids (`robust`), or upper-cased as
   * written (`facial-r1`, where `AU04` and `AU4` differ as in the reference). Labels that are no
   * AU id are kept upper-cased and can never match.
   */
  readonly gold: readonly AuId[];
  /** The AUs the reasoning asserts: the parse's `presentAus`. */
  readonly predicted: readonly AuId[];
  /** In both, in predicted order. */
  readonly truePositives: readonly AuId[];
  /** Asserted but not labelled, in predicted order (all of them when the sample has no AU labels). */
  readonly falsePositives: readonly AuId[];
  /** Labelled but not asserted, in gold order. */
  readonly falseNegatives: readonly AuId[];
  /** TP / predicted; 1 when nothing is asserted. */
  readonly precision: number;
  /** TP / gold; 1 when the sample has no AU labels. */
  readonly recall: number;
  /** Harmonic mean of precision and recall; 1 when both sets are empty, 0 when no AU matches. */
  readonly f1: number;
}

/** The answer against the label. One rule for the ground truth in both modes. */
export interface AnswerFindings {
  /** `labels[0]` with `<answer>` tags removed and Python-stripped (the reference rule); null when empty. */
  readonly label: string | null;
  /** The label as compared: itself (`facial-r1`), or its emotion (`robust`; lower-cased when no emotion). */
  readonly expected: string | null;
  /** The parse's answer as given (trimmed); null when there is none. */
  readonly given: string | null;
  /** The answer as compared: `given` (`facial-r1`), or its emotion (`robust`; lower-cased when no emotion). */
  readonly answered: string | null;
  /** `answered === expected`; null when the sample has no emotion label. */
  readonly correct: boolean | null;
}

/** The completion's structure. */
export interface FormatFindings {
  /** The reference format check (FACTS 3): `<think>..</think>\s*<answer>..</answer>`, nothing around. */
  readonly wellFormed: boolean;
  /** Every structural problem the parser found. */
  readonly issues: readonly FormatIssue[];
  /**
   * The problems that fail the format: all of them in `facial-r1` mode (where the rule is
   * `wellFormed`), all but surrounding whitespace and tag case in `robust` mode.
   */
  readonly blocking: readonly FormatIssue['code'][];
  /** `wellFormed` (`facial-r1`), or no blocking problem (`robust`). */
  readonly passed: boolean;
}

/** Whether the answer is the emotion the reasoning's AUs support (FACS/EMFACS rules). */
export interface ConsistencyFindings {
  /** The answer's emotion (the parse's), or null when it names none. */
  readonly answerEmotion: Emotion | null;
  /** The emotion the asserted AUs support best (`bestSupportedEmotion`): null below 0.5 support or on a tie. */
  readonly reasoningEmotion: Emotion | null;
  /** The top-ranked emotion and its support score, also when weak or tied. */
  readonly best: { readonly emotion: Emotion; readonly score: number };
  /** The support score of the answer's emotion (0 when the answer names none). */
  readonly answerScore: number;
  /** answerScore / best.score in [0, 1]; 0 when the answer names no emotion or nothing is supported. */
  readonly support: number;
  /** The answer names an emotion and it is `reasoningEmotion`. */
  readonly consistent: boolean;
}

/** AUs the reasoning invents. */
export interface GroundingFindings {
  /** Whether the sample has AU labels (without them nothing can be called invented). */
  readonly labelled: boolean;
  /** Asserted AUs the labels do not have (the comparison's false positives when labelled). */
  readonly invented: readonly AuId[];
  /** invented / asserted; 0 when nothing is asserted or the sample has no AU labels. */
  readonly inventedShare: number;
}

/**
 * Negation or hedging in the reasoning: the think block, or the whole completion when there is
 * none (what the prompt forbids: "no", "not", "without", "maybe", ...).
 */
export interface CueFindings {
  /** The cue words and phrases in the reasoning. */
  readonly cues: readonly TextSpan[];
  /** The AU mentions in the reasoning they apply to (negated, resp. hedged). */
  readonly mentions: readonly AuMention[];
  /** Any cue or such mention. */
  readonly found: boolean;
}

/** Length of the reasoning (the think block, or the whole completion when there is none). */
export interface LengthFindings {
  /** Words: runs of letters and digits. */
  readonly words: number;
  /** Share of repeated word n-grams among all n-grams; 0 under 2n words. */
  readonly repeatedShare: number;
  /** The n of those n-grams (`AssessOptions.repetitionN`). */
  readonly n: number;
}

/**
 * The one judgement of a completion against its sample. Rewards weight it, the stage-3
 * verifier thresholds it, metrics average it, reports render it. As JSON (`toJSON` of
 * `assess`'s result, or a stored record read back) it is the same type, with nothing to
 * compute.
 */
export interface Assessment {
  /** {@link ASSESSMENT_VERSION} of the code that made it. */
  readonly version: number;
  readonly mode: AssessmentMode;
  /** The completion as assessed. */
  readonly completion: string;
  /** The parse (typed ids, think/answer spans, AU mentions with negation and hedging). */
  readonly parse: ParsedCompletion;
  readonly aus: AuComparison;
  readonly answer: AnswerFindings;
  readonly format: FormatFindings;
  readonly consistency: ConsistencyFindings;
  readonly grounding: GroundingFindings;
  readonly negation: CueFindings;
  readonly hedging: CueFindings;
  readonly length: LengthFindings;
}
