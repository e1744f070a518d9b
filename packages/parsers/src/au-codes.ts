import type { Intensity, Laterality } from '@facial-r1/facs';

/** An AU code written in the text. */
export interface CodeMatch {
  readonly code: number;
  readonly start: number;
  readonly end: number;
  readonly intensity?: Intensity;
  readonly side?: Laterality;
}

const isLetter = (code: number) => code >= 97 && code <= 122;
const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * Finds AU codes in ASCII-lower-cased text in every common spelling: `au4`, `au 4`, `au04`,
 * `au-4`, `au_4`, `aus 1, 2 and 5`, `au1/2`, `au4+au12`, `au12c` (intensity), `au l12` /
 * `au r12` (side), `action unit 12`, `action units 1 and 2`. `original` is the text before
 * lower-casing, used for bare side codes (`R12`, `L12`), which must be upper-case. One pass.
 */
export function findAuCodes(lower: string, original: string): CodeMatch[] {
  const matches: CodeMatch[] = [];
  const length = lower.length;
  let index = 0;
  while (index < length) {
    const code = lower.charCodeAt(index);
    // Only 'a' (au, action unit), 'l' and 'r' (side codes) can start a code.
    if (code !== 97 && code !== 108 && code !== 114) {
      index += 1;
      continue;
    }
    const boundary =
      index === 0 || !(isLetter(lower.charCodeAt(index - 1)) || isDigit(lower.charCodeAt(index - 1)));
    let cursor = -1;
    if (boundary && code === 97 /* a */) {
      if (lower.startsWith('au', index)) cursor = index + 2;
      else if (lower.startsWith('action unit', index)) cursor = index + 'action unit'.length;
      if (cursor >= 0 && lower.charCodeAt(cursor) === 115 /* s */) cursor += 1;
    } else if (boundary && (code === 108 || code === 114) && isDigit(lower.charCodeAt(index + 1))) {
      // Bare side code: R12 / L12 (upper-case in the original).
      const upper = original.charCodeAt(index);
      if (upper === 76 || upper === 82) {
        const found = readCode(lower, index + 1, index, upper === 76 ? 'L' : 'R');
        if (found && found.digits <= 2) {
          matches.push(found.match);
          index = found.match.end;
          continue;
        }
      }
    }
    if (cursor < 0) {
      index += 1;
      continue;
    }
    // The first code after the prefix: optional separators, optional side, digits.
    const first = readPrefixedCode(lower, cursor, index);
    if (!first) {
      index = cursor;
      continue;
    }
    matches.push(first);
    index = first.end;
    // List continuation: ", 2", " and 5", "/2", "+au12", " or au 6".
    for (;;) {
      let next = index;
      while (next < length && lower.charCodeAt(next) === 32) next += 1;
      const separator = lower.charCodeAt(next);
      if (separator === 44 || separator === 47 || separator === 43 || separator === 38) next += 1;
      else if (lower.startsWith('and ', next)) next += 4;
      else if (lower.startsWith('or ', next)) next += 3;
      else break;
      while (next < length && lower.charCodeAt(next) === 32) next += 1;
      if (lower.startsWith('and ', next)) {
        next += 4;
        while (next < length && lower.charCodeAt(next) === 32) next += 1;
      }
      let start = next;
      if (lower.startsWith('au', next) && !isLetter(lower.charCodeAt(next + 2))) next += 2;
      else if (lower.startsWith('aus', next) && !isLetter(lower.charCodeAt(next + 3))) next += 3;
      else start = next;
      const more = readPrefixedCode(lower, next, start);
      if (!more) break;
      matches.push(more);
      index = more.end;
    }
  }
  return matches;
}

function readPrefixedCode(lower: string, from: number, start: number): CodeMatch | undefined {
  let cursor = from;
  while (
    cursor < lower.length &&
    (lower.charCodeAt(cursor) === 32 || lower.charCodeAt(cursor) === 45 || lower.charCodeAt(cursor) === 95)
  ) {
    cursor += 1;
    if (cursor - from > 2) return undefined;
  }
  let side: Laterality | undefined;
  const sideCode = lower.charCodeAt(cursor);
  if ((sideCode === 108 || sideCode === 114 || sideCode === 117) && isDigit(lower.charCodeAt(cursor + 1))) {
    side = sideCode === 108 ? 'L' : sideCode === 114 ? 'R' : 'U';
    cursor += 1;
  }
  return readCode(lower, cursor, start, side)?.match;
}

function readCode(lower: string, from: number, start: number, side?: Laterality) {
  let cursor = from;
  while (cursor < lower.length && isDigit(lower.charCodeAt(cursor))) cursor += 1;
  const digits = cursor - from;
  if (digits === 0 || digits > 3) return undefined;
  const code = Number(lower.slice(from, cursor));
  if (code === 0 || code > 99) return undefined;
  let intensity: Intensity | undefined;
  const letter = lower.charCodeAt(cursor);
  if (
    letter >= 97 &&
    letter <= 101 &&
    !isLetter(lower.charCodeAt(cursor + 1)) &&
    !isDigit(lower.charCodeAt(cursor + 1))
  ) {
    intensity = String.fromCharCode(letter - 32) as Intensity;
    cursor += 1;
  } else if (isLetter(letter)) {
    // "au12cheek" is not a code.
    return undefined;
  }
  const match: CodeMatch = {
    code,
    start,
    end: cursor,
    ...(intensity ? { intensity } : {}),
    ...(side ? { side } : {}),
  };
  return { match, digits };
}
