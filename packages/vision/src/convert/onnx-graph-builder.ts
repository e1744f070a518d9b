import onnxProto from 'onnx-proto';
import { UnsupportedOpError } from '../errors';
import type { TfjsAttribute, TfjsGraphModel, TfjsNode } from './read-tfjs-graph-model';

const { onnx } = onnxProto;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;

/** An ONNX attribute value as the op handlers write it. */
export type OnnxAttributeValue = number | number[] | string | { floats: number[] };

export const decodeString = (value: string | undefined) =>
  value ? Buffer.from(value, 'base64').toString('utf8') : '';
export const attributeInts = (node: TfjsNode, key: string) =>
  (node.attr?.[key]?.list?.i ?? []).map((value) => Number(value));
export const attributeString = (node: TfjsNode, key: string) => decodeString(node.attr?.[key]?.s);
export const attributeNumber = (node: TfjsNode, key: string, fallback: number) => {
  const attribute: TfjsAttribute | undefined = node.attr?.[key];
  if (attribute?.f !== undefined) return Number(attribute.f);
  if (attribute?.i !== undefined) return Number(attribute.i);
  return fallback;
};

/** Tensor name of a TF input reference: `node` -> `node`, `node:0` -> `node`, `node:2` -> `node:2`. */
export const tensorName = (reference: string) =>
  reference.endsWith(':0') ? reference.slice(0, -2) : reference;

/** A node's data inputs (control inputs `^name` dropped) as tensor names. */
export const dataInputs = (node: TfjsNode) =>
  (node.input ?? []).filter((reference) => !reference.startsWith('^')).map(tensorName);

/**
 * The ONNX graph under construction while a TFJS graph is converted: the nodes, initializers and
 * graph inputs emitted so far, plus the helpers the op handlers write them with. Emission order
 * and the fresh-name counter decide the serialized bytes, so handlers must call these in a fixed
 * order.
 */
export interface OnnxGraphBuilder {
  /** The TFJS model being converted (its weights are the constants). */
  readonly model: TfjsGraphModel;
  readonly nodes: NodeProto[];
  readonly initializers: TensorProto[];
  readonly graphInputs: ValueInfoProto[];
  /** A name not used before, derived from `base`. */
  fresh(base: string): string;
  /** The constant weight behind `reference`; throws {@link UnsupportedOpError} naming `consumer` if there is none. */
  constant(reference: string, consumer: TfjsNode): NonNullable<ReturnType<TfjsGraphModel['weights']['get']>>;
  /** {@link OnnxGraphBuilder.constant} as plain numbers. */
  constantInts(reference: string, consumer: TfjsNode): number[];
  /** Adds an initializer once (by name) and returns its name. */
  addInitializer(
    name: string,
    dims: number[],
    data: Float32Array | number[],
    type: 'float' | 'int64',
  ): string;
  /** A 1-D int64 initializer holding `values`. */
  int64Constant(values: number[]): string;
  /** A float32 scalar initializer. */
  floatScalar(value: number): string;
  /** A tensor reference; a constant weight becomes an initializer of the same name. */
  operand(reference: string): string;
  /** Appends a node and returns its first output. */
  emit(
    opType: string,
    inputs: string[],
    outputs: string[],
    attributes?: Record<string, OnnxAttributeValue>,
  ): string;
  /** NHWC -> NCHW Transpose into a fresh tensor. */
  toNchw(input: string): string;
  /** NCHW -> NHWC Transpose into `output`. */
  toNhwc(input: string, output: string): string;
  /** Declares a float graph input. */
  addGraphInput(name: string, dims: ({ dimValue: number } | { dimParam: string })[]): void;
}

const toAttribute = (name: string, value: OnnxAttributeValue) => {
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
};

/** Starts an empty ONNX graph for converting `model`. */
export function createOnnxGraphBuilder(model: TfjsGraphModel): OnnxGraphBuilder {
  const byName = new Map(model.json.modelTopology.node.map((node) => [node.name, node]));
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const initializerNames = new Set<string>();
  const graphInputs: ValueInfoProto[] = [];
  let counter = 0;

  const builder: OnnxGraphBuilder = {
    model,
    nodes,
    initializers,
    graphInputs,
    fresh: (base) => `${base}__${counter++}`,
    constant(reference, consumer) {
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
    },
    constantInts: (reference, consumer) => Array.from(builder.constant(reference, consumer).data),
    addInitializer(name, dims, data, type) {
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
        tensor.rawData = new Uint8Array(
          BigInt64Array.from(Array.from(data, (value) => BigInt(value))).buffer,
        );
      }
      initializers.push(tensor);
      return name;
    },
    int64Constant: (values) =>
      builder.addInitializer(
        `const_i64_${values.join('_').replaceAll('-', 'm')}`,
        [values.length],
        values,
        'int64',
      ),
    floatScalar: (value) => builder.addInitializer(`const_f32_${value}`, [], [value], 'float'),
    operand(reference) {
      const weight = model.weights.get(reference);
      if (!weight) return reference;
      return builder.addInitializer(reference, weight.shape, Float32Array.from(weight.data), 'float');
    },
    emit(opType, inputs, outputs, attributes = {}) {
      const attribute = Object.entries(attributes).map(([name, value]) => toAttribute(name, value));
      nodes.push(new onnx.NodeProto({ opType, input: inputs, output: outputs, name: outputs[0], attribute }));
      return outputs[0] as string;
    },
    toNchw: (input) =>
      builder.emit('Transpose', [input], [builder.fresh(`${input}_nchw`)], { perm: [0, 3, 1, 2] }),
    toNhwc: (input, output) => builder.emit('Transpose', [input], [output], { perm: [0, 2, 3, 1] }),
    addGraphInput(name, dims) {
      graphInputs.push(
        new onnx.ValueInfoProto({
          name,
          type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims } } },
        }),
      );
    },
  };
  return builder;
}
