import { decodeGroundTruth, readGroundTruthText } from '../label-codec';
import type { RewardSample } from '../reward-sample';
import { jsonDeeperThan } from './json-depth';
import { type FieldIssue, FieldError, readSample, type SampleRules } from './read-sample';

// Chat-template special tokens of Qwen2/2.5(-VL) and the common ones of other templates.
const SPECIAL_TOKEN =
  /<\|(?:im_start|im_end|endoftext|vision_start|vision_end|image_pad|video_pad|vision_pad|object_ref_start|object_ref_end|box_start|box_end|quad_start|quad_end|fim_prefix|fim_middle|fim_suffix|fim_pad|repo_name|file_sep|eot_id|begin_of_text|end_of_text|start_header_id|end_header_id)\|>|<\/s>|<s>|<pad>/g;
const ASSISTANT_TURN = '<|im_start|>assistant\n';

/**
 * The model's response inside an OpenRLHF `query` (prompt + response, special tokens kept):
 * the text after the prompt when the query starts with it, else after the last assistant
 * turn marker; chat special tokens removed and the ends trimmed.
 */
export function extractResponse(query: string, prompt?: string): string {
  let response: string;
  if (prompt && query.startsWith(prompt)) response = query.slice(prompt.length);
  else {
    const turn = query.lastIndexOf(ASSISTANT_TURN);
    response = turn >= 0 ? query.slice(turn + ASSISTANT_TURN.length) : query;
  }
  return response.replace(SPECIAL_TOKEN, '').trim();
}

/**
 * The sample carried by an OpenRLHF label: the ground-truth string of `./label-codec`, an
 * object, or a bare emotion label.
 * @deprecated Kept for existing callers: it is {@link decodeGroundTruth}, the one codec.
 */
export const decodeLabel: (label: unknown) => RewardSample = decodeGroundTruth;

/**
 * An OpenRLHF label read and checked as the server does for `/score` samples: objects and
 * JSON-object strings go through {@link readSample}; a bare string must be an emotion label.
 * @throws FieldError naming `labels.<index>...` for what cannot be read or is refused
 */
export function readOpenRlhfLabel(
  label: unknown,
  index: number,
  rules: SampleRules & { readonly maxJsonDepth: number },
  warnings: FieldIssue[],
): RewardSample {
  const path = `labels.${index}`;
  if (label === undefined || label === null) return {};
  if (typeof label === 'object') return readSample(label, path, rules, warnings);
  if (typeof label !== 'string')
    throw new FieldError(path, `expected the sample as a JSON object or a string, got ${typeof label}`);
  if (label.trimStart().startsWith('{') && jsonDeeperThan(label, rules.maxJsonDepth))
    throw new FieldError(path, `JSON nested deeper than ${rules.maxJsonDepth} levels (maxJsonDepth)`);
  let read: ReturnType<typeof readGroundTruthText>;
  try {
    read = readGroundTruthText(label);
  } catch (error) {
    throw new FieldError(path, (error as Error).message);
  }
  if ('json' in read) return readSample(read.json, path, rules, warnings);
  const text = read.label;
  if (
    text &&
    !rules.emotions.has(
      text
        .replace(/<\/?answer>/gi, '')
        .trim()
        .toLowerCase(),
    )
  ) {
    const message = `"${text.length > 40 ? `${text.slice(0, 40)}...` : text}" is neither a sample as JSON nor an emotion label (${[...rules.emotions].join(', ')})`;
    if (!rules.lenient) throw new FieldError(path, message);
    warnings.push({ field: path, message: `${path}: ${message}` });
  }
  return { labels: text ? [text] : [], AUs: [] };
}
