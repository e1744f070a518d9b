import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX element types used by the tiny models. */
export const ElementType = {
  float: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
} as const;

/** A dimension: a fixed size or a symbolic name. */
export type Dimension = number | string;

/** Collects nodes, initializers, inputs and outputs of one ONNX graph. */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;

  /** @param name the graph's name */
  constructor(private readonly name: string) {}

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

  /** Adds a float initializer. */
  floats(prefix: string, dims: readonly number[], values: Float32Array): string {
    const name = this.fresh(prefix);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: ElementType.float,
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
    return name;
  }

  /** Adds an int64 initializer. */
  int64s(prefix: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.fresh(prefix);
    const data = BigInt64Array.from(values, (value) => BigInt(value));
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: ElementType.int64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  /** Adds a node and returns its first output's name (or the given output names' first). */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, number | readonly number[] | string> = {},
    outputs: readonly string[] = [this.fresh(opType.toLowerCase())],
  ): string {
    this.nodes.push({
      opType,
      input: [...inputs],
      output: [...outputs],
      name: this.fresh(`node_${opType}`),
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return outputs[0] as string;
  }

  /**
   * Serialises the graph with its initializers in a separate file, as exporters do for models
   * over 2 GB: the bytes of each tensor of at least `threshold` bytes go to `location` (a path
   * relative to the model file) and the tensor records `data_location: EXTERNAL` with its offset
   * and length there; smaller ones (shapes, axes) stay inline, as `onnx`'s
   * `convert_model_to_external_data` leaves them by default (shape inference needs them).
   */
  encodeWithExternalData(
    location: string,
    { opset = 17, threshold = 1024 }: { opset?: number; threshold?: number } = {},
  ): { model: Uint8Array; data: Uint8Array } {
    let offset = 0;
    const chunks: Uint8Array[] = [];
    const saved = this.initializers.map((tensor) => ({ ...tensor }));
    for (const tensor of this.initializers) {
      const bytes = tensor.rawData as Uint8Array;
      if (bytes.byteLength < threshold) continue;
      chunks.push(bytes);
      tensor.rawData = undefined;
      tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      tensor.externalData = [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.byteLength) },
      ];
      offset += bytes.byteLength;
    }
    const model = this.encode(opset);
    this.initializers.splice(0, this.initializers.length, ...saved);
    const data = new Uint8Array(offset);
    let at = 0;
    for (const chunk of chunks) {
      data.set(chunk, at);
      at += chunk.byteLength;
    }
    return { model, data };
  }

  /** Serialises the graph as a model with the given opset. */
  encode(opset = 17): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: '@facial-r1/tiny-models',
      opsetImport: [{ domain: '', version: opset }],
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
