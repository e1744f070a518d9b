import { isPythonSpace, isUnicodeDigit, pythonStrip } from './text-scan';

/** What the reference reward functions (FACTS 3) read from a completion. */
export interface ReferenceParse {
  /** The completion matches `<think>.*?</think>\s*<answer>.*?</answer>` in full (dot matches newline). */
  readonly wellFormed: boolean;
  /** Text of the first `<think>...</think>` (tags in any case), or null. */
  readonly think: string | null;
  /** Upper-cased `AU` + digits tokens of the think text as written (`AU04` stays), unique, in order. */
  readonly aus: readonly string[];
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
 * order. ASCII text takes a fast path (only 'a'/'u' upper-case to 'A'/'U' there); any other
 * text goes through a full Unicode `toUpperCase`, as Python's `str.upper()` would.
 */
function referenceAus(think: string): string[] {
  let tokens: string[] | undefined;
  const length = think.length;
  for (let index = 0; index < length; index += 1) {
    const code = think.charCodeAt(index);
    if (code > 0x7f) return referenceAuTokens(think.toUpperCase());
    if ((code | 32) !== 97 || index + 2 >= length || (think.charCodeAt(index + 1) | 32) !== 117) continue;
    let end = index + 2;
    while (end < length) {
      const digit = think.charCodeAt(end);
      if (digit < 48 || digit > 57) break;
      end += 1;
    }
    if (end === index + 2) continue;
    const token = `AU${think.slice(index + 2, end)}`;
    tokens ??= [];
    if (!tokens.includes(token)) tokens.push(token);
    index = end - 1;
  }
  return tokens ?? [];
}

/** Every `AU` + digits token (Python `\d`: any Unicode decimal digit) in upper-cased text. */
function referenceAuTokens(upper: string): string[] {
  const tokens: string[] = [];
  const seen = new Set<string>();
  let from = 0;
  for (;;) {
    const at = upper.indexOf('AU', from);
    if (at < 0) return tokens;
    let end = at + 2;
    // Iterate by code point: Nd digits outside the BMP are two code units.
    while (end < upper.length) {
      const codePoint = upper.codePointAt(end)!;
      const character = String.fromCodePoint(codePoint);
      if (!isUnicodeDigit(character)) break;
      end += character.length;
    }
    if (end > at + 2) {
      const token = upper.slice(at, end);
      if (!seen.has(token)) {
        seen.add(token);
        tokens.push(token);
      }
      from = end;
    } else from = at + 1;
  }
}

/** Text of the last `re.findall(r"<answer>(.*?)</answer>", text, re.DOTALL)` match, or null. */
function lastAnswerBlock(text: string): string | null {
  let last: string | null = null;
  let from = 0;
  for (;;) {
    const open = text.indexOf('<answer>', from);
    if (open < 0) return last;
    const close = text.indexOf('</answer>', open + 8);
    if (close < 0) return last;
    last = text.slice(open + 8, close);
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
  const lastAnswer = lastAnswerBlock(text);
  return {
    wellFormed: isReferenceWellFormed(text),
    think,
    aus: think === null ? [] : referenceAus(think),
    answer: pythonStrip(lastAnswer ?? text),
    answerTagged: lastAnswer !== null,
  };
}
