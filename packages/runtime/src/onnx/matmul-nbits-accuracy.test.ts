import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import fc from 'fast-check';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMatMulNBitsAccuracyLevel } from './matmul-nbits-accuracy';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;

/** The model's nodes as plain JSON, with `accuracy_level` taken out of every node. */
function withoutLevels(bytes: Uint8Array): unknown {
  const model = onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number, bytes: Array });
  const strip = (graph: { node?: Node[] } | undefined) => {
    for (const node of graph?.node ?? []) {
      node.attribute = (node.attribute ?? []).filter((attribute) => attribute.name !== 'accuracy_level');
      for (const attribute of node.attribute) {
        strip(attribute.g as never);
        for (const inner of attribute.graphs ?? []) strip(inner as never);
      }
    }
  };
  strip(model.graph);
  return model;
}

/** `accuracy_level` values of each MatMulNBits node, in graph order, subgraphs after their node. */
function levels(bytes: Uint8Array): number[][] {
  const found: number[][] = [];
  const visit = (graph: onnxProto.onnx.IGraphProto | null | undefined) => {
    for (const node of graph?.node ?? []) {
      if (node.opType === 'MatMulNBits')
        found.push(
          (node.attribute ?? [])
            .filter((attribute) => attribute.name === 'accuracy_level')
            .map((attribute) => Number(attribute.i)),
        );
      for (const attribute of node.attribute ?? []) {
        visit(attribute.g);
        for (const inner of attribute.graphs ?? []) visit(inner);
      }
    }
  };
  visit(onnx.ModelProto.decode(bytes).graph);
  return found;
}

/** A 4-bit `[1, 32] x [32, 8]` MatMulNBits node (all weights the code 9, scale `scale`). */
function matMulNBits(
  name: string,
  scale: number,
): { node: Node; initializers: onnxProto.onnx.ITensorProto[] } {
  return {
    node: {
      opType: 'MatMulNBits',
      domain: 'com.microsoft',
      name,
      input: ['x', `${name}_b`, `${name}_scales`],
      output: [`${name}_y`],
      attribute: [
        { name: 'K', type: onnx.AttributeProto.AttributeType.INT, i: 32 },
        { name: 'N', type: onnx.AttributeProto.AttributeType.INT, i: 8 },
        { name: 'bits', type: onnx.AttributeProto.AttributeType.INT, i: 4 },
        { name: 'block_size', type: onnx.AttributeProto.AttributeType.INT, i: 32 },
      ],
    },
    initializers: [
      {
        name: `${name}_b`,
        dims: [8, 1, 16],
        dataType: onnx.TensorProto.DataType.UINT8,
        rawData: new Uint8Array(128).fill(0x99),
      },
      {
        name: `${name}_scales`,
        dims: [8],
        dataType: onnx.TensorProto.DataType.FLOAT,
        floatData: new Array(8).fill(scale),
      },
    ],
  };
}

/** A model whose only MatMulNBits nodes sit in the two branches of an If (as merged decoders nest layers). */
function ifModel(): Uint8Array {
  const branch = (name: string, scale: number): onnxProto.onnx.IGraphProto => {
    const { node, initializers } = matMulNBits(name, scale);
    return {
      name,
      node: [node],
      initializer: initializers,
      output: [valueInfo(`${name}_y`, [1, 8])],
    };
  };
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: 'branches',
      node: [
        {
          opType: 'If',
          input: ['use_first'],
          output: ['y'],
          attribute: [
            { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('first', 0.5) },
            { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('second', 2) },
          ],
        },
      ],
      input: [valueInfo('use_first', [], onnx.TensorProto.DataType.BOOL), valueInfo('x', [1, 32])],
      output: [valueInfo('y', [1, 8])],
    },
  }).finish();
}

function valueInfo(name: string, dims: number[], elemType: number = onnx.TensorProto.DataType.FLOAT) {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } },
  };
}

