import onnxProto from 'onnx-proto';
import { ModelFormatError, UnsupportedOpError } from '../errors';
import type { TfjsAttribute, TfjsGraphModel, TfjsNode } from './read-tfjs-graph-model';

const { onnx } = onnxProto;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

/** The TFJS graph ops this converter handles. */
export const SUPPORTED_TFJS_OPS = [
  'Const',
  'Placeholder',
  'Identity',
  'Conv2D',
  '_FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2dNative',
  'MaxPool',
  'AvgPool',
  'AddV2',
  'Add',
  'BiasAdd',
  'Mul',
  'Sub',
  'RealDiv',
  'Maximum',
  'Minimum',
  'Relu',
  'Relu6',
  'Elu',
  'LeakyRelu',
  'Prelu',
  'Sigmoid',
  'Tanh',
  'Pad',
  'PadV2',
  'MirrorPad',
  'Reshape',
  'Squeeze',
  'ExpandDims',
  'Mean',
  'Sum',
  'Max',
  'Softmax',
  'ConcatV2',
  'StridedSlice',
  'Transpose',
  'ResizeBilinear',
  'MatMul',
] as const;

/** Options of {@link convertTfjsToOnnx}. */
export interface ConvertTfjsToOnnxOptions {
  /** Name written into the ONNX graph. Default `tfjs-graph`. */
  graphName?: string;
  /** ONNX opset. Default 13 (the lowest the emitted op forms need). */
  opset?: number;
}

/** The result of a conversion: serialized ONNX bytes plus the names of the graph's inputs and outputs. */
export interface ConvertedOnnxModel {
  /** `ModelProto` bytes, ready for `InferenceSession.create`. */
  bytes: Uint8Array;
  /** ONNX input names (the TFJS placeholder names), in graph order; layout stays NHWC as in TF. */
  inputs: string[];
  /** ONNX output names (the TFJS node names, `:k` suffix for k > 0), sorted. */
  outputs: string[];
}

const decodeString = (value: string | undefined) =>
  value ? Buffer.from(value, 'base64').toString('utf8') : '';
const attributeInts = (node: TfjsNode, key: string) =>
  (node.attr?.[key]?.list?.i ?? []).map((value) => Number(value));
const attributeString = (node: TfjsNode, key: string) => decodeString(node.attr?.[key]?.s);
const attributeNumber = (node: TfjsNode, key: string, fallback: number) => {
  const attribute: TfjsAttribute | undefined = node.attr?.[key];
  if (attribute?.f !== undefined) return Number(attribute.f);
  if (attribute?.i !== undefined) return Number(attribute.i);
  return fallback;
};

/** Tensor name of a TF input reference: `node` -> `node`, `node:0` -> `node`, `node:2` -> `node:2`. */
const tensorName = (reference: string) => (reference.endsWith(':0') ? reference.slice(0, -2) : reference);

/**
 * Converts a TFJS graph model into an ONNX model that computes the same function with the same
 * NHWC input and output layouts. Spatial ops (convolutions, pooling, resize) run in NCHW between a
 * pair of Transposes; onnxruntime's transpose optimizer cancels the back-to-back pairs, so the
 * converted graph runs in NCHW end to end. Everything else keeps TF's NHWC semantics exactly,
 * which is what makes reshapes, pads and reductions safe to translate one to one.
 *
 * @throws {UnsupportedOpError} for an op outside {@link SUPPORTED_TFJS_OPS} (or an unsupported attribute).
 */
