import { bestSupportedEmotion, normalizeEmotion, scoreEmotionsFromAus } from '@facial-r1/facs';
import {
  type AuMention,
  type FormatIssue,
  type ParsedCompletion,
  parseCompletion,
  parseReference,
  pythonStrip,
  type ReferenceParse,
  referenceCompletion,
  type TextSpan,
} from '@facial-r1/parsers';
import {
  ASSESSMENT_VERSION,
  type AnswerFindings,
  type Assessment,
  type AssessmentMode,
  type AssessmentSample,
  type AssessOptions,
  type AuComparison,
  type ConsistencyFindings,
  type CueFindings,
  type FormatFindings,
  type GroundingFindings,
  type LengthFindings,
} from './assessment';
import { compareAus, goldAus } from './compare-aus';

/**
 * The ground-truth emotion label of a sample, by the reference rule (FACTS 3): `labels[0]`
 * with every `<answer>` and `</answer>` removed, then Python's `str.strip()`; null when that
 * leaves nothing (AU-only datasets).
 */
export function referenceLabel(sample: AssessmentSample | undefined): string | null {
  const first = sample?.labels?.[0];
  if (first === undefined || first === null) return null;
  const text = String(first);
  const label = pythonStrip(
    text.includes('<') ? text.replaceAll('<answer>', '').replaceAll('</answer>', '') : text,
  );
  return label === '' ? null : label;
}

/** Format problems that do not fail the robust format: surrounding whitespace, tag case. */
const FORGIVEN: ReadonlySet<FormatIssue['code']> = new Set([
  'leading-whitespace',
  'trailing-whitespace',
  'tag-case',
]);

const WORD = /[\p{L}\p{N}]+/gu;

