import { FeaError } from './errors';
import type { Emotion } from './emotions';

interface LabelMapData {
  /** Dataset name as published. */
  readonly title: string;
  /** Numeric code -> canonical emotion. */
  readonly codes: Readonly<Record<number, Emotion>>;
  /** Codes that name no emotion and are excluded from evaluation. */
  readonly excludedCodes?: Readonly<Record<number, string>>;
  /** File-name codes (JAFFE) -> numeric code. */
  readonly fileCodes?: Readonly<Record<string, number>>;
}

/**
 * Each dataset's emotion label codes (FACTS 6), normalised to the canonical emotions.
 * Sources: RAF-DB `list_patition_label.txt` (1-7); FER2013 `fer2013.csv` (0-6); FERPlus
 * `fer2013new.csv` column order; AffectNet `training.csv` (0-10, 8-10 no emotion); CK+ emotion
 * files (0-7); JAFFE file-name codes; FABA-Instruct (7 basic, no contempt); FEA-20K (the 8).
 */
const LABEL_MAP_DATA = {
  rafdb: {
    title: 'RAF-DB (basic)',
    codes: { 1: 'surprise', 2: 'fear', 3: 'disgust', 4: 'happiness', 5: 'sadness', 6: 'anger', 7: 'neutral' },
  },
  fer2013: {
    title: 'FER2013',
    codes: { 0: 'anger', 1: 'disgust', 2: 'fear', 3: 'happiness', 4: 'sadness', 5: 'surprise', 6: 'neutral' },
  },
  ferplus: {
    title: 'FERPlus',
    codes: {
      0: 'neutral',
      1: 'happiness',
      2: 'surprise',
      3: 'sadness',
      4: 'anger',
      5: 'disgust',
      6: 'fear',
      7: 'contempt',
    },
    excludedCodes: { 8: 'unknown', 9: 'not a face' },
  },
  affectnet: {
    title: 'AffectNet',
    codes: {
      0: 'neutral',
      1: 'happiness',
      2: 'sadness',
      3: 'surprise',
      4: 'fear',
      5: 'disgust',
      6: 'anger',
      7: 'contempt',
    },
    excludedCodes: { 8: 'none', 9: 'uncertain', 10: 'no-face' },
  },
  ckplus: {
    title: 'CK+',
    codes: {
      0: 'neutral',
      1: 'anger',
      2: 'contempt',
      3: 'disgust',
      4: 'fear',
      5: 'happiness',
      6: 'sadness',
      7: 'surprise',
    },
  },
  jaffe: {
    title: 'JAFFE',
    codes: { 0: 'anger', 1: 'disgust', 2: 'fear', 3: 'happiness', 4: 'neutral', 5: 'sadness', 6: 'surprise' },
    fileCodes: { AN: 0, DI: 1, FE: 2, HA: 3, NE: 4, SA: 5, SU: 6 },
  },
  faba: {
    title: 'FABA-Instruct',
    codes: { 0: 'anger', 1: 'disgust', 2: 'fear', 3: 'happiness', 4: 'neutral', 5: 'sadness', 6: 'surprise' },
  },
  fea20k: {
    title: 'FEA-20K',
    codes: {
      0: 'anger',
      1: 'contempt',
      2: 'disgust',
      3: 'fear',
      4: 'happiness',
      5: 'neutral',
      6: 'sadness',
      7: 'surprise',
    },
  },
} as const satisfies Record<string, LabelMapData>;

/** A dataset id with a label map. */
export type LabelMapId = keyof typeof LABEL_MAP_DATA;

/** One dataset's label map. */
export interface LabelMap {
  readonly id: LabelMapId;
  readonly title: string;
  /** The dataset's emotions in code order. */
  readonly emotions: readonly Emotion[];
  readonly codes: Readonly<Record<number, Emotion>>;
  readonly excludedCodes: Readonly<Record<number, string>>;
  readonly fileCodes?: Readonly<Record<string, number>>;
}

