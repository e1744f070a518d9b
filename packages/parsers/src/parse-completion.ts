import {
  ACTION_UNIT_LIST,
  type AuId,
  type Emotion,
  EMOTION_TERMS,
  type Intensity,
  type Laterality,
  normalizeEmotion,
} from '@facial-r1/facs';
import { findAuCodes } from './au-codes';
import { parseReference } from './parse-reference';
import { asciiLower, type Block, findBlocks } from './text-scan';
import { buildPhraseIndex, matchPhrase, type PhraseEntry, type Token, tokenAt, tokenize } from './tokenize';

/** A span of the completion. */
export interface TextSpan {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** One mention of an Action Unit. */
export interface AuMention extends TextSpan {
  readonly au: AuId;
  readonly code: number;
  /** How it was written: a code (`AU4`), the FACS name (`brow lowerer`) or a phrase (`furrowed brows`). */
  readonly via: 'code' | 'name' | 'phrase';
  readonly intensity?: Intensity;
  readonly side?: Laterality;
  /** Under negation: "no AU12", "without a smile", "AU9 is absent", "rather than AU4". */
  readonly negated: boolean;
  /** Hedged: "maybe AU9", "possibly a smile", "a slight hint of AU12". */
  readonly hedged: boolean;
  /** Inside a `<think>` block. */
  readonly inThink: boolean;
}

/** A problem with the completion's structure. */
export interface FormatIssue {
  readonly code:
    | 'missing-think'
    | 'unclosed-think'
    | 'empty-think'
    | 'multiple-think'
    | 'missing-answer'
    | 'unclosed-answer'
    | 'empty-answer'
    | 'multiple-answer'
    | 'answer-before-think'
    | 'text-outside-tags'
    | 'leading-whitespace'
    | 'trailing-whitespace'
    | 'tag-case';
  readonly message: string;
}

/** Parsing modes: `robust` (default) or the exact reference semantics of FACTS 3. */
export type ParseMode = 'robust' | 'facial-r1';

/** Everything a reward, a verifier or a metric reads from a completion. */
export interface ParsedCompletion {
  readonly mode: ParseMode;
  /** Texts of all think blocks. */
  readonly thinks: readonly string[];
  /** The first think block, or null. */
  readonly think: string | null;
  /** Texts of all answer blocks, trimmed. */
  readonly answers: readonly string[];
  /** The last answer; in `facial-r1` mode the whole text trimmed when there is no answer tag. */
  readonly answer: string | null;
  /** The reference format check (FACTS 3): exact tags, nothing before or after. */
  readonly wellFormed: boolean;
  readonly formatIssues: readonly FormatIssue[];
  readonly mentions: readonly AuMention[];
  /**
   * robust: canonical AU ids sorted by code, negated mentions excluded, from the think
   * block(s) or the whole text when there is none. facial-r1: the reference tokens as written.
   */
  readonly presentAus: readonly string[];
  /** AUs mentioned only under negation. */
  readonly negatedAus: readonly string[];
  /** Hedging words and phrases anywhere in the completion. */
  readonly hedges: readonly TextSpan[];
  /** Negation words and phrases anywhere in the completion. */
  readonly negations: readonly TextSpan[];
  /** The answer's emotion; null when unknown or when two different emotions are named. */
  readonly emotion: Emotion | null;
}

/** Options of {@link parseCompletion}. */
export interface ParseOptions {
  readonly mode?: ParseMode;
}

const AU_PHRASES = buildPhraseIndex<{ code: number; via: 'name' | 'phrase' }>(
  ACTION_UNIT_LIST.flatMap((unit) => [
    [unit.name, { code: unit.code, via: 'name' as const }] as const,
    [unit.promptName, { code: unit.code, via: 'name' as const }] as const,
    ...unit.phrases.map((phrase) => [phrase, { code: unit.code, via: 'phrase' as const }] as const),
  ]),
);

const NEGATION_CUES = buildPhraseIndex<true>(
  [
    'no',
    'not',
    'without',
    'absent',
    'absence of',
    'lack of',
    'lacks',
    'lacking',
    'rather than',
    'instead of',
    'neither',
    'nor',
    'never',
    'none',
    'isn t',
    'aren t',
    'doesn t',
    'don t',
    'cannot',
    'missing',
  ].map((cue) => [cue, true] as const),
);
// After a mention: "AU9 is absent", "AU12 is not present", "AU4 missing".
const POST_NEGATION = new Set(['absent', 'missing', 'not', 'isn', 'aren', 'lacking']);
const HEDGE_CUES = buildPhraseIndex<true>(
  [
    'maybe',
    'possibly',
    'perhaps',
    'might',
    'may',
    'could',
    'probably',
    'likely',
    'seems',
    'seem',
    'appears to',
    'hint of',
    'slight hint',
    'somewhat',
    'possible',
    'uncertain',
    'unclear',
  ].map((cue) => [cue, true] as const),
);
// Words that may stand between a phrase's words: "brows are lowered", "lips slightly parted".
const PHRASE_FILLERS = new Set([
  'are',
  'is',
  'was',
  'were',
  'be',
  'been',
  'being',
  'slightly',
  'strongly',
  'clearly',
  'visibly',
  'noticeably',
  'a',
  'the',
  'both',
  'tightly',
  'firmly',
  'fully',
  'very',
]);
const LIST_WORDS = new Set(['and', 'or', 'nor', 'au', 'aus', 'as', 'well']);
const NEGATION_WINDOW = 4;
const POST_WINDOW = 3;

const EMOTION_INDEX = buildPhraseIndex<Emotion>(
  EMOTION_TERMS.map(([term, emotion]) => [term, emotion] as const),
);

function spansOf<T>(
  tokens: readonly Token[],
  text: string,
  index: ReadonlyMap<string, readonly PhraseEntry<T>[]>,
) {
  const spans: { span: TextSpan; from: number; to: number }[] = [];
  for (let position = 0; position < tokens.length; position += 1) {
    const found = matchPhrase(tokens, position, index);
    if (!found) continue;
    const last = found.last;
    const start = tokens[position]!.start;
    const end = tokens[last]!.end;
    spans.push({ span: { text: text.slice(start, end), start, end }, from: position, to: last });
    position = last;
  }
  return spans;
}

/**
 * The emotion an answer names: the whole answer as one term (`"Happy."`), else the emotion
 * terms found in it; null when none, when two different emotions are named, or when the
 * answer is negated ("not happy").
 */
export function normalizeAnswer(answer: string): Emotion | null {
  const direct = normalizeEmotion(answer);
  if (direct) return direct;
  const lower = asciiLower(answer);
  const tokens = tokenize(lower);
  if (spansOf(tokens, answer, NEGATION_CUES).length > 0) return null;
  let found: Emotion | null = null;
  for (const { span } of spansOf(tokens, answer, EMOTION_INDEX)) {
    const emotion = normalizeEmotion(span.text);
    if (!emotion) continue;
    if (found && found !== emotion) return null;
    found = emotion;
  }
  return found;
}

/** Whether `position` is inside one of `blocks` (sorted, non-overlapping): binary search. */
function within(blocks: readonly Block[], position: number): boolean {
  let low = 0;
  let high = blocks.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const block = blocks[middle]!;
    if (position < block.start) high = middle - 1;
    else if (position >= block.end) low = middle + 1;
    else return true;
  }
  return false;
}

