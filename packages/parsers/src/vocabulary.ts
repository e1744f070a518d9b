import { ACTION_UNIT_LIST, type Emotion, EMOTION_TERMS } from '@facial-r1/facs';
import { Lexicon, PhraseSet, WORD_CLAUSE, WORD_FILLER, WORD_LIST, WORD_POST_NEGATION } from './lexicon';

/**
 * Words and phrases that put the AU mentions after them (within a few words, in the same
 * clause) under negation. Matched longest first, words in any case, punctuation between words
 * ignored ("isn't" = "isn t").
 */
export const NEGATION_CUES: readonly string[] = [
  'no',
  'not',
  'without',
  'absent',
  'absence of',
  'lack of',
  'lacks',
  'lacking',
  'no sign of',
  'no signs of',
  'no evidence of',
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
];

/** Phrases that start like a negation cue but do not negate ("not only AU4 but also AU12"). */
export const NON_NEGATING_PHRASES: readonly string[] = [
  'not only',
  'not just',
  'no doubt',
  'nothing but',
  'not least',
];

/** Words after a mention that negate it: "AU9 is absent", "AU12 is not present", "AU4 missing". */
export const POST_NEGATION_WORDS: readonly string[] = ['absent', 'missing', 'not', 'isn', 'aren', 'lacking'];

/** Words and phrases that hedge the AU mentions after them ("maybe AU9", "a slight hint of AU12"). */
export const HEDGE_CUES: readonly string[] = [
  'maybe',
  'may be',
  'possibly',
  'possible',
  'perhaps',
  'might',
  'might be',
  'may',
  'could',
  'could be',
  'probably',
  'likely',
  'seems',
  'seem',
  'appears to',
  'a hint of',
  'hint of',
  'a slight hint of',
  'slight hint of',
  'slight hint',
  'a trace of',
  'somewhat',
  'uncertain',
  'unclear',
];

/** Words that may stand between a phrase's words: "brows are lowered", "lips slightly parted". */
export const PHRASE_FILLERS: readonly string[] = [
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
];

/** Words a negation extends over in a list: "without AU1, AU2 or AU5", "AUs 1, 2 and 5 are absent". */
const LIST_WORDS = ['and', 'or', 'nor', 'au', 'aus', 'as', 'well'];

/** Words that start a new clause: negation and hedging stop there. */
const CLAUSE_WORDS = ['but', 'however', 'whereas', 'while', 'although', 'though', 'yet'];

/** The lexicon shared by every phrase set below (built once, at import). */
export const LEXICON = new Lexicon();
for (const word of CLAUSE_WORDS) LEXICON.mark(word, WORD_CLAUSE);
for (const word of PHRASE_FILLERS) LEXICON.mark(word, WORD_FILLER);
for (const word of LIST_WORDS) LEXICON.mark(word, WORD_LIST);
for (const word of POST_NEGATION_WORDS) LEXICON.mark(word, WORD_POST_NEGATION);

/** AU names (FACS and the prompt's) and plain-language phrases from `@facial-r1/facs`. */
export const AU_PHRASES = new PhraseSet<{ code: number; via: 'name' | 'phrase' }>(
  LEXICON,
  ACTION_UNIT_LIST.flatMap((unit) => [
    [unit.name, { code: unit.code, via: 'name' as const }] as const,
    [unit.promptName, { code: unit.code, via: 'name' as const }] as const,
    ...unit.phrases.map((phrase) => [phrase, { code: unit.code, via: 'phrase' as const }] as const),
  ]),
);

/** Negation cues (value true) and the look-alikes that do not negate (value false). */
export const NEGATION_PHRASES = new PhraseSet<boolean>(LEXICON, [
  ...NEGATION_CUES.map((cue) => [cue, true] as const),
  ...NON_NEGATING_PHRASES.map((phrase) => [phrase, false] as const),
]);

/** Hedging cues. */
export const HEDGE_PHRASES = new PhraseSet<boolean>(
  LEXICON,
  HEDGE_CUES.map((cue) => [cue, true] as const),
);

/** Emotion terms of `@facial-r1/facs` (nouns, adjectives, synonyms). */
export const EMOTION_PHRASES = new PhraseSet<Emotion>(
  LEXICON,
  EMOTION_TERMS.map(([term, emotion]) => [term, emotion] as const),
);

LEXICON.freeze();
