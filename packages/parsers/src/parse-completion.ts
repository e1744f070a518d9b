import { type AuId, type Emotion, type Intensity, type Laterality, normalizeEmotion } from '@facial-r1/facs';
import { findAuCodesAtWords } from './au-codes';
import { WORD_LIST, WORD_POST_NEGATION } from './lexicon';
import {
  isReferenceWellFormed,
  parseReference,
  type ReferenceParse,
  referenceAnswerRange,
  referenceThinkRange,
} from './parse-reference';
import { type Block, findBlocks, indexOfTag, isBlank, isJsSpace } from './text-scan';
import { matchPhrase, TokenBuffer, tokenize } from './tokenize';
import { AU_PHRASES, EMOTION_PHRASES, HEDGE_PHRASES, LEXICON, NEGATION_PHRASES } from './vocabulary';

/** A span of the completion. */
export interface TextSpan {
  /** The text of the span, as written. */
  readonly text: string;
  /** Index of its first character in the completion (UTF-16 code units). */
  readonly start: number;
  /** Index just past its last character. */
  readonly end: number;
}

/** One mention of an Action Unit. */
export interface AuMention extends TextSpan {
  /** The canonical AU id (`AU4` for `AU04`, `brow lowerer`, `furrowed brows`). */
  readonly au: AuId;
  /** The AU number. */
  readonly code: number;
  /** How it was written: a code (`AU4`), the FACS name (`brow lowerer`) or a phrase (`furrowed brows`). */
  readonly via: 'code' | 'name' | 'phrase';
  /** FACS intensity letter written directly after the code (`AU12C`), when present. */
  readonly intensity?: Intensity;
  /** Side written with the code (`R12`, `AU L12`), when present. */
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
  /** Stable identifier of the problem. */
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
  /** A sentence saying what is wrong, for logs and retry prompts. */
  readonly message: string;
}

/** Parsing modes: `robust` (default) or the exact reference semantics of FACTS 3. */
export type ParseMode = 'robust' | 'facial-r1';

/** Everything a reward, a verifier or a metric reads from a completion. */
export interface ParsedCompletion {
  /** The mode that produced this parse. */
  readonly mode: ParseMode;
  /** Texts of all think blocks. */
  readonly thinks: readonly string[];
  /** The first think block, or null. */
  readonly think: string | null;
  /**
   * Where {@link think} lies: the text between the first `<think>` and its `</think>`, or null.
   * In `facial-r1` mode the block the reference reads (tags in any case, as Python's re folds them).
   */
  readonly thinkSpan: TextSpan | null;
  /** Texts of all answer blocks, trimmed. */
  readonly answers: readonly string[];
  /** The last answer; in `facial-r1` mode the whole text trimmed when there is no answer tag. */
  readonly answer: string | null;
  /**
   * Where {@link answer} was read from, before trimming: the text between the last `<answer>`
   * and its `</answer>`; in `facial-r1` mode without an answer tag, the whole completion; null
   * when there is no answer.
   */
  readonly answerSpan: TextSpan | null;
  /** The reference format check (FACTS 3): exact tags, nothing before or after. */
  readonly wellFormed: boolean;
  /** Structural problems (missing, empty, unclosed or repeated tags, stray text, whitespace). */
  readonly formatIssues: readonly FormatIssue[];
  /**
   * robust: every AU mention in the text (codes, names, phrases), in order. facial-r1: each
   * occurrence of a reference token (`AU` + ASCII digits, any case) in the first think block.
   */
  readonly mentions: readonly AuMention[];
  /**
   * robust: canonical AU ids sorted by code, negated mentions excluded, from the think
   * block(s) or the whole text when there is none. facial-r1: the reference tokens as written
   * (`AU04` stays `AU04`, as the reference compares them), unique, in order.
   */
  readonly presentAus: readonly AuId[];
  /** AUs mentioned only under negation. */
  readonly negatedAus: readonly AuId[];
  /** Hedging words and phrases anywhere in the completion. */
  readonly hedges: readonly TextSpan[];
  /** Negation words and phrases anywhere in the completion. */
  readonly negations: readonly TextSpan[];
  /** The answer's emotion; null when unknown or when two different emotions are named. */
  readonly emotion: Emotion | null;
}

/** Options of {@link parseCompletion}. */
export interface ParseOptions {
  /** `robust` (default) or `facial-r1` (the reference semantics, FACTS 3). */
  readonly mode?: ParseMode;
}

const MAIN_TOKENS = new TokenBuffer(512);
const ANSWER_TOKENS = new TokenBuffer(32);