function formatIssues(
  text: string,
  lower: string,
  thinks: readonly Block[],
  answers: readonly Block[],
  wellFormed: boolean,
): FormatIssue[] {
  const issues: FormatIssue[] = [];
  const add = (code: FormatIssue['code'], message: string) => issues.push({ code, message });
  if (thinks.length === 0) {
    if (lower.includes('<think>')) add('unclosed-think', '<think> is never closed with </think>');
    else add('missing-think', 'no <think>...</think> block');
  } else {
    if (thinks.length > 1) add('multiple-think', `${thinks.length} think blocks; expected one`);
    if (text.slice(thinks[0]!.start, thinks[0]!.end).trim() === '')
      add('empty-think', 'the think block is empty');
  }
  if (answers.length === 0) {
    if (lower.includes('<answer>')) add('unclosed-answer', '<answer> is never closed with </answer>');
    else add('missing-answer', 'no <answer>...</answer> block');
  } else {
    if (answers.length > 1) add('multiple-answer', `${answers.length} answer blocks; expected one`);
    if (text.slice(answers.at(-1)!.start, answers.at(-1)!.end).trim() === '')
      add('empty-answer', 'the answer block is empty');
    if (thinks.length > 0 && answers[0]!.open < thinks[0]!.open)
      add('answer-before-think', 'the answer comes before the reasoning');
  }
  let outside = '';
  let cursor = 0;
  const blocks = [
    ...thinks.map((block) => ({ ...block, close: '</think>'.length })),
    ...answers.map((block) => ({ ...block, close: '</answer>'.length })),
  ].sort((a, b) => a.open - b.open);
  for (const block of blocks) {
    if (block.open < cursor) continue;
    outside += text.slice(cursor, block.open);
    cursor = block.end + block.close;
  }
  outside += text.slice(cursor);
  if (blocks.length > 0 && outside.trim() !== '')
    add('text-outside-tags', 'text outside the <think> and <answer> blocks');
  if (/^\s/.test(text)) add('leading-whitespace', 'the completion starts with whitespace');
  if (/\s$/.test(text)) add('trailing-whitespace', 'the completion ends with whitespace');
  if (!wellFormed && issues.length === 0 && (thinks.length > 0 || answers.length > 0)) {
    add('tag-case', 'tags must be written exactly <think>, </think>, <answer>, </answer>');
  }
  return issues;
}

