import { porterStem } from './porter-stemmer';

const STEM_CACHE = new Map<string, string>();
const STEM_CACHE_LIMIT = 200_000;

function cachedStem(word: string): string {
  let stem = STEM_CACHE.get(word);
  if (stem === undefined) {
    stem = porterStem(word);
    if (STEM_CACHE.size >= STEM_CACHE_LIMIT) STEM_CACHE.clear();
    STEM_CACHE.set(word, stem);
  }
  return stem;
}

/**
 * `rouge-score`'s tokenizer (rouge_score/tokenize.py): lower-case, every run of characters
 * other than [a-z0-9] becomes a space, split, Porter-stem (NLTK_EXTENSIONS) tokens longer than
 * 3 characters when `stem` is true, drop empty tokens.
 */
export function rougeTokenize(text: string, options: { readonly stem?: boolean } = {}): string[] {
  const stem = options.stem ?? true;
  const result: string[] = [];
  scanRougeTokens(text, (token) => {
    result.push(stem && token.length > 3 ? cachedStem(token) : token);
  });
  return result;
}

/**
 * The word scan of {@link rougeTokenize} without stemming: calls `push` with every lower-cased
 * [a-z0-9] token in order (callers that map tokens straight to ids skip the string array).
 */
export function scanRougeTokens(text: string, push: (token: string) => void): void {
  // ASCII text: one scan, no regex, no full-text copy. Other text goes through Unicode
  // lower-casing first (Python's str.lower() can turn non-ASCII letters into a-z, e.g. the
  // Kelvin sign into 'k').
  for (let index = 0; index < text.length; index += 1) {
    if (text.charCodeAt(index) > 0x7f) {
      for (const token of text.toLowerCase().split(/[^a-z0-9]+/)) if (token !== '') push(token);
      return;
    }
  }
  let start = -1;
  let upper = false;
  for (let index = 0; index <= text.length; index += 1) {
    const code = index < text.length ? text.charCodeAt(index) : 32;
    const isUpper = code >= 65 && code <= 90;
    const isWord = (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || isUpper;
    if (isWord) {
      if (start < 0) {
        start = index;
        upper = false;
      }
      if (isUpper) upper = true;
    } else if (start >= 0) {
      const token = text.slice(start, index);
      push(upper ? token.toLowerCase() : token);
      start = -1;
    }
  }
}
