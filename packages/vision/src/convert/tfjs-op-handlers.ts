import { ModelFormatError, UnsupportedOpError } from '../errors';
import {
  attributeInts,
  attributeNumber,
  attributeString,
  dataInputs,
  decodeString,
  type OnnxGraphBuilder,
  tensorName,
} from './onnx-graph-builder';
import type { TfjsNode } from './read-tfjs-graph-model';

/** Translates one TFJS node into ONNX nodes written to the graph builder (its output keeps the node's name). */
export type TfjsOpHandler = (node: TfjsNode, graph: OnnxGraphBuilder) => void;

const applyActivation = (
  graph: OnnxGraphBuilder,
  activation: string,
  input: string,
  output: string,
  node: TfjsNode,
  extra: string[],
) => {
  switch (activation) {
    case 'Relu':
      return graph.emit('Relu', [input], [output]);
    case 'Relu6':
      return graph.emit('Clip', [input, graph.floatScalar(0), graph.floatScalar(6)], [output]);
    case 'Sigmoid':
      return graph.emit('Sigmoid', [input], [output]);
    case 'Tanh':
      return graph.emit('Tanh', [input], [output]);
    case 'Elu':
      return graph.emit('Elu', [input], [output], { alpha: 1 });
    case 'LeakyRelu':
      return graph.emit('LeakyRelu', [input], [output], {
        alpha: attributeNumber(node, 'leakyrelu_alpha', 0.2),
      });
    case 'Prelu': {
      const alpha = extra[0];
      if (!alpha) throw new UnsupportedOpError(node.op, node.name, 'Prelu fusion without an alpha input');
      return graph.emit('PRelu', [input, alpha], [output]);
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

/** TF HWIO (or H W Cin multiplier) filter -> ONNX OIHW (depthwise: [Cin*multiplier, 1, H, W]). */
const filterToOihw = (filter: { shape: number[]; data: Float32Array | Int32Array }, depthwise: boolean) => {
  const [height, width, channelsIn, channelsOut] = filter.shape as [number, number, number, number];
  const weights = new Float32Array(filter.data.length);
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
  return { weights, dims: [outputs, inputsPerGroup, height, width], channelsIn };
};

const convolution =
  (depthwise: boolean): TfjsOpHandler =>
  (node, graph) => {
    checkLayout(node);
    const inputs = (node.input ?? []).filter((reference) => !reference.startsWith('^'));
    const [x, filterReference, ...rest] = inputs;
    if (!x || !filterReference)
      throw new ModelFormatError(`node "${node.name}" (${node.op}) has fewer than 2 inputs`);
    const { weights, dims, channelsIn } = filterToOihw(graph.constant(filterReference, node), depthwise);
    const [outputs, , height, width] = dims as [number, number, number, number];
    const weightName = graph.addInitializer(`${node.name}/weights`, dims, weights, 'float');
    const fused = (node.attr?.fused_ops?.list?.s ?? []).map(decodeString);
    const convInputs = [graph.toNchw(tensorName(x)), weightName];
    let extras = rest.map(tensorName);
    if (fused[0] === 'BiasAdd') {
      const bias = graph.constant(rest[0] as string, node);
      convInputs.push(
        graph.addInitializer(`${node.name}/bias`, [outputs], bias.data as Float32Array, 'float'),
      );
      extras = extras.slice(1);
    } else if (fused.length > 0) {
      throw new UnsupportedOpError(
        node.op,
        node.name,
        `fused ops [${fused.join(', ')}] (expected BiasAdd first)`,
      );
    }
    extras = extras.map(graph.operand);
    const strides = attributeInts(node, 'strides');
    const dilations = attributeInts(node, 'dilations');
    const convOutput = graph.emit('Conv', convInputs, [graph.fresh(`${node.name}_conv`)], {
      ...spatialPadding(node),
      strides: [strides[1] ?? 1, strides[2] ?? 1],
      dilations: [dilations[1] ?? 1, dilations[2] ?? 1],
      kernel_shape: [height, width],
      group: depthwise ? channelsIn : 1,
    });
    const activation = fused[1];
    if (!activation) {
      graph.toNhwc(convOutput, node.name);
      return;
    }
    const nhwc = graph.toNhwc(convOutput, graph.fresh(`${node.name}_nhwc`));
    applyActivation(graph, activation, nhwc, node.name, node, extras);
  };

const pool =
  (onnxOp: 'MaxPool' | 'AveragePool'): TfjsOpHandler =>
  (node, graph) => {
    checkLayout(node);
    const [first = ''] = dataInputs(node);
    const size = attributeInts(node, 'ksize');
    const strides = attributeInts(node, 'strides');
    const pooled = graph.emit(onnxOp, [graph.toNchw(first)], [graph.fresh(node.name)], {
      ...spatialPadding(node),
      kernel_shape: [size[1] ?? 1, size[2] ?? 1],
      strides: [strides[1] ?? 1, strides[2] ?? 1],
    });
    graph.toNhwc(pooled, node.name);
  };

const binary =
  (onnxOp: string): TfjsOpHandler =>
  (node, graph) => {
    const [first = '', second = ''] = dataInputs(node);
    graph.emit(onnxOp, [graph.operand(first), graph.operand(second)], [node.name]);
  };

const activation: TfjsOpHandler = (node, graph) => {
  const [first = ''] = dataInputs(node);
  applyActivation(graph, node.op, first, node.name, node, []);
};

const pad =
  (variant: 'constant' | 'constant-value' | 'mirror'): TfjsOpHandler =>
  (node, graph) => {
    const inputs = dataInputs(node);
    const [first = '', second = ''] = inputs;
    const paddings = graph.constantInts(second, node);
    const rank = paddings.length / 2;
    const pads = [
      ...Array.from({ length: rank }, (_, axis) => paddings[axis * 2] as number),
      ...Array.from({ length: rank }, (_, axis) => paddings[axis * 2 + 1] as number),
    ];
    const padInputs = [first, graph.int64Constant(pads)];
    let mode = 'constant';
    if (variant === 'constant-value')
      padInputs.push(graph.floatScalar(Number(graph.constant(inputs[2] as string, node).data[0])));
    if (variant === 'mirror') {
      const mirror = attributeString(node, 'mode');
      if (mirror !== 'REFLECT')
        throw new UnsupportedOpError(node.op, node.name, `mode "${mirror}" (only REFLECT maps to ONNX)`);
      mode = 'reflect';
    }
    graph.emit('Pad', padInputs, [node.name], { mode });
  };

const reduceWithAxesAttribute =
  (onnxOp: 'ReduceMean' | 'ReduceMax'): TfjsOpHandler =>
  (node, graph) => {
    const [first = '', second = ''] = dataInputs(node);
    graph.emit(onnxOp, [first], [node.name], {
      axes: graph.constantInts(second, node),
      keepdims: node.attr?.keep_dims?.b ? 1 : 0,
    });
  };

const stridedSlice: TfjsOpHandler = (node, graph) => {
  const inputs = dataInputs(node);
  const [first = '', second = ''] = inputs;
  const begin = graph.constantInts(second, node);
  const end = graph.constantInts(inputs[2] as string, node);
  const strides = graph.constantInts(inputs[3] as string, node);
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
  const sliced = graph.emit(
    'Slice',
    [
      first,
      graph.int64Constant(starts),
      graph.int64Constant(ends),
      graph.int64Constant(axes),
      graph.int64Constant(strides),
    ],
    [squeeze.length ? graph.fresh(node.name) : node.name],
  );
  if (squeeze.length) graph.emit('Squeeze', [sliced, graph.int64Constant(squeeze)], [node.name]);
};

const resizeBilinear: TfjsOpHandler = (node, graph) => {
  const [first = '', second = ''] = dataInputs(node);
  const size = graph.constantInts(second, node);
  const alignCorners = node.attr?.align_corners?.b === true;
  const halfPixel = node.attr?.half_pixel_centers?.b === true;
  const nchw = graph.toNchw(first);
  const shape = graph.emit('Shape', [nchw], [graph.fresh(`${node.name}_shape`)]);
  const batchChannels = graph.emit(
    'Slice',
    [shape, graph.int64Constant([0]), graph.int64Constant([2])],
    [graph.fresh(`${node.name}_nc`)],
  );
  const sizes = graph.emit(
    'Concat',
    [batchChannels, graph.int64Constant(size)],
    [graph.fresh(`${node.name}_sizes`)],
    { axis: 0 },
  );
  const resized = graph.emit('Resize', [nchw, '', '', sizes], [graph.fresh(node.name)], {
    mode: 'linear',
    coordinate_transformation_mode: alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric',
  });
  graph.toNhwc(resized, node.name);
};

/**
 * One handler per supported TFJS op, in the order {@link SUPPORTED_TFJS_OPS} lists them. The
 * supported-op list is derived from this table's keys, so adding an op here is the whole change.
 */
export const TFJS_OP_HANDLERS = {
  // Constants become initializers where a consumer reads them.
  Const: () => {},
  Placeholder: (node, graph) => {
    const dims = (node.attr?.shape?.shape?.dim ?? []).map((dim, index) =>
      Number(dim.size) >= 0
        ? { dimValue: Number(dim.size) }
        : { dimParam: index === 0 ? 'batch' : `dim${index}` },
    );
    graph.addGraphInput(node.name, dims);
  },
  Identity: (node, graph) => {
    const [first = ''] = dataInputs(node);
    graph.emit('Identity', [first], [node.name]);
  },
  Conv2D: convolution(false),
  _FusedConv2D: convolution(false),
  DepthwiseConv2dNative: convolution(true),
  FusedDepthwiseConv2dNative: convolution(true),
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
  AddV2: binary('Add'),
  Add: binary('Add'),
  BiasAdd: binary('Add'),
  Mul: binary('Mul'),
  Sub: binary('Sub'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Relu: activation,
  Relu6: activation,
  Elu: activation,
  LeakyRelu: activation,
  Prelu: (node, graph) => {
    const [first = '', second = ''] = dataInputs(node);
    const alpha = graph.constant(second, node);
    applyActivation(graph, 'Prelu', first, node.name, node, [
      graph.addInitializer(second, alpha.shape, alpha.data as Float32Array, 'float'),
    ]);
  },
  Sigmoid: activation,
  Tanh: activation,
  Pad: pad('constant'),
  PadV2: pad('constant-value'),
  MirrorPad: pad('mirror'),
  Reshape: (node, graph) => {
    const [first = '', second = ''] = dataInputs(node);
    graph.emit('Reshape', [first, graph.int64Constant(graph.constantInts(second, node))], [node.name]);
  },
  Squeeze: (node, graph) => {
    const [first = ''] = dataInputs(node);
    const axes = attributeInts(node, 'squeeze_dims').length
      ? attributeInts(node, 'squeeze_dims')
      : attributeInts(node, 'axis');
    graph.emit('Squeeze', axes.length ? [first, graph.int64Constant(axes)] : [first], [node.name]);
  },
  ExpandDims: (node, graph) => {
    const [first = '', second = ''] = dataInputs(node);
    graph.emit('Unsqueeze', [first, graph.int64Constant(graph.constantInts(second, node))], [node.name]);
  },
  Mean: reduceWithAxesAttribute('ReduceMean'),
  Sum: (node, graph) => {
    const [first = '', second = ''] = dataInputs(node);
    graph.emit('ReduceSum', [first, graph.int64Constant(graph.constantInts(second, node))], [node.name], {
      keepdims: node.attr?.keep_dims?.b ? 1 : 0,
    });
  },
  Max: reduceWithAxesAttribute('ReduceMax'),
  Softmax: (node, graph) => {
    const [first = ''] = dataInputs(node);
    graph.emit('Softmax', [first], [node.name], { axis: -1 });
  },
  ConcatV2: (node, graph) => {
    const inputs = dataInputs(node);
    const axis = graph.constantInts(inputs[inputs.length - 1] as string, node)[0] ?? 0;
    graph.emit('Concat', inputs.slice(0, -1), [node.name], { axis });
  },
  StridedSlice: stridedSlice,
  Transpose: (node, graph) => {
    const [first = '', second = ''] = dataInputs(node);
    graph.emit('Transpose', [first], [node.name], { perm: graph.constantInts(second, node) });
  },
  ResizeBilinear: resizeBilinear,
  MatMul: (node, graph) => {
    if (node.attr?.transpose_a?.b || node.attr?.transpose_b?.b)
      throw new UnsupportedOpError(node.op, node.name, 'transpose_a/transpose_b (expected neither)');
    const [first = '', second = ''] = dataInputs(node);
    graph.emit('MatMul', [graph.operand(first), graph.operand(second)], [node.name]);
  },
} satisfies Record<string, TfjsOpHandler>;

/** A TFJS op type the converter handles. */
export type TfjsOp = keyof typeof TFJS_OP_HANDLERS;

/** The handler for `op`, or undefined when the op is not supported. */
export function tfjsOpHandler(op: string): TfjsOpHandler | undefined {
  return Object.hasOwn(TFJS_OP_HANDLERS, op) ? TFJS_OP_HANDLERS[op as TfjsOp] : undefined;
}
