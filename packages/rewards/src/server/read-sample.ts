import { isFacsAu, toAuId } from '@facial-r1/facs';
import type { RewardSample } from '../reward-sample';

/** A problem with one field of a request, named by its dotted path (`items.3.sample.AUs.1`). */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** What the server accepts in a sample and whether mistakes are errors or warnings. */
export interface SampleRules {
  /** Emotion labels a sample may carry, lower-case; the empty label (AU-only data) always passes. */
  readonly emotions: ReadonlySet<string>;
  /** Unknown fields, labels and AU codes become warnings instead of errors. */
  readonly lenient: boolean;
}

/**
 * Fields a sample may carry: the reward reads `labels` and `AUs`; the other FEA-20K record
 * fields are accepted (and ignored) so a whole record can be sent as the sample.
 */
export const SAMPLE_FIELDS: ReadonlySet<string> = new Set([
  'labels',
  'AUs',
  'id',
  'dataset',
  'image',
  'question',
  'description',
  'meta_info',
  'is_valid',
]);

const ANSWER_TAG = /<\/?answer>/gi;

/** Thrown for a field that cannot be read whatever the leniency (a wrong type). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * Fields of `value` outside `allowed`: each an error, or a warning pushed to `warnings` when
 * the rules are lenient.
 */
export function checkKnownFields(
  value: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  path: string,
  rules: SampleRules,
  warnings: FieldIssue[],
): void {
  for (const key of Object.keys(value)) {
    if (allowed.has(key)) continue;
    const field = path ? `${path}.${key}` : key;
    const message = `unknown field; expected ${[...allowed].join(', ')}`;
    if (!rules.lenient) throw new FieldError(field, message);
    warnings.push({ field, message: `${field}: ${message} (ignored)` });
  }
}

/**
 * The reward sample in `value` (an object with `labels` and `AUs`), checked field by field:
 * wrong types are {@link FieldError}s; unknown fields, labels outside the emotion set and
 * unknown AU codes are errors too, or warnings when the rules are lenient. AU codes given as
 * numbers (`4`) or digits (`"4"`) become `AU4`; other spellings are kept as written.
 */
export function readSample(
  value: unknown,
  path: string,
  rules: SampleRules,
  warnings: FieldIssue[],
): RewardSample {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new FieldError(path, `expected an object { labels, AUs }, got ${describe(value)}`);
  const record = value as Record<string, unknown>;
  checkKnownFields(record, SAMPLE_FIELDS, path, rules, warnings);
  const mistake = (field: string, message: string) => {
    if (!rules.lenient) throw new FieldError(field, message);
    warnings.push({ field, message: `${field}: ${message}` });
  };
  let labels: string[] | undefined;
  if (record.labels !== undefined && record.labels !== null) {
    if (!Array.isArray(record.labels))
      throw new FieldError(`${path}.labels`, `expected an array of strings, got ${describe(record.labels)}`);
    labels = record.labels.map((label, index) => {
      const field = `${path}.labels.${index}`;
      if (typeof label !== 'string') throw new FieldError(field, `expected a string, got ${describe(label)}`);
      const bare = label.replace(ANSWER_TAG, '').trim().toLowerCase();
      if (bare && !rules.emotions.has(bare))
        mistake(
          field,
          `"${clip(label)}" is not an emotion label here; expected one of ${[...rules.emotions].join(', ')} (or "" without one)`,
        );
      return label;
    });
  }
  let aus: string[] | undefined;
  if (record.AUs !== undefined && record.AUs !== null) {
    if (!Array.isArray(record.AUs))
      throw new FieldError(`${path}.AUs`, `expected an array of AU ids, got ${describe(record.AUs)}`);
    aus = record.AUs.map((au, index) => {
      const field = `${path}.AUs.${index}`;
      if (typeof au === 'number') {
        if (!Number.isInteger(au) || au < 0)
          throw new FieldError(field, `expected an AU id like "AU4" or an AU number, got ${au}`);
        if (!isFacsAu(au)) mistake(field, `AU${au} is not a FACS Action Unit`);
        return `AU${au}`;
      }
      if (typeof au !== 'string')
        throw new FieldError(field, `expected an AU id like "AU4", got ${describe(au)}`);
      const id = toAuId(au);
      if (id === null) {
        mistake(field, `"${clip(au)}" is not an AU code; expected an id like "AU4"`);
        return au;
      }
      if (!isFacsAu(id)) mistake(field, `${clip(au)} is not a FACS Action Unit`);
      return /^\s*\d+\s*$/.test(au) ? id : au;
    });
  }
  return { ...(labels ? { labels } : {}), ...(aus ? { AUs: aus } : {}) };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string "${clip(value)}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