/**
 * Parses a completion. Total (never throws, for any string) and linear in its length.
 *
 * `robust` (the default) finds AUs written as codes in every common spelling, FACS names and
 * plain-language phrases, marks negated and hedged mentions, and normalises the answer's
 * emotion. `facial-r1` reproduces the reference reward functions' parsing exactly (see
 * {@link parseReference}); its `mentions` are the reference tokens.
 */
export function parseCompletion(text: string, options: ParseOptions = {}): ParsedCompletion {
  const input = typeof text === 'string' ? text : String(text ?? '');
  const mode = options.mode ?? 'robust';
  const lower = asciiLower(input);
  const reference = parseReference(input);
  const thinkBlocks = findBlocks(lower, '<think>', '</think>');
  const answerBlocks = findBlocks(lower, '<answer>', '</answer>');
  const thinks = thinkBlocks.map((block) => input.slice(block.start, block.end));
  const answers = answerBlocks.map((block) => input.slice(block.start, block.end).trim());
  const tokens = tokenize(lower);
  const negations = spansOf(tokens, input, NEGATION_CUES);
  const hedges = spansOf(tokens, input, HEDGE_CUES);
  const issues = formatIssues(input, lower, thinkBlocks, answerBlocks, reference.wellFormed);

  if (mode === 'facial-r1') {
    return {
      mode,
      thinks,
      think: reference.think,
      answers,
      answer: reference.answer,
      wellFormed: reference.wellFormed,
      formatIssues: issues,
      mentions: [],
      presentAus: reference.aus,
      negatedAus: [],
      hedges: hedges.map((item) => item.span),
      negations: negations.map((item) => item.span),
      emotion: normalizeEmotion(reference.answer),
    };
  }

  // Mentions: codes, then names and phrases. One fixed object shape (no conditional spreads)
  // keeps this hot loop monomorphic; negated/hedged/inThink are filled in below.
  type MutableMention = { -readonly [K in keyof AuMention]: AuMention[K] };
  const raw: MutableMention[] = [];
  for (const match of findAuCodes(lower, input)) {
    raw.push({
      au: `AU${match.code}`,
      code: match.code,
      text: input.slice(match.start, match.end),
      start: match.start,
      end: match.end,
      via: 'code',
      intensity: match.intensity,
      side: match.side,
      negated: false,
      hedged: false,
      inThink: false,
    });
  }
  for (let position = 0; position < tokens.length; position += 1) {
    const found = matchPhrase(tokens, position, AU_PHRASES, PHRASE_FILLERS);
    if (!found) continue;
    const last = found.last;
    const start = tokens[position]!.start;
    const end = tokens[last]!.end;
    const { code, via } = found.entry.value;
    raw.push({
      au: `AU${code}`,
      code,
      text: input.slice(start, end),
      start,
      end,
      via,
      intensity: undefined,
      side: undefined,
      negated: false,
      hedged: false,
      inThink: false,
    });
    position = last;
  }
  raw.sort((a, b) => a.start - b.start);

  // Negation and hedging: a cue within a few words before the mention in the same clause, a
  // post-cue right after it ("AU9 is absent"), or a list that continues a negated mention.
  const negationEnds = new Map(negations.map((item) => [item.to, item]));
  const hedgeEnds = new Map(hedges.map((item) => [item.to, item]));
  const mentions = raw;
  const spans: { first: number; last: number; sentence: number; postNegated: boolean }[] = [];
  const onlyListBetween = (from: number, to: number) => {
    for (let position = from; position < to; position += 1) {
      const word = tokens[position]!.word;
      if (!LIST_WORDS.has(word) && !/^\d+[a-e]?$/.test(word)) return false;
    }
    return true;
  };
  let previous: { negated: boolean; lastToken: number; sentence: number } | undefined;
  for (const mention of raw) {
    const first = tokenAt(tokens, mention.start);
    const lastToken = Math.max(first, tokenAt(tokens, mention.end) - 1);
    const clause = tokens[first]?.clause ?? -1;
    let negated = false;
    let hedged = false;
    for (let position = first - 1; position >= 0 && position >= first - NEGATION_WINDOW; position -= 1) {
      if (tokens[position]!.clause !== clause) break;
      if (negationEnds.has(position)) negated = true;
      if (hedgeEnds.has(position)) hedged = true;
    }
    let postNegated = false;
    for (
      let position = lastToken + 1;
      position < tokens.length && position <= lastToken + POST_WINDOW;
      position += 1
    ) {
      if (tokens[position]!.clause !== clause) break;
      if (POST_NEGATION.has(tokens[position]!.word)) postNegated = true;
    }
    negated ||= postNegated;
    const sentence = tokens[first]?.sentence ?? -1;
    if (
      !negated &&
      previous?.negated &&
      previous.sentence === sentence &&
      onlyListBetween(previous.lastToken + 1, first)
    ) {
      negated = true;
    }
    mention.negated = negated;
    mention.hedged = hedged;
    mention.inThink = within(thinkBlocks, mention.start);
    spans.push({ first, last: lastToken, sentence, postNegated });
    previous = { negated, lastToken, sentence };
  }
  // "AUs 1, 2 and 5 are absent": a post-negation covers the list before it.
  for (let index = mentions.length - 1; index > 0; index -= 1) {
    const current = spans[index]!;
    const before = spans[index - 1]!;
    if (
      mentions[index]!.negated &&
      (current.postNegated || spans[index + 1]?.postNegated) &&
      !mentions[index - 1]!.negated &&
      before.sentence === current.sentence &&
      onlyListBetween(before.last + 1, current.first)
    ) {
      mentions[index - 1]!.negated = true;
      spans[index - 1] = { ...before, postNegated: true };
    }
  }

  const sourceMentions =
    thinkBlocks.length > 0
      ? mentions.filter((mention) => mention.inThink)
      : mentions.filter((mention) => !within(answerBlocks, mention.start));
  const present = new Set<number>();
  const negatedOnly = new Set<number>();
  for (const mention of sourceMentions) (mention.negated ? negatedOnly : present).add(mention.code);
  for (const code of present) negatedOnly.delete(code);
  const byCode = (a: number, b: number) => a - b;
  const answer = answers.at(-1) ?? null;

  return {
    mode,
    thinks,
    think: thinks[0] ?? null,
    answers,
    answer,
    wellFormed: reference.wellFormed,
    formatIssues: issues,
    mentions,
    presentAus: [...present].sort(byCode).map((code) => `AU${code}`),
    negatedAus: [...negatedOnly].sort(byCode).map((code) => `AU${code}`),
    hedges: hedges.map((item) => item.span),
    negations: negations.map((item) => item.span),
    emotion: answer === null ? null : normalizeAnswer(answer),
  };
}