export function convertTfjsToOnnx(
  model: TfjsGraphModel,
  options: ConvertTfjsToOnnxOptions = {},
): ConvertedOnnxModel {
  const nodes = model.json.modelTopology.node;
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const onnxNodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const initializerNames = new Set<string>();
  let counter = 0;
  const fresh = (base: string) => `${base}__${counter++}`;

  const constant = (reference: string, consumer: TfjsNode) => {
    const name = tensorName(reference);
    const weight = model.weights.get(name);
    if (weight) return weight;
    const node = byName.get(name);
    if (node?.op === 'Const' && node.attr?.value?.tensor) {
      throw new UnsupportedOpError(
        'Const',
        name,
        'inline tensor constants are not supported; expected weights in the manifest',
      );
    }
    throw new UnsupportedOpError(consumer.op, consumer.name, `input "${reference}" must be a constant`);
  };
  const constantInts = (reference: string, consumer: TfjsNode) =>
    Array.from(constant(reference, consumer).data);

  const addInitializer = (
    name: string,
    dims: number[],
    data: Float32Array | number[],
    type: 'float' | 'int64',
  ) => {
    if (initializerNames.has(name)) return name;
    initializerNames.add(name);
    const tensor = new onnx.TensorProto({ name, dims });
    if (type === 'float') {
      tensor.dataType = onnx.TensorProto.DataType.FLOAT;
      const floats = data instanceof Float32Array ? data : Float32Array.from(data);
      tensor.rawData = new Uint8Array(
        floats.buffer.slice(floats.byteOffset, floats.byteOffset + floats.byteLength),
      );
    } else {
      tensor.dataType = onnx.TensorProto.DataType.INT64;
      tensor.rawData = new Uint8Array(BigInt64Array.from(Array.from(data, (value) => BigInt(value))).buffer);
    }
    initializers.push(tensor);
    return name;
  };
  const int64Constant = (values: number[]) =>
    addInitializer(`const_i64_${values.join('_').replaceAll('-', 'm')}`, [values.length], values, 'int64');
  const floatScalar = (value: number) => addInitializer(`const_f32_${value}`, [], [value], 'float');

  /** A tensor reference; a constant weight becomes an initializer of the same name. */
  const operand = (reference: string) => {
    const weight = model.weights.get(reference);
    if (!weight) return reference;
    return addInitializer(reference, weight.shape, Float32Array.from(weight.data), 'float');
  };

  const emit = (
    opType: string,
    inputs: string[],
    outputs: string[],
    attributes: Record<string, number | number[] | string | { floats: number[] }> = {},
  ) => {
    const attribute = Object.entries(attributes).map(([name, value]) => {
      if (typeof value === 'string')
        return new onnx.AttributeProto({
          name,
          type: onnx.AttributeProto.AttributeType.STRING,
          s: Buffer.from(value),
        });
      if (Array.isArray(value))
        return new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: value });
      if (typeof value === 'object')
        return new onnx.AttributeProto({
          name,
          type: onnx.AttributeProto.AttributeType.FLOATS,
          floats: value.floats,
        });
      return Number.isInteger(value) && !['alpha', 'beta', 'epsilon'].includes(name)
        ? new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.INT, i: value })
        : new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value });
    });
    onnxNodes.push(
      new onnx.NodeProto({ opType, input: inputs, output: outputs, name: outputs[0], attribute }),
    );
    return outputs[0] as string;
  };

  const toNchw = (input: string) =>
    emit('Transpose', [input], [fresh(`${input}_nchw`)], { perm: [0, 3, 1, 2] });
  const toNhwc = (input: string, output: string) =>
    emit('Transpose', [input], [output], { perm: [0, 2, 3, 1] });

  const applyActivation = (
    activation: string,
    input: string,
    output: string,
    node: TfjsNode,
    extra: string[],
  ) => {
    switch (activation) {
      case 'Relu':
        return emit('Relu', [input], [output]);
      case 'Relu6':
        return emit('Clip', [input, floatScalar(0), floatScalar(6)], [output]);
      case 'Sigmoid':
        return emit('Sigmoid', [input], [output]);
      case 'Tanh':
        return emit('Tanh', [input], [output]);
      case 'Elu':
        return emit('Elu', [input], [output], { alpha: 1 });
      case 'LeakyRelu':
        return emit('LeakyRelu', [input], [output], { alpha: attributeNumber(node, 'leakyrelu_alpha', 0.2) });
      case 'Prelu': {
        const alpha = extra[0];
        if (!alpha) throw new UnsupportedOpError(node.op, node.name, 'Prelu fusion without an alpha input');
        return emit('PRelu', [input, alpha], [output]);
      }
      default:
        throw new UnsupportedOpError(node.op, node.name, `fused activation "${activation}"`);
    }
  };

  const spatialPadding = (node: TfjsNode): Record<string, string | number[]> => {
    const padding = attributeString(node, 'padding');
    if (padding === 'SAME') return { auto_pad: 'SAME_UPPER' };
    if (padding === 'VALID') return { auto_pad: 'VALID' };
    if (padding === 'EXPLICIT') {
      const explicit = attributeInts(node, 'explicit_paddings');
      return { pads: [explicit[2] ?? 0, explicit[4] ?? 0, explicit[3] ?? 0, explicit[5] ?? 0] };
    }
    throw new UnsupportedOpError(node.op, node.name, `padding "${padding}"`);
  };
  const checkLayout = (node: TfjsNode) => {
    const layout = attributeString(node, 'data_format');
    if (layout && layout !== 'NHWC')
      throw new UnsupportedOpError(node.op, node.name, `data_format "${layout}" (expected NHWC)`);
  };

  const convolution = (node: TfjsNode, depthwise: boolean) => {
    checkLayout(node);
    const inputs = (node.input ?? []).filter((reference) => !reference.startsWith('^'));
    const [x, filterReference, ...rest] = inputs;
    if (!x || !filterReference)
      throw new ModelFormatError(`node "${node.name}" (${node.op}) has fewer than 2 inputs`);
    const filter = constant(filterReference, node);
    const [height, width, channelsIn, channelsOut] = filter.shape as [number, number, number, number];
    const weights = new Float32Array(filter.data.length);
    // TF HWIO (or H W Cin multiplier) -> ONNX OIHW (depthwise: [Cin*multiplier, 1, H, W]).
    const outputs = depthwise ? channelsIn * channelsOut : channelsOut;
    const inputsPerGroup = depthwise ? 1 : channelsIn;
    for (let h = 0; h < height; h++)
      for (let w = 0; w < width; w++)
        for (let i = 0; i < channelsIn; i++)
          for (let o = 0; o < channelsOut; o++) {
            const source = ((h * width + w) * channelsIn + i) * channelsOut + o;
            const outChannel = depthwise ? i * channelsOut + o : o;
            const inChannel = depthwise ? 0 : i;
            weights[((outChannel * inputsPerGroup + inChannel) * height + h) * width + w] = filter.data[
              source
            ] as number;
          }
    const weightName = addInitializer(
      `${node.name}/weights`,
      [outputs, inputsPerGroup, height, width],
      weights,
      'float',
    );
    const fused = (node.attr?.fused_ops?.list?.s ?? []).map(decodeString);
    const convInputs = [toNchw(tensorName(x)), weightName];
    let extras = rest.map(tensorName);
    if (fused[0] === 'BiasAdd') {
      const bias = constant(rest[0] as string, node);
      convInputs.push(addInitializer(`${node.name}/bias`, [outputs], bias.data as Float32Array, 'float'));
      extras = extras.slice(1);
    } else if (fused.length > 0) {
      throw new UnsupportedOpError(
        node.op,
        node.name,
        `fused ops [${fused.join(', ')}] (expected BiasAdd first)`,
      );
    }
    extras = extras.map(operand);
    const strides = attributeInts(node, 'strides');
    const dilations = attributeInts(node, 'dilations');
    const convOutput = emit('Conv', convInputs, [fresh(`${node.name}_conv`)], {
      ...spatialPadding(node),
      strides: [strides[1] ?? 1, strides[2] ?? 1],
      dilations: [dilations[1] ?? 1, dilations[2] ?? 1],
      kernel_shape: [height, width],
      group: depthwise ? channelsIn : 1,
    });
    const activation = fused[1];
    if (!activation) return toNhwc(convOutput, node.name);
    const nhwc = toNhwc(convOutput, fresh(`${node.name}_nhwc`));
    return applyActivation(activation, nhwc, node.name, node, extras);
  };

  const graphInputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  const consumed = new Set<string>();
  for (const node of nodes)
    for (const reference of node.input ?? []) consumed.add(tensorName(reference.replace(/^\^/, '')));

  for (const node of nodes) {
    const inputs = (node.input ?? []).filter((reference) => !reference.startsWith('^')).map(tensorName);
    const [first = '', second = ''] = inputs;
    switch (node.op) {
      case 'Const':
        break;
      case 'Placeholder': {
        const dims = (node.attr?.shape?.shape?.dim ?? []).map((dim, index) =>
          Number(dim.size) >= 0
            ? { dimValue: Number(dim.size) }
            : { dimParam: index === 0 ? 'batch' : `dim${index}` },
        );
        graphInputs.push(
          new onnx.ValueInfoProto({
            name: node.name,
            type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims } } },
          }),
        );
        break;
      }
      case 'Identity':
        emit('Identity', [first], [node.name]);
        break;
      case 'Conv2D':
      case '_FusedConv2D':
        convolution(node, false);
        break;
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        convolution(node, true);
        break;
      case 'MaxPool':
      case 'AvgPool': {
        checkLayout(node);
        const size = attributeInts(node, 'ksize');
        const strides = attributeInts(node, 'strides');
        const pooled = emit(
          node.op === 'MaxPool' ? 'MaxPool' : 'AveragePool',
          [toNchw(first)],
          [fresh(node.name)],
          {
            ...spatialPadding(node),
            kernel_shape: [size[1] ?? 1, size[2] ?? 1],
            strides: [strides[1] ?? 1, strides[2] ?? 1],
          },
        );
        toNhwc(pooled, node.name);
        break;
      }
      case 'AddV2':
      case 'Add':
      case 'BiasAdd':
      case 'Mul':
      case 'Sub':
      case 'RealDiv':
      case 'Maximum':
      case 'Minimum': {
        const opType = {
          AddV2: 'Add',
          Add: 'Add',
          BiasAdd: 'Add',
          Mul: 'Mul',
          Sub: 'Sub',
          RealDiv: 'Div',
          Maximum: 'Max',
          Minimum: 'Min',
        }[node.op];
        emit(opType, [operand(first), operand(second)], [node.name]);
        break;
      }
      case 'Relu':
      case 'Relu6':
      case 'Sigmoid':
      case 'Tanh':
      case 'Elu':
      case 'LeakyRelu':
        applyActivation(node.op, first, node.name, node, []);
        break;
      case 'Prelu': {
        const alpha = constant(second, node);
        applyActivation('Prelu', first, node.name, node, [
          addInitializer(second, alpha.shape, alpha.data as Float32Array, 'float'),
        ]);
        break;
      }
      case 'Pad':
      case 'PadV2':
      case 'MirrorPad': {
        const paddings = constantInts(second, node);
        const rank = paddings.length / 2;
        const pads = [
          ...Array.from({ length: rank }, (_, axis) => paddings[axis * 2] as number),
          ...Array.from({ length: rank }, (_, axis) => paddings[axis * 2 + 1] as number),
        ];
        const padInputs = [first, int64Constant(pads)];
        let mode = 'constant';
        if (node.op === 'PadV2')
          padInputs.push(floatScalar(Number(constant(inputs[2] as string, node).data[0])));
        if (node.op === 'MirrorPad') {
          const mirror = attributeString(node, 'mode');
          if (mirror !== 'REFLECT')
            throw new UnsupportedOpError(node.op, node.name, `mode "${mirror}" (only REFLECT maps to ONNX)`);
          mode = 'reflect';
        }
        emit('Pad', padInputs, [node.name], { mode });
        break;
      }
      case 'Reshape':
        emit('Reshape', [first, int64Constant(constantInts(second, node))], [node.name]);
        break;
      case 'Squeeze': {
        const axes = attributeInts(node, 'squeeze_dims').length
          ? attributeInts(node, 'squeeze_dims')
          : attributeInts(node, 'axis');
        emit('Squeeze', axes.length ? [first, int64Constant(axes)] : [first], [node.name]);
        break;
      }
      case 'ExpandDims':
        emit('Unsqueeze', [first, int64Constant(constantInts(second, node))], [node.name]);
        break;
      case 'Mean':
      case 'Max':
        emit(node.op === 'Mean' ? 'ReduceMean' : 'ReduceMax', [first], [node.name], {
          axes: constantInts(second, node),
          keepdims: node.attr?.keep_dims?.b ? 1 : 0,
        });
        break;
      case 'Sum':
        emit('ReduceSum', [first, int64Constant(constantInts(second, node))], [node.name], {
          keepdims: node.attr?.keep_dims?.b ? 1 : 0,
        });
        break;
      case 'Softmax':
        emit('Softmax', [first], [node.name], { axis: -1 });
        break;
      case 'ConcatV2': {
        const axis = constantInts(inputs[inputs.length - 1] as string, node)[0] ?? 0;
        emit('Concat', inputs.slice(0, -1), [node.name], { axis });
        break;
      }
      case 'Transpose':
        emit('Transpose', [first], [node.name], { perm: constantInts(second, node) });
        break;
      case 'StridedSlice': {
        const begin = constantInts(second, node);
        const end = constantInts(inputs[2] as string, node);
        const strides = constantInts(inputs[3] as string, node);
        const mask = (key: string) => attributeNumber(node, key, 0);
        if (mask('ellipsis_mask') || mask('new_axis_mask'))
          throw new UnsupportedOpError(node.op, node.name, 'ellipsis_mask / new_axis_mask');
        const shrink = mask('shrink_axis_mask');
        const starts: number[] = [];
        const ends: number[] = [];
        const axes: number[] = [];
        const squeeze: number[] = [];
        begin.forEach((value, axis) => {
          const step = strides[axis] ?? 1;
          const large = step > 0 ? 2 ** 31 - 1 : -(2 ** 31);
          const start = mask('begin_mask') & (1 << axis) ? (step > 0 ? 0 : -1) : value;
          let stop = mask('end_mask') & (1 << axis) ? large : (end[axis] as number);
          if (shrink & (1 << axis)) {
            stop = start + 1 === 0 ? large : start + 1;
            squeeze.push(axis);
          }
          starts.push(start);
          ends.push(stop);
          axes.push(axis);
        });
        const sliced = emit(
          'Slice',
          [first, int64Constant(starts), int64Constant(ends), int64Constant(axes), int64Constant(strides)],
          [squeeze.length ? fresh(node.name) : node.name],
        );
        if (squeeze.length) emit('Squeeze', [sliced, int64Constant(squeeze)], [node.name]);
        break;
      }
      case 'ResizeBilinear': {
        const size = constantInts(second, node);
        const alignCorners = node.attr?.align_corners?.b === true;
        const halfPixel = node.attr?.half_pixel_centers?.b === true;
        const nchw = toNchw(first);
        const shape = emit('Shape', [nchw], [fresh(`${node.name}_shape`)]);
        const batchChannels = emit(
          'Slice',
          [shape, int64Constant([0]), int64Constant([2])],
          [fresh(`${node.name}_nc`)],
        );
        const sizes = emit('Concat', [batchChannels, int64Constant(size)], [fresh(`${node.name}_sizes`)], {
          axis: 0,
        });
        const resized = emit('Resize', [nchw, '', '', sizes], [fresh(node.name)], {
          mode: 'linear',
          coordinate_transformation_mode: alignCorners
            ? 'align_corners'
            : halfPixel
              ? 'half_pixel'
              : 'asymmetric',
        });
        toNhwc(resized, node.name);
        break;
      }
      case 'MatMul': {
        if (node.attr?.transpose_a?.b || node.attr?.transpose_b?.b)
          throw new UnsupportedOpError(node.op, node.name, 'transpose_a/transpose_b (expected neither)');
        emit('MatMul', [operand(first), operand(second)], [node.name]);
        break;
      }
      default:
        throw new UnsupportedOpError(node.op, node.name);
    }
  }

  const outputNames = nodes
    .filter((node) => node.op !== 'Const' && node.op !== 'Placeholder' && !consumed.has(node.name))
    .map((node) => node.name)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (graphInputs.length === 0) throw new ModelFormatError('the TFJS graph has no Placeholder input');
  const graph = new onnx.GraphProto({
    name: options.graphName ?? 'tfjs-graph',
    node: onnxNodes,
    initializer: initializers,
    input: graphInputs,
    output: outputNames.map(
      (name) =>
        new onnx.ValueInfoProto({
          name,
          type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
        }),
    ),
  });
  const modelProto = new onnx.ModelProto({
    irVersion: 7,
    producerName: '@facial-r1/vision',
    opsetImport: [{ domain: '', version: options.opset ?? 13 }],
    graph,
  });
  return {
    bytes: onnx.ModelProto.encode(modelProto).finish(),
    inputs: graphInputs.map((input) => input.name),
    outputs: outputNames,
  };
}
