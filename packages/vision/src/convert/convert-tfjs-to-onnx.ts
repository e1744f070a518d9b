import onnxProto from 'onnx-proto';
import { ModelFormatError, UnsupportedOpError } from '../errors';
import { createOnnxGraphBuilder, type OnnxGraphBuilder, tensorName } from './onnx-graph-builder';
import type { TfjsGraphModel, TfjsNode } from './read-tfjs-graph-model';
import { TFJS_OP_HANDLERS, type TfjsOp, tfjsOpHandler } from './tfjs-op-handlers';

const { onnx } = onnxProto;

/** The TFJS graph ops this converter handles (the keys of its op-handler table). */
export const SUPPORTED_TFJS_OPS: readonly TfjsOp[] = Object.freeze(Object.keys(TFJS_OP_HANDLERS) as TfjsOp[]);

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
  const graph = createOnnxGraphBuilder(model);
  for (const node of nodes) {
    const handler = tfjsOpHandler(node.op);
    if (!handler) throw new UnsupportedOpError(node.op, node.name);
    handler(node, graph);
  }
  return assembleOnnxModel(graph, graphOutputNames(nodes), options);
}

/** The graph's outputs: nodes nothing consumes (constants and inputs aside), in natural name order. */
function graphOutputNames(nodes: TfjsNode[]): string[] {
  const consumed = new Set<string>();
  for (const node of nodes)
    for (const reference of node.input ?? []) consumed.add(tensorName(reference.replace(/^\^/, '')));
  return nodes
    .filter((node) => node.op !== 'Const' && node.op !== 'Placeholder' && !consumed.has(node.name))
    .map((node) => node.name)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function assembleOnnxModel(
  graph: OnnxGraphBuilder,
  outputNames: string[],
  options: ConvertTfjsToOnnxOptions,
): ConvertedOnnxModel {
  if (graph.graphInputs.length === 0) throw new ModelFormatError('the TFJS graph has no Placeholder input');
  const graphProto = new onnx.GraphProto({
    name: options.graphName ?? 'tfjs-graph',
    node: graph.nodes,
    initializer: graph.initializers,
    input: graph.graphInputs,
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
    graph: graphProto,
  });
  return {
    bytes: onnx.ModelProto.encode(modelProto).finish(),
    inputs: graph.graphInputs.map((input) => input.name),
    outputs: outputNames,
  };
}
