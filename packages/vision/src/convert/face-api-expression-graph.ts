import { readFile } from 'node:fs/promises';
import { ModelFormatError } from '../errors';
import {
  decodeTfjsWeights,
  readWeightGroups,
  type TfjsGraphModel,
  type TfjsNode,
} from './read-tfjs-graph-model';

/** Input side of face-api's faceExpressionNet (RGB, NHWC). */
export const FACE_API_EXPRESSION_INPUT_SIZE = 112;
/** Per-channel RGB mean face-api subtracts before dividing by 255. */
export const FACE_API_EXPRESSION_MEAN_RGB = [122.782, 117.001, 104.298] as const;
/** faceExpressionNet's classes in its output order, mapped to the project's emotion names. */
export const FACE_API_EXPRESSION_LABELS = [
  'neutral',
  'happiness',
  'sadness',
  'anger',
  'fear',
  'disgust',
  'surprise',
] as const;

const base64 = (text: string) => Buffer.from(text).toString('base64');
const ints = (values: number[]) => ({ list: { i: values } });

/**
 * Builds faceExpressionNet of `@vladmandic/face-api` as a TFJS graph (the nodes TensorFlow would
 * trace), from its weights manifest (`face_expression_model-weights_manifest.json`), so that
 * {@link convertTfjsToOnnx} can turn it into ONNX. face-api ships this model as bare weights: the
 * architecture is its FaceFeatureExtractor (four dense blocks of one 3x3 stride-2 convolution -
 * separable from the second block on - and three separable 3x3 convolutions with dense residual
 * sums, ReLU after each sum), a 7x7 stride-2 average pool to 1x1x256, a fully connected layer to 7
 * logits and a softmax. Input: `[batch, 112, 112, 3]`, `(rgb255 - FACE_API_EXPRESSION_MEAN_RGB) / 255`.
 * Output `Softmax`: probabilities in {@link FACE_API_EXPRESSION_LABELS} order.
 *
 * @throws {ModelFormatError} when the manifest or its shard is unreadable or lacks a weight.
 */
export async function readFaceApiExpressionModel(manifestPath: string): Promise<TfjsGraphModel> {
  let jsonBytes: Uint8Array;
  let manifest: TfjsGraphModel['json']['weightsManifest'];
  try {
    jsonBytes = await readFile(manifestPath);
    manifest = JSON.parse(new TextDecoder().decode(jsonBytes));
  } catch (error) {
    throw new ModelFormatError(
      `Cannot read face-api weights manifest ${manifestPath}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (!Array.isArray(manifest))
    throw new ModelFormatError(
      `${manifestPath} is not a face-api weights manifest (expected a JSON array of groups)`,
    );
  const files = [{ path: manifestPath, bytes: jsonBytes }];
  const groupBytes = await readWeightGroups(manifest, manifestPath, files);
  const weights = decodeTfjsWeights(manifest, groupBytes, manifestPath);
  const need = (name: string) => {
    if (!weights.has(name))
      throw new ModelFormatError(
        `${manifestPath}: weight "${name}" is missing; expected faceExpressionNet's weights`,
      );
    return name;
  };

  const nodes: TfjsNode[] = [
    {
      name: 'input',
      op: 'Placeholder',
      attr: {
        shape: {
          shape: {
            dim: [
              { size: -1 },
              { size: FACE_API_EXPRESSION_INPUT_SIZE },
              { size: FACE_API_EXPRESSION_INPUT_SIZE },
              { size: 3 },
            ],
          },
        },
      },
    },
  ];
  const add = (node: TfjsNode) => {
    nodes.push(node);
    return node.name;
  };
  const spatial = (stride: number) => ({
    padding: { s: base64('SAME') },
    data_format: { s: base64('NHWC') },
    strides: ints([1, stride, stride, 1]),
    dilations: ints([1, 1, 1, 1]),
  });
  const separable = (input: string, prefix: string, stride: number) => {
    const depthwise = add({
      name: `${prefix}/depthwise`,
      op: 'DepthwiseConv2dNative',
      input: [input, need(`${prefix}/depthwise_filter`)],
      attr: spatial(stride),
    });
    const pointwise = add({
      name: `${prefix}/pointwise`,
      op: 'Conv2D',
      input: [depthwise, need(`${prefix}/pointwise_filter`)],
      attr: spatial(1),
    });
    return add({ name: `${prefix}/out`, op: 'BiasAdd', input: [pointwise, need(`${prefix}/bias`)] });
  };
  const sum = (name: string, terms: string[]) =>
    terms.reduceRight((right, left, index) =>
      index === terms.length - 1
        ? right
        : add({ name: `${name}/sum${index}`, op: 'AddV2', input: [left, right] }),
    );
  const relu = (name: string, input: string) => add({ name, op: 'Relu', input: [input] });

  let x = 'input';
  for (let block = 0; block < 4; block++) {
    const prefix = `dense${block}`;
    let first: string;
    if (block === 0) {
      const conv = add({
        name: `${prefix}/conv0/conv`,
        op: 'Conv2D',
        input: [x, need(`${prefix}/conv0/filters`)],
        attr: spatial(2),
      });
      first = add({
        name: `${prefix}/conv0/out`,
        op: 'BiasAdd',
        input: [conv, need(`${prefix}/conv0/bias`)],
      });
    } else {
      first = separable(x, `${prefix}/conv0`, 2);
    }
    const out1 = relu(`${prefix}/out1`, first);
    const out2 = separable(out1, `${prefix}/conv1`, 1);
    const in3 = relu(`${prefix}/in3`, sum(`${prefix}/in3`, [out1, out2]));
    const out3 = separable(in3, `${prefix}/conv2`, 1);
    const in4 = relu(`${prefix}/in4`, sum(`${prefix}/in4`, [out1, out2, out3]));
    const out4 = separable(in4, `${prefix}/conv3`, 1);
    x = relu(`${prefix}/relu`, sum(`${prefix}/final`, [out1, out2, out3, out4]));
  }
  const pooled = add({
    name: 'pool',
    op: 'AvgPool',
    input: [x],
    attr: {
      padding: { s: base64('VALID') },
      data_format: { s: base64('NHWC') },
      ksize: ints([1, 7, 7, 1]),
      strides: ints([1, 2, 2, 1]),
    },
  });
  weights.set('flatten/shape', { dtype: 'int32', shape: [2], data: Int32Array.from([-1, 256]) });
  const flat = add({ name: 'flatten', op: 'Reshape', input: [pooled, 'flatten/shape'] });
  const logits = add({ name: 'fc/matmul', op: 'MatMul', input: [flat, need('fc/weights')] });
  const biased = add({ name: 'fc/out', op: 'BiasAdd', input: [logits, need('fc/bias')] });
  add({ name: 'Softmax', op: 'Softmax', input: [biased] });
  return {
    json: { format: 'face-api-weights', modelTopology: { node: nodes }, weightsManifest: manifest },
    weights,
    files,
  };
}