const NEGATION_WINDOW = 4;
/** Texts longer than this are not read as one emotion term (an untagged facial-r1 answer, a long answer). */
const UNTAGGED_ANSWER_LIMIT = 256;
const POST_WINDOW = 3;
const MARK_NEGATION = 1;
const MARK_HEDGE = 2;

/**
 * Finds the cue phrases of `phrases` (those whose value is true) scanning the tokens left to
 * right, longest match first, and marks the token that ends each one with `mark`.
 */
function scanCues(
  text: string,
  tokens: TokenBuffer,
  phrases: typeof NEGATION_PHRASES,
  marks: Uint8Array | undefined,
  mark: number,
): TextSpan[] {
  const spans: TextSpan[] = [];
  for (let position = 0; position < tokens.length; position += 1) {
    const found = matchPhrase(tokens, position, phrases, LEXICON, false);
    if (!found) continue;
    const last = found.last;
    if (found.entry.value) {
      const start = tokens.start[position]!;
      const end = tokens.end[last]!;
      spans.push({ text: text.slice(start, end), start, end });
      if (marks) marks[last]! |= mark;
    }
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
  const text = typeof answer === 'string' ? answer : String(answer ?? '');
  // A single term ("Happy.") is short; longer answers go straight to the term scan.
  const direct = text.length <= UNTAGGED_ANSWER_LIMIT ? normalizeEmotion(text) : null;
  if (direct) return direct;
  const tokens = tokenize(text, LEXICON, ANSWER_TOKENS);
  try {
    if (scanCues(text, tokens, NEGATION_PHRASES, undefined, 0).length > 0) return null;
    let found: Emotion | null = null;
    for (let position = 0; position < tokens.length; position += 1) {
      const match = matchPhrase(tokens, position, EMOTION_PHRASES, LEXICON, false);
      if (!match) continue;
      const emotion = match.entry.value;
      if (found && found !== emotion) return null;
      found = emotion;
      position = match.last;
    }
    return found;
  } finally {
    tokens.release();
  }
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
  thinks: readonly Block[],
  answers: readonly Block[],
  wellFormed: boolean,
): FormatIssue[] {
  const issues: FormatIssue[] = [];
  const add = (code: FormatIssue['code'], message: string) => issues.push({ code, message });
  if (thinks.length === 0) {
    if (indexOfTag(text, '<think>', 0) >= 0) add('unclosed-think', '<think> is never closed with </think>');
    else add('missing-think', 'no <think>...</think> block');
  } else {
    if (thinks.length > 1) add('multiple-think', `${thinks.length} think blocks; expected one`);
    if (isBlank(text, thinks[0]!.start, thinks[0]!.end)) add('empty-think', 'the think block is empty');
  }
  if (answers.length === 0) {
    if (indexOfTag(text, '<answer>', 0) >= 0)
      add('unclosed-answer', '<answer> is never closed with </answer>');
    else add('missing-answer', 'no <answer>...</answer> block');
  } else {
    if (answers.length > 1) add('multiple-answer', `${answers.length} answer blocks; expected one`);
    const last = answers[answers.length - 1]!;
    if (isBlank(text, last.start, last.end)) add('empty-answer', 'the answer block is empty');
    if (thinks.length > 0 && answers[0]!.open < thinks[0]!.open)
      add('answer-before-think', 'the answer comes before the reasoning');
  }
  if (thinks.length + answers.length > 0 && hasTextOutside(text, thinks, answers))
    add('text-outside-tags', 'text outside the <think> and <answer> blocks');
  if (text.length > 0 && isJsSpace(text.charCodeAt(0)))
    add('leading-whitespace', 'the completion starts with whitespace');
  if (text.length > 0 && isJsSpace(text.charCodeAt(text.length - 1)))
    add('trailing-whitespace', 'the completion ends with whitespace');
  if (!wellFormed && issues.length === 0 && thinks.length + answers.length > 0) {
    add('tag-case', 'tags must be written exactly <think>, </think>, <answer>, </answer>');
  }
  return issues;
}

/** Whether anything but whitespace lies outside the think and answer blocks (and their tags). */
function hasTextOutside(text: string, thinks: readonly Block[], answers: readonly Block[]): boolean {
  let cursor = 0;
  let thinkIndex = 0;
  let answerIndex = 0;
  while (thinkIndex < thinks.length || answerIndex < answers.length) {
    const think = thinks[thinkIndex];
    const answer = answers[answerIndex];
    const takeThink = think !== undefined && (answer === undefined || think.open < answer.open);
    const block = takeThink ? think! : answer!;
    const closeLength = takeThink ? '</think>'.length : '</answer>'.length;
    if (takeThink) thinkIndex += 1;
    else answerIndex += 1;
    // A block inside another (an answer tag within a think block) is covered already.
    if (block.open < cursor) continue;
    if (!isBlank(text, cursor, block.open)) return true;
    cursor = block.end + closeLength;
  }
  return !isBlank(text, cursor, text.length);
}

type MutableMention = { -readonly [K in keyof AuMention]: AuMention[K] };

/** Occurrences of the reference tokens (`AU` + ASCII digits, any case) in the first think block. */
function referenceMentions(text: string): AuMention[] {
  const open = indexOfTag(text, '<think>', 0);
  if (open < 0) return [];
  const close = indexOfTag(text, '</think>', open + 7);
  if (close < 0) return [];
  const mentions: AuMention[] = [];
  for (let index = open + 7; index + 2 < close; index += 1) {
    if ((text.charCodeAt(index) | 32) !== 97 || (text.charCodeAt(index + 1) | 32) !== 117) continue;
    let end = index + 2;
    while (end < close && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end += 1;
    if (end === index + 2) continue;
    const code = Number(text.slice(index + 2, end));
    mentions.push({
      au: `AU${code}`,
      code,
      text: text.slice(index, end),
      start: index,
      end,
      via: 'code',
      intensity: undefined,
      side: undefined,
      negated: false,
      hedged: false,
      inThink: true,
    });
    index = end - 1;
  }
  return mentions;
}

/** A span of `text` from `[start, end)`, or null. */
function spanOf(text: string, range: readonly [number, number] | null): TextSpan | null {
  return range === null ? null : { text: text.slice(range[0], range[1]), start: range[0], end: range[1] };
}

/**
 * The `facial-r1` parse: the reference fields are computed at once (what the reference rewards
 * read: think, answer, wellFormed, presentAus); the emotion, the spans, all think and answer
 * blocks, format issues, mentions and the hedging and negation spans on first access (getters
 * that cache), so the reward hot path pays only for the reference parse. `toJSON` includes
 * the lazy fields; an object spread (`{ ...parsed }`) copies only the eager ones.
 */
class ReferenceCompletion implements ParsedCompletion {
  readonly mode = 'facial-r1' as const;
  readonly think: string | null;
  readonly answer: string;
  readonly wellFormed: boolean;
  readonly presentAus: readonly AuId[];
  readonly negatedAus: readonly AuId[] = [];
  #answerTagged: boolean;
  #emotion: Emotion | null | undefined = undefined;
  #thinkSpan: TextSpan | null | undefined = undefined;
  #answerSpan: TextSpan | undefined = undefined;
  #text: string;
  #thinkBlocks: Block[] | undefined = undefined;
  #answerBlocks: Block[] | undefined = undefined;
  #thinks: string[] | undefined = undefined;
  #answers: string[] | undefined = undefined;
  #formatIssues: FormatIssue[] | undefined = undefined;
  #mentions: AuMention[] | undefined = undefined;
  #hedges: TextSpan[] | undefined = undefined;
  #negations: TextSpan[] | undefined = undefined;

  constructor(text: string, reference: ReferenceParse) {
    this.#text = text;
    this.think = reference.think;
    this.answer = reference.answer;
    this.wellFormed = reference.wellFormed;
    this.presentAus = reference.aus;
    this.#answerTagged = reference.answerTagged;
  }

  get emotion(): Emotion | null {
    // Untagged, the answer is the whole completion: only a short one can be a single term.
    if (this.#emotion === undefined)
      this.#emotion = this.#answerTagged
        ? normalizeAnswer(this.answer)
        : this.answer.length <= UNTAGGED_ANSWER_LIMIT
          ? normalizeEmotion(this.answer)
          : null;
    return this.#emotion;
  }

  get thinkSpan(): TextSpan | null {
    if (this.#thinkSpan === undefined) this.#thinkSpan = spanOf(this.#text, referenceThinkRange(this.#text));
    return this.#thinkSpan;
  }

  get answerSpan(): TextSpan {
    this.#answerSpan ??= spanOf(this.#text, referenceAnswerRange(this.#text))!;
    return this.#answerSpan;
  }

  get #thinkBlockList(): Block[] {
    this.#thinkBlocks ??= findBlocks(this.#text, '<think>', '</think>');
    return this.#thinkBlocks;
  }

  get #answerBlockList(): Block[] {
    this.#answerBlocks ??= findBlocks(this.#text, '<answer>', '</answer>');
    return this.#answerBlocks;
  }

  get thinks(): readonly string[] {
    this.#thinks ??= this.#thinkBlockList.map((block) => this.#text.slice(block.start, block.end));
    return this.#thinks;
  }

  get answers(): readonly string[] {
    this.#answers ??= this.#answerBlockList.map((block) => this.#text.slice(block.start, block.end).trim());
    return this.#answers;
  }

  get formatIssues(): readonly FormatIssue[] {
    this.#formatIssues ??= formatIssues(
      this.#text,
      this.#thinkBlockList,
      this.#answerBlockList,
      this.wellFormed,
    );
    return this.#formatIssues;
  }

  get mentions(): readonly AuMention[] {
    this.#mentions ??= referenceMentions(this.#text);
    return this.#mentions;
  }

  get hedges(): readonly TextSpan[] {
    if (!this.#hedges) this.#scanCues();
    return this.#hedges!;
  }

  get negations(): readonly TextSpan[] {
    if (!this.#negations) this.#scanCues();
    return this.#negations!;
  }

  #scanCues(): void {
    const tokens = tokenize(this.#text, LEXICON, MAIN_TOKENS);
    try {
      this.#hedges = scanCues(this.#text, tokens, HEDGE_PHRASES, undefined, 0);
      this.#negations = scanCues(this.#text, tokens, NEGATION_PHRASES, undefined, 0);
    } finally {
      tokens.release();
    }
  }

  /** Every field, the lazy ones included. */
  toJSON(): Omit<ParsedCompletion, never> {
    return {
      mode: this.mode,
      thinks: this.thinks,
      think: this.think,
      thinkSpan: this.thinkSpan,
      answers: this.answers,
      answer: this.answer,
      answerSpan: this.answerSpan,
      wellFormed: this.wellFormed,
      formatIssues: this.formatIssues,
      mentions: this.mentions,
      presentAus: this.presentAus,
      negatedAus: this.negatedAus,
      hedges: this.hedges,
      negations: this.negations,
      emotion: this.emotion,
    };
  }
}

/**
 * The `facial-r1` parse of `text` around its reference parse (what {@link parseReference}
 * returned for the same text), for callers that read the reference fields first and the rest
 * only sometimes: nothing is parsed twice.
 */
export function referenceCompletion(text: string, reference: ReferenceParse): ParsedCompletion {
  return new ReferenceCompletion(text, reference);
}

/**
 * Parses a completion. Total (never throws, for any string) and linear in its length.
 *
 * `robust` (the default) finds AUs written as codes in every common spelling, FACS names and
 * plain-language phrases, marks negated and hedged mentions, and normalises the answer's
 * emotion. `facial-r1` reproduces the reference reward functions' parsing exactly (see
 * {@link parseReference}); its other fields are computed on first access.
 */
export function parseCompletion(text: string, options: ParseOptions = {}): ParsedCompletion {
  const input = typeof text === 'string' ? text : String(text ?? '');
  const mode = options?.mode ?? 'robust';
  if (mode === 'facial-r1') return new ReferenceCompletion(input, parseReference(input));
  const tokens = tokenize(input, LEXICON, MAIN_TOKENS);
  try {
    return robustCompletion(input, isReferenceWellFormed(input), tokens);
  } finally {
    tokens.release();
  }
}

/** Whether only list words and numbers stand between two mentions ("AU1, 2 and AU5"). */
function onlyListBetween(tokens: TokenBuffer, from: number, to: number): boolean {
  for (let position = from; position < to; position += 1) {
    if (tokens.numeric[position] === 0 && (LEXICON.flagsOf(tokens.word[position]!) & WORD_LIST) === 0)
      return false;
  }
  return true;
}

function byCode(a: number, b: number): number {
  return a - b;
}

function byStart(a: AuMention, b: AuMention): number {
  return a.start - b.start;
}

function robustCompletion(input: string, wellFormed: boolean, tokens: TokenBuffer): ParsedCompletion {
  const thinkBlocks = findBlocks(input, '<think>', '</think>');
  const answerBlocks = findBlocks(input, '<answer>', '</answer>');
  const thinks = thinkBlocks.map((block) => input.slice(block.start, block.end));
  const answers = answerBlocks.map((block) => input.slice(block.start, block.end).trim());
  const marks = new Uint8Array(tokens.length);
  const negations = scanCues(input, tokens, NEGATION_PHRASES, marks, MARK_NEGATION);
  const hedges = scanCues(input, tokens, HEDGE_PHRASES, marks, MARK_HEDGE);

  // Mentions: codes, then names and phrases. One fixed object shape (no conditional spreads)
  // keeps this hot loop monomorphic; negated/hedged/inThink are filled in below.
  const mentions: MutableMention[] = [];
  for (const match of findAuCodesAtWords(input, tokens.start, tokens.length)) {
    mentions.push({
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
  const codeCount = mentions.length;
  for (let position = 0; position < tokens.length; position += 1) {
    const found = matchPhrase(tokens, position, AU_PHRASES, LEXICON, true);
    if (!found) continue;
    const last = found.last;
    const start = tokens.start[position]!;
    const end = tokens.end[last]!;
    const { code, via } = found.entry.value;
    mentions.push({
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
  if (codeCount > 0 && codeCount < mentions.length) mentions.sort(byStart);

  // Negation and hedging: a cue within a few words before the mention in the same clause, a
  // post-cue right after it ("AU9 is absent"), or a list that continues a negated mention.
  const count = mentions.length;
  const firstTokens = new Int32Array(count);
  const lastTokens = new Int32Array(count);
  const sentences = new Int32Array(count);
  const postNegated = new Uint8Array(count);
  for (let index = 0; index < count; index += 1) {
    const mention = mentions[index]!;
    const first = tokens.tokenAt(mention.start);
    const lastToken = Math.max(first, tokens.tokenAt(mention.end) - 1);
    const clause = first < tokens.length ? tokens.clause[first]! : -1;
    let negated = false;
    let hedged = false;
    for (let position = first - 1; position >= 0 && position >= first - NEGATION_WINDOW; position -= 1) {
      if (tokens.clause[position] !== clause) break;
      const mark = marks[position]!;
      if (mark & MARK_NEGATION) negated = true;
      if (mark & MARK_HEDGE) hedged = true;
    }
    let after = false;
    for (
      let position = lastToken + 1;
      position < tokens.length && position <= lastToken + POST_WINDOW;
      position += 1
    ) {
      if (tokens.clause[position] !== clause) break;
      if ((LEXICON.flagsOf(tokens.word[position]!) & WORD_POST_NEGATION) !== 0) after = true;
    }
    negated ||= after;
    const sentence = first < tokens.length ? tokens.sentence[first]! : -1;
    if (
      !negated &&
      index > 0 &&
      mentions[index - 1]!.negated &&
      sentences[index - 1] === sentence &&
      onlyListBetween(tokens, lastTokens[index - 1]! + 1, first)
    ) {
      negated = true;
    }
    mention.negated = negated;
    mention.hedged = hedged;
    mention.inThink = within(thinkBlocks, mention.start);
    firstTokens[index] = first;
    lastTokens[index] = lastToken;
    sentences[index] = sentence;
    postNegated[index] = after ? 1 : 0;
  }
  // "AUs 1, 2 and 5 are absent": a post-negation covers the list before it.
  for (let index = count - 1; index > 0; index -= 1) {
    if (
      mentions[index]!.negated &&
      (postNegated[index] === 1 || (index + 1 < count && postNegated[index + 1] === 1)) &&
      !mentions[index - 1]!.negated &&
      sentences[index - 1] === sentences[index] &&
      onlyListBetween(tokens, lastTokens[index - 1]! + 1, firstTokens[index]!)
    ) {
      mentions[index - 1]!.negated = true;
      postNegated[index - 1] = 1;
    }
  }

  // AUs come from the think blocks, or (without one) from the whole text outside the answers.
  const present = new Set<number>();
  const negatedOnly = new Set<number>();
  const fromThinks = thinkBlocks.length > 0;
  for (const mention of mentions) {
    if (fromThinks ? !mention.inThink : within(answerBlocks, mention.start)) continue;
    (mention.negated ? negatedOnly : present).add(mention.code);
  }
  for (const code of present) negatedOnly.delete(code);
  const answer = answers.length > 0 ? answers[answers.length - 1]! : null;
  const firstThink = thinkBlocks[0];
  const lastAnswer = answerBlocks[answerBlocks.length - 1];

  return {
    mode: 'robust',
    thinks,
    think: thinks[0] ?? null,
    thinkSpan: firstThink ? { text: thinks[0]!, start: firstThink.start, end: firstThink.end } : null,
    answers,
    answer,
    answerSpan: lastAnswer
      ? { text: input.slice(lastAnswer.start, lastAnswer.end), start: lastAnswer.start, end: lastAnswer.end }
      : null,
    wellFormed,
    formatIssues: formatIssues(input, thinkBlocks, answerBlocks, wellFormed),
    mentions,
    presentAus: [...present].sort(byCode).map((code): AuId => `AU${code}`),
    negatedAus: [...negatedOnly].sort(byCode).map((code): AuId => `AU${code}`),
    hedges,
    negations,
    emotion: answer === null ? null : normalizeAnswer(answer),
  };
}
