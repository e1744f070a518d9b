import type * as ort from 'onnxruntime-node';
import { ModelFileError } from '../errors';
import type { FloatType } from './float-tensors';

/** What the decoder graph declares: the inputs it takes and their element types and shapes. */
export interface DecoderSignature {
  /** Element type of `inputs_embeds`. */
  readonly embedsType: FloatType;
  /** Element type of `past_key_values.*` / `present.*`. */
  readonly cacheType: FloatType;
  /** Element type of `logits`. */
  readonly logitsType: FloatType;
  /** Decoder layers (pairs of `past_key_values.{i}.key/value`). */
  readonly layers: number;
  /** Key/value heads of the cache (dimension 1 of a past input, else the config's). */
  readonly kvHeads: number;
  /** Head size of the cache (dimension 3 of a past input, else the config's). */
  readonly headDimension: number;
  /** The graph takes `num_logits_to_keep` (newer exports): 1 computes the last position only. */
  readonly numLogitsToKeep: boolean;
  /** The graph takes `use_cache_branch` (older merged exports). */
  readonly useCacheBranch: boolean;
}

/** What the vision encoder declares. */
export interface VisionSignature {
  /** Element type of `pixel_values`. */
  readonly pixelType: FloatType;
  /** The name of its image-grid input (`grid_thw` in Qwen2-VL exports, `image_grid_thw` in Qwen2.5-VL). */
  readonly gridInputName: string;
}

type Metadata = ort.InferenceSession.ValueMetadata;

function tensorMetadata(session: ort.InferenceSession, kind: 'input' | 'output'): Map<string, Metadata> {
  const list = kind === 'input' ? session.inputMetadata : session.outputMetadata;
  return new Map(list.map((meta) => [meta.name, meta]));
}

function floatTypeOf(file: string, meta: Metadata | undefined, name: string, kind: string): FloatType {
  if (!meta)
    throw new ModelFileError(file, `${file}: the graph has no ${kind} ${name}; re-export the model.`);
  const type = meta.isTensor ? meta.type : undefined;
  if (type === 'float32' || type === 'float16') return type;
  throw new ModelFileError(
    file,
    `${file}: ${kind} ${name} has element type ${String(type)}; expected float32 or float16.`,
  );
}

const KNOWN_DECODER_INPUTS = new Set([
  'inputs_embeds',
  'attention_mask',
  'position_ids',
  'num_logits_to_keep',
  'use_cache_branch',
]);

/**
 * Reads the decoder's input and output metadata from its session (names, element types, shapes).
 * @throws ModelFileError when the graph lacks an input the runtime must feed or asks for one it cannot
 */
export function readDecoderSignature(
  file: string,
  session: ort.InferenceSession,
  config: { kvHeads: number; headDimension: number },
): DecoderSignature {
  const inputs = tensorMetadata(session, 'input');
  const outputs = tensorMetadata(session, 'output');
  const pastKeys = [...inputs.keys()].filter((name) => /^past_key_values\.\d+\.key$/.test(name));
  for (const name of inputs.keys()) {
    if (!KNOWN_DECODER_INPUTS.has(name) && !/^past_key_values\.\d+\.(key|value)$/.test(name)) {
      throw new ModelFileError(
        file,
        `${file}: the decoder takes an input ${name} this runtime does not know how to feed (it feeds ${[...KNOWN_DECODER_INPUTS].join(', ')}, past_key_values.*); is this a Qwen2-VL / Qwen2.5-VL decoder_model_merged export?`,
      );
    }
  }
  for (const required of ['attention_mask', 'position_ids']) {
    if (!inputs.has(required))
      throw new ModelFileError(file, `${file}: the decoder has no input ${required}; re-export the model.`);
  }
  const first = inputs.get('past_key_values.0.key');
  const shape = first?.isTensor ? first.shape : [];
  const fixed = (value: unknown, fallback: number) =>
    typeof value === 'number' && value > 0 ? value : fallback;
  return {
    embedsType: floatTypeOf(file, inputs.get('inputs_embeds'), 'inputs_embeds', 'input'),
    cacheType: floatTypeOf(file, first, 'past_key_values.0.key', 'input'),
    logitsType: floatTypeOf(file, outputs.get('logits'), 'logits', 'output'),
    layers: pastKeys.length,
    kvHeads: fixed(shape[1], config.kvHeads),
    headDimension: fixed(shape[3], config.headDimension),
    numLogitsToKeep: inputs.has('num_logits_to_keep'),
    useCacheBranch: inputs.has('use_cache_branch'),
  };
}

/**
 * Reads the vision encoder's pixel type and grid input name from its session.
 * @throws ModelFileError when it has no `pixel_values` or no grid input
 */
export function readVisionSignature(file: string, session: ort.InferenceSession): VisionSignature {
  const inputs = tensorMetadata(session, 'input');
  const pixelType = floatTypeOf(file, inputs.get('pixel_values'), 'pixel_values', 'input');
  const grid = [...inputs.keys()].find((name) => name !== 'pixel_values');
  if (!grid) {
    throw new ModelFileError(
      file,
      `${file}: the vision encoder has no image-grid input (grid_thw or image_grid_thw); re-export the model.`,
    );
  }
  return { pixelType, gridInputName: grid };
}

/** The float type of the embedding graph's output. */
export function readEmbeddingType(file: string, session: ort.InferenceSession): FloatType {
  return floatTypeOf(file, tensorMetadata(session, 'output').get('inputs_embeds'), 'inputs_embeds', 'output');
}
