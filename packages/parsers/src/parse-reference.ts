import type { AuId } from '@facial-r1/facs';
import { isPythonSpace, isUnicodeDigit, pythonStrip } from './text-scan';

/** What the reference reward functions (FACTS 3) read from a completion. */
export interface ReferenceParse {
  /** The completion matches `<think>.*?</think>\s*<answer>.*?</answer>` in full (dot matches newline). */
  readonly wellFormed: boolean;
  /** Text of the first `<think>...</think>` (tags in any case), or null. */
  readonly think: string | null;
  /**
   * Upper-cased `AU` + digits tokens of the think text as written (`AU04` stays), unique, in
   * order. Typed as AU ids; they are canonical only when written canonically, as the reference
   * compares them.
   */
  readonly aus: readonly AuId[];
  /** Text of the last `<answer>...</answer>` stripped, or the whole completion stripped when there is none. */
  readonly answer: string;
  /** Whether `answer` came from an answer tag. */
  readonly answerTagged: boolean;
}

// Python's re.IGNORECASE matches a tag letter to its ASCII upper case and, for "think", also
// U+0130 and U+0131 to 'i' and U+212A (Kelvin sign) to 'k'.
function foldTagCharacter(code: number): number {
  if (code >= 65 && code <= 90) return code + 32;
  if (code === 0x130 || code === 0x131) return 105;
  if (code === 0x212a) return 107;
  return code;
}

/** `indexOf` of a lower-case ASCII tag, matched case-insensitively the way Python's re does. */
function indexOfTagIgnoringCase(text: string, tag: string, from: number): number {
  let position = text.indexOf('<', from);
  while (position >= 0) {
    if (position + tag.length > text.length) return -1;
    let matches = true;
    for (let offset = 1; offset < tag.length; offset += 1) {
      if (foldTagCharacter(text.charCodeAt(position + offset)) !== tag.charCodeAt(offset)) {
        matches = false;
        break;
      }
    }
    if (matches) return position;
    position = text.indexOf('<', position + 1);
  }
  return -1;
}

/** `re.search(r"<think>(.*?)</think>", text, re.DOTALL | re.IGNORECASE)` group 1, or null. */
function firstThinkBlock(text: string): string | null {
  const open = indexOfTagIgnoringCase(text, '<think>', 0);
  if (open < 0) return null;
  const close = indexOfTagIgnoringCase(text, '</think>', open + 7);
  return close < 0 ? null : text.slice(open + 7, close);
}

/** Where the reference's think text lies (`[start, end)` inside the tags), or null. */
export function referenceThinkRange(text: string): readonly [number, number] | null {
  const open = indexOfTagIgnoringCase(text, '<think>', 0);
  if (open < 0) return null;
  const close = indexOfTagIgnoringCase(text, '</think>', open + 7);
  return close < 0 ? null : [open + 7, close];
}

/** Where the reference's answer was read from before stripping: the last answer block, else the whole text. */
export function referenceAnswerRange(text: string): readonly [number, number] {
  const start = lastAnswerStart(text);
  return start < 0 ? [0, text.length] : [start, lastAnswerEnd];
}

/**
 * `re.fullmatch(r"<think>.*?</think>\s*<answer>.*?</answer>", text, re.DOTALL)` without a
 * regular expression: the text must start with `<think>` and end with `</answer>`, and some
 * `</think>` must be followed (after Python whitespace) by an `<answer>` that ends before the
 * final `</answer>`. Each whitespace run is scanned once, so this is linear.
 */
export function isReferenceWellFormed(text: string): boolean {
  const length = text.length;
  if (!text.startsWith('<think>') || !text.endsWith('</answer>')) return false;
  const lastAnswerEnd = length - '</answer>'.length;
  let from = '<think>'.length;
  for (;;) {
    const close = text.indexOf('</think>', from);
    if (close < 0) return false;
    let cursor = close + '</think>'.length;
    while (cursor < length && isPythonSpace(text.charCodeAt(cursor))) cursor += 1;
    if (text.startsWith('<answer>', cursor) && cursor + '<answer>'.length <= lastAnswerEnd) return true;
    if (cursor + '<answer>'.length > lastAnswerEnd) return false;
    from = close + 1;
  }
}

/**
 * The reference AU tokens of a think text: `re.findall(r"AU\d+", think.upper())`, unique in
 * order. JavaScript's `toUpperCase` applies the same full Unicode case mapping as Python's
 * `str.upper` (`ß` -> `SS`); `\d` is any Unicode decimal digit, as in Python.
 */
function referenceAus(think: string): AuId[] {
  const upper = think.toUpperCase();
  const length = upper.length;
  const tokens: AuId[] = [];
  // A few tokens are searched linearly; past that a set keeps many distinct tokens linear.
  let seen: Set<AuId> | undefined;
  let from = 0;
  for (;;) {
    const at = upper.indexOf('AU', from);
    if (at < 0) return tokens;
    let end = at + 2;
    while (end < length) {
      const code = upper.charCodeAt(end);
      if (code >= 48 && code <= 57) end += 1;
      else if (code > 127) {
        // Nd digits outside the BMP are two code units.
        const character = String.fromCodePoint(upper.codePointAt(end)!);
        if (!isUnicodeDigit(character)) break;
        end += character.length;
      } else break;
    }
    if (end === at + 2) {
      from = at + 1;
      continue;
    }
    const token = upper.slice(at, end) as AuId;
    if (seen) {
      if (!seen.has(token)) {
        seen.add(token);
        tokens.push(token);
      }
    } else if (!tokens.includes(token)) {
      tokens.push(token);
      if (tokens.length > 16) seen = new Set(tokens);
    }
    from = end;
  }
}

/** End of the block {@link lastAnswerStart} found last (a scratch slot: no allocation on the hot path). */
let lastAnswerEnd = -1;

/**
 * Start of the text of the last `re.findall(r"<answer>(.*?)</answer>", text, re.DOTALL)`
 * match, or -1; its end is left in `lastAnswerEnd`.
 */
function lastAnswerStart(text: string): number {
  let start = -1;
  let from = 0;
  for (;;) {
    const open = text.indexOf('<answer>', from);
    if (open < 0) return start;
    const close = text.indexOf('</answer>', open + 8);
    if (close < 0) return start;
    start = open + 8;
    lastAnswerEnd = close;
    from = close + 9;
  }
}

/**
 * The parse of the Facial-R1 reference reward functions (FACTS 3), exactly: format by full
 * match, AUs from the first think block (tags in any case), the last answer. Linear time,
 * never throws.
 */
export function parseReference(text: string): ReferenceParse {
  const think = firstThinkBlock(text);
  const start = lastAnswerStart(text);
  const lastAnswer = start < 0 ? null : text.slice(start, lastAnswerEnd);
  return {
    wellFormed: isReferenceWellFormed(text),
    think,
    aus: think === null ? [] : referenceAus(think),
    answer: pythonStrip(lastAnswer ?? text),
    answerTagged: lastAnswer !== null,
  };
}
