import { FeaError } from '@facial-r1/spec';
import type { RewardSample } from './reward-sample';

/** The labels a reward reads, as every engine row carries them. */
export interface GroundTruth {
  /** Emotion labels; the first is the ground truth. Empty for AU-only datasets. */
  readonly labels: readonly string[];
  /** Ground-truth AU ids (`AU1`, `AU12`, ...). Empty when the dataset has no AU labels. */
  readonly AUs: readonly string[];
}

/** A ground-truth string that claims to be the codec's JSON form and is not. */
export class GroundTruthDecodeError extends FeaError {
  constructor(message: string) {
    super('rewards/invalid-ground-truth', message);
  }
}

/**
 * Encodes a sample's labels as the ground-truth string every engine row carries (verl
 * `reward_model.ground_truth`, EasyR1 `answer`, OpenRLHF `label`, TRL `ground_truth`):
 * compact JSON `{"labels":[...],"AUs":[...]}`, keys in that order. The reward server and the
 * Python bridges (`_facial_r1_client.decode_sample`) decode it with {@link decodeGroundTruth}'s
 * rules.
 */
export function encodeGroundTruth(sample: RewardSample): string {
  return JSON.stringify({ labels: [...(sample.labels ?? [])], AUs: [...(sample.AUs ?? [])] });
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

function fromObject(value: Record<string, unknown>, shown: string): GroundTruth {
  const { labels = [], AUs = [] } = value;
  if (!isStringArray(labels))
    throw new GroundTruthDecodeError(`ground truth ${shown}: "labels" must be a list of strings`);
  if (!isStringArray(AUs))
    throw new GroundTruthDecodeError(`ground truth ${shown}: "AUs" must be a list of strings`);
  return { labels, AUs };
}

/**
 * The one reading of a ground-truth string, shared by {@link decodeGroundTruth} and the reward
 * server (which then checks the fields): a string that starts with `{` is the codec's JSON form
 * (malformed JSON throws {@link GroundTruthDecodeError}); anything else is a bare emotion label.
 */
export function readGroundTruthText(
  value: string,
): { readonly json: unknown; readonly shown: string } | { readonly label: string } {
  const text = value.trim();
  if (!text.startsWith('{')) return { label: text };
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  try {
    return { json: JSON.parse(text), shown };
  } catch (error) {
    throw new GroundTruthDecodeError(`ground truth ${shown}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Decodes a ground truth: the codec's JSON string, an object `{ labels?, AUs? }` (already
 * decoded by the engine), or a bare emotion label (`"happiness"` -> `{ labels: ["happiness"],
 * AUs: [] }`; an empty string or null/undefined -> no labels). A string that starts with `{`
 * must be the JSON form: malformed JSON or wrongly typed fields throw
 * {@link GroundTruthDecodeError} rather than being scored as a label.
 */
export function decodeGroundTruth(value: unknown): GroundTruth {
  if (value === null || value === undefined) return { labels: [], AUs: [] };
  if (typeof value === 'object' && !Array.isArray(value)) {
    return fromObject(value as Record<string, unknown>, '(object)');
  }
  if (typeof value !== 'string') {
    throw new GroundTruthDecodeError(
      `ground truth must be a string or an object, got ${Array.isArray(value) ? 'a list' : typeof value}`,
    );
  }
  const read = readGroundTruthText(value);
  if ('label' in read) return { labels: read.label ? [read.label] : [], AUs: [] };
  const { json: parsed, shown } = read;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GroundTruthDecodeError(`ground truth ${shown}: expected a JSON object`);
  }
  return fromObject(parsed as Record<string, unknown>, shown);
}
