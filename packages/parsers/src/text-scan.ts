/**
 * Low-level, linear-time helpers shared by the parsers. No regular expression here can
 * backtrack: every search is an `indexOf` or a single forward pass.
 */

/**
 * Python's `\s` for str patterns (= `str.isspace()`): ASCII whitespace, the information
 * separators 0x1c-0x1f, NEL and the Unicode space separators. JavaScript's `\s` differs
 * (it has U+FEFF, lacks 0x1c-0x1f and U+0085), so the reference check uses this instead.
 */
export function isPythonSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** Python `str.strip()` semantics (its whitespace set). */
export function pythonStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPythonSpace(text.charCodeAt(start))) start += 1;
  while (end > start && isPythonSpace(text.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** A tag block found by {@link findBlocks}: the text between an opening and its closing tag. */
export interface Block {
  /** Index of the opening tag. */
  readonly open: number;
  /** Index of the first character inside. */
  readonly start: number;
  /** Index just past the last character inside (= the closing tag's index). */
  readonly end: number;
}

/**
 * `indexOf` of a lower-case ASCII tag (starting with '<'), ASCII letters matched in any case.
 * Jumps from '<' to '<', so it is linear in the text.
 */
export function indexOfTag(text: string, tag: string, from: number): number {
  let position = text.indexOf('<', from);
  const size = tag.length;
  while (position >= 0) {
    if (position + size > text.length) return -1;
    let offset = 1;
    for (; offset < size; offset += 1) {
      let code = text.charCodeAt(position + offset);
      if (code >= 65 && code <= 90) code += 32;
      if (code !== tag.charCodeAt(offset)) break;
    }
    if (offset === size) return position;
    position = text.indexOf('<', position + 1);
  }
  return -1;
}

/**
 * Non-overlapping `open(.*?)close` matches scanning left to right, as Python's `re.findall`
 * finds them (dot matching newlines), tags in any ASCII case.
 */
export function findBlocks(text: string, open: string, close: string): Block[] {
  const blocks: Block[] = [];
  let from = 0;
  for (;;) {
    const openAt = indexOfTag(text, open, from);
    if (openAt < 0) break;
    const closeAt = indexOfTag(text, close, openAt + open.length);
    if (closeAt < 0) break;
    blocks.push({ open: openAt, start: openAt + open.length, end: closeAt });
    from = closeAt + close.length;
  }
  return blocks;
}

/** Whether `text[start, end)` is empty or only whitespace (JavaScript `\s`, as `trim`). */
export function isBlank(text: string, start: number, end: number): boolean {
  for (let index = start; index < end; index += 1) {
    if (!isJsSpace(text.charCodeAt(index))) return false;
  }
  return true;
}

/** JavaScript's `\s` (what `String.prototype.trim` removes). */
export function isJsSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Counts occurrences of `needle` (non-overlapping). */
export function countOccurrences(haystack: string, needle: string): number {
  let count = 0;
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return count;
    count += 1;
    from = at + needle.length;
  }
}

const DECIMAL_DIGIT = /\p{Nd}/u;

/** True for a Unicode decimal digit, Python `\d` for str patterns. */
export function isUnicodeDigit(character: string): boolean {
  const code = character.charCodeAt(0);
  if (code >= 48 && code <= 57) return true;
  return code > 127 && DECIMAL_DIGIT.test(character);
}
