import { ElementType, GraphBuilder } from '@facial-r1/tiny-models';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ModelFileError } from '../errors';
import { toFloat32, toFloatType } from './float-tensors';
import { readDecoderSignature, readEmbeddingType, readVisionSignature } from './graph-signature';

/** A session over a graph declaring the given inputs; its outputs echo inputs so the graph is valid. */
async function session(
  inputs: [string, number, (number | string)[]][],
  outputs: [string, string, number][],
): Promise<ort.InferenceSession> {
  const graph = new GraphBuilder('signature');
  for (const [name, type, shape] of inputs) graph.input(name, type, shape);
  for (const [name, from, type] of outputs) {
    graph.node('Identity', [from], {}, [name]);
    graph.output(name, type, inputs.find(([input]) => input === from)?.[2] ?? []);
  }
  return ort.InferenceSession.create(graph.encode());
}

const half = ElementType.float16;
const decoderInputs = (extra: [string, number, (number | string)[]][] = []) =>
  [
    ['inputs_embeds', half, ['batch_size', 'sequence_length', 16]],
    ['attention_mask', ElementType.int64, ['batch_size', 'total_sequence_length']],
    ['position_ids', ElementType.int64, [3, 'batch_size', 'sequence_length']],
    ['past_key_values.0.key', half, ['batch_size', 2, 'past_sequence_length', 8]],
    ['past_key_values.0.value', half, ['batch_size', 2, 'past_sequence_length', 8]],
    ['past_key_values.1.key', half, ['batch_size', 2, 'past_sequence_length', 8]],
    ['past_key_values.1.value', half, ['batch_size', 2, 'past_sequence_length', 8]],
    ...extra,
  ] as [string, number, (number | string)[]][];

describe('readDecoderSignature', () => {
  it('reads float16 IO, the GQA cache shape and the optional inputs from the session', async () => {
    const decoder = await session(
      decoderInputs([
        ['num_logits_to_keep', ElementType.int64, []],
        ['use_cache_branch', ElementType.bool, [1]],
      ]),
      [['logits', 'inputs_embeds', half]],
    );
    expect(readDecoderSignature('decoder.onnx', decoder, { kvHeads: 4, headDimension: 4 })).toEqual({
      embedsType: 'float16',
      cacheType: 'float16',
      logitsType: 'float16',
      layers: 2,
      kvHeads: 2,
      headDimension: 8,
      numLogitsToKeep: true,
      useCacheBranch: true,
    });
  });

  it('falls back to the config for symbolic cache dimensions', async () => {
    const decoder = await session(
      [
        ['inputs_embeds', ElementType.float, ['b', 's', 16]],
        ['attention_mask', ElementType.int64, ['b', 't']],
        ['position_ids', ElementType.int64, [3, 'b', 's']],
        ['past_key_values.0.key', ElementType.float, ['b', 'heads', 'p', 'dim']],
        ['past_key_values.0.value', ElementType.float, ['b', 'heads', 'p', 'dim']],
      ],
      [['logits', 'inputs_embeds', ElementType.float]],
    );
    expect(readDecoderSignature('d.onnx', decoder, { kvHeads: 3, headDimension: 6 })).toMatchObject({
      embedsType: 'float32',
      kvHeads: 3,
      headDimension: 6,
      numLogitsToKeep: false,
      useCacheBranch: false,
    });
  });

  it('names the graph and the input it cannot feed', async () => {
    const decoder = await session(decoderInputs([['token_type_ids', ElementType.int64, ['b', 's']]]), [
      ['logits', 'inputs_embeds', half],
    ]);
    const read = () =>
      readDecoderSignature('/m/onnx/decoder_model_merged.onnx', decoder, { kvHeads: 2, headDimension: 8 });
    expect(read).toThrow(ModelFileError);
    expect(read).toThrow(/decoder_model_merged\.onnx.*token_type_ids/);
  });

  it('rejects a decoder whose embeddings are not float', async () => {
    const inputs = decoderInputs();
    inputs[0] = ['inputs_embeds', ElementType.int64, ['b', 's', 16]];
    const decoder = await session(inputs, [['logits', 'past_key_values.0.key', half]]);
    expect(() => readDecoderSignature('d.onnx', decoder, { kvHeads: 2, headDimension: 8 })).toThrow(
      /inputs_embeds has element type int64; expected float32 or float16/,
    );
  });
});

describe('readVisionSignature and readEmbeddingType', () => {
  it('takes the grid input name from the graph and the pixel type as declared', async () => {
    const vision = await session(
      [
        ['pixel_values', half, ['patches', 1176]],
        ['image_grid_thw', ElementType.int64, ['images', 3]],
      ],
      [['image_features', 'pixel_values', half]],
    );
    expect(readVisionSignature('v.onnx', vision)).toEqual({
      pixelType: 'float16',
      gridInputName: 'image_grid_thw',
    });
    const embed = await session(
      [['input_ids', ElementType.int64, ['b', 's']]],
      [['inputs_embeds', 'input_ids', ElementType.int64]],
    );
    expect(() => readEmbeddingType('e.onnx', embed)).toThrow(/e\.onnx: output inputs_embeds/);
  });

  it('refuses a vision encoder without a grid input', async () => {
    const vision = await session(
      [['pixel_values', ElementType.float, ['p', 1176]]],
      [['image_features', 'pixel_values', ElementType.float]],
    );
    expect(() => readVisionSignature('v.onnx', vision)).toThrow(/no image-grid input/);
  });
});

describe('float16 conversion', () => {
  it('round-trips every finite half value and rounds floats to nearest even', () => {
    const bits = Uint16Array.from({ length: 0x7c00 }, (_, i) => i);
    expect(Array.from(toFloatType(toFloat32(bits), 'float16') as Uint16Array)).toEqual(Array.from(bits));
    const values = Float32Array.of(1, -2, 65504, 1e6, 2 ** -24, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1);
    expect(Array.from(toFloatType(values, 'float16') as Uint16Array)).toEqual([
      0x3c00, 0xc000, 0x7bff, 0x7c00, 1, 0x3c00, 0x3c02, 0x2e66,
    ]);
    const same = new Float32Array(2);
    expect(toFloat32(same)).toBe(same);
  });
});
