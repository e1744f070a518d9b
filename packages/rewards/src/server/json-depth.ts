/**
 * True when JSON text nests arrays and objects deeper than `limit`. One pass over the text,
 * stopping at the first bracket past the limit: it runs before `JSON.parse`, which takes
 * seconds on a body of millions of `[` before it finds that the text is incomplete. Brackets
 * inside strings (escapes included) are text, not nesting. The text need not be valid JSON.
 */
export function jsonDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  const length = text.length;
  for (let index = 0; index < length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index += 1; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) depth -= 1;
  }
  return false;
}
