/** The canonical emotions of FEA-20K (FACTS 5), lower-case nouns. */
export const EMOTIONS = [
  'anger',
  'contempt',
  'disgust',
  'fear',
  'happiness',
  'neutral',
  'sadness',
  'surprise',
] as const;
/** A canonical emotion. */
export type Emotion = (typeof EMOTIONS)[number];

/** Synonyms (nouns) and adjective forms models and annotators use for each emotion. */
export const EMOTION_LEXICON = {
  anger: {
    synonyms: ['angry', 'anger', 'rage', 'fury', 'irritation', 'annoyance', 'hostility', 'frustration'],
    adjectives: [
      'angry',
      'furious',
      'irritated',
      'annoyed',
      'enraged',
      'mad',
      'irate',
      'hostile',
      'frustrated',
    ],
  },
  contempt: {
    synonyms: ['contempt', 'scorn', 'disdain'],
    adjectives: ['contemptuous', 'scornful', 'disdainful', 'smug'],
  },
  disgust: {
    synonyms: ['disgust', 'revulsion', 'distaste', 'aversion'],
    adjectives: ['disgusted', 'revolted', 'repulsed', 'grossed out'],
  },
  fear: {
    synonyms: ['fear', 'terror', 'fright', 'anxiety', 'panic', 'dread', 'scared'],
    adjectives: ['fearful', 'afraid', 'scared', 'frightened', 'terrified', 'anxious', 'panicked'],
  },
  happiness: {
    synonyms: ['happiness', 'happy', 'joy', 'delight', 'amusement', 'pleasure', 'contentment', 'happy face'],
    adjectives: [
      'happy',
      'joyful',
      'cheerful',
      'delighted',
      'amused',
      'pleased',
      'content',
      'glad',
      'smiling',
    ],
  },
  neutral: {
    synonyms: [
      'neutral',
      'neutrality',
      'calm',
      'calmness',
      'no emotion',
      'neutral expression',
      'expressionless',
    ],
    adjectives: ['neutral', 'calm', 'expressionless', 'impassive', 'blank'],
  },
  sadness: {
    synonyms: ['sadness', 'sad', 'sorrow', 'grief', 'unhappiness', 'melancholy', 'sorrowful'],
    adjectives: ['sad', 'sorrowful', 'unhappy', 'gloomy', 'melancholic', 'depressed', 'upset', 'downcast'],
  },
  surprise: {
    synonyms: ['surprise', 'astonishment', 'amazement', 'shock', 'surprised'],
    adjectives: ['surprised', 'astonished', 'amazed', 'shocked', 'startled'],
  },
} as const satisfies Record<
  Emotion,
  { readonly synonyms: readonly string[]; readonly adjectives: readonly string[] }
>;

const TERM_TO_EMOTION: ReadonlyMap<string, Emotion> = (() => {
  const map = new Map<string, Emotion>();
  for (const emotion of EMOTIONS) {
    map.set(emotion, emotion);
    for (const term of [...EMOTION_LEXICON[emotion].synonyms, ...EMOTION_LEXICON[emotion].adjectives])
      map.set(term, emotion);
  }
  return map;
})();

/** Every term (canonical, synonym, adjective) and the emotion it names, longest first. */
export const EMOTION_TERMS: readonly (readonly [term: string, emotion: Emotion])[] = [
  ...TERM_TO_EMOTION,
].sort((a, b) => b[0].length - a[0].length);

/** Lower-cases, turns punctuation into spaces and collapses whitespace. */
export function normalizeTerm(term: string): string {
  return term
    .toLowerCase()
    .replace(/[^a-z\s-]+/g, ' ')
    .replace(/-/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The canonical emotion one term names: case, surrounding punctuation, synonyms and adjective
 * forms are normalised (`"Happy"`, `"joy."`, `"ANGRY"`); null when unknown. Idempotent on its
 * results.
 */
export function normalizeEmotion(term: string): Emotion | null {
  const normalized = normalizeTerm(term);
  return TERM_TO_EMOTION.get(normalized) ?? TERM_TO_EMOTION.get(normalized.replace(/ /g, '-')) ?? null;
}

/** True when `value` is a canonical emotion. */
export function isEmotion(value: unknown): value is Emotion {
  return typeof value === 'string' && (EMOTIONS as readonly string[]).includes(value);
}