/** The reasoning's words, lower-cased: runs of letters and digits. */
export function reasoningWords(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** Share of repeated word n-grams among all n-grams; 0 under 2n words. */
function repeatedShare(words: readonly string[], n: number): number {
  if (words.length < n * 2) return 0;
  const seen = new Set<string>();
  let repeated = 0;
  for (let index = 0; index + n <= words.length; index += 1) {
    const gram = words.slice(index, index + n).join(' ');
    if (seen.has(gram)) repeated += 1;
    else seen.add(gram);
  }
  return repeated / (words.length - n + 1);
}

/**
 * The `facial-r1` format: the reference rule is the full match alone, so the issues (which
 * the reward does not read) are worked out only when read.
 */
class ReferenceFormat implements FormatFindings {
  readonly wellFormed: boolean;
  readonly passed: boolean;
  #owner: Assessment;
  #blocking: FormatIssue['code'][] | undefined = undefined;

  constructor(owner: Assessment, wellFormed: boolean) {
    this.#owner = owner;
    this.wellFormed = wellFormed;
    this.passed = wellFormed;
  }

  get issues(): readonly FormatIssue[] {
    return this.#owner.parse.formatIssues;
  }

  get blocking(): readonly FormatIssue['code'][] {
    this.#blocking ??= this.wellFormed ? [] : this.issues.map((issue) => issue.code);
    return this.#blocking;
  }

  toJSON(): FormatFindings {
    return { wellFormed: this.wellFormed, passed: this.passed, issues: this.issues, blocking: this.blocking };
  }
}

/**
 * The assessment `assess` returns: every section on first access and then kept, so each is
 * computed at most once per completion and a reward that reads three sections pays for three.
 * In `facial-r1` mode the reference parse is made at once and the full parse only when read
 * (the reference reward reads neither). `toJSON` gives every section as plain data.
 */
class CompletionAssessment implements Assessment {
  readonly version = ASSESSMENT_VERSION;
  readonly mode: AssessmentMode;
  readonly completion: string;
  #parse: ParsedCompletion | undefined;
  #reference: ReferenceParse | undefined;
  #sample: AssessmentSample;
  #repetitionN: number;
  #aus: AuComparison | undefined = undefined;
  #answer: AnswerFindings | undefined = undefined;
  #format: FormatFindings | undefined = undefined;
  #consistency: ConsistencyFindings | undefined = undefined;
  #grounding: GroundingFindings | undefined = undefined;
  #negation: CueFindings | undefined = undefined;
  #hedging: CueFindings | undefined = undefined;
  #length: LengthFindings | undefined = undefined;

  constructor(completion: string, sample: AssessmentSample, mode: AssessmentMode, repetitionN: number) {
    this.mode = mode;
    this.completion = completion;
    if (mode === 'facial-r1') {
      this.#reference = parseReference(completion);
      this.#parse = undefined;
    } else {
      this.#reference = undefined;
      this.#parse = parseCompletion(completion);
    }
    this.#sample = sample;
    this.#repetitionN = repetitionN;
  }

  get parse(): ParsedCompletion {
    this.#parse ??= referenceCompletion(this.completion, this.#reference!);
    return this.#parse;
  }

  get aus(): AuComparison {
    this.#aus ??= compareAus(
      goldAus(this.#sample.AUs, this.mode),
      this.#reference ? this.#reference.aus : this.parse.presentAus,
    );
    return this.#aus;
  }

  get answer(): AnswerFindings {
    this.#answer ??= this.#assessAnswer();
    return this.#answer;
  }

  #assessAnswer(): AnswerFindings {
    const label = referenceLabel(this.#sample);
    if (this.#reference) {
      const given = this.#reference.answer;
      return {
        label,
        expected: label,
        given,
        answered: given,
        correct: label === null ? null : given === label,
      };
    }
    const given = this.parse.answer;
    const answered = this.parse.emotion ?? given?.toLowerCase() ?? null;
    const expected = label === null ? null : (normalizeEmotion(label) ?? label.toLowerCase());
    return { label, expected, given, answered, correct: expected === null ? null : answered === expected };
  }

  get format(): FormatFindings {
    if (this.#format) return this.#format;
    if (this.#reference) {
      this.#format = new ReferenceFormat(this, this.#reference.wellFormed);
    } else {
      const parse = this.parse;
      const blocking = parse.formatIssues
        .filter((issue) => !FORGIVEN.has(issue.code))
        .map((issue) => issue.code);
      this.#format = {
        wellFormed: parse.wellFormed,
        passed: blocking.length === 0,
        issues: parse.formatIssues,
        blocking,
      };
    }
    return this.#format;
  }

  get consistency(): ConsistencyFindings {
    this.#consistency ??= this.#assessConsistency();
    return this.#consistency;
  }

  #assessConsistency(): ConsistencyFindings {
    const aus = this.parse.presentAus;
    const ranked = scoreEmotionsFromAus(aus);
    const top = ranked[0]!;
    const answerEmotion = this.parse.emotion;
    const answerScore =
      answerEmotion === null ? 0 : (ranked.find((entry) => entry.emotion === answerEmotion)?.score ?? 0);
    const reasoningEmotion = bestSupportedEmotion(aus)?.emotion ?? null;
    return {
      answerEmotion,
      reasoningEmotion,
      best: { emotion: top.emotion, score: top.score },
      answerScore,
      support: answerEmotion === null || top.score === 0 ? 0 : answerScore / top.score,
      consistent: answerEmotion !== null && answerEmotion === reasoningEmotion,
    };
  }

  get grounding(): GroundingFindings {
    if (!this.#grounding) {
      const labelled = (this.#sample.AUs?.length ?? 0) > 0;
      const { falsePositives, predicted } = this.aus;
      const invented = labelled ? falsePositives : [];
      this.#grounding = {
        labelled,
        invented,
        inventedShare: invented.length === 0 ? 0 : invented.length / predicted.length,
      };
    }
    return this.#grounding;
  }

  /** Whether a position lies in the reasoning: the first think block, or anywhere without one. */
  #inReasoning(start: number): boolean {
    const think = this.parse.thinkSpan;
    return think === null || (start >= think.start && start < think.end);
  }

  #cueFindings(spans: readonly TextSpan[], applies: (mention: AuMention) => boolean): CueFindings {
    const cues = spans.filter((span) => this.#inReasoning(span.start));
    const mentions = this.parse.mentions.filter(
      (mention) => applies(mention) && this.#inReasoning(mention.start),
    );
    return { cues, mentions, found: cues.length > 0 || mentions.length > 0 };
  }

  get negation(): CueFindings {
    this.#negation ??= this.#cueFindings(this.parse.negations, (mention) => mention.negated);
    return this.#negation;
  }

  get hedging(): CueFindings {
    this.#hedging ??= this.#cueFindings(this.parse.hedges, (mention) => mention.hedged);
    return this.#hedging;
  }

  get length(): LengthFindings {
    if (!this.#length) {
      const words = reasoningWords(this.parse.thinkSpan?.text ?? this.completion);
      this.#length = {
        words: words.length,
        repeatedShare: repeatedShare(words, this.#repetitionN),
        n: this.#repetitionN,
      };
    }
    return this.#length;
  }

  /** Every section as plain data. */
  toJSON(): Assessment {
    return {
      version: this.version,
      mode: this.mode,
      completion: this.completion,
      parse: JSON.parse(JSON.stringify(this.parse)) as ParsedCompletion,
      aus: this.aus,
      answer: this.answer,
      format: JSON.parse(JSON.stringify(this.format)) as FormatFindings,
      consistency: this.consistency,
      grounding: this.grounding,
      negation: this.negation,
      hedging: this.hedging,
      length: this.length,
    };
  }
}

/**
 * Assesses a completion against its sample: the parse, the AU comparison, the answer, the
 * format, consistency, grounding, negation and hedging findings, and length, each defined
 * once here. Total (never throws, for any input) and lazy: each section is computed on first
 * access and kept. `mode: 'facial-r1'` gives the reference reward functions' semantics exactly
 * (FACTS 3) and computes nothing the reference does not need until it is read.
 */
export function assess(
  completion: string,
  sample: AssessmentSample | null | undefined,
  options: AssessOptions = {},
): Assessment {
  return new CompletionAssessment(
    typeof completion === 'string' ? completion : String(completion ?? ''),
    sample ?? {},
    options.mode ?? 'robust',
    options.repetitionN ?? 3,
  );
}

/**
 * Whether `value` is a stored Assessment (plain JSON) this code can use as it is: the current
 * {@link ASSESSMENT_VERSION}, the wanted mode, every section present.
 */
export function isCurrentAssessment(value: unknown, mode: AssessmentMode = 'robust'): value is Assessment {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<Record<keyof Assessment, unknown>>;
  return (
    record.version === ASSESSMENT_VERSION &&
    record.mode === mode &&
    typeof record.completion === 'string' &&
    ['parse', 'aus', 'answer', 'format', 'consistency', 'grounding', 'negation', 'hedging', 'length'].every(
      (key) =>
        typeof record[key as keyof Assessment] === 'object' && record[key as keyof Assessment] !== null,
    )
  );
}
