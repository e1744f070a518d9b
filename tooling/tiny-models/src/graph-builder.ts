import { writeSync } from 'node:fs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX element types used by the tiny models. */
export const ElementType = {
  float: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
} as const;

/** A dimension: a fixed size or a symbolic name. */
export type Dimension = number | string;

/** Where large initializers go while the graph is built (see {@link GraphBuilder}). */
export interface ExternalDataSink {
  /** An open file descriptor of `<graph>.onnx_data`, written in order. */
  readonly fd: number;
  /** The data file's path relative to the model file. */
  readonly location: string;
  /** Tensors of at least this many bytes go to the file. Default 1024. */
  readonly threshold?: number;
}

const float32Scratch = new Float32Array(1);
const uint32Scratch = new Uint32Array(float32Scratch.buffer);

/** IEEE 754 half-precision bits of a float, rounded to nearest even (as numpy's `astype(float16)`). */
export function toHalfBits(value: number): number {
  float32Scratch[0] = value;
  const bits = uint32Scratch[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const rounded = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (rounded + (remainder > halfway || (remainder === halfway && rounded & 1) ? 1 : 0));
  }
  const rounded = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  return sign | (rounded + (remainder > 0x1000 || (remainder === 0x1000 && rounded & 1) ? 1 : 0));
}

/** Half-precision bits of every value. */
export function toHalfArray(values: Float32Array): Uint16Array {
  const half = new Uint16Array(values.length);
  for (let index = 0; index < values.length; index += 1) half[index] = toHalfBits(values[index] as number);
  return half;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Collects nodes, initializers, inputs and outputs of one ONNX graph. Float initializers are
 * stored in the graph's float type (`float` or `float16`). With an external-data sink, every
 * initializer of at least `threshold` bytes is written to the data file as soon as it is added
 * (the tensor records `data_location: EXTERNAL`, its offset and length), so a model of any size
 * is built without holding its weights in memory; smaller ones (shapes, axes) stay inline, as
 * `onnx`'s `convert_model_to_external_data` leaves them by default (shape inference needs them).
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;
  private externalOffset = 0;
  private usesContribOps = false;
  /** The element type of float activations and float initializers. */
  readonly floatType: number;

  /**
   * @param name the graph's name
   * @param options `floatType` (default float32); `externalData`: where large initializers are
   * streamed; `opAttributes`: attributes every node of an op type gets, e.g.
   * `{ MatMulNBits: { accuracy_level: 4 } }` (a node's own attributes win)
   */
  constructor(
    private readonly name: string,
    private readonly options: {
      floatType?: number;
      externalData?: ExternalDataSink;
      opAttributes?: Readonly<Record<string, Record<string, number | readonly number[] | string>>>;
    } = {},
  ) {
    this.floatType = options.floatType ?? ElementType.float;
  }

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  /** Declares a graph input. */
  input(name: string, type: number, shape: readonly Dimension[]): string {
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  /** Declares a graph output. */
  output(name: string, type: number, shape: readonly Dimension[]): void {
    this.outputs.push(valueInfo(name, type, shape));
  }

  /** Adds an initializer of any element type from its raw little-endian bytes. */
  tensor(prefix: string, dims: readonly number[], dataType: number, data: ArrayBufferView): string {
    const name = this.fresh(prefix);
    const bytes = bytesOf(data);
    const sink = this.options.externalData;
    if (sink && bytes.byteLength >= (sink.threshold ?? 1024)) {
      let written = 0;
      while (written < bytes.byteLength)
        written += writeSync(sink.fd, bytes, written, bytes.byteLength - written);
      this.initializers.push({
        name,
        dims: [...dims],
        dataType,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: sink.location },
          { key: 'offset', value: String(this.externalOffset) },
          { key: 'length', value: String(bytes.byteLength) },
        ],
      });
      this.externalOffset += bytes.byteLength;
      return name;
    }
    // Copied: the caller may reuse its buffer.
    this.initializers.push({ name, dims: [...dims], dataType, rawData: bytes.slice() });
    return name;
  }

  /** Adds a float initializer in the graph's float type. */
  floats(prefix: string, dims: readonly number[], values: Float32Array): string {
    return this.floatType === ElementType.float16
      ? this.tensor(prefix, dims, ElementType.float16, toHalfArray(values))
      : this.tensor(prefix, dims, ElementType.float, values);
  }

  /** Adds a float32 initializer whatever the graph's float type. */
  floats32(prefix: string, dims: readonly number[], values: Float32Array): string {
    return this.tensor(prefix, dims, ElementType.float, values);
  }

  /** Adds an int64 initializer. */
  int64s(prefix: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.tensor(
      prefix,
      dims,
      ElementType.int64,
      BigInt64Array.from(values, (value) => BigInt(value)),
    );
  }

  /** Adds a node and returns its first output's name (or the given output names' first). */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, number | readonly number[] | string> = {},
    outputs: readonly string[] = [this.fresh(opType.toLowerCase())],
    domain = '',
  ): string {
    if (domain === 'com.microsoft') this.usesContribOps = true;
    this.nodes.push({
      opType,
      domain,
      input: [...inputs],
      output: [...outputs],
      name: this.fresh(`node_${opType}`),
      attribute: Object.entries({ ...this.options.opAttributes?.[opType], ...attributes }).map(
        ([name, value]) => attribute(name, value),
      ),
    });
    return outputs[0] as string;
  }

  /** Casts a float32 value to the graph's float type (no node when they agree). */
  toFloatType(value: string): string {
    return this.floatType === ElementType.float ? value : this.node('Cast', [value], { to: this.floatType });
  }

  /** Serialises the graph as a model with the given opset (external initializers stay references). */
  encode(opset = 17): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: '@facial-r1/tiny-models',
      opsetImport: [
        { domain: '', version: opset },
        ...(this.usesContribOps ? [{ domain: 'com.microsoft', version: 1 }] : []),
      ],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, type: number, shape: readonly Dimension[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: type,
        shape: {
          dim: shape.map((dimension) =>
            typeof dimension === 'number' ? { dimValue: dimension } : { dimParam: dimension },
          ),
        },
      },
    },
  };
}

function attribute(name: string, value: number | readonly number[] | string): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Object.is(value, -0)
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.FLOAT, f: value };
  }
  return { name, type: AttributeType.INTS, ints: [...value] };
}