describe('setMatMulNBitsAccuracyLevel', () => {
  let root: string;
  let q4: Uint8Array;
  let fp32: Uint8Array;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'fr1-accuracy-'));
    await writeTinyQwenVLModel(root, { architecture: 'qwen2-vl', seed: 4, dtypes: ['fp32', 'q4'] });
    q4 = await readFile(path.join(root, 'onnx', 'decoder_model_merged_q4.onnx'));
    fp32 = await readFile(path.join(root, 'onnx', 'decoder_model_merged.onnx'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('sets the level on every MatMulNBits node of an export and changes nothing else', async () => {
    const before = levels(q4);
    expect(before.length).toBeGreaterThan(4);
    expect(before.every((found) => found.length === 0)).toBe(true);
    const { bytes, nodes } = setMatMulNBitsAccuracyLevel(q4, 4);
    expect(nodes).toBe(before.length);
    expect(levels(bytes)).toEqual(before.map(() => [4]));
    expect(withoutLevels(bytes)).toEqual(withoutLevels(q4));
    // onnxruntime loads the rewritten bytes.
    await (await ort.InferenceSession.create(bytes)).release();
  });

  it('replaces a level the export set, never adds a second one', () => {
    const once = setMatMulNBitsAccuracyLevel(q4, 1).bytes;
    const twice = setMatMulNBitsAccuracyLevel(once, 4);
    expect(levels(twice.bytes)).toEqual(levels(once).map(() => [4]));
  });

  it('rewrites MatMulNBits inside control-flow subgraphs, and the model still computes', async () => {
    const model = ifModel();
    const { bytes, nodes } = setMatMulNBitsAccuracyLevel(model, 4);
    expect(nodes).toBe(2);
    expect(levels(bytes)).toEqual([[4], [4]]);
    const session = await ort.InferenceSession.create(bytes);
    const x = new ort.Tensor('float32', new Float32Array(32).fill(1), [1, 32]);
    for (const [first, scale] of [
      [true, 0.5],
      [false, 2],
    ] as const) {
      const { y } = await session.run({ use_first: new ort.Tensor('bool', [first], []), x });
      // Each weight is (9 - 8) * scale; 32 of them times an input of 1.
      expect(Array.from(y?.data as Float32Array)).toEqual(new Array(8).fill(32 * scale));
    }
    await session.release();
  });

  it('returns the same bytes when there is no MatMulNBits node', () => {
    const result = setMatMulNBitsAccuracyLevel(fp32, 4);
    expect(result.nodes).toBe(0);
    expect(result.bytes).toBe(fp32);
  });

  it('rejects levels onnxruntime does not define', () => {
    expect(() => setMatMulNBitsAccuracyLevel(q4, 0 as 1)).toThrow(RangeError);
    expect(() => setMatMulNBitsAccuracyLevel(q4, 5 as 1)).toThrow(/expected 1 \(fp32\)/);
  });

  it('throws, never loops or returns garbage, on bytes that are not a complete model', () => {
    expect(() => setMatMulNBitsAccuracyLevel(q4.subarray(0, q4.length - 7), 4)).toThrow(
      /past the end|index out of range/,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (random, named) => {
        // Half the inputs carry the op's name, so they are parsed rather than skipped.
        const bytes = named ? Buffer.concat([random, Buffer.from('MatMulNBits'), random]) : random;
        try {
          const result = setMatMulNBitsAccuracyLevel(bytes, 4);
          // Only bytes that parse as a message with no MatMulNBits come back, unchanged.
          expect(result.nodes).toBe(0);
          expect(result.bytes).toBe(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
    );
  });

  it('touches exactly the com.microsoft MatMulNBits nodes of any node list (property)', () => {
    const attribute = fc.record({
      name: fc.constantFrom('accuracy_level', 'K', 'alpha', 'axis'),
      type: fc.constant(onnx.AttributeProto.AttributeType.INT),
      i: fc.integer({ min: 0, max: 99 }),
    });
    const node = fc.record({
      opType: fc.constantFrom('MatMulNBits', 'MatMul', 'Add'),
      domain: fc.constantFrom('com.microsoft', ''),
      name: fc.string({ maxLength: 6 }),
      input: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
      attribute: fc.uniqueArray(attribute, { selector: (item) => item.name, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(node, { maxLength: 8 }), fc.constantFrom(1, 2, 3, 4), (nodes, level) => {
        const bytes = onnx.ModelProto.encode({ irVersion: 8, graph: { name: 'g', node: nodes } }).finish();
        const result = setMatMulNBitsAccuracyLevel(bytes, level as 1 | 2 | 3 | 4);
        const target = (item: (typeof nodes)[number]) =>
          item.opType === 'MatMulNBits' && item.domain === 'com.microsoft';
        expect(result.nodes).toBe(nodes.filter(target).length);
        const decoded = onnx.ModelProto.decode(result.bytes).graph?.node ?? [];
        decoded.forEach((item, index) => {
          const original = nodes[index]!;
          const kept = (list: typeof original.attribute) =>
            list
              .filter((entry) => !target(original) || entry.name !== 'accuracy_level')
              .map((entry) => [entry.name, Number(entry.i)]);
          expect(kept((item.attribute ?? []) as never)).toEqual(kept(original.attribute));
          const own = (item.attribute ?? [])
            .filter((entry) => entry.name === 'accuracy_level')
            .map((entry) => Number(entry.i));
          if (target(original)) expect(own).toEqual([level]);
        });
      }),
    );
  });
});