/** Every dataset's label map by id. */
export const LABEL_MAPS = Object.fromEntries(
  (Object.keys(LABEL_MAP_DATA) as LabelMapId[]).map((id) => {
    const data = LABEL_MAP_DATA[id] as LabelMapData;
    const codes = Object.keys(data.codes)
      .map(Number)
      .sort((a, b) => a - b);
    const map: LabelMap = {
      id,
      title: data.title,
      emotions: codes.map((code) => data.codes[code]!),
      codes: data.codes,
      excludedCodes: data.excludedCodes ?? {},
      ...(data.fileCodes ? { fileCodes: data.fileCodes } : {}),
    };
    return [id, Object.freeze(map)];
  }),
) as Readonly<Record<LabelMapId, LabelMap>>;

/** An emotion code that a dataset does not define, or one it excludes. */
export class UnknownLabelCodeError extends FeaError {
  constructor(
    readonly dataset: string,
    readonly labelCode: number | string,
    readonly excluded: boolean,
    message: string,
  ) {
    super(excluded ? 'facs/excluded-label-code' : 'facs/unknown-label-code', message);
  }
}

/**
 * The canonical emotion of a dataset's numeric code. Throws {@link UnknownLabelCodeError}
 * for an excluded code (AffectNet 8-10) or an unknown one, naming the dataset and the valid
 * codes; with `{ safe: true }` returns null instead.
 */
export function decodeEmotionCode(
  dataset: LabelMapId | string,
  code: number | string,
  options: { safe?: boolean } = {},
): Emotion | null {
  const map = (LABEL_MAPS as Record<string, LabelMap>)[dataset];
  if (!map) {
    if (options.safe) return null;
    throw new UnknownLabelCodeError(
      dataset,
      code,
      false,
      `no label map for dataset "${dataset}"; known: ${Object.keys(LABEL_MAPS).join(', ')}`,
    );
  }
  const numeric =
    typeof code === 'number'
      ? code
      : /^\s*\d+\s*$/.test(code)
        ? Number(code)
        : map.fileCodes?.[code.trim().toUpperCase()];
  const emotion = numeric === undefined ? undefined : map.codes[numeric];
  if (emotion) return emotion;
  if (options.safe) return null;
  const valid = Object.entries(map.codes)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  const excludedName = numeric === undefined ? undefined : map.excludedCodes[numeric];
  if (excludedName) {
    throw new UnknownLabelCodeError(
      dataset,
      code,
      true,
      `${map.title} code ${code} ("${excludedName}") names no emotion and is excluded; emotion codes: ${valid}`,
    );
  }
  throw new UnknownLabelCodeError(
    dataset,
    code,
    false,
    `${map.title} has no emotion code ${JSON.stringify(code)}; expected one of: ${valid}`,
  );
}

/** AU vocabularies of the benchmarks (FACTS 6) and of the Facial-R1 prompt (FACTS 4). */
export const AU_VOCABULARIES = {
  /** DISFA standard protocol: 8 AUs, intensity >= 2 is present. */
  disfa8: ['AU1', 'AU2', 'AU4', 'AU6', 'AU9', 'AU12', 'AU25', 'AU26'],
  /** The 12 AUs DISFA annotates (the paper's files). */
  disfa12: ['AU1', 'AU2', 'AU4', 'AU5', 'AU6', 'AU9', 'AU12', 'AU15', 'AU17', 'AU20', 'AU25', 'AU26'],
  /** BP4D standard 12 AUs. */
  bp4d: ['AU1', 'AU2', 'AU4', 'AU6', 'AU7', 'AU10', 'AU12', 'AU14', 'AU15', 'AU17', 'AU23', 'AU24'],
  /** FABA-Instruct AU F1 vocabulary (EmoLA). */
  faba: ['AU1', 'AU2', 'AU4', 'AU5', 'AU6', 'AU10', 'AU12', 'AU17', 'AU24', 'AU25', 'AU26', 'AU43'],
  /** The 30 AUs the Facial-R1 prompt defines. */
  prompt: [
    'AU1',
    'AU2',
    'AU4',
    'AU5',
    'AU6',
    'AU7',
    'AU9',
    'AU10',
    'AU11',
    'AU12',
    'AU13',
    'AU14',
    'AU15',
    'AU16',
    'AU17',
    'AU18',
    'AU19',
    'AU20',
    'AU22',
    'AU23',
    'AU24',
    'AU25',
    'AU26',
    'AU27',
    'AU28',
    'AU29',
    'AU30',
    'AU31',
    'AU32',
    'AU43',
  ],
} as const satisfies Record<string, readonly `AU${number}`[]>;
export type AuVocabularyId = keyof typeof AU_VOCABULARIES;
