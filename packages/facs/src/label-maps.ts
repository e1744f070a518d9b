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
    excludedCodes: { 8: 'unknown', 9: 'not a face (NF)' },
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
    // EmoLA's integer labels (FABA-Instruct release, emollava/eval/eval_FABA.py).
    codes: { 0: 'happiness', 1: 'sadness', 2: 'surprise', 3: 'anger', 4: 'neutral', 5: 'disgust', 6: 'fear' },
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
  /** The dataset id (`rafdb`, `affectnet`, ...). */
  readonly id: LabelMapId;
  /** The dataset's published name. */
  readonly title: string;
  /** The dataset's emotions in code order (derived from `codes`). */
  readonly emotions: readonly Emotion[];
  /** Numeric label code -> canonical emotion. */
  readonly codes: Readonly<Record<number, Emotion>>;
  /** Codes the dataset defines that name no emotion (excluded from evaluation), with their meaning. */
  readonly excludedCodes: Readonly<Record<number, string>>;
  /** JAFFE only: file-name code (`HA`) -> numeric code. */
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

/**
 * A label code a dataset does not define (`facs/unknown-label-code`), one it defines but
 * excludes from emotion recognition (`facs/excluded-label-code`: AffectNet 8-10, FERPlus 8-9),
 * or a dataset without a label map (`facs/unknown-label-map`).
 */
export class UnknownLabelCodeError extends FeaError {
  /** The dataset id asked for. */
  readonly dataset: string;
  /** The code asked for, as given. */
  readonly labelCode: number | string;
  /** True when the dataset defines the code but it names no emotion. */
  readonly excluded: boolean;
  /** The dataset's emotion codes (empty when the dataset is unknown). */
  readonly validCodes: readonly number[];

  /**
   * @param details the dataset, the code, whether it is excluded and the valid codes
   * @param message what went wrong and what to do
   */
  constructor(
    details: {
      readonly dataset: string;
      readonly labelCode: number | string;
      readonly excluded: boolean;
      readonly validCodes: readonly number[];
      readonly unknownDataset?: boolean;
    },
    message: string,
  ) {
    super(
      details.unknownDataset
        ? 'facs/unknown-label-map'
        : details.excluded
          ? 'facs/excluded-label-code'
          : 'facs/unknown-label-code',
      message,
    );
    this.dataset = details.dataset;
    this.labelCode = details.labelCode;
    this.excluded = details.excluded;
    this.validCodes = details.validCodes;
  }
}

/** Options of {@link decodeEmotionCode}. */
export interface DecodeEmotionCodeOptions {
  /** Return null instead of throwing for an unknown dataset, an unknown or an excluded code. */
  readonly safe?: boolean;
}

/** The result of {@link safeDecodeEmotionCode}. */
export type SafeDecodeEmotionCodeResult =
  | { readonly success: true; readonly value: Emotion }
  | { readonly success: false; readonly error: UnknownLabelCodeError };

function numericCode(map: LabelMap, code: number | string): number | undefined {
  if (typeof code === 'number') return code;
  const trimmed = code.trim();
  // A leading zero (`01`) is no code any dataset writes: refuse it rather than read 1.
  if (/^(?:0|[1-9]\d*)$/.test(trimmed)) return Number(trimmed);
  return map.fileCodes?.[trimmed.toUpperCase()];
}

function decode(dataset: string, code: number | string): Emotion | UnknownLabelCodeError {
  const map = Object.hasOwn(LABEL_MAPS, dataset) ? LABEL_MAPS[dataset as LabelMapId] : undefined;
  if (!map) {
    return new UnknownLabelCodeError(
      { dataset, labelCode: code, excluded: false, validCodes: [], unknownDataset: true },
      `no label map for dataset "${dataset}"; use one of: ${Object.keys(LABEL_MAPS).join(', ')}`,
    );
  }
  const numeric = numericCode(map, code);
  const emotion =
    numeric === undefined || !Object.hasOwn(map.codes, numeric) ? undefined : map.codes[numeric];
  if (emotion) return emotion;
  const validCodes = Object.keys(map.codes).map(Number);
  const valid = validCodes.map((key) => `${key} ${map.codes[key]}`).join(', ');
  const files = map.fileCodes ? ` (or the file-name codes ${Object.keys(map.fileCodes).join(', ')})` : '';
  const excludedName =
    numeric === undefined || !Object.hasOwn(map.excludedCodes, numeric)
      ? undefined
      : map.excludedCodes[numeric];
  if (excludedName) {
    return new UnknownLabelCodeError(
      { dataset, labelCode: code, excluded: true, validCodes },
      `${map.title} code ${code} ("${excludedName}") names no emotion and is excluded from emotion recognition; skip the sample (label map "${dataset}", emotion codes: ${valid})`,
    );
  }
  return new UnknownLabelCodeError(
    { dataset, labelCode: code, excluded: false, validCodes },
    `${map.title} has no emotion code ${JSON.stringify(code)}; expected one of: ${valid}${files} (label map "${dataset}")`,
  );
}

/**
 * The canonical emotion of a dataset's label code: a number, a numeric string (`"4"`) or, for
 * JAFFE, a file-name code (`"HA"`). Throws {@link UnknownLabelCodeError} for an excluded code
 * (AffectNet 8-10, FERPlus 8-9), an unknown code or an unknown dataset, naming the dataset, the
 * code and the valid codes; with `{ safe: true }` returns null instead.
 */
export function decodeEmotionCode(dataset: LabelMapId | (string & {}), code: number | string): Emotion;
export function decodeEmotionCode(
  dataset: LabelMapId | (string & {}),
  code: number | string,
  options: DecodeEmotionCodeOptions,
): Emotion | null;
export function decodeEmotionCode(
  dataset: LabelMapId | (string & {}),
  code: number | string,
  options: DecodeEmotionCodeOptions = {},
): Emotion | null {
  const result = decode(dataset, code);
  if (typeof result === 'string') return result;
  if (options.safe) return null;
  throw result;
}

/** {@link decodeEmotionCode} that never throws: `{ success, value }` or `{ success, error }`. */
export function safeDecodeEmotionCode(
  dataset: LabelMapId | (string & {}),
  code: number | string,
): SafeDecodeEmotionCodeResult {
  const result = decode(dataset, code);
  return typeof result === 'string' ? { success: true, value: result } : { success: false, error: result };
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
/** The id of an AU vocabulary. */
export type AuVocabularyId = keyof typeof AU_VOCABULARIES;
