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

/** The character code at `index`, ASCII letters lower-cased (NaN past the end). */
function lowerAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/** Whether `text` has the lower-case ASCII `word` at `index`, ignoring ASCII case. */
function startsWithFolded(text: string, index: number, word: string): boolean {
  if (index + word.length > text.length) return false;
  for (let offset = 0; offset < word.length; offset += 1) {
    if (lowerAt(text, index + offset) !== word.charCodeAt(offset)) return false;
  }
  return true;
}

/**
 * Finds AU codes in every common spelling, letters in any case: `AU4`, `AU 4`, `AU04`, `AU-4`,
 * `AU_4`, `au4`, `AUs 1, 2 and 5`, `AU1/2`, `AU4+AU12`, `AU6+12`, `AU12C` (intensity, only
 * when attached), `AU L12` / `AU R12` (side), bare `R12` / `L12` (upper-case only),
 * `Action Unit 12`, `action units 1 and 2`. Word boundary before the code (`BEAU12` is not
 * one). One forward pass, linear in the text.
 */
export function findAuCodes(text: string): CodeMatch[] {
  const matches: CodeMatch[] = [];
  const length = text.length;
  let index = 0;
  while (index < length) {
    const code = lowerAt(text, index);
    // Only 'a' (au, action unit), 'l' and 'r' (side codes) can start a code, at a word start.
    if (
      (code !== 97 && code !== 108 && code !== 114) ||
      (index > 0 && (isLetter(lowerAt(text, index - 1)) || isDigit(lowerAt(text, index - 1))))
    ) {
      index += 1;
      continue;
    }
    const next = readCodesAt(text, index, matches);
    index = next > index ? next : index + 1;
  }
  return matches;
}

/**
 * {@link findAuCodes} for a text already split into words: only the `count` word starts in
 * `starts` (ascending) are tried, which is where every code begins.
 */
export function findAuCodesAtWords(text: string, starts: Int32Array, count: number): CodeMatch[] {
  const matches: CodeMatch[] = [];
  let index = 0;
  for (let word = 0; word < count; word += 1) {
    const start = starts[word]!;
    if (start < index) continue;
    const code = lowerAt(text, start);
    if (code !== 97 && code !== 108 && code !== 114) continue;
    index = readCodesAt(text, start, matches);
  }
  return matches;
}

/**
 * Reads the code (and the list that continues it) starting at `index`, a word start holding
 * 'a', 'l' or 'r' in any case; pushes what it finds and returns the index to go on from
 * (`index` when nothing is there).
 */
function readCodesAt(text: string, index: number, matches: CodeMatch[]): number {
  const length = text.length;
  const code = lowerAt(text, index);
  let cursor = -1;
  if (code === 97 /* a */) {
    if (startsWithFolded(text, index, 'au')) cursor = index + 2;
    else if (startsWithFolded(text, index, 'action unit')) cursor = index + 'action unit'.length;
    if (cursor >= 0 && lowerAt(text, cursor) === 115 /* s */) cursor += 1;
  } else if (isDigit(lowerAt(text, index + 1))) {
    // Bare side code: R12 / L12 (upper-case only; "r2" in running text is not a code).
    const upper = text.charCodeAt(index);
    if (upper === 76 || upper === 82) {
      const found = readCode(text, index + 1, index, upper === 76 ? 'L' : 'R');
      if (found && found.digits <= 2) {
        matches.push(found.match);
        return found.match.end;
      }
    }
  }
  if (cursor < 0) return index;
  // The first code after the prefix: optional separators, optional side, digits.
  const first = readPrefixedCode(text, cursor, index);
  if (!first) return cursor;
  matches.push(first);
  let end = first.end;
  // List continuation: ", 2", " and 5", "/2", "+au12", " or au 6".
  for (;;) {
    let next = end;
    while (next < length && text.charCodeAt(next) === 32) next += 1;
    const separator = text.charCodeAt(next);
    if (separator === 44 || separator === 47 || separator === 43 || separator === 38) next += 1;
    else if (startsWithFolded(text, next, 'and ')) next += 4;
    else if (startsWithFolded(text, next, 'or ')) next += 3;
    else break;
    while (next < length && text.charCodeAt(next) === 32) next += 1;
    if (startsWithFolded(text, next, 'and ')) {
      next += 4;
      while (next < length && text.charCodeAt(next) === 32) next += 1;
    }
    let start = next;
    if (startsWithFolded(text, next, 'au') && !isLetter(lowerAt(text, next + 2))) next += 2;
    else if (startsWithFolded(text, next, 'aus') && !isLetter(lowerAt(text, next + 3))) next += 3;
    else start = next;
    const more = readPrefixedCode(text, next, start);
    if (!more) break;
    matches.push(more);
    end = more.end;
  }
  return end;
}

function readPrefixedCode(text: string, from: number, start: number): CodeMatch | undefined {
  let cursor = from;
  while (
    cursor < text.length &&
    (lowerAt(text, cursor) === 32 || lowerAt(text, cursor) === 45 || lowerAt(text, cursor) === 95)
  ) {
    cursor += 1;
    if (cursor - from > 2) return undefined;
  }
  let side: Laterality | undefined;
  const sideCode = lowerAt(text, cursor);
  if ((sideCode === 108 || sideCode === 114 || sideCode === 117) && isDigit(lowerAt(text, cursor + 1))) {
    side = sideCode === 108 ? 'L' : sideCode === 114 ? 'R' : 'U';
    cursor += 1;
  }
  return readCode(text, cursor, start, side)?.match;
}

function readCode(text: string, from: number, start: number, side?: Laterality) {
  let cursor = from;
  while (cursor < text.length && isDigit(lowerAt(text, cursor))) cursor += 1;
  const digits = cursor - from;
  if (digits === 0 || digits > 3) return undefined;
  const code = Number(text.slice(from, cursor));
  if (code === 0 || code > 99) return undefined;
  let intensity: Intensity | undefined;
  const letter = lowerAt(text, cursor);
  if (
    letter >= 97 &&
    letter <= 101 &&
    !isLetter(lowerAt(text, cursor + 1)) &&
    !isDigit(lowerAt(text, cursor + 1))
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
